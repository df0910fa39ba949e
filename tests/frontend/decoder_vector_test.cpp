// Hand-written decoder cases for MMX, SSE and VEX (AVX, AVX2, FMA, BMI, opmask) encodings.
#include <gtest/gtest.h>

#include "tests/frontend/describe.h"

namespace kiln::test {
namespace {

using frontend::CpuMode;
constexpr CpuMode k32 = CpuMode::k32, k64 = CpuMode::k64;

TEST(DecoderSse, MmxAndXmmFormsShareOpcodes) {
  EXPECT_EQ(DecodeHex(k64, "0f ef c0"), "pxor mm0, mm0");
  EXPECT_EQ(DecodeHex(k64, "66 0f ef c0"), "pxor xmm0, xmm0");
  EXPECT_EQ(DecodeHex(k64, "66 45 0f ef c1"), "pxor xmm8, xmm9");
  EXPECT_EQ(DecodeHex(k64, "41 0f ef c1"), "pxor mm0, mm1");  // REX does not extend MMX
  EXPECT_EQ(DecodeHex(k64, "f3 0f ef c0"), "invalid");
}

TEST(DecoderSse, MemoryOperandSizes) {
  EXPECT_EQ(DecodeHex(k64, "f3 0f 6f 04 24"), "movdqu xmm0, m16:ss:[rsp]");
  EXPECT_EQ(DecodeHex(k64, "f3 0f 10 00"), "movss xmm0, m4:ds:[rax]");
  EXPECT_EQ(DecodeHex(k64, "f2 0f 10 00"), "movsd xmm0, m8:ds:[rax]");
  EXPECT_EQ(DecodeHex(k64, "0f 12 00"), "movlps xmm0, m8:ds:[rax]");
  EXPECT_EQ(DecodeHex(k64, "0f 12 c1"), "movhlps xmm0, xmm1");
  EXPECT_EQ(DecodeHex(k64, "66 0f 38 21 00"), "pmovsxbd xmm0, m4:ds:[rax]");
}

TEST(DecoderSse, GprOperandsFollowRexW) {
  EXPECT_EQ(DecodeHex(k64, "66 48 0f 6e c0"), "movq xmm0, rax");
  EXPECT_EQ(DecodeHex(k64, "66 0f 7e c0"), "movd eax, xmm0");
  EXPECT_EQ(DecodeHex(k64, "f2 48 0f 2c c1"), "cvttsd2si rax, xmm1");
  EXPECT_EQ(DecodeHex(k64, "66 48 0f 3a 16 c0 01"), "pextrq rax, xmm0, #0x1");
  EXPECT_EQ(DecodeHex(k64, "66 0f 3a 14 c0 01"), "pextrb eax, xmm0, #0x1");
  EXPECT_EQ(DecodeHex(k64, "66 0f 3a 14 00 01"), "pextrb m1:ds:[rax], xmm0, #0x1");
}

TEST(DecoderSse, ThreeByteMapsAndImmediates) {
  EXPECT_EQ(DecodeHex(k64, "66 0f 3a 0f c1 08"), "palignr xmm0, xmm1, #0x8");
  EXPECT_EQ(DecodeHex(k64, "66 0f 38 00 c1"), "pshufb xmm0, xmm1");
  EXPECT_EQ(DecodeHex(k64, "0f 38 00 c1"), "pshufb mm0, mm1");
  EXPECT_EQ(DecodeHex(k64, "66 0f 3a 63 c1 0c"), "pcmpistri xmm0, xmm1, #0xc");
  EXPECT_EQ(DecodeHex(k64, "66 0f 38 dc c1"), "aesenc xmm0, xmm1");
  EXPECT_EQ(DecodeHex(k64, "66 0f 3a 44 c1 11"), "pclmulqdq xmm0, xmm1, #0x11");
  EXPECT_EQ(DecodeHex(k64, "0f 38 f0 00"), "movbe eax, m4:ds:[rax]");
  EXPECT_EQ(DecodeHex(k64, "0f 38 f0 c0"), "invalid");
}

TEST(DecoderVex, TwoAndThreeByteForms) {
  EXPECT_EQ(DecodeHex(k64, "c5 f9 6f c1"), "vmovdqa xmm0, xmm1");
  EXPECT_EQ(DecodeHex(k64, "c5 fd 6f c1"), "vmovdqa ymm0, ymm1");
  EXPECT_EQ(DecodeHex(k64, "c4 e1 7d 6f c1"), "vmovdqa ymm0, ymm1");
  EXPECT_EQ(DecodeHex(k64, "c5 f1 ef c2"), "vpxor xmm0, xmm1, xmm2");
  EXPECT_EQ(DecodeHex(k64, "c4 41 31 ef c2"), "vpxor xmm8, xmm9, xmm10");
  EXPECT_EQ(DecodeHex(k64, "c4 e2 7d 58 c1"), "vpbroadcastd ymm0, xmm1");
  EXPECT_EQ(DecodeHex(k64, "c5 fe 6f 00"), "vmovdqu ymm0, m32:ds:[rax]");
  EXPECT_EQ(DecodeHex(k64, "c5 fc 77"), "vzeroall");
  EXPECT_EQ(DecodeHex(k64, "c5 f8 77"), "vzeroupper");
}

TEST(DecoderVex, LegacyPrefixesBeforeVexAreInvalid) {
  EXPECT_EQ(DecodeHex(k64, "66 c5 f9 6f c1"), "invalid");
  EXPECT_EQ(DecodeHex(k64, "f3 c5 f9 6f c1"), "invalid");
  EXPECT_EQ(DecodeHex(k64, "40 c5 f9 6f c1"), "invalid");
  EXPECT_EQ(DecodeHex(k64, "f0 c5 f9 6f c1"), "invalid");
  EXPECT_EQ(DecodeHex(k64, "c4 e4 79 6f c1"), "invalid");  // map 4 is not defined
}

TEST(DecoderVex, UnusedVvvvMustBe1111) {
  EXPECT_EQ(DecodeHex(k64, "c5 f1 6f c1"), "invalid");
  EXPECT_EQ(DecodeHex(k32, "c4 e1 39 6f c1"), "invalid");  // vvvv bit 3 counts too
}

TEST(DecoderVex, WSelectsGprSizeOnlyIn64BitMode) {
  EXPECT_EQ(DecodeHex(k64, "c4 e3 f9 16 c0 01"), "vpextrq rax, xmm0, #0x1");
  EXPECT_EQ(DecodeHex(k32, "c4 e3 f9 16 c0 01"), "vpextrd eax, xmm0, #0x1");
  EXPECT_EQ(DecodeHex(k64, "c4 e2 f1 f7 c2"), "shlx rax, rdx, rcx");
  EXPECT_EQ(DecodeHex(k32, "c4 e2 f1 f7 c2"), "shlx eax, edx, ecx");
  EXPECT_EQ(DecodeHex(k64, "c4 e2 70 f2 c2"), "andn eax, ecx, edx");
  EXPECT_EQ(DecodeHex(k64, "c4 e2 78 f3 c9"), "blsr eax, ecx");
}

TEST(DecoderVex, FmaSelectsElementSizeByW) {
  EXPECT_EQ(DecodeHex(k64, "c4 e2 71 98 c2"), "vfmadd132ps xmm0, xmm1, xmm2");
  EXPECT_EQ(DecodeHex(k64, "c4 e2 f1 98 c2"), "vfmadd132pd xmm0, xmm1, xmm2");
  EXPECT_EQ(DecodeHex(k32, "c4 e2 f1 a9 00"), "vfmadd213sd xmm0, xmm1, m8:ds:[eax]");
}

TEST(DecoderVex, GatherNeedsSib) {
  EXPECT_EQ(DecodeHex(k64, "c4 e2 69 90 04 88"), "vpgatherdd xmm0, m4:ds:[rax+xmm1*4], xmm2");
  EXPECT_EQ(DecodeHex(k64, "c4 e2 6d 90 04 88"), "vpgatherdd ymm0, m4:ds:[rax+ymm1*4], ymm2");
  EXPECT_EQ(DecodeHex(k64, "c4 e2 69 90 00"), "invalid");
  EXPECT_EQ(DecodeHex(k64, "c4 e2 69 90 c0"), "invalid");
}

TEST(DecoderVex, GatherRegistersMustDiffer) {
  // Destination, index and mask pairwise distinct (SDM Vol.2 VPGATHERDD, #UD otherwise).
  EXPECT_EQ(DecodeHex(k64, "c4 e2 71 90 04 88"), "invalid");  // mask = index
  EXPECT_EQ(DecodeHex(k64, "c4 e2 79 90 04 80"), "invalid");  // destination = index
}

TEST(DecoderVex, AmxTiles) {
  EXPECT_EQ(DecodeHex(k64, "c4 e2 73 5e c2"), "tdpbssd tmm0, tmm2, tmm1");
  EXPECT_EQ(DecodeHex(k64, "c4 e2 73 5e c1"), "invalid");  // tmm1 twice
  EXPECT_EQ(DecodeHex(k64, "c4 e2 7b 4b 04 08"), "tileloadd tmm0, m0:ds:[rax+rcx*1]");
  EXPECT_EQ(DecodeHex(k64, "c4 e2 7b 4b 00"), "invalid");  // needs a SIB byte
  EXPECT_EQ(DecodeHex(k64, "c4 e2 78 49 c0"), "tilerelease");
  EXPECT_EQ(DecodeHex(CpuMode::k32, "c4 e2 78 49 c0"), "invalid");  // 64-bit mode only
}

TEST(DecoderVex, Is4RegisterInImmediate) {
  EXPECT_EQ(DecodeHex(k64, "c4 e3 71 4a c2 30"), "vblendvps xmm0, xmm1, xmm2, xmm3");
  EXPECT_EQ(DecodeHex(k64, "c4 e3 75 4a c2 f0"), "vblendvps ymm0, ymm1, ymm2, ymm15");
}

TEST(DecoderVex, OpmaskInstructions) {
  EXPECT_EQ(DecodeHex(k64, "c5 f4 41 c2"), "kandw k0, k1, k2");
  EXPECT_EQ(DecodeHex(k64, "c5 f8 90 c1"), "kmovw k0, k1");
  EXPECT_EQ(DecodeHex(k64, "c5 f8 92 c8"), "kmovw k1, eax");
  EXPECT_EQ(DecodeHex(k64, "c5 78 90 c1"), "invalid");  // VEX.R: there is no k8
}

TEST(DecoderEvex, RegistersLengthAndMasking) {
  EXPECT_EQ(DecodeHex(k64, "62 f1 7c 48 58 c1"), "vaddps zmm0, zmm0, zmm1");
  EXPECT_EQ(DecodeHex(k64, "62 61 7c 40 58 c1"), "vaddps zmm24, zmm16, zmm1");  // R', V'
  EXPECT_EQ(DecodeHex(k64, "62 f1 7c 28 58 c1"), "vaddps ymm0, ymm0, ymm1");
  frontend::DecodedInsn insn;
  const auto bytes = Hex("62 f1 7c cb 58 c1");
  ASSERT_EQ(frontend::Decode(bytes, k64, insn), frontend::DecodeStatus::kOk);
  EXPECT_EQ(insn.prefixes.evex_aaa, 3);
  EXPECT_TRUE(insn.prefixes.evex_z);
  EXPECT_EQ(DecodeHex(k64, "62 f1 74 c8 58 c2"), "invalid");  // {z} without an opmask
  EXPECT_EQ(DecodeHex(k64, "62 f1 7c 68 58 c1"), "invalid");  // L'L = 11b
}

TEST(DecoderEvex, CompressedDisplacementAndBroadcast) {
  // disp8 * N: N = 64 for a full 512-bit access, 4 for a dword broadcast (SDM Vol.2 2.7.5).
  EXPECT_EQ(DecodeHex(k64, "62 f1 7c 48 58 40 01"), "vaddps zmm0, zmm0, m64:ds:[rax+0x40]");
  EXPECT_EQ(DecodeHex(k64, "62 f1 7c 58 58 40 01"), "vaddps zmm0, zmm0, m4:ds:[rax+0x4]{1to16}");
  EXPECT_EQ(DecodeHex(k64, "62 f2 7d 48 88 41 01"), "vexpandps zmm0, m64:ds:[rcx+0x4]");  // element-sized N
}

TEST(DecoderEvex, RoundingControlWithRegisters) {
  frontend::DecodedInsn insn;
  const auto bytes = Hex("62 f1 7c 38 58 c1");  // {rd-sae}: L'L = 01b is the rounding mode
  ASSERT_EQ(frontend::Decode(bytes, k64, insn), frontend::DecodeStatus::kOk);
  EXPECT_EQ(Describe(insn), "vaddps zmm0, zmm0, zmm1");
  EXPECT_TRUE(insn.prefixes.evex_b);
  EXPECT_EQ(insn.prefixes.evex_rc, 1);
  EXPECT_EQ(DecodeHex(k64, "62 f1 7c 18 28 c1"), "invalid");  // vmovaps has no rounding
}

TEST(DecoderEvex, OutsideLongModeOnlyEightRegisters) {
  EXPECT_EQ(DecodeHex(k32, "62 f1 74 48 58 c2"), "vaddps zmm0, zmm1, zmm2");
  EXPECT_EQ(DecodeHex(k32, "62 f1 74 40 58 c2"), "invalid");  // V' = 0
}

TEST(DecoderEvex, HeaderIsParsedAcrossTheBuffer) {
  EXPECT_EQ(DecodeHex(k64, "62"), "need-more");
  EXPECT_EQ(DecodeHex(k64, "62 f1 7c"), "need-more");
  EXPECT_EQ(DecodeHex(k64, "62 f9 7c 48 58 c1"), "invalid");  // P0 bit 3 must be 0
  EXPECT_EQ(DecodeHex(k64, "62 f1 78 48 58 c1"), "invalid");  // P1 bit 2 must be 1
}

}  // namespace
}  // namespace kiln::test
