// The x86-64 decoder: Decode() and its routes. The paths themselves are in headers that only this
// file includes, so that they are inlined into the routes: general_decoder.h (every encoding, every
// check), fast_path.h (legacy encodings and VEX, state in locals), hot_path.h and
// hot_vector_paths.h (the common 64-bit legacy, VEX and EVEX forms from compile-time tables).
// References: Intel SDM Vol.2 chapter 2 (instruction format) and appendix A (opcode maps).
#include "frontend/decoder.h"

#include <algorithm>
#include <cstring>

#include "frontend/decode_common.h"
#include "frontend/fast_path.h"
#include "frontend/general_decoder.h"
#include "frontend/hot_path.h"
#include "frontend/hot_vector_paths.h"

namespace kiln::frontend {
namespace {

// The general decoder, from a window of kWindow readable bytes. Out of line, so that the fast
// path's caller keeps a small frame.
[[gnu::noinline]] DecodeStatus DecodeGeneral(const uint8_t* window, size_t size, CpuMode mode,
                                             DecodedInsn& insn) {
  // Reset the header only (one short memset): operands are reset as they are built, and
  // operands past operand_count are unspecified, so a decode does not write 100 unused bytes.
  static_assert(static_cast<int>(Mnemonic::INVALID) == 0 && static_cast<int>(Encoding::kLegacy) == 0 &&
                static_cast<int>(OpcodeMap::kPrimary) == 0);
  std::memset(static_cast<void*>(&insn), 0, offsetof(DecodedInsn, operands));
  insn.prefixes.segment = Seg::kNone;
  Decoder d(window, mode, insn);
  DecodeStatus s = d.Run();
  // Did decoding depend on bytes the caller did not give, or on more than 15?
  const size_t available = std::min<size_t>(size, kMaxInsnLength);
  if (d.Extent() > available) {
    s = size < static_cast<size_t>(kMaxInsnLength) ? DecodeStatus::kNeedMoreBytes : DecodeStatus::kTooLong;
  }
  if (s != DecodeStatus::kOk) {
    insn.mnemonic = Mnemonic::INVALID;
    insn.length = static_cast<uint8_t>(std::min(d.Extent(), available));
  }
  return s;
}

// Both paths, from a window of kWindow readable bytes.
// The fast path for one kind of mode, first without legacy prefixes, then with them. A function
// per mode.
template <bool kIs64>
[[gnu::always_inline]] inline FastResult RunFast(const uint8_t* window, size_t available, CpuMode mode, DecodedInsn& insn) {
  const FastResult r = FastDecoder<false, kIs64>(window, mode).Run(available, insn);
  if (r != FastResult::kPrefixed) return r;
  return FastDecoder<true, kIs64>(window, mode).Run(available, insn);
}

// `available` is min(size, 15), passed by the callers so that it is a constant for full windows.
// kTryHot: try the hot path first (Decode() tries it before it calls here for full windows).
// Also says which path decoded (detail::PathOf); Decode()'s callers drop that, and it folds away.
struct WindowResult {
  DecodeStatus status;
  detail::DecodePath path;
};
template <bool kTryHot>
[[gnu::always_inline]] inline WindowResult DecodeWindowOnPath(const uint8_t* window, size_t size, size_t available,
                                                              CpuMode mode, DecodedInsn& insn) {
  using detail::DecodePath;
  // The hot paths by the first byte's route, as Decode() takes them for full windows.
  const unsigned route = kHotTables.prefix[window[0]].route;
  if (kTryHot && mode == CpuMode::k64 && route == kRouteVex) {
    if (DecodeHotVex64(window, available, insn) == HotResult::kDone) return {DecodeStatus::kOk, DecodePath::kHotVex};
  } else if (kTryHot && mode == CpuMode::k64 && route == kRouteEvex) {
    if (DecodeHotEvex64(window, available, insn) == HotResult::kDone)
      return {DecodeStatus::kOk, DecodePath::kHotEvex};
  } else if (kTryHot && mode == CpuMode::k64) {
    const bool one_prefix = route == kRouteOnePrefix;
    const HotResult h = one_prefix ? DecodeHot64<HotPrefixes::kOne>(window, available, insn)
                                   : DecodeHot64<HotPrefixes::kNone>(window, available, insn);
    if (h == HotResult::kDone) return {DecodeStatus::kOk, one_prefix ? DecodePath::kHotPrefixed : DecodePath::kHot};
    if (h == HotResult::kPrefixed &&
        DecodeHot64<HotPrefixes::kSeveral>(window, available, insn) == HotResult::kDone)
      return {DecodeStatus::kOk, DecodePath::kHotPrefixed};
  }
  const FastResult r = mode == CpuMode::k64 ? RunFast<true>(window, available, mode, insn)
                                            : RunFast<false>(window, available, mode, insn);
  if (r == FastResult::kDone) return {DecodeStatus::kOk, DecodePath::kFast};
  return {DecodeGeneral(window, size, mode, insn), DecodePath::kGeneral};
}
template <bool kTryHot>
[[gnu::always_inline]] inline DecodeStatus DecodeWindow(const uint8_t* window, size_t size, size_t available,
                                                        CpuMode mode, DecodedInsn& insn) {
  return DecodeWindowOnPath<kTryHot>(window, size, available, mode, insn).status;
}

// The caller's bytes when they fill a window, else a zero-padded copy of them in `padded`.
const uint8_t* ReadableWindow(std::span<const uint8_t> bytes, uint8_t (&padded)[kWindow]) {
  if (bytes.size() >= kWindow) return bytes.data();
  if (!bytes.empty()) std::memcpy(padded, bytes.data(), bytes.size());
  return padded;
}

// Decode()'s result for kOk (0) and `length`, made as the 16-bit value it is returned in.
[[gnu::always_inline]] inline DecodeResult OkResult(unsigned length) {
  static_assert(static_cast<int>(DecodeStatus::kOk) == 0 && sizeof(DecodeResult) == 2);
  return std::bit_cast<DecodeResult>(static_cast<uint16_t>(length));
}

// Decode()'s result from a status and what the decode wrote.
[[gnu::always_inline]] inline DecodeResult ResultOf(DecodeStatus status, const DecodedInsn& insn) {
  return {status == DecodeStatus::kOk ? insn.length : uint8_t{0}, status};
}

// Fewer than kWindow bytes: decode from a zero-padded copy (out of line: the copy is rare).
[[gnu::noinline]] DecodeResult DecodeShort(std::span<const uint8_t> bytes, CpuMode mode, DecodedInsn& insn) {
  alignas(16) uint8_t padded[kWindow] = {};
  return ResultOf(DecodeWindow<true>(ReadableWindow(bytes, padded), bytes.size(),
                                     std::min<size_t>(bytes.size(), kMaxInsnLength), mode, insn),
                  insn);
}

// The functions below take full windows: the caller's bytes reach kWindow or further, which is all
// that their size says to the general decoder (at least 15: never "need more bytes"), so that
// they do not take it.

// A full window that the hot path did not decode (out of line: Decode() stays a small function
// around the hot path). `prefixed`: the hot path stopped at a legacy prefix.
[[gnu::noinline]] DecodeResult DecodeFullWindow(const uint8_t* window, CpuMode mode, bool prefixed,
                                                DecodedInsn& insn) {
  unsigned length;
  if (prefixed && DecodeHot64<HotPrefixes::kSeveral>(window, kMaxInsnLength, insn, &length) == HotResult::kDone)
    return OkResult(length);
  return ResultOf(DecodeWindow<false>(window, kWindow, kMaxInsnLength, mode, insn), insn);
}

// VEX and EVEX in 64-bit mode that their hot paths declined, each in a function of its own so
// that the path for one legacy prefix (below) keeps a small frame. The fast path gives up on
// EVEX, so the general decoder decodes it at once.
[[gnu::noinline]] DecodeResult DecodeVexWindow64(const uint8_t* window, DecodedInsn& insn) {
  return ResultOf(DecodeWindow<false>(window, kWindow, kMaxInsnLength, CpuMode::k64, insn), insn);
}
[[gnu::noinline]] DecodeResult DecodeEvexWindow64(const uint8_t* window, DecodedInsn& insn) {
  return ResultOf(DecodeGeneral(window, kWindow, CpuMode::k64, insn), insn);
}

// A full window in 64-bit mode whose first byte routes it past DecodeHot64<kNone> (out of line:
// Decode() stays a small function around the hot path).
[[gnu::noinline]] DecodeResult DecodeFullWindowRouted(const uint8_t* window, unsigned route, DecodedInsn& insn) {
  unsigned length;
  if (route == kRouteVex) {
    if (DecodeHotVex64(window, kMaxInsnLength, insn, &length) == HotResult::kDone) return OkResult(length);
    return DecodeVexWindow64(window, insn);
  }
  if (route == kRouteEvex) {
    if (DecodeHotEvex64(window, kMaxInsnLength, insn, &length) == HotResult::kDone) return OkResult(length);
    return DecodeEvexWindow64(window, insn);
  }
  const HotResult h = DecodeHot64<HotPrefixes::kOne>(window, kMaxInsnLength, insn, &length);
  if (h == HotResult::kDone) return OkResult(length);
  return DecodeFullWindow(window, CpuMode::k64, h == HotResult::kPrefixed, insn);
}

}  // namespace

DecodeStatus detail::DecodeWithoutFastPath(std::span<const uint8_t> bytes, CpuMode mode, DecodedInsn& insn) {
  alignas(16) uint8_t padded[kWindow] = {};
  return DecodeGeneral(ReadableWindow(bytes, padded), bytes.size(), mode, insn);
}

detail::DecodePath detail::PathOf(std::span<const uint8_t> bytes, CpuMode mode) {
  // Decode()'s attempts in Decode()'s order (its shortcut for EVEX skips a fast-path attempt
  // that gives up).
  alignas(16) uint8_t padded[kWindow] = {};
  DecodedInsn insn;
  return DecodeWindowOnPath<true>(ReadableWindow(bytes, padded), bytes.size(),
                                  std::min<size_t>(bytes.size(), kMaxInsnLength), mode, insn)
      .path;
}

namespace {

// A full window in 64-bit mode whose first byte routes it to DecodeHot64<kNone> (90% of libc's
// instructions): that, and the rest where it declines. Compiled once per host instruction set
// (below): BMI2's shifts by a register and three-operand logic take fewer instructions on the hot
// path, which is 5% faster for it in the x86-64-v3 build (docs/performance.md, tenth session).
// The paths out of line are rare, and compiling them twice too did not measure faster.
[[gnu::always_inline]] inline DecodeResult DecodeUnprefixed64(const uint8_t* window, DecodedInsn& insn) {
  unsigned length;
  const HotResult h = DecodeHot64<HotPrefixes::kNone>(window, kMaxInsnLength, insn, &length);
  if (h == HotResult::kDone) return OkResult(length);
  return DecodeFullWindow(window, CpuMode::k64, h == HotResult::kPrefixed, insn);
}
[[gnu::noinline]] DecodeResult DecodeUnprefixed64OnBaselineHost(const uint8_t* window, DecodedInsn& insn) {
  return DecodeUnprefixed64(window, insn);
}
#if KILN_DECODE_FOR_X86_64_V3
[[gnu::noinline, gnu::target("arch=x86-64-v3")]] DecodeResult DecodeUnprefixed64OnX86_64V3Host(const uint8_t* window,
                                                                                            DecodedInsn& insn) {
  return DecodeUnprefixed64(window, insn);
}
#endif

// Decode() through the hot path `kUnprefixed64` (one per host instruction set) or, each by a tail
// call, the other routes: so Decode() saves no registers, and only the hot path pays for the
// registers it saves (the one-prefix path is 5-10% faster than when both shared one function). A
// legacy prefix, VEX or EVEX first (10% of libc's instructions) is told apart before the hot path
// rather than by it: a branch here, which the predictor learns, costs less than the hot path's
// work done for nothing and the branches after it.
template <DecodeResult (*kUnprefixed64)(const uint8_t*, DecodedInsn&)>
[[gnu::always_inline]] inline DecodeResult DecodeVia(std::span<const uint8_t> bytes, CpuMode mode, DecodedInsn& insn) {
  if (bytes.size() < kWindow) [[unlikely]] return DecodeShort(bytes, mode, insn);
  if (mode != CpuMode::k64) [[unlikely]] return DecodeFullWindow(bytes.data(), mode, false, insn);
  if (const unsigned route = kHotTables.prefix[bytes[0]].route) [[unlikely]]
    return DecodeFullWindowRouted(bytes.data(), route, insn);
  return kUnprefixed64(bytes.data(), insn);
}

// The hot path's build for this host. One load and a branch the predictor always gets right: as
// fast as an ifunc (measured), and sanitizers and static builds need nothing special for it.
[[gnu::always_inline]] inline DecodeResult DecodeUnprefixed64OnThisHost(const uint8_t* window, DecodedInsn& insn) {
#if KILN_DECODE_FOR_X86_64_V3
  if (__builtin_cpu_supports("x86-64-v3")) [[likely]] return DecodeUnprefixed64OnX86_64V3Host(window, insn);
#endif
  return DecodeUnprefixed64OnBaselineHost(window, insn);
}

}  // namespace

DecodeResult detail::DecodeOnBaselineHost(std::span<const uint8_t> bytes, CpuMode mode, DecodedInsn& insn) {
  return DecodeVia<DecodeUnprefixed64OnBaselineHost>(bytes, mode, insn);
}

#if KILN_DECODE_FOR_X86_64_V3
DecodeResult detail::DecodeOnX86_64V3Host(std::span<const uint8_t> bytes, CpuMode mode, DecodedInsn& insn) {
  return DecodeVia<DecodeUnprefixed64OnX86_64V3Host>(bytes, mode, insn);
}
#endif

DecodeResult Decode(std::span<const uint8_t> bytes, CpuMode mode, DecodedInsn& insn) {
  return DecodeVia<DecodeUnprefixed64OnThisHost>(bytes, mode, insn);
}

}  // namespace kiln::frontend

