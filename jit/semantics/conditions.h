// Condition codes (SDM Vol.1 Appendix B; the cc of Jcc, SETcc, CMOVcc, FCMOVcc): evaluated from
// the lazy flags, with fast paths for the common CMP/SUB and TEST/logic producers that skip
// materializing RFLAGS.
#pragma once

#include <cstdint>

#include "jit/semantics/flags.h"

namespace kiln::jit::sem {

/// Condition numbers in encoding order (the low nibble of 70-7F, 0F 80-8F, 0F 90-9F, 0F 40-4F).
enum class Cond : uint8_t { kO, kNo, kB, kNb, kZ, kNz, kBe, kNbe, kS, kNs, kP, kNp, kL, kNl, kLe, kNle };

/// Evaluates condition `cc` (0-15) against RFLAGS bits.
constexpr bool ConditionFromRflags(uint64_t fl, unsigned cc) {
  const bool cf = fl & rflags::kCf, zf = fl & rflags::kZf, sf = fl & rflags::kSf;
  const bool of = fl & rflags::kOf, pf = fl & rflags::kPf;
  bool r = false;
  switch ((cc >> 1) & 7) {
    case 0: r = of; break;
    case 1: r = cf; break;
    case 2: r = zf; break;
    case 3: r = cf || zf; break;
    case 4: r = sf; break;
    case 5: r = pf; break;
    case 6: r = sf != of; break;
    default: r = zf || (sf != of); break;
  }
  return (cc & 1) ? !r : r;
}

/// Evaluates condition `cc` (0-15) against the lazy flags.
constexpr bool Condition(const LazyFlags& f, unsigned cc) {
  if (f.op == FlagsOp::kSub && f.cf_of == 0) {
    // CMP a, b: compare the operands directly (QEMU's fast path for cc_op SUB).
    const unsigned shift = 64 - f.size * 8;
    const int64_t sa = static_cast<int64_t>(f.a << shift) >> shift;
    const int64_t sb = static_cast<int64_t>(f.b << shift) >> shift;
    bool r = false;
    switch ((cc >> 1) & 7) {
      case 1: r = f.a < f.b; break;
      case 2: r = f.a == f.b; break;
      case 3: r = f.a <= f.b; break;
      case 6: r = sa < sb; break;
      case 7: r = sa <= sb; break;
      default: return ConditionFromRflags(ArithmeticFlags(f), cc);
    }
    return (cc & 1) ? !r : r;
  }
  if (f.op == FlagsOp::kLogic && f.cf_of == 0) {
    // TEST/AND/OR/XOR: CF = OF = 0, so most conditions depend on the result alone.
    const bool zero = f.result == 0, neg = (f.result & SignBit(f.size)) != 0;
    bool r = false;
    switch ((cc >> 1) & 7) {
      case 0: r = false; break;          // O
      case 1: r = false; break;          // B
      case 2: r = zero; break;           // Z
      case 3: r = zero; break;           // BE
      case 4: r = neg; break;            // S
      case 6: r = neg; break;            // L: SF != OF with OF = 0
      case 7: r = zero || neg; break;    // LE
      default: return ConditionFromRflags(ArithmeticFlags(f), cc);
    }
    return (cc & 1) ? !r : r;
  }
  return ConditionFromRflags(ArithmeticFlags(f), cc);
}

}  // namespace kiln::jit::sem
