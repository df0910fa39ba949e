// Known answers for the AVX-era floating-point semantics in jit/semantics/sse_fp.h (the VCMPPS
// predicates 8-31, fused multiply-add, the F16C conversions): they run on every host, also where
// the host-CPU oracle cannot. The values are the AMD EPYC host's (the oracle checks them there).
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdint>

#include "jit/semantics/sse_fp.h"

namespace kiln::test {
namespace {

namespace fp = jit::sem::fp;
namespace mx = jit::sem::fp::mxcsr;
constexpr uint32_t kMxcsr = 0x1F80;  // all masked, round to nearest
constexpr uint32_t kQnan = 0x7FC00000, kSnan = 0x7F800001, kOne = 0x3F800000, kTwo = 0x40000000;

TEST(AvxCompare, PredicatesAbove7_FollowTheSdmTable) {
  EXPECT_EQ(fp::Compare<float>(8, kQnan, kOne, kMxcsr).value, ~0u);   // EQ_UQ: unordered is true
  EXPECT_EQ(fp::Compare<float>(8, kQnan, kOne, kMxcsr).flags, 0u);    // quiet
  EXPECT_EQ(fp::Compare<float>(11, kOne, kOne, kMxcsr).value, 0u);    // FALSE_OQ
  EXPECT_EQ(fp::Compare<float>(13, kTwo, kOne, kMxcsr).value, ~0u);   // GE_OS
  EXPECT_EQ(fp::Compare<float>(13, kQnan, kOne, kMxcsr).flags, mx::kIe);  // signalling on a QNaN
  EXPECT_EQ(fp::Compare<float>(14, kOne, kTwo, kMxcsr).value, 0u);    // GT_OS
  EXPECT_EQ(fp::Compare<float>(15, kQnan, kOne, kMxcsr).value, ~0u);  // TRUE_UQ
  EXPECT_EQ(fp::Compare<float>(16, kQnan, kOne, kMxcsr).flags, mx::kIe);  // EQ_OS: 0 made signalling
  EXPECT_EQ(fp::Compare<float>(17, kQnan, kOne, kMxcsr).flags, 0u);       // LT_OQ: 1 made quiet
  EXPECT_EQ(fp::Compare<float>(17, kOne, kTwo, kMxcsr).value, ~0u);
  EXPECT_EQ(fp::Compare<float>(31, kSnan, kOne, kMxcsr).flags, mx::kIe);  // TRUE_US
}

TEST(AvxFma, SingleRounding_AndTheHostsNanOrder) {
  // (1 + 2^-12)^2 - 1 = 2^-11 + 2^-24 exactly; a separate multiply would round the square to
  // 1 + 2^-11 and give 2^-11.
  const uint32_t x = 0x3F800800;  // 1 + 2^-12
  const fp::Result<float> r = fp::FusedMultiplyAdd<float>(x, x, kOne, false, true, kMxcsr);
  EXPECT_EQ(std::bit_cast<float>(r.value), std::ldexp(1.0f, -11) + std::ldexp(1.0f, -24));
  EXPECT_EQ(r.flags, 0u);
  // A NaN: the first of the factors, then the addend; quieted; IE only for an SNaN.
  EXPECT_EQ(fp::FusedMultiplyAdd<float>(kOne, 0xFFC00001, kQnan, true, false, kMxcsr).value, 0xFFC00001u);
  const fp::Result<float> s = fp::FusedMultiplyAdd<float>(kOne, kOne, kSnan, false, false, kMxcsr);
  EXPECT_EQ(s.value, 0x7FC00001u);
  EXPECT_EQ(s.flags, mx::kIe);
  EXPECT_EQ(fp::FusedMultiplyAdd<float>(0, 0x7F800000, kQnan, false, false, kMxcsr).flags, 0u);  // 0 * inf + QNaN
  EXPECT_EQ(fp::FusedMultiplyAdd<float>(0, 0x7F800000, kOne, false, false, kMxcsr).flags, mx::kIe);
}

TEST(AvxF16c, HalfConversions) {
  EXPECT_EQ(fp::HalfToSingle(0x3C00).value, kOne);
  EXPECT_EQ(fp::HalfToSingle(0x0001).value, 0x33800000u);  // the smallest denormal, exact, no DE
  EXPECT_EQ(fp::HalfToSingle(0x0001).flags, 0u);
  EXPECT_EQ(fp::HalfToSingle(0x7D00).value, 0x7FE00000u);  // SNaN quieted
  EXPECT_EQ(fp::HalfToSingle(0x7D00).flags, mx::kIe);
  EXPECT_EQ(fp::SingleToHalf(kOne, 0, kMxcsr).value, 0x3C00);
  EXPECT_EQ(fp::SingleToHalf(0x477FF000, 0, kMxcsr).value, 0x7C00);  // 65520 rounds to infinity
  EXPECT_EQ(fp::SingleToHalf(0x477FF000, 0, kMxcsr).flags, mx::kOe | mx::kPe);
  EXPECT_EQ(fp::SingleToHalf(0x477FF000, 3, kMxcsr).value, 0x7BFF);  // toward zero: the largest
  EXPECT_EQ(fp::SingleToHalf(0x387FDA40, 0, kMxcsr).value, 0x03FF);  // tiny and inexact
  EXPECT_EQ(fp::SingleToHalf(0x387FDA40, 0, kMxcsr).flags, mx::kUe | mx::kPe);
  EXPECT_EQ(fp::SingleToHalf(0x000002CA, 0, kMxcsr).flags, mx::kDe | mx::kUe | mx::kPe);
  EXPECT_EQ(fp::SingleToHalf(0x000002CA, 0, kMxcsr | mx::kDaz).flags, 0u);  // DAZ applies
}

}  // namespace
}  // namespace kiln::test
