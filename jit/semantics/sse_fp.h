// SSE/SSE2 floating point in single and double precision with x86 semantics (SDM Vol.1 4.8, 10.4,
// 11.5): MXCSR rounding, DAZ and FTZ, the six exception flags, the NaN rules (which operand's NaN
// is returned, quieted; the default NaN for invalid operations) and the integer-indefinite value
// of conversions. The arithmetic itself runs on the host's IEEE single/double precision in the
// guest's rounding mode (host_fp_env.h: MXCSR on x86-64 hosts, <cfenv> elsewhere); everything where hosts differ from x86 (NaN
// choice and sign, denormal operands, flush-to-zero, the denormal flag) is decided here in
// software, so that the result does not depend on the host's architecture.
#pragma once

#include <bit>
#include <cfenv>
#include <cmath>
#include <cstdint>
#include <limits>
#include <type_traits>

#include "jit/semantics/host_fp_env.h"

namespace kiln::jit::sem::fp {

/// MXCSR bits (SDM Vol.1 10.2.3).
namespace mxcsr {
inline constexpr uint32_t kIe = 1u << 0, kDe = 1u << 1, kZe = 1u << 2, kOe = 1u << 3, kUe = 1u << 4, kPe = 1u << 5;
inline constexpr uint32_t kFlags = 0x3F;
inline constexpr uint32_t kDaz = 1u << 6;
inline constexpr unsigned kMaskShift = 7;  ///< IM..PM are the flags shifted left by 7
inline constexpr unsigned kRoundingShift = 13;
inline constexpr uint32_t kFz = 1u << 15;
/// The bits a guest may set (MXCSR_MASK with DAZ): others raise #GP in LDMXCSR/FXRSTOR.
inline constexpr uint32_t kWritable = 0xFFFF;
}  // namespace mxcsr

/// The bit layout of an IEEE binary32 / binary64 value.
template <class T>
struct Format;
template <>
struct Format<float> {
  using Bits = uint32_t;
  static constexpr Bits kSign = 0x80000000u, kExponent = 0x7F800000u, kFraction = 0x007FFFFFu;
  static constexpr Bits kQuiet = 0x00400000u;
  static constexpr Bits kDefaultNaN = 0xFFC00000u;  ///< x86's "real indefinite": negative QNaN
};
template <>
struct Format<double> {
  using Bits = uint64_t;
  static constexpr Bits kSign = 0x8000000000000000u, kExponent = 0x7FF0000000000000u,
                        kFraction = 0x000FFFFFFFFFFFFFu;
  static constexpr Bits kQuiet = 0x0008000000000000u;
  static constexpr Bits kDefaultNaN = 0xFFF8000000000000u;
};

template <class T>
using Bits = typename Format<T>::Bits;

template <class T>
constexpr bool IsNaN(Bits<T> v) {
  return (v & Format<T>::kExponent) == Format<T>::kExponent && (v & Format<T>::kFraction) != 0;
}
template <class T>
constexpr bool IsSNaN(Bits<T> v) {
  return IsNaN<T>(v) && (v & Format<T>::kQuiet) == 0;
}
template <class T>
constexpr bool IsDenormal(Bits<T> v) {
  return (v & Format<T>::kExponent) == 0 && (v & Format<T>::kFraction) != 0;
}
template <class T>
constexpr bool IsZero(Bits<T> v) {
  return (v & ~Format<T>::kSign) == 0;
}
template <class T>
constexpr Bits<T> Quiet(Bits<T> v) {
  return v | Format<T>::kQuiet;
}
/// DAZ: a denormal operand reads as a zero of its sign.
template <class T>
constexpr Bits<T> DenormalsAreZero(Bits<T> v, uint32_t csr) {
  return (csr & mxcsr::kDaz) && IsDenormal<T>(v) ? (v & Format<T>::kSign) : v;
}

/// The MXCSR flags for the host's raised exceptions (DE has no host equivalent: callers add it).
inline uint32_t FlagsFromHost(int raised) {
  uint32_t f = 0;
  if (raised & FE_INVALID) f |= mxcsr::kIe;
  if (raised & FE_DIVBYZERO) f |= mxcsr::kZe;
  if (raised & FE_OVERFLOW) f |= mxcsr::kOe;
  if (raised & FE_UNDERFLOW) f |= mxcsr::kUe;
  if (raised & FE_INEXACT) f |= mxcsr::kPe;
  return f;
}

enum class ArithOp : uint8_t { kAdd, kSub, kMul, kDiv, kSqrt };

/// `op` on the host in the guest's rounding mode; `raised` gets the host's exception flags.
template <class T>
T HostArith(ArithOp op, T x, T y, uint32_t csr, int& raised) {
#pragma STDC FENV_ACCESS ON
  HostFpScope env(csr >> mxcsr::kRoundingShift);
  T r;
  switch (op) {
    case ArithOp::kAdd: r = x + y; break;
    case ArithOp::kSub: r = x - y; break;
    case ArithOp::kMul: r = x * y; break;
    case ArithOp::kDiv: r = x / y; break;
    default: r = std::sqrt(y); break;
  }
  raised = env.Raised();
  return r;
}

/// A result and the MXCSR exception flags the operation raised.
template <class T>
struct Result {
  Bits<T> value = 0;
  uint32_t flags = 0;
};

/// The NaN an operation with a NaN operand returns (SDM Vol.1 Table 4-7): the first operand's
/// if it is a NaN, else the second's, quieted; IE when either is an SNaN.
template <class T>
constexpr Result<T> PropagateNaN(Bits<T> a, Bits<T> b) {
  const uint32_t ie = IsSNaN<T>(a) || IsSNaN<T>(b) ? mxcsr::kIe : 0;
  return {Quiet<T>(IsNaN<T>(a) ? a : b), ie};
}

/// Whether `op` on T operands is inexact at T's precision with an unbounded exponent: computed in
/// a wider type (double for float, long double for double: more precision and a wider exponent
/// range). The wide result is exact unless the wide operation was inexact; else it must fit in
/// T's digits. Needed for PE when an overflow or underflow is unmasked and no result is written.
template <class T>
bool InexactAtUnboundedExponent(ArithOp op, T x, T y) {
#pragma STDC FENV_ACCESS ON
  using W = std::conditional_t<std::is_same_v<T, float>, double, long double>;
  static_assert(std::numeric_limits<W>::digits > std::numeric_limits<T>::digits &&
                std::numeric_limits<W>::max_exponent > 2 * std::numeric_limits<T>::max_exponent);
  std::feclearexcept(FE_ALL_EXCEPT);
  const W a = x, b = y;
  W r;
  switch (op) {
    case ArithOp::kAdd: r = a + b; break;
    case ArithOp::kSub: r = a - b; break;
    case ArithOp::kMul: r = a * b; break;
    case ArithOp::kDiv: r = a / b; break;
    default: r = std::sqrt(b); break;
  }
  if (std::fetestexcept(FE_INEXACT)) return true;
  int exponent = 0;
  const W scaled = std::ldexp(std::frexp(r, &exponent), std::numeric_limits<T>::digits);
  return scaled != std::trunc(scaled);
}

/// Underflow (SDM Vol.1 11.5.2.5): a result is tiny when it is nonzero and below the smallest
/// normal after rounding (the host's gradual underflow shows it as a denormal, or raises its
/// underflow flag when a tiny value rounded to zero). Masked, UE needs tiny and inexact - what
/// the host's flag says - and FTZ returns a zero of the result's sign with UE and PE; unmasked,
/// UE is reported for any tiny result, exact or not.
template <class T>
Result<T> Underflow(Result<T> r, uint32_t csr) {
  const bool masked = (csr >> mxcsr::kMaskShift) & mxcsr::kUe;
  const bool tiny = IsDenormal<T>(r.value) || (r.flags & mxcsr::kUe);
  if (!masked) {
    if (tiny) r.flags |= mxcsr::kUe;
  } else if ((csr & mxcsr::kFz) && tiny) {
    r.value &= Format<T>::kSign;
    r.flags |= mxcsr::kUe | mxcsr::kPe;
  }
  return r;
}

/// Whether v is a normal number (neither zero, denormal, infinite nor NaN).
template <class T>
constexpr bool IsNormal(Bits<T> v) {
  const Bits<T> e = v & Format<T>::kExponent;
  return e != 0 && e != Format<T>::kExponent;
}

/// The odd part of a normal value's significand (implicit bit included): the value's significant
/// bits with the trailing zeros dropped.
template <class T>
constexpr Bits<T> OddSignificand(Bits<T> v) {
  const Bits<T> m = (v & Format<T>::kFraction) | (Format<T>::kFraction + 1);
  return m >> std::countr_zero(m);
}

/// The common case without touching the host's floating-point environment: round to nearest,
/// normal operands and a normal result well inside the exponent range, so that the only possible
/// exception is PE. Whether the operation was inexact is decided exactly, in software: by the
/// error term of the sum (TwoSum, exact in round-to-nearest), by the significant bits of the
/// product, and by whether the divisor's odd significand divides the dividend's. Reading and
/// clearing the host's flags costs more than the operation (STMXCSR/LDMXCSR are microcoded), and
/// this is how most guest floating point runs (memcpy-free numeric loops are ADD/MUL/DIV).
/// Returns false when the slow path must decide. The host must be in its default state (round
/// to nearest, no FTZ/DAZ), which host_fp_env.h restores after every scope.
template <class T>
bool ArithNearestFast(ArithOp op, Bits<T> a, Bits<T> b, Result<T>& out) {
  using B = Bits<T>;
  constexpr int kDigits = std::numeric_limits<T>::digits;
  if (op == ArithOp::kSqrt || !IsNormal<T>(a) || !IsNormal<T>(b)) return false;
  const T x = std::bit_cast<T>(a), y = std::bit_cast<T>(b);
  T r;
  bool inexact;
  switch (op) {
    case ArithOp::kAdd:
    case ArithOp::kSub: {
      const T yy = op == ArithOp::kAdd ? y : -y;
      r = x + yy;
      const T bv = r - x;
      inexact = (x - (r - bv)) + (yy - bv) != 0;
      break;
    }
    case ArithOp::kMul: {
      r = x * y;
      const B ox = OddSignificand<T>(a), oy = OddSignificand<T>(b);
      const int width = std::bit_width(ox) + std::bit_width(oy);  // the product has width or width-1 bits
      inexact = width > kDigits + 1 || (width == kDigits + 1 && std::bit_width(static_cast<B>(ox * oy)) > kDigits);
      break;
    }
    default: {  // kDiv: exact iff the quotient of the odd significands is an integer
      r = x / y;
      inexact = OddSignificand<T>(a) % OddSignificand<T>(b) != 0;
      break;
    }
  }
  const B rb = std::bit_cast<B>(r);
  // Not tiny, not overflowed, and TwoSum's terms cannot overflow.
  const B e = rb & Format<T>::kExponent, one = Format<T>::kFraction + 1;
  if (e < 2 * one || e > Format<T>::kExponent - 2 * one) return false;
  out.value = rb;
  out.flags = inexact ? mxcsr::kPe : 0;
  return true;
}

/// ADD, SUB, MUL, DIV (a op b) and SQRT (of b; a is ignored), one lane, every case: the host
/// operation in a HostFpScope and the x86 rules around it.
template <class T>
Result<T> ArithComplete(ArithOp op, Bits<T> a, Bits<T> b, uint32_t csr) {
  a = DenormalsAreZero<T>(a, csr);
  b = DenormalsAreZero<T>(b, csr);
  const bool unary = op == ArithOp::kSqrt;
  if (unary ? IsNaN<T>(b) : IsNaN<T>(a) || IsNaN<T>(b)) return unary ? PropagateNaN<T>(b, b) : PropagateNaN<T>(a, b);
  Result<T> r;
  // A denormal dividend divided by zero reports only the division by zero (as the host does).
  const bool by_zero = op == ArithOp::kDiv && IsZero<T>(b);
  if (!by_zero && ((!unary && IsDenormal<T>(a)) || IsDenormal<T>(b))) r.flags |= mxcsr::kDe;
  int raised = 0;
  const T v = HostArith<T>(op, std::bit_cast<T>(a), std::bit_cast<T>(b), csr, raised);
  r.flags |= FlagsFromHost(raised);
  // An invalid operation (inf - inf, 0 * inf, 0 / 0, sqrt of a negative) gives x86's default
  // NaN whatever the host's is.
  r.value = std::isnan(v) ? Format<T>::kDefaultNaN : std::bit_cast<Bits<T>>(v);
  if (r.flags & mxcsr::kIe) r.flags &= ~mxcsr::kDe;  // an invalid operation reports only IE
  r = Underflow<T>(r, csr);
  // An unmasked overflow or underflow writes no result: PE then says whether the result at an
  // unbounded exponent is inexact (the rounded, out-of-range one says nothing).
  const uint32_t unmasked = ~(csr >> mxcsr::kMaskShift) & (mxcsr::kOe | mxcsr::kUe);
  if (r.flags & unmasked) {
    r.flags &= ~mxcsr::kPe;
    if (InexactAtUnboundedExponent<T>(op, std::bit_cast<T>(a), std::bit_cast<T>(b))) r.flags |= mxcsr::kPe;
  }
  return r;
}

/// ADD, SUB, MUL, DIV (a op b) and SQRT (of b; a is ignored), one lane.
template <class T>
Result<T> Arith(ArithOp op, Bits<T> a, Bits<T> b, uint32_t csr) {
  if ((csr & (3u << mxcsr::kRoundingShift)) == 0) {
    Result<T> fast;
    if (ArithNearestFast<T>(op, a, b, fast)) return fast;
  }
  return ArithComplete<T>(op, a, b, csr);
}

/// FMA (VFMADD/VFMSUB/VFNMADD/VFNMSUB and the ADDSUB/SUBADD lanes): (-1)^negate_product * a * b
/// + (-1)^negate_addend * c with a single rounding, on the host's fused multiply-add in the
/// guest's rounding mode. A NaN operand gives the first NaN of a, b, c (the factors in the order
/// of the form's formula, then the addend: as the host does), quieted and not negated; IE for
/// an SNaN (0 * infinity + QNaN raises nothing); without NaNs the host raises IE for 0 * infinity
/// and infinity - infinity. DAZ applies to all three operands; DE when one is denormal. An
/// unmasked overflow or underflow writes no result: PE then tells whether the result at an
/// unbounded exponent is inexact (computed in a wider type, as InexactAtUnboundedExponent).
template <class T>
Result<T> FusedMultiplyAdd(Bits<T> a, Bits<T> b, Bits<T> c, bool negate_product, bool negate_addend, uint32_t csr) {
#pragma STDC FENV_ACCESS ON
  a = DenormalsAreZero<T>(a, csr);
  b = DenormalsAreZero<T>(b, csr);
  c = DenormalsAreZero<T>(c, csr);
  if (IsNaN<T>(a) || IsNaN<T>(b) || IsNaN<T>(c)) {
    Result<T> r;
    r.value = Quiet<T>(IsNaN<T>(a) ? a : IsNaN<T>(b) ? b : c);
    if (IsSNaN<T>(a) || IsSNaN<T>(b) || IsSNaN<T>(c)) r.flags |= mxcsr::kIe;  // not for 0 * inf + QNaN
    return r;
  }
  Result<T> r;
  if (IsDenormal<T>(a) || IsDenormal<T>(b) || IsDenormal<T>(c)) r.flags |= mxcsr::kDe;
  T x = std::bit_cast<T>(a), y = std::bit_cast<T>(b), z = std::bit_cast<T>(c);
  if (negate_product) x = -x;
  if (negate_addend) z = -z;
  T v;
  int raised;
  {
    HostFpScope env(csr >> mxcsr::kRoundingShift);
    v = std::fma(x, y, z);
    raised = env.Raised();
  }
  r.flags |= FlagsFromHost(raised);
  r.value = std::isnan(v) ? Format<T>::kDefaultNaN : std::bit_cast<Bits<T>>(v);
  if (r.flags & mxcsr::kIe) r.flags &= ~mxcsr::kDe;
  r = Underflow<T>(r, csr);
  const uint32_t unmasked = ~(csr >> mxcsr::kMaskShift) & (mxcsr::kOe | mxcsr::kUe);
  if (r.flags & unmasked) {
    using W = std::conditional_t<std::is_same_v<T, float>, double, long double>;
    std::feclearexcept(FE_ALL_EXCEPT);
    const W wide = std::fma(static_cast<W>(x), static_cast<W>(y), static_cast<W>(z));
    bool inexact = std::fetestexcept(FE_INEXACT) != 0;
    if (!inexact) {
      int exponent = 0;
      const W scaled = std::ldexp(std::frexp(wide, &exponent), std::numeric_limits<T>::digits);
      inexact = scaled != std::trunc(scaled);
    }
    r.flags = (r.flags & ~mxcsr::kPe) | (inexact ? mxcsr::kPe : 0);
  }
  return r;
}

/// F16C: VCVTPH2PS, one lane: exact; an SNaN is quieted with IE; a denormal half raises no DE
/// and MXCSR.DAZ does not apply to it.
inline Result<float> HalfToSingle(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h >> 15) << 31;
  const uint32_t exponent = (h >> 10) & 31, fraction = h & 0x3FF;
  Result<float> r;
  if (exponent == 31) {
    r.value = sign | 0x7F800000u | (fraction << 13);
    if (fraction && !(fraction & 0x200)) {
      r.value |= 0x400000u;
      r.flags = mxcsr::kIe;
    }
  } else if (exponent == 0) {
    r.value = sign | std::bit_cast<uint32_t>(static_cast<float>(std::ldexp(static_cast<double>(fraction), -24)));
  } else {
    r.value = sign | ((exponent + 112) << 23) | (fraction << 13);
  }
  return r;
}

