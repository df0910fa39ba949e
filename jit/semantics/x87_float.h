// Software 80-bit extended precision for the x87 FPU (SDM Vol.1 chapter 4 and 8): a sign, a
// 15-bit biased exponent and a 64-bit significand with an explicit integer bit. Kiln must not
// depend on the host's x87 (it runs on hosts that have none), so everything here is integer
// arithmetic on unsigned __int128: add, subtract, multiply, divide, square root, round to integer,
// remainders, scale, compare and the conversions from and to integers, binary32, binary64 and
// packed BCD, in all four rounding modes and with precision control, with x87's exception rules
// (operand classes, NaN choice, masked responses, the biased results of unmasked overflow and
// underflow, C1 for "rounded up").
#pragma once

#include <cstdint>

namespace kiln::jit::sem::x87 {

/// The x87 status word (SDM Vol.1 8.1.3).
namespace fsw {
inline constexpr uint16_t kIe = 1u << 0, kDe = 1u << 1, kZe = 1u << 2, kOe = 1u << 3, kUe = 1u << 4, kPe = 1u << 5;
inline constexpr uint16_t kSf = 1u << 6, kEs = 1u << 7, kC0 = 1u << 8, kC1 = 1u << 9, kC2 = 1u << 10;
inline constexpr uint16_t kC3 = 1u << 14, kB = 1u << 15;
inline constexpr uint16_t kFlags = 0x3F;  ///< IE..PE; the same bits are the masks in FCW
inline constexpr uint16_t kConditions = kC0 | kC1 | kC2 | kC3;
inline constexpr unsigned kTopShift = 11;
}  // namespace fsw

/// The x87 control word (SDM Vol.1 8.1.5): the masks in bits 0-5, precision control in 8-9,
/// rounding control in 10-11.
namespace fcw {
inline constexpr unsigned kPcShift = 8, kRcShift = 10;
}  // namespace fcw

/// An 80-bit extended-precision value as the register file and memory hold it.
struct Float80 {
  uint64_t sig = 0;  ///< significand, bit 63 the explicit integer bit
  uint16_t se = 0;   ///< sign (bit 15) and biased exponent (bits 0-14)

  constexpr bool sign() const { return (se >> 15) != 0; }
  constexpr uint16_t exp() const { return se & 0x7FFF; }
  friend constexpr bool operator==(Float80, Float80) = default;
};

inline constexpr int kBias = 16383;
inline constexpr Float80 kIndefinite{0xC000000000000000u, 0xFFFF};  ///< "real indefinite" QNaN
inline constexpr Float80 Zero(bool sign) { return {0, static_cast<uint16_t>(sign ? 0x8000 : 0)}; }
inline constexpr Float80 Infinity(bool sign) { return {0x8000000000000000u, static_cast<uint16_t>(sign ? 0xFFFF : 0x7FFF)}; }
inline constexpr Float80 One(bool sign = false) { return {0x8000000000000000u, static_cast<uint16_t>(kBias | (sign ? 0x8000 : 0))}; }

/// What a value is to the FPU (SDM Vol.1 4.2.2, 8.2.2). Pseudo-denormals (exponent 0, integer
/// bit set) count as denormals; unnormals, pseudo-NaNs and pseudo-infinities are unsupported.
enum class Class : uint8_t { kZero, kDenormal, kNormal, kInfinity, kQNaN, kSNaN, kUnsupported };
Class Classify(Float80 x);
constexpr bool IsNaN(Class c) { return c == Class::kQNaN || c == Class::kSNaN; }

/// The tag of a register holding `x` (SDM Vol.1 8.1.7): 0 valid, 1 zero, 2 special.
unsigned TagOf(Float80 x);

/// The rounding context of one operation: FCW in, exception flags and C1 out.
struct Context {
  uint16_t control = 0x037F;
  uint16_t flags = 0;      ///< IE, DE, ZE, OE, UE, PE raised (fsw bits)
  bool rounded_up = false; ///< C1: the result's magnitude was rounded up
  /// Set when an unmasked overflow or underflow of a memory destination suppresses the store.
  bool suppress_store = false;
  /// The memory operand was a binary32/binary64 denormal (normal once extended): the operation
  /// reports DE only where it would for a denormal operand (not with a NaN or a zero divisor).
  bool source_denormal = false;

