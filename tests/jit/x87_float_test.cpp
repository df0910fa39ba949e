// The software 80-bit float (jit/semantics/x87_float.h) with exact expected values: rounding in
// every mode and precision, the exception flags and masked/unmasked responses, NaN rules,
// conversions, remainders and BCD. The instruction-level behaviour is checked against the host
// CPU by the interpreter oracle (tests/jit/oracle_cases_x87.cpp).
#include "jit/semantics/x87_float.h"

#include <gtest/gtest.h>

namespace kiln::jit::sem::x87 {
namespace {

namespace sw = fsw;

constexpr Float80 F(uint16_t se, uint64_t sig) { return {sig, se}; }
constexpr Float80 kOne = F(0x3FFF, 0x8000000000000000);
constexpr Float80 kTwo = F(0x4000, 0x8000000000000000);
constexpr Float80 kThree = F(0x4000, 0xC000000000000000);
constexpr Float80 kMax = F(0x7FFE, 0xFFFFFFFFFFFFFFFF);
constexpr Float80 kMinNormal = F(0x0001, 0x8000000000000000);

/// FCW with all exceptions masked, precision `pc` and rounding `rc`.
Context Ctx(unsigned pc = 3, unsigned rc = 0, uint16_t masks = 0x3F) {
  return Context{static_cast<uint16_t>(masks | 0x40 | pc << 8 | rc << 10)};
}

TEST(X87Float, Classify) {
  EXPECT_EQ(Classify(F(0, 0)), Class::kZero);
  EXPECT_EQ(Classify(F(0, 1)), Class::kDenormal);
  EXPECT_EQ(Classify(F(0, 0x8000000000000000)), Class::kDenormal);  // pseudo-denormal
  EXPECT_EQ(Classify(F(0x3FFF, 0x4000000000000000)), Class::kUnsupported);  // unnormal
  EXPECT_EQ(Classify(F(0x7FFF, 0)), Class::kUnsupported);                   // pseudo-infinity
  EXPECT_EQ(Classify(F(0x7FFF, 0x4000000000000000)), Class::kUnsupported);  // pseudo-NaN
  EXPECT_EQ(Classify(F(0x7FFF, 0x8000000000000000)), Class::kInfinity);
  EXPECT_EQ(Classify(F(0x7FFF, 0xC000000000000000)), Class::kQNaN);
  EXPECT_EQ(Classify(F(0x7FFF, 0x8000000000000001)), Class::kSNaN);
  EXPECT_EQ(TagOf(kOne), 0u);
  EXPECT_EQ(TagOf(F(0x8000, 0)), 1u);
  EXPECT_EQ(TagOf(F(0, 1)), 2u);
}

TEST(X87Float, AddExactAndSignedZeros) {
  Context c = Ctx();
  EXPECT_EQ(Add(kOne, kOne, c), kTwo);
  EXPECT_EQ(Sub(kThree, kOne, c), kTwo);
  EXPECT_EQ(c.flags, 0);
  EXPECT_EQ(Sub(kOne, kOne, c), F(0x0000, 0));
  Context down = Ctx(3, 1);
  EXPECT_EQ(Sub(kOne, kOne, down), F(0x8000, 0));
  EXPECT_EQ(Add(F(0x8000, 0), F(0x8000, 0), c), F(0x8000, 0));
}

TEST(X87Float, DivisionInEveryPrecisionAndMode) {
  Context c = Ctx();
  EXPECT_EQ(Div(kOne, kThree, c), F(0x3FFD, 0xAAAAAAAAAAAAAAAB));
  EXPECT_EQ(c.flags, sw::kPe);
  EXPECT_TRUE(c.rounded_up);
  Context down = Ctx(3, 1);
  EXPECT_EQ(Div(kOne, kThree, down), F(0x3FFD, 0xAAAAAAAAAAAAAAAA));
  EXPECT_FALSE(down.rounded_up);
  Context single = Ctx(0);
  EXPECT_EQ(Div(kOne, kThree, single), F(0x3FFD, 0xAAAAAB0000000000));
  Context dbl = Ctx(2);
  EXPECT_EQ(Div(kOne, kThree, dbl), F(0x3FFD, 0xAAAAAAAAAAAAA800));
  Context up = Ctx(3, 2);
  EXPECT_EQ(Div(F(0xBFFF, 0x8000000000000000), kThree, up), F(0xBFFD, 0xAAAAAAAAAAAAAAAA));
}

TEST(X87Float, SquareRoot) {
  Context c = Ctx();
  EXPECT_EQ(Sqrt(kTwo, c), F(0x3FFF, 0xB504F333F9DE6484));
  EXPECT_EQ(c.flags, sw::kPe);
  Context exact = Ctx();
  EXPECT_EQ(Sqrt(F(0x4001, 0x8000000000000000), exact), kTwo);  // sqrt(4)
  EXPECT_EQ(exact.flags, 0);
  Context neg = Ctx();
  EXPECT_EQ(Sqrt(F(0xBFFF, 0x8000000000000000), neg), kIndefinite);
  EXPECT_EQ(neg.flags, sw::kIe);
  EXPECT_EQ(Sqrt(F(0x8000, 0), neg), F(0x8000, 0));  // sqrt(-0) = -0
}

TEST(X87Float, OverflowMaskedAndUnmasked) {
  Context c = Ctx();
  EXPECT_EQ(Mul(kMax, kTwo, c), Infinity(false));
  EXPECT_EQ(c.flags, sw::kOe | sw::kPe);
  EXPECT_TRUE(c.rounded_up);
  Context chop = Ctx(3, 3);
  EXPECT_EQ(Mul(kMax, kTwo, chop), kMax);
  EXPECT_FALSE(chop.rounded_up);
  // Unmasked: the result with its exponent reduced by 24576, exact here.
  Context unmasked = Ctx(3, 0, 0x37);
  EXPECT_EQ(Mul(kMax, kTwo, unmasked), F(0x7FFF - 24576, 0xFFFFFFFFFFFFFFFF));
  EXPECT_EQ(unmasked.flags, sw::kOe);
}

TEST(X87Float, UnderflowMaskedAndUnmasked) {
  Context c = Ctx();
  EXPECT_EQ(Div(kMinNormal, kTwo, c), F(0x0000, 0x4000000000000000));  // exact denormal: no UE
  EXPECT_EQ(c.flags, 0);
  Context inexact = Ctx();
  EXPECT_EQ(Div(kMinNormal, kThree, inexact), F(0x0000, 0x2AAAAAAAAAAAAAAB));
  EXPECT_EQ(inexact.flags, sw::kUe | sw::kPe);
  Context unmasked = Ctx(3, 0, 0x2F);
  EXPECT_EQ(Div(kMinNormal, kTwo, unmasked), F(24576, 0x8000000000000000));
  EXPECT_EQ(unmasked.flags, sw::kUe);
}

TEST(X87Float, InvalidAndDenormalOperands) {
  Context c = Ctx();
  EXPECT_EQ(Sub(Infinity(false), Infinity(false), c), kIndefinite);
  EXPECT_EQ(c.flags, sw::kIe);
  Context d = Ctx();
  EXPECT_EQ(Add(F(0, 1), F(0, 0), d), F(0, 1));
  EXPECT_EQ(d.flags, sw::kDe);
  Context z = Ctx();
  EXPECT_EQ(Div(kOne, F(0x8000, 0), z), Infinity(true));
  EXPECT_EQ(z.flags, sw::kZe);
  Context u = Ctx();
  EXPECT_EQ(Add(F(0x3FFF, 0x4000000000000000), kOne, u), kIndefinite);  // an unnormal operand
  EXPECT_EQ(u.flags, sw::kIe);
}

TEST(X87Float, NaNPropagation) {
  const Float80 q1 = F(0x7FFF, 0xC000000000000001), q2 = F(0xFFFF, 0xC000000000000002);
  const Float80 s3 = F(0x7FFF, 0x8000000000000003);
  Context c = Ctx();
  EXPECT_EQ(Add(q1, q2, c), q2);  // the larger significand
  EXPECT_EQ(c.flags, 0);
  Context sq = Ctx();
  EXPECT_EQ(Add(s3, q1, sq), q1);  // an SNaN and a QNaN: the QNaN
  EXPECT_EQ(sq.flags, sw::kIe);
  Context s = Ctx();
  EXPECT_EQ(Mul(s3, kOne, s), F(0x7FFF, 0xC000000000000003));  // quieted
  EXPECT_EQ(s.flags, sw::kIe);
}

TEST(X87Float, Compare) {
  Context c = Ctx();
  EXPECT_EQ(Compare(F(0x8000, 0), F(0, 0), false, c), Order::kEqual);
  EXPECT_EQ(Compare(kOne, kTwo, false, c), Order::kLess);
  EXPECT_EQ(Compare(F(0xBFFF, 0x8000000000000000), F(0xC000, 0x8000000000000000), false, c), Order::kGreater);
  EXPECT_EQ(c.flags, 0);
  Context quiet = Ctx();
  EXPECT_EQ(Compare(kIndefinite, kOne, true, quiet), Order::kUnordered);
  EXPECT_EQ(quiet.flags, 0);
  Context signaling = Ctx();
  EXPECT_EQ(Compare(kIndefinite, kOne, false, signaling), Order::kUnordered);
  EXPECT_EQ(signaling.flags, sw::kIe);
}

TEST(X87Float, Conversions) {
  Context c = Ctx();
  EXPECT_EQ(FromFloat64(0x3FF0000000000000, c), kOne);
  EXPECT_EQ(FromFloat32(0xC0400000, c), F(0xC000, 0xC000000000000000));  // -3
  EXPECT_EQ(FromFloat32(0x00000001, c), F(0x3F6A, 0x8000000000000000));  // 2^-149
  EXPECT_TRUE(c.source_denormal);
  EXPECT_EQ(FromInt(-1), F(0xBFFF, 0x8000000000000000));
  EXPECT_EQ(FromInt(INT64_MIN), F(0xC03E, 0x8000000000000000));
  Context r = Ctx();
  EXPECT_EQ(ToFloat32(F(0x3FFD, 0xAAAAAAAAAAAAAAAB), r), 0x3EAAAAABu);
  EXPECT_EQ(ToFloat64(F(0x3FFD, 0xAAAAAAAAAAAAAAAB), r), 0x3FD5555555555555u);
  EXPECT_EQ(r.flags, sw::kPe);
  Context o = Ctx();
  EXPECT_EQ(ToFloat32(F(0x407F, 0x8000000000000000), o), 0x7F800000u);  // 2^128
  EXPECT_EQ(o.flags, sw::kOe | sw::kPe);
  Context tiny = Ctx();
  EXPECT_EQ(ToFloat32(F(0x3F6A, 0x8000000000000000), tiny), 0x00000001u);  // exact denormal
  EXPECT_EQ(tiny.flags, 0);
  Context nan = Ctx();
  EXPECT_EQ(ToFloat64(F(0x7FFF, 0x8000000000000001), nan), 0x7FF8000000000000u);
  EXPECT_EQ(nan.flags, sw::kIe);
}

TEST(X87Float, ToIntegerAndRoundToInteger) {
  Context c = Ctx();
  EXPECT_EQ(ToInt(F(0x4000, 0xA000000000000000), 16, false, c), 2);  // 2.5 -> 2 (ties to even)
  EXPECT_EQ(c.flags, sw::kPe);
  EXPECT_EQ(ToInt(F(0x4000, 0xE000000000000000), 16, false, c), 4);  // 3.5 -> 4
  EXPECT_TRUE(c.rounded_up);
  EXPECT_EQ(ToInt(F(0xC000, 0xE000000000000000), 32, true, c), -3);  // truncation
  Context big = Ctx();
  EXPECT_EQ(ToInt(F(0x400E, 0x8000000000000000), 16, false, big), -32768);  // 32768: the indefinite
  EXPECT_EQ(big.flags, sw::kIe);
  Context edge = Ctx();
  EXPECT_EQ(ToInt(F(0xC00E, 0x8000000000000000), 16, false, edge), -32768);  // -32768 fits
  EXPECT_EQ(ToInt(F(0xC03E, 0x8000000000000000), 64, false, edge), INT64_MIN);
  EXPECT_EQ(edge.flags, 0);
  Context up = Ctx(3, 2);
  EXPECT_EQ(RoundToInteger(F(0x3FFE, 0x8000000000000000), up), kOne);  // 0.5 up -> 1
  Context down = Ctx(3, 1);
  EXPECT_EQ(RoundToInteger(F(0xBFFD, 0x8000000000000000), down), F(0xBFFF, 0x8000000000000000));  // -0.25 -> -1
  Context near = Ctx();
  EXPECT_EQ(RoundToInteger(F(0xBFFD, 0x8000000000000000), near), F(0x8000, 0));  // -0.25 -> -0
}

TEST(X87Float, Remainders) {
  Context c = Ctx();
  uint16_t status = 0;
  const Float80 seven = F(0x4001, 0xE000000000000000);
  EXPECT_EQ(Remainder(seven, kTwo, false, c, status), kOne);  // 7 = 3 * 2 + 1
  EXPECT_EQ(status, sw::kC3 | sw::kC1);                        // quotient 3: Q1 Q0
  EXPECT_EQ(Remainder(seven, kTwo, true, c, status), F(0xBFFF, 0x8000000000000000));  // 7 = 4 * 2 - 1
  EXPECT_EQ(status, sw::kC0);
  EXPECT_EQ(c.flags, 0);
}

TEST(X87Float, ScaleAndExtract) {
  Context c = Ctx();
  EXPECT_EQ(Scale(kThree, F(0x4000, 0xA000000000000000), c), F(0x4002, 0xC000000000000000));  // 3 * 2^2
  Float80 exponent, significand;
  Extract(F(0x4002, 0xC000000000000000), c, exponent, significand);
  EXPECT_EQ(exponent, F(0x4000, 0xC000000000000000));  // 3
  EXPECT_EQ(significand, F(0x3FFF, 0xC000000000000000));
  Context z = Ctx();
  Extract(F(0x8000, 0), z, exponent, significand);
  EXPECT_EQ(exponent, Infinity(true));
  EXPECT_EQ(z.flags, sw::kZe);
}

TEST(X87Float, ConstantsFollowTheRoundingMode) {
  EXPECT_EQ(RoundConstant(0xC90FDAA22168C234, 0xC4C6628B80DC1CD1, 1, 0), F(0x4000, 0xC90FDAA22168C235));
  EXPECT_EQ(RoundConstant(0xC90FDAA22168C234, 0xC4C6628B80DC1CD1, 1, 1), F(0x4000, 0xC90FDAA22168C234));
  EXPECT_EQ(RoundConstant(0xD49A784BCD1B8AFE, 0x492BF6FF4DAFDB4C, 1, 0), F(0x4000, 0xD49A784BCD1B8AFE));
  EXPECT_EQ(RoundConstant(0xD49A784BCD1B8AFE, 0x492BF6FF4DAFDB4C, 1, 2), F(0x4000, 0xD49A784BCD1B8AFF));
}

TEST(X87Float, PackedBcd) {
  const uint8_t bcd[10] = {0x89, 0x67, 0x45, 0x23, 0x01, 0, 0, 0, 0, 0x80};  // -123456789
  EXPECT_EQ(FromBcd(bcd), FromInt(-123456789));
  Context c = Ctx();
  uint8_t out[10];
  ToBcd(FromInt(-123456789), c, out);
  for (int i = 0; i < 10; ++i) EXPECT_EQ(out[i], bcd[i]) << i;
  Context big = Ctx();
  ToBcd(F(0x403E, 0x8AC7230489E80000), big, out);  // 10^19: out of range
  EXPECT_EQ(big.flags, sw::kIe);
  EXPECT_EQ(out[9], 0xFF);
  EXPECT_EQ(out[7], 0xC0);
}

}  // namespace
}  // namespace kiln::jit::sem::x87
