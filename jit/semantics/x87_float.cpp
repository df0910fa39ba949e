// Software 80-bit extended precision (see x87_float.h). Values are unpacked to a sign, an
// unbiased exponent and a normalized significand, computed exactly or with a sticky bit in a
// 128-bit significand, and rounded once by RoundPack with the destination's precision and
// exponent range.
#include "jit/semantics/x87_float.h"

#include <bit>
#include <utility>

namespace kiln::jit::sem::x87 {
namespace {

using u128 = unsigned __int128;

/// x86 detects tininess after rounding (with an unbounded exponent, at the precision of the
/// result: SDM Vol.1 4.9.1.5).
constexpr bool kTininessAfterRounding = true;
/// The exponent adjustment of an unmasked overflow (-) or underflow (+) with a register
/// destination (SDM Vol.1 8.5.4, 8.5.5).
constexpr int kBiasAdjust = 24576;

/// A finite nonzero value: sig / 2^63 * 2^exp, sig normalized (bit 63 set).
struct Unpacked {
  bool sign;
  int32_t exp;
  uint64_t sig;
};

Unpacked Unpack(Float80 x) {
  Unpacked u{x.sign(), x.exp() == 0 ? 1 - kBias : x.exp() - kBias, x.sig};
  if (u.sig != 0) {
    const int shift = std::countl_zero(u.sig);
    u.sig <<= shift;
    u.exp -= shift;
  }
  return u;
}

int CountLeadingZeros(u128 v) {
  const auto hi = static_cast<uint64_t>(v >> 64);
  return hi ? std::countl_zero(hi) : 64 + std::countl_zero(static_cast<uint64_t>(v));
}

u128 ShiftRightJam(u128 v, int n) {
  if (n <= 0) return v;
  if (n >= 128) return v != 0;
  return (v >> n) | ((v & ((u128{1} << n) - 1)) != 0);
}

/// The destination format: exponent bias and largest finite biased exponent, precision.
struct Format {
  int bias;
  int max_exp;
  int precision;
};
constexpr Format kSingle{127, 254, 24};
constexpr Format kDouble{1023, 2046, 53};
Format Extended(int precision) { return {kBias, 0x7FFE, precision}; }

/// The register precision selected by FCW.PC (the reserved encoding 01 acts as 64 bits).
int RegisterPrecision(const Context& c) {
  switch ((c.control >> fcw::kPcShift) & 3) {
    case 0: return 24;
    case 2: return 53;
    default: return 64;
  }
}

/// Keeps the top `p` bits of `sig` (bit 127 first) rounded by `rc`; `inexact` and `up` (the
/// magnitude grew) describe the rounding. The result may be 2^p (a carry out).
u128 RoundBits(bool sign, u128 sig, int p, unsigned rc, bool& inexact, bool& up) {
  const int drop = 128 - p;
  u128 kept = sig >> drop;
  const u128 rest = sig & ((u128{1} << drop) - 1);
  const u128 half = u128{1} << (drop - 1);
  inexact = rest != 0;
  bool inc = false;
  switch (rc) {
    case 0: inc = rest > half || (rest == half && (kept & 1)); break;
    case 1: inc = sign && inexact; break;
    case 2: inc = !sign && inexact; break;
    default: break;
  }
  up = inc;
  return kept + inc;
}

/// A rounded value: biased exponent (0 for denormals and zero, max_exp + 1 for infinity) and
/// the significand left-aligned at bit 63 with its integer bit.
struct Packed {
  bool sign;
  int32_t exp;
  uint64_t sig;
};

/// Rounds sig / 2^127 * 2^exp (sig != 0) into `f`. A register destination (`reg`) takes the
/// biased result of an unmasked overflow or underflow; a memory destination is then not written
/// (`suppress_store`).
Packed RoundPack(bool sign, int32_t exp, u128 sig, Format f, bool reg, Context& c) {
  const int shift = CountLeadingZeros(sig);
  sig <<= shift;
  const int32_t be = exp - shift + f.bias;
  const unsigned rc = c.rounding();
  const int p = f.precision;
  bool inexact, up;
  u128 kept = RoundBits(sign, sig, p, rc, inexact, up);
  int32_t re = be;
  if (kept >> p) {
    kept >>= 1;
    ++re;
  }
  auto aligned = [p](u128 k) { return static_cast<uint64_t>(k) << (64 - p); };
  if (re > f.max_exp) {
    c.flags |= fsw::kOe;
    if (!c.masked(fsw::kOe)) {
      if (!reg) {
        c.suppress_store = true;
        return {sign, 0, 0};
      }
      if (re - kBiasAdjust <= f.max_exp) {
        if (inexact) c.flags |= fsw::kPe;
        c.rounded_up = up;
        return {sign, re - kBiasAdjust, aligned(kept)};
      }
      // Out of range even with the adjustment (FSCALE): an infinity of the sign with PE, in
      // every rounding mode, as the host does.
      c.flags |= fsw::kPe;
      c.rounded_up = true;
      return {sign, f.max_exp + 1, uint64_t{1} << 63};
    }
    c.flags |= fsw::kPe;
    const bool to_infinity = rc == 0 || (rc == 1 && sign) || (rc == 2 && !sign);
    c.rounded_up = to_infinity;
    if (to_infinity) return {sign, f.max_exp + 1, uint64_t{1} << 63};
    return {sign, f.max_exp, aligned((u128{1} << p) - 1)};
  }
  const bool tiny = kTininessAfterRounding ? re < 1 : be < 1;
  if (tiny) {
    if (!c.masked(fsw::kUe)) {
      c.flags |= fsw::kUe;
      if (!reg) {
        c.suppress_store = true;
        return {sign, 0, 0};
      }
      if (re + kBiasAdjust >= 1) {
        if (inexact) c.flags |= fsw::kPe;
        c.rounded_up = up;
        return {sign, re + kBiasAdjust, aligned(kept)};
      }
      // Out of range even with the adjustment (FSCALE): a zero of the sign with PE, in every
      // rounding mode, as the host does.
      c.flags |= fsw::kPe;
      c.rounded_up = false;
      return {sign, 0, 0};
    }
    // Masked: the denormal, rounded at the fixed positions of the format's smallest exponent.
    kept = RoundBits(sign, ShiftRightJam(sig, 1 - be), p, rc, inexact, up);
    if (inexact) c.flags |= fsw::kUe | fsw::kPe;
    c.rounded_up = up;
    return {sign, (kept >> (p - 1)) ? 1 : 0, aligned(kept)};
  }
  if (inexact) c.flags |= fsw::kPe;
  c.rounded_up = up;
  return {sign, re, aligned(kept)};
}

Float80 ToFloat80(Packed p) {
  return {p.sig, static_cast<uint16_t>((p.sign ? 0x8000 : 0) | (p.exp & 0x7FFF))};
}

/// A register result of sig / 2^127 * 2^exp with FCW's precision (or `precision`).
Float80 RoundRegister(bool sign, int32_t exp, u128 sig, Context& c, int precision = 0) {
  return ToFloat80(RoundPack(sign, exp, sig, Extended(precision ? precision : RegisterPrecision(c)), true, c));
}

Float80 Quiet(Float80 x) {
  x.sig |= uint64_t{1} << 62;
  return x;
}

Float80 Invalid(Context& c) {
  c.flags |= fsw::kIe;
  return kIndefinite;
}

/// The NaN result of an operation on `a` and `b`, at least one a NaN (SDM Vol.1 Table 4-7, x87
/// column): an SNaN and a QNaN give the QNaN; two NaNs of one kind the larger significand.
Float80 PropagateNaN(Float80 a, Class ca, Float80 b, Class cb, Context& c) {
  if (ca == Class::kSNaN || cb == Class::kSNaN) c.flags |= fsw::kIe;
  if (IsNaN(ca) && IsNaN(cb)) {
    if (ca != cb) return Quiet(ca == Class::kQNaN ? a : b);
    const uint64_t ma = a.sig & ~(uint64_t{1} << 62), mb = b.sig & ~(uint64_t{1} << 62);
    if (ma != mb) return Quiet(ma > mb ? a : b);
    return Quiet(a.se < b.se ? a : b);
  }
  return Quiet(IsNaN(ca) ? a : b);
}

Float80 PropagateNaN(Float80 a, Class ca, Context& c) {
  if (ca == Class::kSNaN) c.flags |= fsw::kIe;
  return Quiet(a);
}

void CheckDenormal(Class x, Context& c) {
  if (x == Class::kDenormal) c.flags |= fsw::kDe;
}

void CheckDenormals(Class a, Class b, Context& c) {
  if (a == Class::kDenormal || b == Class::kDenormal || c.source_denormal) c.flags |= fsw::kDe;
}

Float80 AddImpl(Float80 a, Float80 b, bool negate_b, Context& c) {
  const Class ca = Classify(a), cb = Classify(b);
  if (ca == Class::kUnsupported || cb == Class::kUnsupported) return Invalid(c);
  if (IsNaN(ca) || IsNaN(cb)) return PropagateNaN(a, ca, b, cb, c);
  if (negate_b) b.se ^= 0x8000;
  CheckDenormals(ca, cb, c);
  if (ca == Class::kInfinity || cb == Class::kInfinity) {
    if (ca == Class::kInfinity && cb == Class::kInfinity && a.sign() != b.sign()) return Invalid(c);
    return ca == Class::kInfinity ? a : b;
  }
  if (ca == Class::kZero && cb == Class::kZero) {
    if (a.sign() == b.sign()) return a;
    return Zero(c.rounding() == 1);
  }
  if (ca == Class::kZero || cb == Class::kZero) {
    const Unpacked x = Unpack(ca == Class::kZero ? b : a);
    return RoundRegister(x.sign, x.exp, u128{x.sig} << 64, c);
  }
  Unpacked x = Unpack(a), y = Unpack(b);
  if (x.exp < y.exp) std::swap(x, y);
  const u128 mx = u128{x.sig} << 63;
  const u128 my = ShiftRightJam(u128{y.sig} << 63, x.exp - y.exp);
  u128 m;
  bool sign = x.sign;
  if (x.sign == y.sign) {
    m = mx + my;
  } else if (mx >= my) {
    m = mx - my;
  } else {
    m = my - mx;
    sign = y.sign;
  }
  if (m == 0) return Zero(c.rounding() == 1);
  return RoundRegister(sign, x.exp + 1, m, c);
}

/// |value| rounded to an integer by `rc` (or truncated), for exponents below 64.
uint64_t IntegerMagnitude(const Unpacked& x, unsigned rc, bool& inexact, bool& up) {
  uint64_t integer, rest, half;
  if (x.exp < -1) {
    integer = 0;
    rest = 1;       // nonzero, below one half
    half = ~uint64_t{0};
  } else if (x.exp >= 63) {
    inexact = up = false;
    return x.sig;
  } else {
    const int fraction_bits = 63 - x.exp;  // 1..64
    integer = fraction_bits == 64 ? 0 : x.sig >> fraction_bits;
    rest = fraction_bits == 64 ? x.sig : x.sig & ((uint64_t{1} << fraction_bits) - 1);
    half = uint64_t{1} << (fraction_bits - 1);
  }
  inexact = rest != 0;
  bool inc = false;
  switch (rc) {
    case 0: inc = rest > half || (rest == half && (integer & 1)); break;
    case 1: inc = x.sign && inexact; break;
    case 2: inc = !x.sign && inexact; break;
    default: break;
  }
  up = inc;
  return integer + inc;
}

Float80 FromMagnitude(bool sign, uint64_t m) {
  if (m == 0) return Zero(sign);
  const int shift = std::countl_zero(m);
  return {m << shift, static_cast<uint16_t>((sign ? 0x8000 : 0) | (kBias + 63 - shift))};
}

u128 IntegerSqrt(u128 n) {
  uint64_t r = 0;
  for (int b = 63; b >= 0; --b) {
    const uint64_t t = r | (uint64_t{1} << b);
    if (u128{t} * t <= n) r = t;
  }
  return r;
}

}  // namespace

Class Classify(Float80 x) {
  const uint16_t e = x.exp();
  if (e == 0) return x.sig == 0 ? Class::kZero : Class::kDenormal;
  if ((x.sig >> 63) == 0) return Class::kUnsupported;
  if (e == 0x7FFF) {
    if ((x.sig << 1) == 0) return Class::kInfinity;
    return (x.sig >> 62) & 1 ? Class::kQNaN : Class::kSNaN;
  }
  return Class::kNormal;
}

unsigned TagOf(Float80 x) {
  switch (Classify(x)) {
    case Class::kZero: return 1;
    case Class::kNormal: return 0;
    default: return 2;
  }
}

Float80 Add(Float80 a, Float80 b, Context& c) { return AddImpl(a, b, false, c); }
Float80 Sub(Float80 a, Float80 b, Context& c) { return AddImpl(a, b, true, c); }

Float80 Mul(Float80 a, Float80 b, Context& c) {
  const Class ca = Classify(a), cb = Classify(b);
  if (ca == Class::kUnsupported || cb == Class::kUnsupported) return Invalid(c);
  if (IsNaN(ca) || IsNaN(cb)) return PropagateNaN(a, ca, b, cb, c);
  CheckDenormals(ca, cb, c);
  const bool sign = a.sign() != b.sign();
  if (ca == Class::kInfinity || cb == Class::kInfinity) {
    if (ca == Class::kZero || cb == Class::kZero) return Invalid(c);
    return Infinity(sign);
  }
  if (ca == Class::kZero || cb == Class::kZero) return Zero(sign);
  const Unpacked x = Unpack(a), y = Unpack(b);
  return RoundRegister(sign, x.exp + y.exp + 1, u128{x.sig} * y.sig, c);
}

Float80 Div(Float80 a, Float80 b, Context& c) {
  const Class ca = Classify(a), cb = Classify(b);
  if (ca == Class::kUnsupported || cb == Class::kUnsupported) return Invalid(c);
  if (IsNaN(ca) || IsNaN(cb)) return PropagateNaN(a, ca, b, cb, c);
  const bool sign = a.sign() != b.sign();
  if (ca == Class::kInfinity) {
    if (cb == Class::kInfinity) return Invalid(c);
    CheckDenormals(ca, cb, c);
    return Infinity(sign);
  }
  if (cb == Class::kInfinity) {
    CheckDenormals(ca, cb, c);
    return Zero(sign);
  }
  if (cb == Class::kZero) {
    // A denormal divided by zero reports ZE only (as the host does).
    if (ca == Class::kZero) return Invalid(c);
    c.flags |= fsw::kZe;
    return Infinity(sign);
  }
  CheckDenormals(ca, cb, c);
  if (ca == Class::kZero) return Zero(sign);
  const Unpacked x = Unpack(a), y = Unpack(b);
  int32_t exp = x.exp - y.exp;
  u128 num;
  if (x.sig < y.sig) {
    num = u128{x.sig} << 64;
    exp -= 1;
  } else {
    num = u128{x.sig} << 63;
  }
  const u128 q1 = num / y.sig;
  const u128 r1 = num % y.sig;
  const u128 num2 = r1 << 64;
  const u128 q2 = num2 / y.sig;
  const u128 r2 = num2 % y.sig;
  return RoundRegister(sign, exp, (q1 << 64) | q2 | (r2 != 0), c);
}

Float80 Sqrt(Float80 a, Context& c) {
  const Class ca = Classify(a);
  if (ca == Class::kUnsupported) return Invalid(c);
  if (IsNaN(ca)) return PropagateNaN(a, ca, c);
  if (ca == Class::kZero) return a;
  if (a.sign()) return Invalid(c);
  if (ca == Class::kInfinity) return a;
  CheckDenormal(ca, c);
  const Unpacked x = Unpack(a);
  // x = sig * 2^(exp - 63) = N * 2^(exp - 63 - k) with an even power of two.
  const int k = ((x.exp - 63 - 63) & 1) ? 64 : 63;
  const u128 n = u128{x.sig} << k;
  const u128 r = IntegerSqrt(n);
  const u128 rem = n - r * r;
  const bool guard = rem > r;
  const u128 digits = 2 * r + guard;  // 65 bits
  const u128 m = (digits << 63) | (guard || rem != 0);
  return RoundRegister(false, 63 + (x.exp - 63 - k) / 2, m, c);
}

Float80 RoundToInteger(Float80 a, Context& c) {
  const Class ca = Classify(a);
  if (ca == Class::kUnsupported) return Invalid(c);
  if (IsNaN(ca)) return PropagateNaN(a, ca, c);
  if (ca == Class::kZero || ca == Class::kInfinity) return a;
  CheckDenormal(ca, c);
  const Unpacked x = Unpack(a);
  if (x.exp >= 63) return a;
  bool inexact, up;
  const uint64_t m = IntegerMagnitude(x, c.rounding(), inexact, up);
  if (inexact) c.flags |= fsw::kPe;
  c.rounded_up = up;
  return FromMagnitude(x.sign, m);
}

Float80 Scale(Float80 a, Float80 b, Context& c) {
  const Class ca = Classify(a), cb = Classify(b);
  if (ca == Class::kUnsupported || cb == Class::kUnsupported) return Invalid(c);
  if (IsNaN(ca) || IsNaN(cb)) return PropagateNaN(a, ca, b, cb, c);
  if (cb == Class::kInfinity) {
    CheckDenormal(ca, c);
    if (b.sign()) {
      if (ca == Class::kInfinity) return Invalid(c);
      return Zero(a.sign());
    }
    if (ca == Class::kZero) return Invalid(c);
    return Infinity(a.sign());
  }
  CheckDenormals(ca, cb, c);
  if (ca == Class::kZero || ca == Class::kInfinity) return a;
  int64_t n = 0;
  if (cb != Class::kZero) {
    const Unpacked y = Unpack(b);
    if (y.exp >= 30) {
      n = y.sign ? -(int64_t{1} << 30) : (int64_t{1} << 30);
    } else if (y.exp >= 0) {
      n = static_cast<int64_t>(y.sig >> (63 - y.exp));
      if (y.sign) n = -n;
    }
  }
  const Unpacked x = Unpack(a);
  return RoundRegister(x.sign, static_cast<int32_t>(x.exp + n), u128{x.sig} << 64, c, 64);
}

Float80 Remainder(Float80 a, Float80 b, bool ieee, Context& c, uint16_t& status) {
  status = kRemainderSpecial;
  const Class ca = Classify(a), cb = Classify(b);
  if (ca == Class::kUnsupported || cb == Class::kUnsupported) return Invalid(c);
  if (IsNaN(ca) || IsNaN(cb)) return PropagateNaN(a, ca, b, cb, c);
  if (ca == Class::kInfinity || cb == Class::kZero) return Invalid(c);
  CheckDenormals(ca, cb, c);
  status = 0;
  // An unchanged dividend comes back normalized (a pseudo-denormal as the normal it equals).
  auto unchanged = [&] {
    if (ca != Class::kDenormal) return a;
    const Unpacked u = Unpack(a);
    return RoundRegister(u.sign, u.exp, u128{u.sig} << 64, c, 64);
  };
  if (ca == Class::kZero || cb == Class::kInfinity) return unchanged();
  const Unpacked x = Unpack(a);
  Unpacked y = Unpack(b);
  int32_t diff = x.exp - y.exp;
  bool partial = false;
  if (diff >= 64) {
    // A partial remainder: reduce the exponent difference to N = 32 + diff % 32 with the
    // divisor scaled (AMD64 APM, FPREM; Intel processors do the same).
    const int32_t n = 32 + diff % 32;
    y.exp += diff - n;
    diff = n;
    partial = true;
  }
  bool sign = x.sign;
  u128 r = x.sig;
  uint64_t q = 0;
  if (diff < 0) {
    // |a| < |b|: the quotient is 0, except for FPREM1 when |b|/2 < |a| (then 1).
    if (ieee && diff == -1 && x.sig > y.sig) {
      status = fsw::kC1;
      return RoundRegister(!sign, y.exp - 1, (2 * u128{y.sig} - x.sig) << 64, c, 64);
    }
    return unchanged();
  }
  for (int32_t i = diff; i >= 0; --i) {
    q <<= 1;
    if (r >= y.sig) {
      r -= y.sig;
      q |= 1;
    }
    if (i) r <<= 1;
  }
  if (ieee && !partial && (2 * r > y.sig || (2 * r == y.sig && (q & 1)))) {
    r = y.sig - r;
    ++q;
    sign = !sign;
  }
  if (partial) {
    status = fsw::kC2;
  } else {
    if (q & 4) status |= fsw::kC0;
    if (q & 2) status |= fsw::kC3;
    if (q & 1) status |= fsw::kC1;
  }
  if (r == 0) return Zero(x.sign);
  return RoundRegister(sign, y.exp, r << 64, c, 64);
}

void Extract(Float80 a, Context& c, Float80& exponent, Float80& significand) {
  const Class ca = Classify(a);
  if (ca == Class::kUnsupported) {
    exponent = significand = Invalid(c);
    return;
  }
  if (IsNaN(ca)) {
    exponent = significand = PropagateNaN(a, ca, c);
    return;
  }
  if (ca == Class::kZero) {
    c.flags |= fsw::kZe;
    exponent = Infinity(true);
    significand = a;
    return;
  }
  if (ca == Class::kInfinity) {
    exponent = Infinity(false);
    significand = a;
    return;
  }
  CheckDenormal(ca, c);
  const Unpacked x = Unpack(a);
  exponent = FromInt(x.exp);
  significand = {x.sig, static_cast<uint16_t>((x.sign ? 0x8000 : 0) | kBias)};
}

Float80 RoundExtended(bool sign, int exponent, uint64_t hi, uint64_t lo, Context& c) {
  return RoundRegister(sign, exponent, (u128{hi} << 64) | lo, c, 64);
}

Float80 RoundConstant(uint64_t sig_hi, uint64_t sig_lo, int exponent, unsigned rounding) {
  bool inexact, up;
  const u128 kept = RoundBits(false, (u128{sig_hi} << 64) | sig_lo, 64, rounding, inexact, up);
  // The constants' significands do not round up to a carry.
  return {static_cast<uint64_t>(kept), static_cast<uint16_t>(kBias + exponent)};
}

Order Compare(Float80 a, Float80 b, bool quiet, Context& c) {
  const Class ca = Classify(a), cb = Classify(b);
  if (ca == Class::kUnsupported || cb == Class::kUnsupported) {
    c.flags |= fsw::kIe;
    return Order::kUnordered;
  }
  if (IsNaN(ca) || IsNaN(cb)) {
    if (!quiet || ca == Class::kSNaN || cb == Class::kSNaN) c.flags |= fsw::kIe;
    return Order::kUnordered;
  }
  CheckDenormals(ca, cb, c);
  const bool za = ca == Class::kZero, zb = cb == Class::kZero;
  if (za && zb) return Order::kEqual;
  // Magnitude keys: infinities above every finite value, zero below all.
  auto key = [](Float80 x, Class cx) -> u128 {
    if (cx == Class::kZero) return 0;
    if (cx == Class::kInfinity) return ~u128{0};
    const Unpacked u = Unpack(x);
    return (static_cast<u128>(static_cast<uint64_t>(u.exp + 0x10000)) << 64) | u.sig;
  };
  const bool sa = !za && a.sign(), sb = !zb && b.sign();
  if (sa != sb) return sa ? Order::kLess : Order::kGreater;
  const u128 ka = key(a, ca), kb = key(b, cb);
  if (ka == kb) return Order::kEqual;
  return (ka < kb) != sa ? Order::kLess : Order::kGreater;
}

Float80 FromInt(int64_t v) {
  if (v == 0) return Zero(false);
  const bool sign = v < 0;
  return FromMagnitude(sign, sign ? 0 - static_cast<uint64_t>(v) : static_cast<uint64_t>(v));
}

namespace {
template <int kFracBits, int kBiasT, class Bits>
Float80 FromIeee(Bits v, Context& c) {
  constexpr int kTotal = sizeof(Bits) * 8;
  const bool sign = (v >> (kTotal - 1)) & 1;
  const int exp = static_cast<int>((v >> kFracBits) & ((Bits{1} << (kTotal - 1 - kFracBits)) - 1));
  const int max_exp = (1 << (kTotal - 1 - kFracBits)) - 1;
  const uint64_t frac = static_cast<uint64_t>(v & ((Bits{1} << kFracBits) - 1));
  const uint16_t s = sign ? 0x8000 : 0;
  if (exp == max_exp) {
    // NaNs stay what they are (an SNaN is quieted, with IE, by what uses it).
    return {(uint64_t{1} << 63) | (frac << (63 - kFracBits)), static_cast<uint16_t>(s | 0x7FFF)};
  }
  if (exp == 0) {
    if (frac == 0) return Zero(sign);
    c.source_denormal = true;
    const int shift = std::countl_zero(frac);
    // value = frac * 2^(1 - bias - fracbits)
    return {frac << shift, static_cast<uint16_t>(s | (kBias + 1 - kBiasT - kFracBits + 63 - shift))};
  }
  return {(uint64_t{1} << 63) | (frac << (63 - kFracBits)), static_cast<uint16_t>(s | (exp - kBiasT + kBias))};
}

template <int kFracBits, class Bits>
Bits ToIeee(Float80 a, Format f, Context& c) {
  constexpr int kTotal = sizeof(Bits) * 8;
  const Bits sign = a.sign() ? Bits{1} << (kTotal - 1) : 0;
  const Bits exp_all = ((Bits{1} << (kTotal - 1 - kFracBits)) - 1) << kFracBits;
  const Bits quiet = Bits{1} << (kFracBits - 1);
  const Class ca = Classify(a);
  switch (ca) {
    case Class::kUnsupported:
      c.flags |= fsw::kIe;
      return static_cast<Bits>((Bits{1} << (kTotal - 1)) | exp_all | quiet);
    case Class::kSNaN:
    case Class::kQNaN:
      if (ca == Class::kSNaN) c.flags |= fsw::kIe;
      return static_cast<Bits>(sign | exp_all | quiet | static_cast<Bits>((a.sig << 1) >> (64 - kFracBits)));
    case Class::kInfinity: return sign | exp_all;
    case Class::kZero: return sign;
    default: break;
  }
  const Unpacked x = Unpack(a);
  const Packed p = RoundPack(x.sign, x.exp, u128{x.sig} << 64, f, false, c);
  if (c.suppress_store) return 0;
  const Bits frac = static_cast<Bits>((p.sig << 1) >> (64 - kFracBits));
  return sign | (static_cast<Bits>(p.exp) << kFracBits) | frac;
}
}  // namespace

Float80 FromFloat32(uint32_t v, Context& c) { return FromIeee<23, 127>(v, c); }
Float80 FromFloat64(uint64_t v, Context& c) { return FromIeee<52, 1023>(v, c); }
uint32_t ToFloat32(Float80 a, Context& c) { return ToIeee<23, uint32_t>(a, kSingle, c); }
uint64_t ToFloat64(Float80 a, Context& c) { return ToIeee<52, uint64_t>(a, kDouble, c); }

int64_t ToInt(Float80 a, unsigned bits, bool truncate, Context& c) {
  const int64_t indefinite = static_cast<int64_t>(~uint64_t{0} << (bits - 1));
  const Class ca = Classify(a);
  if (ca == Class::kZero) return 0;
  if (ca != Class::kNormal && ca != Class::kDenormal) {
    c.flags |= fsw::kIe;
    return indefinite;
  }
  const Unpacked x = Unpack(a);
  if (x.exp >= 64) {
    c.flags |= fsw::kIe;
    return indefinite;
  }
  bool inexact, up;
  const uint64_t m = IntegerMagnitude(x, truncate ? 3 : c.rounding(), inexact, up);
  const uint64_t limit = uint64_t{1} << (bits - 1);
  if (x.exp == 63 ? (m != limit || !x.sign) : (x.sign ? m > limit : m >= limit)) {
    c.flags |= fsw::kIe;
    return indefinite;
  }
  if (inexact) c.flags |= fsw::kPe;
  c.rounded_up = up;
  return x.sign ? static_cast<int64_t>(0 - m) : static_cast<int64_t>(m);
}

Float80 FromBcd(const uint8_t bcd[10]) {
  uint64_t v = 0;
  for (int i = 8; i >= 0; --i) v = v * 100 + (bcd[i] >> 4) * 10 + (bcd[i] & 15);
  return FromMagnitude((bcd[9] & 0x80) != 0, v);
}

void ToBcd(Float80 a, Context& c, uint8_t bcd[10]) {
  static constexpr uint8_t kIndefinite[10] = {0, 0, 0, 0, 0, 0, 0, 0xC0, 0xFF, 0xFF};
  const Class ca = Classify(a);
  uint64_t m = 0;
  bool ok = ca == Class::kZero;
  if (ca == Class::kNormal || ca == Class::kDenormal) {
    const Unpacked x = Unpack(a);
    if (x.exp < 60) {
      bool inexact, up;
      m = IntegerMagnitude(x, c.rounding(), inexact, up);
      if (m < 1000000000000000000ull) {
        ok = true;
        if (inexact) c.flags |= fsw::kPe;
        c.rounded_up = up;
      }
    }
  }
  if (!ok) {
    c.flags |= fsw::kIe;
    for (int i = 0; i < 10; ++i) bcd[i] = kIndefinite[i];
    return;
  }
  for (int i = 0; i < 9; ++i) {
    const unsigned two = static_cast<unsigned>(m % 100);
    m /= 100;
    bcd[i] = static_cast<uint8_t>((two / 10) << 4 | (two % 10));
  }
  bcd[9] = a.sign() ? 0x80 : 0;
}

}  // namespace kiln::jit::sem::x87
