// The XSAVE feature set (jit/semantics/xsave.h, jit/interp/exec_xsave.cpp): the layouts of the
// standard and compacted formats, the header, the init optimization, XRSTOR's #GP checks, #UD
// without CR4.OSXSAVE, #NM with CR0.TS, precise page faults, and CPUID leaf 0Dh.
#include <gtest/gtest.h>

#include <array>
#include <cstring>
#include <string>

#include "jit/interp/interpreter.h"
#include "jit/semantics/cpuid.h"
#include "jit/semantics/xsave.h"
#include "machine/flat_memory.h"
#include "tests/jit/hex.h"

namespace kiln::test {
namespace {

namespace xs = jit::sem::xsave;

constexpr uint64_t kBase = 0x400000;
constexpr uint64_t kMemSize = 1 << 20;
constexpr uint64_t kArea = kBase + 0x1000;  // where rbx points
constexpr uint64_t kCr0Ts = 1u << 3, kCr4Osxsave = 1u << 18;

/// One instruction (then HLT) in 64-bit mode with XCR0 = x87|SSE|AVX and CR4.OSXSAVE, rbx =
/// the XSAVE area, EDX:EAX = the instruction mask.
struct Machine {
  machine::FlatMemory memory{kBase, kMemSize};
  machine::CpuState state;
  jit::Interpreter interp{state, memory};

