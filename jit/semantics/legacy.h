// Semantics of the smaller legacy general-purpose instructions that are not BCD (bcd.h): MOVBE's
// byte reversal, BOUND's range check, and the RFLAGS images of PUSHF/POPF. Header-only so that
// the interpreter and the JIT share them.
#pragma once

#include <cstdint>

#include "jit/semantics/flags.h"

namespace kiln::jit::sem {

/// MOVBE (SDM Vol.2 MOVBE): the `size` bytes of `v` in reverse order. Unlike BSWAP, the 16-bit
/// form is defined: it swaps the two bytes.
constexpr uint64_t ByteReverse(uint64_t v, unsigned size) {
  switch (size) {
    case 2: return __builtin_bswap16(static_cast<uint16_t>(v));
    case 4: return __builtin_bswap32(static_cast<uint32_t>(v));
    default: return __builtin_bswap64(v);
  }
}

/// BOUND (SDM Vol.2 BOUND): whether the signed `size`-byte index lies within [lower, upper]
/// (both inclusive, signed); out of range raises #BR.
constexpr bool BoundInRange(uint64_t index, uint64_t lower, uint64_t upper, unsigned size) {
  const unsigned shift = 64 - size * 8;
  const auto sx = [shift](uint64_t v) { return static_cast<int64_t>(v << shift) >> shift; };
  return sx(index) >= sx(lower) && sx(index) <= sx(upper);
}

/// RFLAGS bits beyond the arithmetic ones (SDM Vol.1 3.4.3).
namespace rflags_ext {
inline constexpr uint64_t kIopl = 3u << 12, kNt = 1u << 14, kRf = 1u << 16, kVm = 1u << 17,
                          kAc = 1u << 18, kVif = 1u << 19, kVip = 1u << 20, kId = 1u << 21;
}  // namespace rflags_ext

/// The image PUSHF/PUSHFD/PUSHFQ store: RFLAGS with RF and VM cleared (SDM Vol.2 PUSHF), the low
/// `size` bytes of it.
constexpr uint64_t PushfImage(uint64_t rflags_value, unsigned size) {
  return rflags_value & ~(rflags_ext::kRf | rflags_ext::kVm) & SizeMask(size);
}

/// The RFLAGS POPF/POPFD/POPFQ leave outside virtual-8086 mode (SDM Vol.2 POPF, the protected-
/// and long-mode table): IOPL changes only at CPL 0, IF only when CPL <= IOPL; VIP, VIF and VM
/// never change; RF is cleared; a 16-bit POPF replaces only the low 16 bits.
constexpr uint64_t PopfResult(uint64_t old_rflags, uint64_t popped, unsigned size, unsigned cpl) {
  using namespace rflags_ext;
  uint64_t writable = rflags::kArith | rflags::kTf | rflags::kDf | kNt | kAc | kId;
  const unsigned iopl = static_cast<unsigned>((old_rflags & kIopl) >> 12);
  if (cpl == 0) writable |= kIopl;
  if (cpl <= iopl) writable |= rflags::kIf;
  writable &= SizeMask(size);
  return ((old_rflags & ~writable) | (popped & writable) | rflags::kFixed1) & ~kRf;
}

}  // namespace kiln::jit::sem
