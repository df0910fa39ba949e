// Integer ALU semantics (SDM Vol.2 ADD, ADC, SUB, SBB, CMP, AND, OR, XOR, TEST, INC, DEC, NEG,
// NOT): pure functions of their operands that return the result and record the lazy flags.
// Operands and results are zero-extended `size`-byte values (size = 1, 2, 4 or 8).
#pragma once

#include <cstdint>

#include "jit/semantics/flags.h"

namespace kiln::jit::sem {

constexpr uint64_t Add(LazyFlags& f, uint64_t a, uint64_t b, unsigned size) {
  const uint64_t r = (a + b) & SizeMask(size);
  f = LazyFlags{r, a, b, 0, static_cast<uint8_t>(size), FlagsOp::kAdd};
  return r;
}

constexpr uint64_t Adc(LazyFlags& f, uint64_t a, uint64_t b, bool carry, unsigned size) {
  const uint64_t r = (a + b + (carry ? 1 : 0)) & SizeMask(size);
  f = LazyFlags{r, a, b, static_cast<uint8_t>(carry), static_cast<uint8_t>(size), FlagsOp::kAdc};
  return r;
}

/// Also CMP (which discards the result).
constexpr uint64_t Sub(LazyFlags& f, uint64_t a, uint64_t b, unsigned size) {
  const uint64_t r = (a - b) & SizeMask(size);
  f = LazyFlags{r, a, b, 0, static_cast<uint8_t>(size), FlagsOp::kSub};
  return r;
}

constexpr uint64_t Sbb(LazyFlags& f, uint64_t a, uint64_t b, bool borrow, unsigned size) {
  const uint64_t r = (a - b - (borrow ? 1 : 0)) & SizeMask(size);
  f = LazyFlags{r, a, b, static_cast<uint8_t>(borrow), static_cast<uint8_t>(size), FlagsOp::kSbb};
  return r;
}

/// AND, OR, XOR and TEST share their flags: CF = OF = 0; SF, ZF, PF from the result. AF is
/// undefined in the SDM; x86 hosts (Intel and the AMD CI machines alike) clear it.
constexpr uint64_t Logic(LazyFlags& f, uint64_t r, unsigned size) {
  r &= SizeMask(size);
  f = LazyFlags{r, 0, 0, 0, static_cast<uint8_t>(size), FlagsOp::kLogic};
  return r;
}
constexpr uint64_t And(LazyFlags& f, uint64_t a, uint64_t b, unsigned size) { return Logic(f, a & b, size); }
constexpr uint64_t Or(LazyFlags& f, uint64_t a, uint64_t b, unsigned size) { return Logic(f, a | b, size); }
constexpr uint64_t Xor(LazyFlags& f, uint64_t a, uint64_t b, unsigned size) { return Logic(f, a ^ b, size); }

/// INC and DEC leave CF as it was: it is captured before the flags are replaced.
constexpr uint64_t Inc(LazyFlags& f, uint64_t a, unsigned size) {
  const bool cf = CarryFlag(f);
  const uint64_t r = (a + 1) & SizeMask(size);
  f = LazyFlags{r, a, 1, static_cast<uint8_t>(cf), static_cast<uint8_t>(size), FlagsOp::kInc};
  return r;
}
constexpr uint64_t Dec(LazyFlags& f, uint64_t a, unsigned size) {
  const bool cf = CarryFlag(f);
  const uint64_t r = (a - 1) & SizeMask(size);
  f = LazyFlags{r, a, 1, static_cast<uint8_t>(cf), static_cast<uint8_t>(size), FlagsOp::kDec};
  return r;
}

constexpr uint64_t Neg(LazyFlags& f, uint64_t b, unsigned size) {
  const uint64_t r = (0 - b) & SizeMask(size);
  f = LazyFlags{r, 0, b, 0, static_cast<uint8_t>(size), FlagsOp::kNeg};
  return r;
}

/// NOT changes no flags.
constexpr uint64_t Not(uint64_t a, unsigned size) { return ~a & SizeMask(size); }

}  // namespace kiln::jit::sem
