// x87 transcendentals (FSIN, FCOS, FSINCOS, FPTAN, FPATAN, F2XM1, FYL2X, FYL2XP1) in software:
// MPFR computes each function on the exact 64-bit operands with a 128-bit result truncated toward
// zero plus a sticky bit, which RoundExtended rounds once in the guest's rounding mode, so the
// result is correctly rounded (real x87 hardware is within one ulp of it; docs/floating_point.md).
// The x87 special cases (NaNs, infinities, zeros, invalid operands, DE, ZE) are decided here.
#include <cstdint>

#define MPFR_USE_INTMAX_T 1  // the uintmax_t conversions (mpfr_set_uj, mpfr_get_uj)
#include <mpfr.h>

#include "jit/semantics/x87_float.h"

namespace kiln::jit::sem::x87 {
namespace {

constexpr mpfr_prec_t kResultBits = 128;
constexpr mpfr_prec_t kWorkBits = 256;

/// An MPFR number with its own precision, freed at scope exit.
class Big {
 public:
  explicit Big(mpfr_prec_t bits = kWorkBits) { mpfr_init2(v, bits); }
  Big(const Big&) = delete;
  Big& operator=(const Big&) = delete;
  ~Big() { mpfr_clear(v); }
  mpfr_t v;
};

/// The exact value of a finite or infinite x87 number.
void ToBig(Float80 x, Big& out) {
  if (Classify(x) == Class::kInfinity) {
    mpfr_set_inf(out.v, x.sign() ? -1 : 1);
    return;
  }
  const int exp = (x.exp() == 0 ? 1 : x.exp()) - kBias - 63;
  mpfr_set_uj(out.v, x.sig, MPFR_RNDN);
  mpfr_mul_2si(out.v, out.v, exp, MPFR_RNDN);
  if (x.sign()) mpfr_neg(out.v, out.v, MPFR_RNDN);
}

/// Rounds an MPFR result (finite or infinite), computed toward zero, into a register value;
/// `inexact`: the exact value is larger in magnitude than `r`.
Float80 FromBig(const Big& r, bool inexact_in, Context& c) {
  if (mpfr_nan_p(r.v)) {
    c.flags = static_cast<uint16_t>((c.flags & ~fsw::kDe) | fsw::kIe);  // IE without DE (host)
    return kIndefinite;
  }
  const bool sign = mpfr_signbit(r.v) != 0;
  if (mpfr_inf_p(r.v)) return Infinity(sign);
  if (mpfr_zero_p(r.v)) return Zero(sign);
  // |r| = m * 2^e with m in [1/2, 1): the first 128 bits of m, truncated, and a sticky bit.
  Big t(kResultBits);
  const int inexact = mpfr_abs(t.v, r.v, MPFR_RNDZ);
  const mpfr_exp_t e = mpfr_get_exp(t.v);
  mpfr_set_exp(t.v, 64);  // t = m * 2^64: the top 64 bits are its integer part
  Big hi_part(kResultBits);
  mpfr_trunc(hi_part.v, t.v);
  const uint64_t hi = mpfr_get_uj(hi_part.v, MPFR_RNDZ);
  mpfr_sub(t.v, t.v, hi_part.v, MPFR_RNDN);  // exact: the fraction
  mpfr_mul_2si(t.v, t.v, 64, MPFR_RNDN);
  uint64_t lo = mpfr_get_uj(t.v, MPFR_RNDZ);
  if (inexact != 0 || inexact_in) lo |= 1;
  return RoundExtended(sign, static_cast<int>(e - 1), hi, lo, c);
}

/// The common operand checks of a one-operand function: an invalid result, or false when `a`
/// is to be computed (DE raised for a denormal).
bool Special(Float80 a, Class ca, Context& c, Float80& out) {
  if (ca == Class::kUnsupported) {
    c.flags |= fsw::kIe;
    out = kIndefinite;
    return true;
  }
  if (IsNaN(ca)) {
    if (ca == Class::kSNaN) c.flags |= fsw::kIe;
    out = {a.sig | (uint64_t{1} << 62), a.se};
    return true;
  }
  if (ca == Class::kDenormal) c.flags |= fsw::kDe;
  return false;
}

Float80 Special2(Float80 a, Class ca, Float80 b, Class cb, Context& c, bool& done, bool denormals = true) {
  done = true;
  if (ca == Class::kUnsupported || cb == Class::kUnsupported) {
    c.flags |= fsw::kIe;
    return kIndefinite;
  }
  if (IsNaN(ca) || IsNaN(cb)) {
    // The x87 NaN rules of the arithmetic (via Add, which applies them to two NaN operands).
    Context nan{c.control};
    const Float80 r = Add(a, b, nan);
    c.flags |= nan.flags & fsw::kIe;
    return r;
  }
  if (denormals && (ca == Class::kDenormal || cb == Class::kDenormal)) c.flags |= fsw::kDe;
  done = false;
  return {};
}

/// r = fn(a), with fn returning MPFR's ternary value (computed toward zero).
template <class Fn>
Float80 Unary(Float80 a, Context& c, Fn fn) {
  Big x, r;
  ToBig(a, x);
  const int ternary = fn(r.v, x.v);
  return FromBig(r, ternary != 0, c);
}

/// x as the hardware reduces it: modulo multiples of pi/2 taken from a 66-bit pi (SDM Vol.1
/// 8.3.10: FSIN, FCOS, FSINCOS and FPTAN use a 66-bit approximation of pi). The functions of the
/// result are those the hardware computes, whose error grows with |x| against the true ones.
void ReduceLikeHardware(mpfr_t x) {
  Big pi, pi66, k;
  mpfr_const_pi(pi.v, MPFR_RNDN);
  mpfr_set_uj(pi66.v, 0x243F6A8885A308D3u, MPFR_RNDN);
  mpfr_div_2ui(pi66.v, pi66.v, 64, MPFR_RNDN);
  mpfr_add_ui(pi66.v, pi66.v, 3, MPFR_RNDN);  // 0x3.243F6A8885A308D3
  mpfr_div(k.v, x, pi.v, MPFR_RNDN);
  mpfr_mul_2ui(k.v, k.v, 1, MPFR_RNDN);
  mpfr_rint(k.v, k.v, MPFR_RNDN);            // the nearest multiple of pi/2
  if (mpfr_zero_p(k.v)) return;
  mpfr_sub(pi.v, pi.v, pi66.v, MPFR_RNDN);   // pi - pi66
  mpfr_mul(pi.v, pi.v, k.v, MPFR_RNDN);
  mpfr_div_2ui(pi.v, pi.v, 1, MPFR_RNDN);
  mpfr_add(x, x, pi.v, MPFR_RNDN);           // x - k * pi66 / 2 + k * pi / 2
}

}  // namespace

bool InTrigRange(Float80 x) {
  return Classify(x) != Class::kNormal || x.exp() < kBias + 63;
}

Float80 Sin(Float80 a, Context& c) {
  const Class ca = Classify(a);
  Float80 out;
  if (Special(a, ca, c, out)) return out;
  if (ca == Class::kInfinity) {
    c.flags |= fsw::kIe;
    return kIndefinite;
  }
  if (ca == Class::kZero) return a;
  return Unary(a, c, [](mpfr_t r, mpfr_t x) {
    ReduceLikeHardware(x);
    return mpfr_sin(r, x, MPFR_RNDZ);
  });
}

Float80 Cos(Float80 a, Context& c) {
  const Class ca = Classify(a);
  Float80 out;
  if (Special(a, ca, c, out)) return out;
  if (ca == Class::kInfinity) {
    c.flags |= fsw::kIe;
    return kIndefinite;
  }
  if (ca == Class::kZero) return One();
  return Unary(a, c, [](mpfr_t r, mpfr_t x) {
    ReduceLikeHardware(x);
    return mpfr_cos(r, x, MPFR_RNDZ);
  });
}

Float80 Tan(Float80 a, Context& c) {
  const Class ca = Classify(a);
  Float80 out;
  if (Special(a, ca, c, out)) return out;
  if (ca == Class::kInfinity) {
    c.flags |= fsw::kIe;
    return kIndefinite;
  }
  if (ca == Class::kZero) return a;
  return Unary(a, c, [](mpfr_t r, mpfr_t x) {
    ReduceLikeHardware(x);
    return mpfr_tan(r, x, MPFR_RNDZ);
  });
}

Float80 Atan2(Float80 y, Float80 x, Context& c) {
  bool done;
  const Float80 s = Special2(y, Classify(y), x, Classify(x), c, done);
  if (done) return s;
  Big by, bx, r;
  ToBig(y, by);
  ToBig(x, bx);
  const int ternary = mpfr_atan2(r.v, by.v, bx.v, MPFR_RNDZ);
  return FromBig(r, ternary != 0, c);
}

Float80 Exp2Minus1(Float80 x, Context& c) {
  const Class cx = Classify(x);
  Float80 out;
  if (Special(x, cx, c, out)) return out;
  if (cx == Class::kZero) return x;
  if (cx == Class::kInfinity) return x.sign() ? One(true) : x;
  // Outside the defined range -1..+1 the host returns the operand with PE.
  if (x.exp() >= kBias && !(x.exp() == kBias && x.sig == uint64_t{1} << 63)) {
    c.flags |= fsw::kPe;
    return x;
  }
  return Unary(x, c, [](mpfr_t r, mpfr_t v) {
    Big t;
    mpfr_const_log2(t.v, MPFR_RNDN);
    mpfr_mul(t.v, t.v, v, MPFR_RNDN);  // x * ln 2, inexact for every x != 0
    mpfr_expm1(r, t.v, MPFR_RNDZ);
    return 1;
  });
}

Float80 YLog2X(Float80 y, Float80 x, Context& c) {
  const Class cy = Classify(y), cx = Classify(x);
  bool done;
  const Float80 s = Special2(y, cy, x, cx, c, done, false);
  if (done) return s;
  if (x.sign() && cx != Class::kZero) {  // log of a negative number
    c.flags |= fsw::kIe;
    return kIndefinite;
  }
  if (cx == Class::kZero) {  // like a division by zero: ZE without DE
    if (cy == Class::kZero) {
      c.flags |= fsw::kIe;
      return kIndefinite;
    }
    if (cy != Class::kInfinity) c.flags |= fsw::kZe;
    return Infinity(!y.sign());
  }
  if (cx == Class::kDenormal || cy == Class::kDenormal) c.flags |= fsw::kDe;
  Big by, bx, r;
  ToBig(y, by);
  if (cx == Class::kInfinity) mpfr_set_inf(bx.v, 1);
  else ToBig(x, bx);
  if (cy == Class::kInfinity) mpfr_set_inf(by.v, y.sign() ? -1 : 1);
  mpfr_log2(bx.v, bx.v, MPFR_RNDN);
  mpfr_mul(r.v, by.v, bx.v, MPFR_RNDZ);
  // The host treats every nonzero result as inexact (PE, and UE when tiny), exact ones (x a
  // power of two) included.
  return FromBig(r, mpfr_number_p(r.v) && !mpfr_zero_p(r.v), c);
}

Float80 YLog2XPlus1(Float80 y, Float80 x, Context& c) {
  const Class cy = Classify(y), cx = Classify(x);
  bool done;
  const Float80 s = Special2(y, cy, x, cx, c, done);
  if (done) return s;
  Big by, bx, r;
  if (cx == Class::kInfinity) mpfr_set_inf(bx.v, x.sign() ? -1 : 1);
  else ToBig(x, bx);
  if (cy == Class::kInfinity) mpfr_set_inf(by.v, y.sign() ? -1 : 1);
  else ToBig(y, by);
  const int log_ternary = mpfr_log2p1(bx.v, bx.v, MPFR_RNDN);
  const int ternary = mpfr_mul(r.v, by.v, bx.v, MPFR_RNDZ);
  if (mpfr_zero_p(r.v) && !mpfr_nan_p(r.v)) mpfr_setsign(r.v, r.v, y.sign() != x.sign(), MPFR_RNDN);
  return FromBig(r, log_ternary != 0 || ternary != 0, c);
}

}  // namespace kiln::jit::sem::x87