  unsigned rounding() const { return (control >> fcw::kRcShift) & 3; }
  bool masked(uint16_t flag) const { return (control & flag) != 0; }
  /// An unmasked IE, DE or ZE: the instruction must leave its destination alone.
  bool Faulted() const { return (flags & ~control & (fsw::kIe | fsw::kDe | fsw::kZe)) != 0; }
};

// --- arithmetic (register results: precision control applies) --------------------------------
Float80 Add(Float80 a, Float80 b, Context& c);
Float80 Sub(Float80 a, Float80 b, Context& c);
Float80 Mul(Float80 a, Float80 b, Context& c);
Float80 Div(Float80 a, Float80 b, Context& c);
Float80 Sqrt(Float80 a, Context& c);
/// FRNDINT: to an integer in the rounding mode (no precision control).
Float80 RoundToInteger(Float80 a, Context& c);
/// FSCALE: a * 2^trunc(b).
Float80 Scale(Float80 a, Float80 b, Context& c);
/// FPREM (ieee = false, truncating quotient) and FPREM1 (ieee = true, nearest). `status` gets
/// C0, C1, C2, C3 as the instruction sets them (the low quotient bits, C2 = incomplete), or
/// kRemainderSpecial for a NaN or invalid result (C1 and C2 cleared, C0 and C3 kept).
inline constexpr uint16_t kRemainderSpecial = 0xFFFF;
Float80 Remainder(Float80 a, Float80 b, bool ieee, Context& c, uint16_t& status);
/// FXTRACT: the exponent (as a value) and the significand (with exponent 0).
void Extract(Float80 a, Context& c, Float80& exponent, Float80& significand);
/// A value rounded by the context's rounding mode, exact otherwise (constants such as FLDPI):
/// `sig_hi` and `sig_lo` are the first 128 bits of the significand, no flags.
Float80 RoundConstant(uint64_t sig_hi, uint64_t sig_lo, int exponent, unsigned rounding);

/// A register result of (hi:lo) / 2^127 * 2^exponent (hi:lo != 0; a sticky bit in lo's bit 0
/// for an inexact value), rounded to 64 bits by the context's rounding mode with x87's flags.
Float80 RoundExtended(bool sign, int exponent, uint64_t hi, uint64_t lo, Context& c);

// --- transcendentals (x87_transcendental.cpp: computed with MPFR, correctly rounded) ---------
/// FSIN/FCOS/FPTAN/FSINCOS take |x| < 2^63 (else C2 = 1 and ST(0) is left alone).
bool InTrigRange(Float80 x);
Float80 Sin(Float80 a, Context& c);
Float80 Cos(Float80 a, Context& c);
Float80 Tan(Float80 a, Context& c);
/// FPATAN: arctan(y / x) in the quadrant of (x, y).
Float80 Atan2(Float80 y, Float80 x, Context& c);
/// F2XM1: 2^x - 1.
Float80 Exp2Minus1(Float80 x, Context& c);
/// FYL2X: y * log2(x); FYL2XP1: y * log2(x + 1).
Float80 YLog2X(Float80 y, Float80 x, Context& c);
Float80 YLog2XPlus1(Float80 y, Float80 x, Context& c);

// --- compares -------------------------------------------------------------------------------
enum class Order : uint8_t { kLess, kEqual, kGreater, kUnordered };
/// FCOM (quiet = false: any NaN is invalid) and FUCOM (quiet: only SNaNs and unsupported).
Order Compare(Float80 a, Float80 b, bool quiet, Context& c);

// --- conversions ----------------------------------------------------------------------------
Float80 FromInt(int64_t v);
/// FLD m32fp / m64fp: exact; `source_denormal` for a denormal, IE (and the quieted NaN) for an
/// SNaN.
Float80 FromFloat32(uint32_t v, Context& c);
Float80 FromFloat64(uint64_t v, Context& c);
/// FST m32fp / m64fp: rounded to the format, with masked/unmasked overflow and underflow.
uint32_t ToFloat32(Float80 a, Context& c);
uint64_t ToFloat64(Float80 a, Context& c);
/// FIST/FISTTP: to a `bits`-wide signed integer (rounding mode, or truncation); the integer
/// indefinite with IE when out of range.
int64_t ToInt(Float80 a, unsigned bits, bool truncate, Context& c);
/// FBLD: 18 packed BCD digits and a sign in bit 79 (invalid digits give undefined results).
Float80 FromBcd(const uint8_t bcd[10]);
/// FBSTP: rounded to an integer; the BCD indefinite with IE when |a| >= 10^18 or not a number.
void ToBcd(Float80 a, Context& c, uint8_t bcd[10]);

}  // namespace kiln::jit::sem::x87