/// F16C: VCVTPS2PH, one lane, in rounding mode `rounding` (MXCSR.RC's encoding), in software:
/// NaNs keep their sign and top payload bits, quieted (IE for an SNaN); DAZ applies to the
/// input (DE for a denormal one otherwise); the result may be a half denormal (FTZ does not
/// apply). OE/UE/PE as for the other conversions, tininess after rounding.
struct HalfResult {
  uint16_t value = 0;
  uint32_t flags = 0;
};
inline HalfResult SingleToHalf(uint32_t bits, unsigned rounding, uint32_t csr) {
  HalfResult r;
  const uint16_t sign = static_cast<uint16_t>((bits >> 31) << 15);
  if (IsNaN<float>(bits)) {
    r.value = static_cast<uint16_t>(sign | 0x7E00 | ((bits >> 13) & 0x3FF));
    if (IsSNaN<float>(bits)) r.flags = mxcsr::kIe;
    return r;
  }
  if (IsDenormal<float>(bits)) {
    if (csr & mxcsr::kDaz) bits &= 0x80000000u;
    else r.flags |= mxcsr::kDe;
  }
  const double x = std::fabs(static_cast<double>(std::bit_cast<float>(bits)));
  if (x == 0) {
    r.value = sign;
    return r;
  }
  if (std::isinf(x)) {
    r.value = static_cast<uint16_t>(sign | 0x7C00);
    return r;
  }
  const bool negative = sign != 0;
  // Rounds x / quantum to an integer in the mode (exact doubles: x has 24 significant bits).
  auto round = [&](double quantum, bool& inexact) {
    const double n = x / quantum, whole = std::floor(n), rest = n - whole;
    inexact = rest != 0;
    double out = whole;
    switch (rounding & 3) {
      case 0: out = rest > 0.5 || (rest == 0.5 && std::fmod(whole, 2) != 0) ? whole + 1 : whole; break;
      case 1: out = negative && rest != 0 ? whole + 1 : whole; break;  // toward -infinity
      case 2: out = !negative && rest != 0 ? whole + 1 : whole; break;  // toward +infinity
      default: break;                                                     // toward zero
    }
    return out * quantum;
  };
  int e2 = 0;
  std::frexp(x, &e2);  // x = m * 2^e2, m in [0.5, 1)
  bool inexact_unbounded = false, inexact = false;
  const double unbounded = round(std::ldexp(1.0, e2 - 11), inexact_unbounded);
  const bool tiny = unbounded < std::ldexp(1.0, -14);
  const double rounded = tiny ? round(std::ldexp(1.0, -24), inexact) : unbounded;
  if (!tiny) inexact = inexact_unbounded;
  const uint32_t masks = (csr >> mxcsr::kMaskShift) & mxcsr::kFlags;
  if (rounded > 65504.0) {
    r.flags |= mxcsr::kOe | mxcsr::kPe;
    if (!(masks & mxcsr::kOe)) {
      r.flags = (r.flags & ~mxcsr::kPe) | (inexact_unbounded ? mxcsr::kPe : 0);
      return r;
    }
    const bool to_infinity = (rounding & 3) == 0 || ((rounding & 3) == 1 && negative) || ((rounding & 3) == 2 && !negative);
    r.value = static_cast<uint16_t>(sign | (to_infinity ? 0x7C00 : 0x7BFF));
    return r;
  }
  if (tiny && (inexact || !(masks & mxcsr::kUe))) r.flags |= mxcsr::kUe;
  if (tiny && !(masks & mxcsr::kUe)) {
    r.flags |= inexact_unbounded ? mxcsr::kPe : 0;
    return r;
  }
  if (inexact) r.flags |= mxcsr::kPe;
  uint16_t magnitude;
  if (rounded < std::ldexp(1.0, -14)) {
    magnitude = static_cast<uint16_t>(rounded / std::ldexp(1.0, -24));
  } else {
    int e = 0;
    const double m = std::frexp(rounded, &e);  // rounded = m * 2^e
    magnitude = static_cast<uint16_t>(((e - 1 + 15) << 10) | (static_cast<unsigned>(m * 2048) - 1024));
  }
  r.value = static_cast<uint16_t>(sign | magnitude);
  return r;
}

