// Known answers for the vector semantics (jit/semantics/aes.h, pcmpstr.h, vector_int.h,
// sse_fp.h): they run on every host, also where the host-CPU oracle cannot (non-x86 hosts,
// sanitizer builds).
#include <gtest/gtest.h>

#include <bit>
#include <cstdio>
#include <cstring>

#include "jit/semantics/aes.h"
#include "jit/semantics/pcmpstr.h"
#include "jit/semantics/sse_fp.h"
#include "jit/semantics/vector_int.h"

namespace kiln::test {
namespace {

namespace aes = jit::sem::aes;
namespace vec = jit::sem::vec;

aes::Block FromHex(const char* hex) {
  aes::Block b{};
  for (int i = 0; i < 16; ++i) {
    unsigned v = 0;
    std::sscanf(hex + 2 * i, "%2x", &v);
    b[i] = static_cast<uint8_t>(v);
  }
  return b;
}

// The AES-NI key expansion of Intel's white paper: AESKEYGENASSIST, then the running XOR.
aes::Block NextRoundKey(const aes::Block& key, uint8_t rcon) {
  const aes::Block assist = aes::KeyGenAssist(key, rcon);
  aes::Block r{};
  for (int b = 0; b < 4; ++b) r[b] = key[b] ^ assist[12 + b];
  for (int w = 1; w < 4; ++w)
    for (int b = 0; b < 4; ++b) r[4 * w + b] = key[4 * w + b] ^ r[4 * (w - 1) + b];
  return r;
}

TEST(AesSemantics, Fips197AppendixC1EncryptsAndDecrypts) {
  static const uint8_t kRcon[10] = {0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40, 0x80, 0x1B, 0x36};
  aes::Block rk[11];
  rk[0] = FromHex("000102030405060708090a0b0c0d0e0f");
  for (int r = 1; r <= 10; ++r) rk[r] = NextRoundKey(rk[r - 1], kRcon[r - 1]);
  EXPECT_EQ(rk[10], FromHex("13111d7fe3944a17f307a78b4d2b30c5"));
  const aes::Block plain = FromHex("00112233445566778899aabbccddeeff");
  aes::Block s = aes::Xor(plain, rk[0]);
  for (int r = 1; r < 10; ++r) s = aes::Encrypt(s, rk[r], false);
  s = aes::Encrypt(s, rk[10], true);
  EXPECT_EQ(s, FromHex("69c4e0d86a7b0430d8cdb78070b4c55a"));
  s = aes::Xor(s, rk[10]);
  for (int r = 9; r >= 1; --r) s = aes::Decrypt(s, aes::InverseMixColumns(rk[r]), false);
  s = aes::Decrypt(s, rk[0], true);
  EXPECT_EQ(s, plain);
}

TEST(VectorSemantics, CarrylessMultiply) {
  EXPECT_EQ((vec::Get<uint64_t, 16>(vec::CarrylessMultiply(3, 3), 0)), 5u);  // (x + 1)^2 = x^2 + 1
  const auto r = vec::CarrylessMultiply(0x8000000000000000u, 6);
  EXPECT_EQ((vec::Get<uint64_t, 16>(r, 0)), 0u);
  EXPECT_EQ((vec::Get<uint64_t, 16>(r, 1)), 3u);
}

TEST(VectorSemantics, SaturatingAndRoundingMultiplies) {
  vec::Bytes<8> a{}, b{};
  a.fill(0xFF);
  b.fill(0x7F);
  EXPECT_EQ((vec::Get<int16_t, 8>(vec::MultiplyAddUnsignedSignedBytes<8>(a, b), 0)), 32767);  // 2 * 255 * 127 saturates
  vec::Set<int16_t, 8>(a, 0, 0x4000);
  vec::Set<int16_t, 8>(b, 0, 0x4000);
  EXPECT_EQ((vec::Get<int16_t, 8>(vec::MulHighRoundScale<8>(a, b), 0)), 0x2000);
  vec::Bytes<8> x{}, y{};
  for (int i = 0; i < 8; ++i) x[i] = static_cast<uint8_t>(0x10 + i), y[i] = static_cast<uint8_t>(i);
  const auto r = vec::AlignRight<8>(x, y, 3);  // bytes 3..10 of x:y
  EXPECT_EQ(r[0], 3);
  EXPECT_EQ(r[4], 7);
  EXPECT_EQ(r[5], 0x10);
  EXPECT_EQ((vec::AlignRight<8>(x, y, 16)[0]), 0);
}

TEST(PcmpstrSemantics, EqualOrderedFindsASubstringAndEqualAnyAChar) {
  uint8_t a[16] = "lo", b[16] = "hello";
  namespace ps = jit::sem::pcmpstr;
  auto r = ps::Compare(a, ps::ImplicitLength(a, 0x0C), b, ps::ImplicitLength(b, 0x0C), 0x0C);
  EXPECT_EQ(ps::Index(r, 0x0C), 3u);
  EXPECT_EQ(r.rflags, 1u | 0x40 | 0x80);  // CF, ZF (b ends), SF (a ends); OF = bit 0 clear
  uint8_t vowels[16] = "aeiou", text[16] = "xyzebc";
  r = ps::Compare(vowels, 5, text, 6, 0x00);
  EXPECT_EQ(ps::Index(r, 0x00), 3u);
  EXPECT_EQ(ps::ExplicitLength(-20, 0x01), 8u);  // words: saturated to 8
}

TEST(SseFpSemantics, RoundToIntegralModesAndPrecisionSuppression) {
  namespace fp = jit::sem::fp;
  const auto two_and_half = std::bit_cast<uint32_t>(2.5f);
  EXPECT_EQ(std::bit_cast<float>(fp::RoundToIntegral<float>(two_and_half, 0, 0x1F80).value), 2.0f);
  EXPECT_EQ(fp::RoundToIntegral<float>(two_and_half, 0, 0x1F80).flags, fp::mxcsr::kPe);
  EXPECT_EQ(fp::RoundToIntegral<float>(two_and_half, 8 | 2, 0x1F80).flags, 0u);  // up, PE suppressed
  EXPECT_EQ(std::bit_cast<float>(fp::RoundToIntegral<float>(two_and_half, 4, 0x1F80 | 1u << 13).value), 2.0f);  // RC down
  EXPECT_EQ(fp::RoundToIntegral<float>(0x7F800001u, 0, 0x1F80).flags, fp::mxcsr::kIe);  // SNaN
}

}  // namespace
}  // namespace kiln::test
