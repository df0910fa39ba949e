// The round-to-nearest fast path of SSE arithmetic (jit/semantics/sse_fp.h: ArithNearestFast,
// which decides inexactness in software) against the complete path (the host operation with its
// exception flags): same value and same flags on every case the fast path accepts, and it must
// accept the common ones. The operands are drawn so that exact results are frequent: few
// significant bits, nearby exponents, products that need exactly one bit more than the format.
#include <gtest/gtest.h>

#include <bit>
#include <cstdint>
#include <random>

#include "jit/semantics/sse_fp.h"

namespace kiln::jit::sem::fp {
namespace {

constexpr uint32_t kDefaultCsr = 0x1F80;  // round to nearest, all masked

template <class T>
Bits<T> RandomNormal(std::mt19937_64& rng) {
  using B = Bits<T>;
  constexpr int kFraction = std::numeric_limits<T>::digits - 1;
  constexpr int kBias = std::numeric_limits<T>::max_exponent - 1;
  const B sign = rng() & 1 ? Format<T>::kSign : 0;
  const int exponent = kBias + static_cast<int>(rng() % 41) - 20;
  B fraction = static_cast<B>(rng()) & Format<T>::kFraction;
  switch (rng() % 4) {  // few significant bits: exact sums, products and quotients
    case 0: fraction &= ~((B{1} << (kFraction - rng() % 6)) - 1); break;
    case 1: fraction &= ~((B{1} << (kFraction / 2 - rng() % 4)) - 1); break;
    default: break;
  }
  return sign | (static_cast<B>(exponent) << kFraction) | fraction;
}

template <class T>
void CheckAgainstComplete(const char* type) {
  std::mt19937_64 rng(20261123);
  int accepted = 0, exact = 0;
  for (int i = 0; i < 400000; ++i) {
    const auto op = static_cast<ArithOp>(i % 4);  // add, sub, mul, div
    const Bits<T> a = RandomNormal<T>(rng), b = RandomNormal<T>(rng);
    Result<T> fast;
    if (!ArithNearestFast<T>(op, a, b, fast)) continue;
    ++accepted;
    exact += fast.flags == 0;
    const Result<T> complete = ArithComplete<T>(op, a, b, kDefaultCsr);
    ASSERT_EQ(fast.value, complete.value) << type << " op " << int(op) << " a " << std::hex << a << " b " << b;
    ASSERT_EQ(fast.flags, complete.flags) << type << " op " << int(op) << " a " << std::hex << a << " b " << b;
  }
  EXPECT_GT(accepted, 390000) << type;  // normal operands and results: all but a few
  EXPECT_GT(exact, 20000) << type;      // the exact cases are exercised too
}

TEST(SseFpFastPath, FloatMatchesCompletePath) { CheckAgainstComplete<float>("float"); }
TEST(SseFpFastPath, DoubleMatchesCompletePath) { CheckAgainstComplete<double>("double"); }

TEST(SseFpFastPath, DeclinesWhatNeedsTheCompletePath) {
  Result<double> r;
  const uint64_t one = std::bit_cast<uint64_t>(1.0), max = std::bit_cast<uint64_t>(1.7e308);
  EXPECT_FALSE(ArithNearestFast<double>(ArithOp::kMul, max, max, r));  // overflow
  EXPECT_FALSE(ArithNearestFast<double>(ArithOp::kDiv, one, max, r));  // tiny result
  EXPECT_FALSE(ArithNearestFast<double>(ArithOp::kAdd, one, 0, r));    // zero operand
  EXPECT_FALSE(ArithNearestFast<double>(ArithOp::kSqrt, one, one, r));
  ASSERT_TRUE(ArithNearestFast<double>(ArithOp::kDiv, one, std::bit_cast<uint64_t>(3.0), r));
  EXPECT_EQ(r.flags, mxcsr::kPe);
  ASSERT_TRUE(ArithNearestFast<double>(ArithOp::kDiv, std::bit_cast<uint64_t>(9.0), std::bit_cast<uint64_t>(3.0), r));
  EXPECT_EQ(r.flags, 0u);
  EXPECT_EQ(std::bit_cast<double>(r.value), 3.0);
}

}  // namespace
}  // namespace kiln::jit::sem::fp