/// MIN and MAX (SDM Vol.2 MINPS/MAXPS): the second operand when either is a NaN (IE for any
/// NaN) or both are zeros, whatever their signs.
template <class T>
Result<T> MinMax(bool max, Bits<T> a, Bits<T> b, uint32_t csr) {
  a = DenormalsAreZero<T>(a, csr);
  b = DenormalsAreZero<T>(b, csr);
  if (IsNaN<T>(a) || IsNaN<T>(b)) return {b, mxcsr::kIe};
  Result<T> r;
  if (IsDenormal<T>(a) || IsDenormal<T>(b)) r.flags |= mxcsr::kDe;
  const T x = std::bit_cast<T>(a), y = std::bit_cast<T>(b);
  r.value = (max ? x > y : x < y) ? a : b;
  return r;
}

/// CMPPS/CMPSS predicates 0-7 (EQ, LT, LE, UNORD, NEQ, NLT, NLE, ORD) and VCMPPS's 8-31 (SDM
/// Vol.2 CMPPS, Table 3-1): all ones or zero. 0-15 signal IE on any NaN for LT, LE, NLT, NLE,
/// NGE, NGT, GE, GT (the _OS/_US ones), the others only on an SNaN; 16-31 are 0-15 with the
/// signalling inverted.
template <class T>
Result<T> Compare(unsigned predicate, Bits<T> a, Bits<T> b, uint32_t csr) {
  a = DenormalsAreZero<T>(a, csr);
  b = DenormalsAreZero<T>(b, csr);
  const bool unordered = IsNaN<T>(a) || IsNaN<T>(b);
  const unsigned base = predicate & 15;
  constexpr uint32_t kSignalingBase = (1u << 1) | (1u << 2) | (1u << 5) | (1u << 6) | (1u << 9) | (1u << 10) |
                                      (1u << 13) | (1u << 14);
  const bool signaling = (((kSignalingBase >> base) & 1) != 0) != ((predicate & 16) != 0);
  Result<T> r;
  if (unordered ? (signaling || IsSNaN<T>(a) || IsSNaN<T>(b)) : false) r.flags |= mxcsr::kIe;
  if (!unordered && (IsDenormal<T>(a) || IsDenormal<T>(b))) r.flags |= mxcsr::kDe;
  const T x = std::bit_cast<T>(a), y = std::bit_cast<T>(b);
  bool holds = false;
  switch (base) {
    case 0: holds = !unordered && x == y; break;
    case 1: holds = !unordered && x < y; break;
    case 2: holds = !unordered && x <= y; break;
    case 3: holds = unordered; break;
    case 4: holds = unordered || x != y; break;
    case 5: holds = unordered || !(x < y); break;
    case 6: holds = unordered || !(x <= y); break;
    case 7: holds = !unordered; break;
    case 8: holds = unordered || x == y; break;
    case 9: holds = unordered || x < y; break;
    case 10: holds = unordered || x <= y; break;
    case 11: holds = false; break;
    case 12: holds = !unordered && x != y; break;
    case 13: holds = !unordered && x >= y; break;
    case 14: holds = !unordered && x > y; break;
    default: holds = true; break;
  }
  r.value = holds ? ~Bits<T>{0} : 0;
  return r;
}

