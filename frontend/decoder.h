// The x86-64 instruction decoder: bytes in, DecodedInsn out. Never throws, never reads past
// the bytes it is given.
#pragma once

#include <cstdint>
#include <span>

#include "frontend/decoded_insn.h"

// Whether the decoder is also compiled for x86-64-v3 hosts (see detail::DecodeOnX86_64V3Host):
// on x86-64 hosts with GCC or clang.
#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#define KILN_DECODE_FOR_X86_64_V3 1
#else
#define KILN_DECODE_FOR_X86_64_V3 0
#endif

namespace kiln::frontend {

enum class DecodeStatus : uint8_t {
  kOk,             ///< `insn` holds a valid instruction
  kInvalid,        ///< not a valid encoding in this mode: executing it raises #UD
  kTooLong,        ///< the instruction would exceed 15 bytes: executing it raises #GP(0)
  kNeedMoreBytes,  ///< the buffer ended inside the instruction; call again with more bytes
};

/// Maximum architectural instruction length (SDM Vol.2 2.3.11).
inline constexpr int kMaxInsnLength = 15;

/// What Decode() returns: its status, and `insn.length` once more, so that a caller that decodes
/// one instruction after another (a disassembler, a block translator) has the next one's start
/// without reading it back from `insn`. That read would wait for the decoder's store of it, and
/// the next decode waits for the read: it is on the path from one decode to the next.
struct DecodeResult {
  uint8_t length;  ///< on kOk, `insn.length`; else 0. First: the low byte of the register it
                   ///< is returned in, so that it is used as it comes
  DecodeStatus status;
  constexpr operator DecodeStatus() const { return status; }  // NOLINT: a status where one is expected
};

/// Decodes one instruction from the start of `bytes` in `mode`.
/// On kOk, `insn` is fully filled in. On kInvalid and kTooLong, `insn.length` is the number of
/// bytes examined; other fields are unspecified. On kNeedMoreBytes, nothing useful is in `insn`.
DecodeResult Decode(std::span<const uint8_t> bytes, CpuMode mode, DecodedInsn& insn);

namespace detail {
/// Decode() without its hot and fast paths: the general decoder alone. Only for the
/// tests that check both paths give the same DecodedInsn.
DecodeStatus DecodeWithoutFastPath(std::span<const uint8_t> bytes, CpuMode mode, DecodedInsn& insn);

/// Which of Decode()'s paths decodes the instruction at the start of `bytes`: the hot path (64-bit
/// mode, no legacy prefix), the hot path for legacy prefixes, the hot paths for VEX and EVEX, the
/// fast path or the general decoder. For the tests that keep the common instructions on the cheap paths and
/// for the benchmarks that measure each path; Decode() itself does not call it.
enum class DecodePath : uint8_t { kHot, kHotPrefixed, kHotVex, kHotEvex, kFast, kGeneral };
DecodePath PathOf(std::span<const uint8_t> bytes, CpuMode mode);

/// Decode() as compiled for every x86-64 host, and (where KILN_DECODE_FOR_X86_64_V3 is 1) for
/// hosts with x86-64-v3, which Decode() calls when the host has it. The same source and the same
/// results: the tests check both, whichever one this host runs.
DecodeResult DecodeOnBaselineHost(std::span<const uint8_t> bytes, CpuMode mode, DecodedInsn& insn);
#if KILN_DECODE_FOR_X86_64_V3
DecodeResult DecodeOnX86_64V3Host(std::span<const uint8_t> bytes, CpuMode mode, DecodedInsn& insn);
#endif
}  // namespace detail

}  // namespace kiln::frontend