  Machine(const std::string& code_hex, uint64_t mask) {
    auto code = Hex(code_hex);
    code.push_back(0xF4);  // hlt
    EXPECT_TRUE(memory.Load(kBase, code.data(), code.size()));
    state.efer = machine::efer::kLme | machine::efer::kLma;
    state.seg[machine::kCs].attributes = machine::seg_attr::kLong;
    state.rip = kBase;
    state.cr0 |= 1;
    state.cr4 |= kCr4Osxsave;
    state.xcr0 = 7;
    state.gpr[machine::kRbx] = kArea;
    state.gpr[machine::kRax] = mask & 0xFFFFFFFF;
    state.gpr[machine::kRdx] = mask >> 32;
  }
  jit::Exit Run() { return interp.Run(10); }
  std::array<uint8_t, xs::kMaxSize> Area(uint64_t at = kArea) {
    std::array<uint8_t, xs::kMaxSize> a{};
    EXPECT_EQ(memory.Read(at, a.data(), xs::kMaxSize), jit::MemStatus::kOk);
    return a;
  }
  void SetArea(const std::array<uint8_t, xs::kMaxSize>& a, uint64_t at = kArea) { EXPECT_TRUE(memory.Load(at, a.data(), a.size())); }
};

uint64_t Get64(const uint8_t* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = v << 8 | p[i];
  return v;
}
void Put64(uint8_t* p, uint64_t v) {
  for (int i = 0; i < 8; ++i) p[i] = static_cast<uint8_t>(v >> (8 * i));
}

/// A state with every component in use: ST0 = 1.0 at TOP = 7, XMMi and YMMi_H filled with
/// distinct bytes, MXCSR with a flag set, FIP/FDP above 32 bits.
void FillState(machine::CpuState& s) {
  s.fsw = 7u << 11;
  s.ftw = 0x3FFF;  // R7 valid
  s.st[7] = {0x8000000000000000u, 0x3FFF};
  s.fop = 0x5E8;
  s.fip = 0x123456789Au;
  s.fdp = 0xABCDEF0123u;
  s.fcs = 0x33;
  s.fds = 0x2B;
  s.mxcsr = 0x1F81;
  for (unsigned r = 0; r < 16; ++r)
    for (unsigned b = 0; b < 32; ++b) s.zmm[r][b] = static_cast<uint8_t>(r * 32 + b + 1);
}

bool SameFpState(const machine::CpuState& a, const machine::CpuState& b) {
  bool same = a.fcw == b.fcw && a.fsw == b.fsw && a.ftw == b.ftw && a.fop == b.fop && a.fip == b.fip &&
              a.fdp == b.fdp && a.mxcsr == b.mxcsr;
  for (unsigned i = 0; i < 8; ++i)
    same = same && a.st[i].significand == b.st[i].significand && a.st[i].sign_exponent == b.st[i].sign_exponent;
  for (unsigned r = 0; r < 16; ++r) same = same && std::memcmp(a.zmm[r], b.zmm[r], 32) == 0;
  return same;
}

// Encodings, [rbx] operand (nasm).
constexpr char kXsave[] = "0fae23", kXsave64[] = "480fae23", kXrstor[] = "0fae2b", kXrstor64[] = "480fae2b",
               kXsaveopt64[] = "480fae33", kXsavec64[] = "480fc723", kXsaves[] = "0fc72b", kXgetbv[] = "0f01d0";

TEST(XsaveLayout, SizesAndOffsets) {
  EXPECT_EQ(xs::StandardSize(xs::kX87 | xs::kSse), 576u);
  EXPECT_EQ(xs::StandardSize(7), 832u);
  EXPECT_EQ(xs::StandardSize(xs::kX87 | xs::kAvx), 832u);  // the standard format has fixed offsets
  EXPECT_EQ(xs::CompactedSize(xs::kX87), 576u);
  EXPECT_EQ(xs::CompactedSize(7), 832u);
  EXPECT_EQ(xs::CompactedOffset(7, 2), 576u);
  EXPECT_EQ(xs::CompactedOffset(7, 3), 832u);  // a later component would follow AVX
  EXPECT_EQ(xs::CompactedOffset(3, 3), 576u);
}

TEST(XsaveLayout, Xcr0Rules) {
  EXPECT_TRUE(xs::ValidXcr0(1, 7));
  EXPECT_TRUE(xs::ValidXcr0(3, 7));
  EXPECT_TRUE(xs::ValidXcr0(7, 7));
  EXPECT_FALSE(xs::ValidXcr0(0, 7));  // x87 must stay enabled
  EXPECT_FALSE(xs::ValidXcr0(2, 7));
  EXPECT_FALSE(xs::ValidXcr0(5, 7));  // AVX needs SSE
  EXPECT_FALSE(xs::ValidXcr0(7, 3));  // AVX not supported
  EXPECT_FALSE(xs::ValidXcr0(0xF, 7));
  EXPECT_FALSE(xs::ValidXcr0(uint64_t{1} << 62 | 1, 7));
}

TEST(XsaveCpuid, Leaf0DhDescribesTheComponents) {
  machine::CpuModel m;
  const auto s0 = jit::sem::Cpuid(m, 0xD, 0, 3);
  EXPECT_EQ(s0.eax, 7u);
  EXPECT_EQ(s0.ebx, 576u);  // for XCR0 = 3
  EXPECT_EQ(s0.ecx, 832u);  // for everything supported
  EXPECT_EQ(s0.edx, 0u);
  EXPECT_EQ(jit::sem::Cpuid(m, 0xD, 0, 7).ebx, 832u);
  const auto s1 = jit::sem::Cpuid(m, 0xD, 1, 7);
  EXPECT_EQ(s1.eax, 7u);  // XSAVEOPT, XSAVEC, XGETBV1; no XSAVES
  EXPECT_EQ(s1.ebx, 832u);
  EXPECT_EQ(s1.ecx, 0u);
  const auto s2 = jit::sem::Cpuid(m, 0xD, 2, 7);
  EXPECT_EQ(s2.eax, 256u);
  EXPECT_EQ(s2.ebx, 576u);
  EXPECT_EQ(s2.ecx, 0u);  // user component, no 64-byte alignment in the compacted format
  EXPECT_EQ(jit::sem::Cpuid(m, 0xD, 3, 7).eax, 0u);
  machine::CpuModel baseline;
  ASSERT_TRUE(machine::CpuModelByName("x86-64", baseline));
  EXPECT_EQ(jit::sem::Cpuid(baseline, 0xD, 0, 1).eax, 0u);  // no XSAVE, no leaf 0Dh
}

TEST(XsaveInsn, StandardFormatLayout) {
  Machine m(kXsave64, ~uint64_t{0});
  FillState(m.state);
  std::array<uint8_t, xs::kMaxSize> before;
  before.fill(0xEE);
  m.SetArea(before);
  ASSERT_EQ(m.Run().reason, jit::ExitReason::kHalt);
  const auto a = m.Area();
  EXPECT_EQ(a[0] | a[1] << 8, 0x037F);       // FCW
  EXPECT_EQ(a[2] | a[3] << 8, 7 << 11);      // FSW
  EXPECT_EQ(a[4], 0x80);                     // abridged tags: R7 valid
  EXPECT_EQ(Get64(&a[8]), 0x123456789Au);    // 64-bit FIP (REX.W)
  EXPECT_EQ(Get64(&a[16]), 0xABCDEF0123u);   // 64-bit FDP
  EXPECT_EQ(a[24] | a[25] << 8, 0x1F81);     // MXCSR
  EXPECT_EQ(Get64(&a[32]), 0x8000000000000000u);  // ST0 = R7
  EXPECT_EQ(a[40] | a[41] << 8, 0x3FFF);
  for (unsigned r = 0; r < 16; ++r) {
    EXPECT_EQ(std::memcmp(&a[160 + 16 * r], m.state.zmm[r], 16), 0) << r;
    EXPECT_EQ(std::memcmp(&a[576 + 16 * r], m.state.zmm[r] + 16, 16), 0) << r;
  }
  for (unsigned i = 416; i < 512; ++i) EXPECT_EQ(a[i], 0xEE) << i;  // not used by XSAVE
  // XSTATE_BV: RFBM = XCR0 & EDX:EAX = 7 from XINUSE, the other bits as they were.
  EXPECT_EQ(Get64(&a[512]), 0xEEEEEEEEEEEEEEEFu);
  for (unsigned i = 520; i < 576; ++i) EXPECT_EQ(a[i], 0xEE) << i;  // the rest of the header is kept
}

TEST(XsaveInsn, LegacyFipFormWithoutRexW) {
  Machine m(kXsave, 1);
  FillState(m.state);
  ASSERT_EQ(m.Run().reason, jit::ExitReason::kHalt);
  const auto a = m.Area();
  EXPECT_EQ(Get64(&a[8]) & 0xFFFFFFFF, 0x3456789Au);
  EXPECT_EQ(a[12] | a[13] << 8, 0x33);  // FCS
  EXPECT_EQ(Get64(&a[16]) & 0xFFFFFFFF, 0xCDEF0123u);
  EXPECT_EQ(a[20] | a[21] << 8, 0x2B);  // FDS
  EXPECT_EQ(a[24], 0);                  // MXCSR: neither SSE nor AVX requested
  EXPECT_EQ(Get64(&a[512]), 1u);
}

TEST(XsaveInsn, PartialMaskKeepsOtherComponentsAndTheirHeaderBits) {
  Machine m(kXsave64, xs::kAvx);  // AVX only: YMM_H, MXCSR, XSTATE_BV[2]
  FillState(m.state);
  std::array<uint8_t, xs::kMaxSize> before;
  before.fill(0x55);
  Put64(&before[512], 3);  // x87 and SSE were saved earlier
  m.SetArea(before);
  ASSERT_EQ(m.Run().reason, jit::ExitReason::kHalt);
  const auto a = m.Area();
  for (unsigned i = 0; i < 24; ++i) EXPECT_EQ(a[i], 0x55) << i;
  EXPECT_EQ(a[24] | a[25] << 8, 0x1F81);  // MXCSR goes with AVX too
  for (unsigned i = 32; i < 512; ++i) EXPECT_EQ(a[i], 0x55) << i;
  EXPECT_EQ(Get64(&a[512]), 7u);  // (old & ~RFBM) | (XINUSE & RFBM)
  EXPECT_EQ(std::memcmp(&a[576], m.state.zmm[0] + 16, 16), 0);
}

TEST(XsaveInsn, XsaveWritesInitialComponentsButClearsTheirBits) {
  Machine m(kXsave64, 7);  // the state is initial: nothing in use
  std::array<uint8_t, xs::kMaxSize> before;
  before.fill(0x55);
  Put64(&before[512], 7);
  m.SetArea(before);
  ASSERT_EQ(m.Run().reason, jit::ExitReason::kHalt);
  const auto a = m.Area();
  EXPECT_EQ(a[0] | a[1] << 8, 0x037F);  // written anyway
  EXPECT_EQ(a[160], 0);
  EXPECT_EQ(a[576], 0);
  EXPECT_EQ(Get64(&a[512]), 0u);
}

TEST(XsaveInsn, XsaveoptSkipsComponentsInTheirInitialConfiguration) {
  Machine m(kXsaveopt64, 7);
  m.state.zmm[3][0] = 9;  // SSE in use; x87 and AVX initial
  std::array<uint8_t, xs::kMaxSize> before;
  before.fill(0x55);
  Put64(&before[512], 5);
  m.SetArea(before);
  ASSERT_EQ(m.Run().reason, jit::ExitReason::kHalt);
  const auto a = m.Area();
  for (unsigned i = 0; i < 24; ++i) EXPECT_EQ(a[i], 0x55) << i;  // x87 not written
  EXPECT_EQ(a[24] | a[25] << 8, 0x1F80);                         // MXCSR always
  EXPECT_EQ(a[160 + 48], 9);
  EXPECT_EQ(a[576], 0x55);  // AVX not written
  EXPECT_EQ(Get64(&a[512]), 2u);
}

TEST(XsaveInsn, CompactedFormatHeaderAndOffsets) {
  Machine m(kXsavec64, xs::kX87 | xs::kAvx);  // RFBM without SSE: AVX still at 576
  FillState(m.state);
  std::array<uint8_t, xs::kMaxSize> before;
  before.fill(0x55);
  m.SetArea(before);
  ASSERT_EQ(m.Run().reason, jit::ExitReason::kHalt);
  const auto a = m.Area();
  EXPECT_EQ(Get64(&a[512]), 5u);
  EXPECT_EQ(Get64(&a[520]), xs::kCompacted | 5);
  for (unsigned i = 528; i < 576; ++i) EXPECT_EQ(a[i], 0x55) << i;  // bytes 16-63 of the header
  EXPECT_EQ(a[24], 0x55);  // MXCSR belongs to SSE in XSAVEC
  EXPECT_EQ(a[160], 0x55);
  EXPECT_EQ(std::memcmp(&a[576], m.state.zmm[0] + 16, 16), 0);
  EXPECT_EQ(a[0] | a[1] << 8, 0x037F);
}

TEST(XsaveInsn, CompactedInitOptimizationAndMxcsr) {
  Machine m(kXsavec64, 7);
  m.state.mxcsr = 0x1F00;  // XMM registers zero, but MXCSR not default: SSE is saved
  std::array<uint8_t, xs::kMaxSize> before;
  before.fill(0x55);
  m.SetArea(before);
  ASSERT_EQ(m.Run().reason, jit::ExitReason::kHalt);
  const auto a = m.Area();
  EXPECT_EQ(Get64(&a[512]), 2u);
  EXPECT_EQ(Get64(&a[520]), xs::kCompacted | 7);
  EXPECT_EQ(a[0], 0x55);  // x87 initial: not written
  EXPECT_EQ(a[24] | a[25] << 8, 0x1F00);
  EXPECT_EQ(a[576], 0x55);  // AVX slot reserved, not written
}

/// Saves with `save`, clobbers the state, restores with `restore`: the state comes back.
void RoundTrip(const char* save, const char* restore) {
  Machine m(save, 7);
  FillState(m.state);
  const machine::CpuState saved = m.state;
  ASSERT_EQ(m.Run().reason, jit::ExitReason::kHalt);
  const auto area = m.Area();
  Machine r(restore, 7);
  r.SetArea(area);
  r.state.zmm[5][20] = 0xAA;
  r.state.mxcsr = 0x1F80;
  ASSERT_EQ(r.Run().reason, jit::ExitReason::kHalt);
  EXPECT_TRUE(SameFpState(r.state, saved)) << save << " / " << restore;
}

TEST(XrstorInsn, RoundTripsInBothFormats) {
  RoundTrip(kXsave64, kXrstor64);
  RoundTrip(kXsaveopt64, kXrstor64);
  RoundTrip(kXsavec64, kXrstor64);
}

TEST(XrstorInsn, WithoutRexWFipAndFdpAreOffsetsWithSelectors) {
  Machine m(kXsave, 7);
  FillState(m.state);
  ASSERT_EQ(m.Run().reason, jit::ExitReason::kHalt);
  const auto area = m.Area();
  Machine r(kXrstor, 7);
  r.SetArea(area);
  ASSERT_EQ(r.Run().reason, jit::ExitReason::kHalt);
  EXPECT_EQ(r.state.fip, 0x3456789Au);
  EXPECT_EQ(r.state.fdp, 0xCDEF0123u);
  EXPECT_EQ(r.state.fcs, 0x33);
  EXPECT_EQ(r.state.fds, 0x2B);
  EXPECT_EQ(std::memcmp(r.state.zmm, m.state.zmm, sizeof r.state.zmm), 0);
}

TEST(XrstorInsn, ClearXstateBvBitsInitializeComponents) {
  Machine m(kXrstor64, 7);
  FillState(m.state);
  std::array<uint8_t, xs::kMaxSize> a{};
  a[24] = 0xC0;  // MXCSR = 1FC0 (DAZ): the standard form loads it even with XSTATE_BV[1] = 0
  a[25] = 0x1F;
  Put64(&a[512], 0);
  m.SetArea(a);
  ASSERT_EQ(m.Run().reason, jit::ExitReason::kHalt);
  EXPECT_EQ(m.state.fcw, 0x037F);
  EXPECT_EQ(m.state.ftw, 0xFFFF);
  EXPECT_EQ(m.state.fip, 0u);
  EXPECT_EQ(m.state.st[7].significand, 0u);
  EXPECT_EQ(m.state.mxcsr, 0x1FC0u);
  for (unsigned r = 0; r < 16; ++r)
    for (unsigned b = 0; b < 32; ++b) EXPECT_EQ(m.state.zmm[r][b], 0) << r << " " << b;
}

TEST(XrstorInsn, CompactedFormInitializesMxcsrWithSse) {
  Machine m(kXrstor64, 7);
  FillState(m.state);
  std::array<uint8_t, xs::kMaxSize> a{};
  a[24] = 0xC0;
  a[25] = 0x1F;
  Put64(&a[512], xs::kX87);
  Put64(&a[520], xs::kCompacted | 7);
  m.SetArea(a);
  ASSERT_EQ(m.Run().reason, jit::ExitReason::kHalt);
  EXPECT_EQ(m.state.mxcsr, 0x1F80u);  // SSE initialized: MXCSR too, the area's value ignored
  EXPECT_EQ(m.state.fcw, 0x0040);     // x87 loaded from the zero image (bit 6 reads as 1)
}

TEST(XrstorInsn, MaskLimitsWhatIsRestored) {
  Machine m(kXrstor64, xs::kX87);  // x87 only: SSE, AVX and MXCSR stay
  FillState(m.state);
  const machine::CpuState before = m.state;
  std::array<uint8_t, xs::kMaxSize> a{};
  Put64(&a[512], 0);
  m.SetArea(a);
  ASSERT_EQ(m.Run().reason, jit::ExitReason::kHalt);
  EXPECT_EQ(m.state.fcw, 0x037F);
  EXPECT_EQ(m.state.mxcsr, before.mxcsr);
  EXPECT_EQ(std::memcmp(m.state.zmm, before.zmm, sizeof before.zmm), 0);
}

/// XRSTOR64 of `area` raises #GP(0) and changes nothing.
void ExpectRestoreGp(const std::array<uint8_t, xs::kMaxSize>& area, uint64_t xcr0 = 7) {
  Machine m(kXrstor64, 7);
  m.state.xcr0 = xcr0;
  FillState(m.state);
  const machine::CpuState before = m.state;
  m.SetArea(area);
  const jit::Exit e = m.Run();
  EXPECT_EQ(e.reason, jit::ExitReason::kException);
  EXPECT_EQ(e.vector, jit::vec::kGp);
  EXPECT_TRUE(e.has_error_code);
  EXPECT_EQ(e.error_code, 0u);
  EXPECT_EQ(m.state.rip, kBase);
  EXPECT_TRUE(SameFpState(m.state, before));
}

TEST(XrstorInsn, GeneralProtectionCases) {
  std::array<uint8_t, xs::kMaxSize> a{};
  a[24] = 0x80, a[25] = 0x1F;
  Put64(&a[512], 8);  // XSTATE_BV bit 3: not in XCR0
  ExpectRestoreGp(a);
  Put64(&a[512], 4);  // AVX while XCR0 = 3
  ExpectRestoreGp(a, 3);
  Put64(&a[512], 7);
  a[520] = 1;  // standard form: XCOMP_BV must be 0
  ExpectRestoreGp(a);
  a[520] = 0;
  a[530] = 1;  // standard form: bytes 16-23 of the header too
  ExpectRestoreGp(a);
  a[530] = 0;
  a[26] = 1;  // MXCSR reserved bit 16
  ExpectRestoreGp(a);
  a[26] = 0;
  Put64(&a[520], xs::kCompacted | 8);  // compacted: XCOMP_BV bit beyond XCR0
  ExpectRestoreGp(a);
  Put64(&a[520], xs::kCompacted | 3);  // compacted: XSTATE_BV (7) not within XCOMP_BV
  ExpectRestoreGp(a);
  Put64(&a[520], xs::kCompacted | 7);
  a[570] = 1;  // compacted: reserved bytes up to 63
  ExpectRestoreGp(a);
}

TEST(XsaveInsn, MisalignedAreaIsGeneralProtection) {
  for (const char* code : {kXsave64, kXsavec64, kXsaveopt64, kXrstor64}) {
    Machine m(code, 7);
    m.state.gpr[machine::kRbx] = kArea + 16;  // 16-byte aligned is not enough
    const jit::Exit e = m.Run();
    EXPECT_EQ(e.vector, jit::vec::kGp) << code;
    EXPECT_EQ(m.state.rip, kBase);
  }
}

TEST(XsaveInsn, UndefinedWithoutOsxsaveAndNmWithTs) {
  for (const char* code : {kXsave64, kXsavec64, kXsaveopt64, kXrstor64, kXgetbv}) {
    Machine m(code, 7);
    m.state.cr4 &= ~kCr4Osxsave;
    EXPECT_EQ(m.Run().vector, jit::vec::kUd) << code;
  }
  for (const char* code : {kXsave64, kXsavec64, kXsaveopt64, kXrstor64}) {
    Machine m(code, 7);
    m.state.cr0 |= kCr0Ts;
    EXPECT_EQ(m.Run().vector, jit::vec::kNm) << code;
  }
  Machine xsaves(kXsaves, 7);  // not advertised
  EXPECT_EQ(xsaves.Run().vector, jit::vec::kUd);
}

TEST(XsaveInsn, PageFaultWritesNothing) {
  // The area's last 256 bytes (the AVX state) lie past the end of memory.
  const uint64_t at = kBase + kMemSize - 576;
  Machine m(kXsave64, 7);
  FillState(m.state);
  m.state.gpr[machine::kRbx] = at;
  std::array<uint8_t, 576> before;
  before.fill(0x55);
  ASSERT_TRUE(m.memory.Load(at, before.data(), before.size()));
  const jit::Exit e = m.Run();
  EXPECT_EQ(e.vector, jit::vec::kPf);
  std::array<uint8_t, 576> after{};
  ASSERT_EQ(m.memory.Read(at, after.data(), 576), jit::MemStatus::kOk);
  EXPECT_EQ(after, before);
  // Without AVX in the mask the area ends at the header: it fits.
  Machine fits(kXsave64, 3);
  fits.state.gpr[machine::kRbx] = at;
  EXPECT_EQ(fits.Run().reason, jit::ExitReason::kHalt);
}

TEST(XgetbvInsn, InUseBitsWithEcx1) {
  Machine m(kXgetbv, 0);
  m.state.gpr[machine::kRcx] = 1;
  m.state.zmm[2][20] = 1;  // AVX in use (upper half), SSE and x87 initial
  ASSERT_EQ(m.Run().reason, jit::ExitReason::kHalt);
  EXPECT_EQ(m.state.gpr[machine::kRax], 4u);
  Machine bad(kXgetbv, 0);
  bad.state.gpr[machine::kRcx] = 2;
  EXPECT_EQ(bad.Run().vector, jit::vec::kGp);
}

TEST(AvxInsn, UndefinedUnlessXcr0EnablesAvx) {
  Machine m("c5f458c2", 0);  // vaddps ymm0, ymm1, ymm2
  m.state.xcr0 = 3;
  EXPECT_EQ(m.Run().vector, jit::vec::kUd);
  Machine ok("c5f458c2", 0);
  EXPECT_EQ(ok.Run().reason, jit::ExitReason::kHalt);
}

}  // namespace
}  // namespace kiln::test