/// COMISS/UCOMISS and the SD forms: ZF, PF, CF as RFLAGS bits (unordered 111, less 001, equal
/// 100, greater 000); COMIS signals IE on any NaN, UCOMIS only on an SNaN.
template <class T>
Result<T> OrderedCompare(bool signaling, Bits<T> a, Bits<T> b, uint32_t csr) {
  a = DenormalsAreZero<T>(a, csr);
  b = DenormalsAreZero<T>(b, csr);
  constexpr uint64_t kCf = 1, kPf = 4, kZf = 0x40;
  Result<T> r;
  if (IsNaN<T>(a) || IsNaN<T>(b)) {
    if (signaling || IsSNaN<T>(a) || IsSNaN<T>(b)) r.flags |= mxcsr::kIe;
    r.value = kZf | kPf | kCf;
    return r;
  }
  if (IsDenormal<T>(a) || IsDenormal<T>(b)) r.flags |= mxcsr::kDe;
  const T x = std::bit_cast<T>(a), y = std::bit_cast<T>(b);
  r.value = x < y ? kCf : x == y ? kZf : 0;
  return r;
}

/// A conversion between host types in the guest's rounding mode.
template <class From, class To>
To HostConvert(From x, uint32_t csr, int& raised) {
#pragma STDC FENV_ACCESS ON
  HostFpScope env(csr >> mxcsr::kRoundingShift);
  const To v = static_cast<To>(x);
  raised = env.Raised();
  return v;
}

