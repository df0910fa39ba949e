// The x86-64 instruction decoder: bytes in, DecodedInsn out. Never throws, never reads past
// the bytes it is given.
#pragma once

#include <cstdint>
#include <span>

#include "frontend/decoded_insn.h"

namespace kiln::frontend {

enum class DecodeStatus : uint8_t {
  kOk,             ///< `insn` holds a valid instruction
  kInvalid,        ///< not a valid encoding in this mode: executing it raises #UD
  kTooLong,        ///< the instruction would exceed 15 bytes: executing it raises #GP(0)
  kNeedMoreBytes,  ///< the buffer ended inside the instruction; call again with more bytes
};

/// Maximum architectural instruction length (SDM Vol.2 2.3.11).
inline constexpr int kMaxInsnLength = 15;

/// Decodes one instruction from the start of `bytes` in `mode`.
/// On kOk, `insn` is fully filled in. On kInvalid and kTooLong, `insn.length` is the number of
/// bytes examined; other fields are unspecified. On kNeedMoreBytes, nothing useful is in `insn`.
DecodeStatus Decode(std::span<const uint8_t> bytes, CpuMode mode, DecodedInsn& insn);

namespace detail {
/// Decode() without its fast path for legacy encodings: the general decoder alone. Only for the
/// tests that check both paths give the same DecodedInsn.
DecodeStatus DecodeWithoutFastPath(std::span<const uint8_t> bytes, CpuMode mode, DecodedInsn& insn);
}  // namespace detail

}  // namespace kiln::frontend