/// CVTSS2SD / CVTSD2SS and the packed forms: From -> To, rounded in the guest's mode. A NaN
/// keeps its payload's top bits and is quieted (IE for an SNaN).
template <class From, class To>
Result<To> Convert(Bits<From> a, uint32_t csr) {
  a = DenormalsAreZero<From>(a, csr);
  Result<To> r;
  if (IsNaN<From>(a)) {
    const Bits<To> sign = (a & Format<From>::kSign) ? Format<To>::kSign : 0;
    // The fraction keeps its top bits: shifted left to widen, right to narrow (SDM Vol.1 4.8.3.6).
    constexpr int kFrom = std::popcount(Format<From>::kFraction), kTo = std::popcount(Format<To>::kFraction);
    const Bits<From> fraction = a & Format<From>::kFraction;
    Bits<To> payload;
    if constexpr (kTo > kFrom) payload = static_cast<Bits<To>>(fraction) << (kTo - kFrom);
    else payload = static_cast<Bits<To>>(fraction >> (kFrom - kTo));
    r.value = sign | Format<To>::kExponent | Format<To>::kQuiet | (payload & Format<To>::kFraction);
    r.flags = IsSNaN<From>(a) ? mxcsr::kIe : 0;
    return r;
  }
  if (IsDenormal<From>(a)) r.flags |= mxcsr::kDe;
  int raised = 0;
  const To v = HostConvert<From, To>(std::bit_cast<From>(a), csr, raised);
  r.flags |= FlagsFromHost(raised);
  r.value = std::bit_cast<Bits<To>>(v);
  r = Underflow<To>(r, csr);
  const uint32_t unmasked = ~(csr >> mxcsr::kMaskShift) & (mxcsr::kOe | mxcsr::kUe);
  if (r.flags & unmasked) {  // as in Arith: PE from the exact value at an unbounded exponent
    const From x = std::bit_cast<From>(a);
    int exponent = 0;
    const From scaled = std::ldexp(std::frexp(x, &exponent), std::numeric_limits<To>::digits);
    r.flags = (r.flags & ~mxcsr::kPe) | (scaled != std::trunc(scaled) ? mxcsr::kPe : 0);
  }
  return r;
}

/// CVT(T)SS2SI / CVT(T)SD2SI / CVT(T)PS2DQ / CVT(T)PD2DQ: to a signed integer of `int_bits` (32 or
/// 64), rounded in the guest's mode or truncated. NaN and out-of-range give the "integer
/// indefinite" (the most negative value) with IE; an inexact result sets PE.
template <class T>
Result<T> ToInteger(Bits<T> a, unsigned int_bits, bool truncate, uint32_t csr, uint64_t& out) {
  a = DenormalsAreZero<T>(a, csr);
  Result<T> r;
  const uint64_t indefinite = int_bits == 64 ? 0x8000000000000000u : 0x80000000u;
  if (IsNaN<T>(a)) {
    out = indefinite;
    r.flags = mxcsr::kIe;
    return r;
  }
  // No DE: conversions to integers do not report denormal operands (SDM Vol.2 CVTSD2SI: #I, #P).
  const long double x = static_cast<long double>(std::bit_cast<T>(a));
  long double rounded;
  if (truncate) {
    rounded = std::trunc(x);
  } else {
    switch ((csr >> mxcsr::kRoundingShift) & 3) {
      case 0: rounded = std::nearbyint(x); break;  // the host's default mode: nearest-even
      case 1: rounded = std::floor(x); break;
      case 2: rounded = std::ceil(x); break;
      default: rounded = std::trunc(x); break;
    }
  }
  const long double limit = int_bits == 64 ? 9223372036854775808.0L : 2147483648.0L;
  if (!(rounded >= -limit && rounded < limit)) {
    out = indefinite;
    r.flags = mxcsr::kIe;  // out of range: IE alone, no PE
    return r;
  }
  const int64_t v = static_cast<int64_t>(rounded);
  out = int_bits == 64 ? static_cast<uint64_t>(v) : static_cast<uint32_t>(static_cast<int32_t>(v));
  if (rounded != x) r.flags |= mxcsr::kPe;
  return r;
}

/// CVTSI2SS / CVTSI2SD / CVTDQ2PS / CVTDQ2PD: a signed integer to T, rounded in the guest's mode.
template <class T>
Result<T> FromInteger(int64_t v, uint32_t csr) {
  int raised = 0;
  const T x = HostConvert<int64_t, T>(v, csr, raised);
  return {std::bit_cast<Bits<T>>(x), FlagsFromHost(raised)};
}

/// ROUNDPS/PD/SS/SD: to an integral value in the mode imm[1:0] (nearest-even, down, up, toward
/// zero), or MXCSR.RC when imm[2] is set; PE when inexact unless imm[3] suppresses it. An SNaN
/// gives IE and is quieted; no DE (SDM Vol.2 ROUNDPS: #I for an SNaN, #P).
template <class T>
Result<T> RoundToIntegral(Bits<T> a, unsigned imm, uint32_t csr) {
  a = DenormalsAreZero<T>(a, csr);
  if (IsNaN<T>(a)) return {Quiet<T>(a), IsSNaN<T>(a) ? mxcsr::kIe : 0};
  const unsigned mode = (imm & 4) ? (csr >> mxcsr::kRoundingShift) & 3 : imm & 3;
  const T x = std::bit_cast<T>(a);
  T r;
  switch (mode) {
    case 0: r = std::nearbyint(x); break;  // the host's default mode: nearest-even
    case 1: r = std::floor(x); break;
    case 2: r = std::ceil(x); break;
    default: r = std::trunc(x); break;
  }
  Result<T> out{std::bit_cast<Bits<T>>(r), 0};
  if (!(imm & 8) && r != x) out.flags |= mxcsr::kPe;
  return out;
}

}  // namespace kiln::jit::sem::fp
