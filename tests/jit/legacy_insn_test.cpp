// The interpreter on the legacy general-purpose instructions of exec_legacy.cpp, with values worked
// out from the SDM's pseudocode (Vol.2, one test per instruction; the SDM's own DAA/DAS examples
// among them) and, for the flags the SDM leaves undefined, the AMD host's (docs/flags.md). The
// programs were assembled with nasm; their source is in the comments.
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "jit/interp/interpreter.h"
#include "jit/semantics/flags.h"
#include "machine/flat_memory.h"
#include "tests/jit/hex.h"

namespace kiln::test {
namespace {

using frontend::CpuMode;
using jit::ExitReason;
using machine::CpuState;
namespace rflags = machine::rflags;

constexpr uint64_t kBase = 0x400000;
constexpr uint64_t kStack = kBase + 0x80000;  // initial rSP
constexpr uint64_t kData = kBase + 0x1000;    // scratch data for memory operands
constexpr uint64_t kCf = rflags::kCf, kPf = rflags::kPf, kAf = rflags::kAf, kZf = rflags::kZf,
                   kSf = rflags::kSf, kOf = rflags::kOf;

// A user-mode (CPL 3) CPU in 32-bit protected mode (CS and SS with D/B = 1) or 64-bit mode, with
// 1 MiB of flat memory at kBase.
struct Cpu {
  machine::FlatMemory memory{kBase, 1 << 20};
  CpuState state;
  jit::Interpreter interp{state, memory};

  Cpu(CpuMode mode, const std::string& code_hex) {
    const auto code = Hex(code_hex);
    EXPECT_TRUE(memory.Load(kBase, code.data(), code.size()));
    state.cr0 |= 1;  // PE
    if (mode == CpuMode::k64) {
      state.efer = machine::efer::kLme | machine::efer::kLma;
      state.seg[machine::kCs] = {0x33, machine::seg_attr::kLong, 0xFFFFFFFF, 0};
    } else {
      state.seg[machine::kCs] = {0x23, machine::seg_attr::kDefault32, 0xFFFFFFFF, 0};
      state.seg[machine::kSs] = {0x2B, machine::seg_attr::kDefault32, 0xFFFFFFFF, 0};
    }
    state.rip = kBase;
    state.gpr[machine::kRsp] = kStack;
  }
  jit::Exit Run() { return interp.Run(1000); }
  void SetFlags(uint64_t f) { jit::sem::WriteRflags(state, 0x202 | f); }
  uint64_t ArithFlags() const { return jit::sem::ReadRflags(state) & rflags::kArith; }
  uint64_t Read(uint64_t addr, unsigned n) {
    uint64_t v = 0;
    EXPECT_EQ(memory.Read(addr, &v, n), jit::MemStatus::kOk);  // little-endian host (x86-64, AArch64)
    return v;
  }
  void Write(uint64_t addr, uint64_t v, unsigned n) { EXPECT_EQ(memory.Write(addr, &v, n), jit::MemStatus::kOk); }
};

// Runs one BCD instruction (followed by HLT) in 32-bit mode from AX and the flags.
struct BcdRun {
  uint16_t ax;
  uint64_t flags;
};
BcdRun RunBcd(const std::string& code, uint16_t ax, uint64_t flags) {
  Cpu c(CpuMode::k32, code);
  c.state.gpr[0] = 0xABCD0000u | ax;
  c.SetFlags(flags);
  EXPECT_EQ(c.Run().reason, ExitReason::kHalt);
  EXPECT_EQ(c.state.gpr[0] >> 16, 0xABCDu) << "only AX changes";
  return {static_cast<uint16_t>(c.state.gpr[0]), c.ArithFlags()};
}

TEST(LegacyBcd, DaaSdmExample) {
  // SDM Vol.2 DAA example: ADD AL, BL (79h + 35h) leaves AEh; DAA makes it 14h with CF = AF = 1.
  const BcdRun r = RunBcd("27f4", 0x00AE, 0);  // daa
  EXPECT_EQ(r.ax, 0x0014);
  EXPECT_EQ(r.flags, kCf | kPf | kAf);
}

TEST(LegacyBcd, DaaWithAfAndCfSetAddsBoth) {
  EXPECT_EQ(RunBcd("27f4", 0x0000, kAf | kCf).ax, 0x0066);
  EXPECT_EQ(RunBcd("27f4", 0x0000, kAf | kCf).flags, kCf | kPf | kAf);
  // 9Ah: both nibbles adjust, the result wraps to 00h: ZF, CF.
  const BcdRun r = RunBcd("27f4", 0x009A, 0);
  EXPECT_EQ(r.ax, 0x0000);
  EXPECT_EQ(r.flags, kCf | kPf | kAf | kZf);
  // A valid packed BCD byte with neither flag is left alone.
  EXPECT_EQ(RunBcd("27f4", 0x0042, 0).ax, 0x0042);
  EXPECT_EQ(RunBcd("27f4", 0x0042, 0).flags, kPf);
}

TEST(LegacyBcd, DaaOverflowIsTheHostsSignedOverflowOfTheAdjustment) {
  // 7Ah + 06h = 80h: OF (undefined in the SDM; the host sets it as for ADD AL, 6).
  const BcdRun r = RunBcd("27f4", 0x007A, 0);
  EXPECT_EQ(r.ax, 0x0080);
  EXPECT_EQ(r.flags, kAf | kSf | kOf);
}

TEST(LegacyBcd, DasSdmExample) {
  // SDM Vol.2 DAS example: SUB AL, BL (35h - 47h) leaves EEh with AF = CF = 1; DAS makes it 88h.
  const BcdRun r = RunBcd("2ff4", 0x00EE, kAf | kCf);  // das
  EXPECT_EQ(r.ax, 0x0088);
  EXPECT_EQ(r.flags, kCf | kPf | kAf | kSf);
}

TEST(LegacyBcd, DasKeepsTheBorrowOfTheFirstStep) {
  // AL = 00h, AF = 1, CF = 0: AL - 6 borrows, and DAS has no "else CF = 0" (unlike DAA).
  const BcdRun r = RunBcd("2ff4", 0x0000, kAf);
  EXPECT_EQ(r.ax, 0x00FA);
  EXPECT_EQ(r.flags, kCf | kPf | kAf | kSf);
  // CF alone subtracts 60h.
  EXPECT_EQ(RunBcd("2ff4", 0x0012, kCf).ax, 0x00B2);
  EXPECT_EQ(RunBcd("2ff4", 0x0012, kCf).flags & (kCf | kAf), kCf);
}

TEST(LegacyBcd, AaaAdjustsIntoAh) {
  // 08h + 09h = 11h with AF = 1; AAA: AX = 0107h (unpacked 17), CF = AF = 1.
  const BcdRun r = RunBcd("37f4", 0x0011, kAf);  // aaa
  EXPECT_EQ(r.ax, 0x0107);
  EXPECT_EQ(r.flags, kCf | kAf | kPf);  // SF, ZF, PF from AX = 0117h before the mask (host)
  // Low nibble > 9 without AF; AH = FFh wraps to 00h.
  EXPECT_EQ(RunBcd("37f4", 0xFF0B, 0).ax, 0x0001);
  // No adjustment: CF = AF = 0 and AL's high nibble is cleared.
  const BcdRun plain = RunBcd("37f4", 0x0135, kCf);
  EXPECT_EQ(plain.ax, 0x0105);
  EXPECT_EQ(plain.flags & (kCf | kAf), 0u);
}

TEST(LegacyBcd, AasBorrowsFromAh) {
  // 28 - 9 in unpacked BCD: AX = 0208h, SUB AL, 9 leaves 02FFh with AF = 1; AAS gives 0109h.
  const BcdRun r = RunBcd("3ff4", 0x02FF, kAf | kCf);  // aas
  EXPECT_EQ(r.ax, 0x0109);
  EXPECT_EQ(r.flags, kCf | kAf | kPf);  // from AX = 01F9h before the mask (host)
  const BcdRun plain = RunBcd("3ff4", 0x0537, 0);
  EXPECT_EQ(plain.ax, 0x0507);
  EXPECT_EQ(plain.flags & (kCf | kAf), 0u);
}

TEST(LegacyBcd, AamSplitsAlByTheBase) {
  const BcdRun ten = RunBcd("d40af4", 0x994F, kCf | kOf | kAf);  // aam: 79 = 7, 9
  EXPECT_EQ(ten.ax, 0x0709);
  EXPECT_EQ(ten.flags, kPf);  // OF, AF, CF undefined: cleared on the host
  EXPECT_EQ(RunBcd("d410f4", 0x004F, 0).ax, 0x040F);  // aam 16: nibbles
  const BcdRun zero = RunBcd("d40af4", 0x0005, 0);
  EXPECT_EQ(zero.ax, 0x0005);
  EXPECT_EQ(zero.flags, kPf);  // AL = 5: ZF = 0, PF (two bits)
}

TEST(LegacyBcd, AamZeroRaisesDivideError) {
  Cpu c(CpuMode::k32, "d400f4");  // aam 0
  c.state.gpr[0] = 0x1234;
  const jit::Exit exit = c.Run();
  EXPECT_EQ(exit.reason, ExitReason::kException);
  EXPECT_EQ(exit.vector, jit::vec::kDe);
  EXPECT_EQ(c.state.rip, kBase);  // a fault: at the instruction
  EXPECT_EQ(c.state.gpr[0], 0x1234u);
}

TEST(LegacyBcd, AadCombinesAhAndAl) {
  const BcdRun r = RunBcd("d50af4", 0x0709, kCf);  // aad: 7 * 10 + 9 = 79
  EXPECT_EQ(r.ax, 0x004F);
  EXPECT_EQ(r.flags, 0u);
  EXPECT_EQ(RunBcd("d510f4", 0x040F, 0).ax, 0x004F);  // aad 16
  // 12 * 10 + 12 = 132 = 84h: the host's OF/AF/CF are those of the byte addition 0Ch + 78h.
  const BcdRun big = RunBcd("d50af4", 0x0C0C, 0);
  EXPECT_EQ(big.ax, 0x0084);
  EXPECT_EQ(big.flags, kOf | kSf | kAf | kPf);
}

TEST(LegacyBcd, InvalidIn64BitMode) {
  for (const char* code : {"27", "2f", "37", "3f", "d40a", "d50a"}) {
    Cpu c(CpuMode::k64, code);
    EXPECT_EQ(c.Run().vector, jit::vec::kUd) << code;
  }
}

TEST(LegacyEnter, Level0AllocatesAFrame) {
  Cpu c(CpuMode::k32, "c8100000f4");  // enter 16, 0
  c.state.gpr[machine::kRbp] = 0x12345678;
  EXPECT_EQ(c.Run().reason, ExitReason::kHalt);
  EXPECT_EQ(c.Read(kStack - 4, 4), 0x12345678u);
  EXPECT_EQ(c.state.gpr[machine::kRbp], kStack - 4);
  EXPECT_EQ(c.state.gpr[machine::kRsp], kStack - 4 - 16);
}

TEST(LegacyEnter, Level3CopiesTwoEnclosingFramePointers) {
  Cpu c(CpuMode::k32, "c8080003f4");  // enter 8, 3
  const uint64_t bp = kStack + 0x1000;
  c.state.gpr[machine::kRbp] = bp;
  c.Write(bp - 4, 0x11111111, 4);
  c.Write(bp - 8, 0x22222222, 4);
  EXPECT_EQ(c.Run().reason, ExitReason::kHalt);
  EXPECT_EQ(c.Read(kStack - 4, 4), bp);            // the old EBP
  EXPECT_EQ(c.Read(kStack - 8, 4), 0x11111111u);   // [EBP - 4]
  EXPECT_EQ(c.Read(kStack - 12, 4), 0x22222222u);  // [EBP - 8]
  EXPECT_EQ(c.Read(kStack - 16, 4), kStack - 4);   // the new frame pointer
  EXPECT_EQ(c.state.gpr[machine::kRbp], kStack - 4);
  EXPECT_EQ(c.state.gpr[machine::kRsp], kStack - 16 - 8);
}

TEST(LegacyEnter, SixtyFourBitLevel2) {
  Cpu c(CpuMode::k64, "c8100002f4");  // enter 0x10, 2
  const uint64_t bp = kStack + 0x1000;
  c.state.gpr[machine::kRbp] = bp;
  c.Write(bp - 8, 0x1122334455667788, 8);
  EXPECT_EQ(c.Run().reason, ExitReason::kHalt);
  EXPECT_EQ(c.Read(kStack - 8, 8), bp);
  EXPECT_EQ(c.Read(kStack - 16, 8), 0x1122334455667788u);
  EXPECT_EQ(c.Read(kStack - 24, 8), kStack - 8);
  EXPECT_EQ(c.state.gpr[machine::kRbp], kStack - 8);
  EXPECT_EQ(c.state.gpr[machine::kRsp], kStack - 24 - 0x10);
}

TEST(LegacyEnter, SixteenBitOperandsOnAThirtyTwoBitStack) {
  Cpu c(CpuMode::k32, "66c8040002f4");  // o16 enter 4, 2
  const uint64_t bp = kStack + 0x100;
  c.state.gpr[machine::kRbp] = bp;
  c.Write(bp - 2, 0xBEEF, 2);  // the copy reads [EBP - 2]: the stack is 32-bit
  EXPECT_EQ(c.Run().reason, ExitReason::kHalt);
  EXPECT_EQ(c.Read(kStack - 2, 2), bp & 0xFFFF);             // BP
  EXPECT_EQ(c.Read(kStack - 4, 2), 0xBEEFu);                 // [EBP - 2]
  EXPECT_EQ(c.Read(kStack - 6, 2), (kStack - 2) & 0xFFFF);   // the new frame pointer, 16 bits
  EXPECT_EQ(c.state.gpr[machine::kRbp], (bp & ~uint64_t{0xFFFF}) | ((kStack - 2) & 0xFFFF));  // BP only
  EXPECT_EQ(c.state.gpr[machine::kRsp], kStack - 6 - 4);
}

TEST(LegacyEnter, FaultLeavesRegistersUnchanged) {
  Cpu c(CpuMode::k32, "c8080003f4");
  c.state.gpr[machine::kRbp] = 0x10;  // the frame copy reads outside memory
  const jit::Exit exit = c.Run();
  EXPECT_EQ(exit.vector, jit::vec::kPf);
  EXPECT_EQ(c.state.gpr[machine::kRsp], kStack);
  EXPECT_EQ(c.state.gpr[machine::kRbp], 0x10u);
  EXPECT_EQ(c.state.rip, kBase);
}

TEST(LegacyCmpxchg, EightByteEqualStoresEcxEbx) {
  Cpu c(CpuMode::k32, "0fc70ef4");  // cmpxchg8b [esi]
  c.state.gpr[machine::kRsi] = kData;
  c.Write(kData, 0x1122334455667788, 8);
  c.state.gpr[machine::kRdx] = 0x11223344;
  c.state.gpr[machine::kRax] = 0x55667788;
  c.state.gpr[machine::kRcx] = 0xAABBCCDD;
  c.state.gpr[machine::kRbx] = 0x99887766;
  c.SetFlags(kCf | kSf);
  EXPECT_EQ(c.Run().reason, ExitReason::kHalt);
  EXPECT_EQ(c.Read(kData, 8), 0xAABBCCDD99887766u);
  EXPECT_EQ(c.ArithFlags(), kCf | kSf | kZf);  // only ZF changes
}

TEST(LegacyCmpxchg, EightByteNotEqualLoadsEdxEax) {
  Cpu c(CpuMode::k64, "0fc70ef4");  // cmpxchg8b [rsi]
  c.state.gpr[machine::kRsi] = kData;
  c.Write(kData, 0x1122334455667788, 8);
  c.state.gpr[machine::kRdx] = 0xFFFFFFFF11223344;
  c.state.gpr[machine::kRax] = 0xFFFFFFFF00000000;
  c.SetFlags(kZf | kOf);
  EXPECT_EQ(c.Run().reason, ExitReason::kHalt);
  EXPECT_EQ(c.state.gpr[machine::kRdx], 0x11223344u);  // 32-bit writes zero-extend
  EXPECT_EQ(c.state.gpr[machine::kRax], 0x55667788u);
  EXPECT_EQ(c.Read(kData, 8), 0x1122334455667788u);
  EXPECT_EQ(c.ArithFlags(), kOf);
}

TEST(LegacyCmpxchg, SixteenByteEqualAndNotEqual) {
  Cpu c(CpuMode::k64, "480fc70e480fc70ef4");  // cmpxchg16b [rsi] twice
  c.state.gpr[machine::kRsi] = kData;
  c.Write(kData, 0x0102030405060708, 8);
  c.Write(kData + 8, 0x1112131415161718, 8);
  c.state.gpr[machine::kRax] = 0x0102030405060708;
  c.state.gpr[machine::kRdx] = 0x1112131415161718;
  c.state.gpr[machine::kRbx] = 0xA0A0A0A0A0A0A0A0;
  c.state.gpr[machine::kRcx] = 0xB0B0B0B0B0B0B0B0;
  c.SetFlags(kPf);
  // The first one matches and stores RCX:RBX; the second then sees a mismatch and loads it.
  EXPECT_EQ(c.Run().reason, ExitReason::kHalt);
  EXPECT_EQ(c.Read(kData, 8), 0xA0A0A0A0A0A0A0A0u);
  EXPECT_EQ(c.Read(kData + 8, 8), 0xB0B0B0B0B0B0B0B0u);
  EXPECT_EQ(c.state.gpr[machine::kRax], 0xA0A0A0A0A0A0A0A0u);
  EXPECT_EQ(c.state.gpr[machine::kRdx], 0xB0B0B0B0B0B0B0B0u);
  EXPECT_EQ(c.ArithFlags(), kPf);  // ZF = 0 from the second
}

TEST(LegacyCmpxchg, SixteenByteMisalignedRaisesGp) {
  Cpu c(CpuMode::k64, "480fc70ef4");
  c.state.gpr[machine::kRsi] = kData + 8;
  const jit::Exit exit = c.Run();
  EXPECT_EQ(exit.reason, ExitReason::kException);
  EXPECT_EQ(exit.vector, jit::vec::kGp);
  EXPECT_TRUE(exit.has_error_code);
  EXPECT_EQ(exit.error_code, 0u);
  EXPECT_EQ(c.state.rip, kBase);
}

TEST(LegacyMovbe, LoadsAndStoresReverseTheBytes) {
  // movbe eax, [rsi] / movbe cx, [rsi] / movbe rdx, [rsi] / movbe [rsi+8], rdx / movbe [rsi+16], cx
  Cpu c(CpuMode::k64, "0f38f006660f38f00e480f38f016480f38f15608660f38f14e10f4");
  c.state.gpr[machine::kRsi] = kData;
  c.state.gpr[machine::kRax] = ~uint64_t{0};
  c.state.gpr[machine::kRcx] = 0xFFFFFFFFFFFF0000;
  c.Write(kData, 0x0807060504030201, 8);  // bytes 01 02 ... 08
  EXPECT_EQ(c.Run().reason, ExitReason::kHalt);
  EXPECT_EQ(c.state.gpr[machine::kRax], 0x01020304u);
  EXPECT_EQ(c.state.gpr[machine::kRcx], 0xFFFFFFFFFFFF0102u);
  EXPECT_EQ(c.state.gpr[machine::kRdx], 0x0102030405060708u);
  EXPECT_EQ(c.Read(kData + 8, 8), 0x0807060504030201u);  // stored big-endian: 01 02 ... 08
  EXPECT_EQ(c.Read(kData + 16, 2), 0x0201u);
}

// BOUND against the signed bounds -5 and 10 at [esi]: dwords, or words with `sixteen`.
jit::Exit RunBound(uint64_t index, bool sixteen = false) {
  Cpu c(CpuMode::k32, sixteen ? "666206f4" : "6206f4");  // [o16] bound eax, [esi]
  c.state.gpr[machine::kRsi] = kData;
  c.state.gpr[machine::kRax] = index;
  if (sixteen) {
    c.Write(kData, 0x000AFFFB, 4);
  } else {
    c.Write(kData, 0xFFFFFFFB, 4);
    c.Write(kData + 4, 10, 4);
  }
  const jit::Exit exit = c.Run();
  if (exit.reason == ExitReason::kException) EXPECT_EQ(c.state.rip, kBase);  // #BR is a fault
  return exit;
}

TEST(LegacyBound, InsideTheSignedRangeContinues) {
  for (uint64_t index : {uint64_t{0}, uint64_t{10}, uint64_t{0xFFFFFFFB}}) EXPECT_EQ(RunBound(index).reason, ExitReason::kHalt) << index;
}

TEST(LegacyBound, OutsideRaisesBr) {
  for (uint64_t index : {uint64_t{11}, uint64_t{0xFFFFFFFA}, uint64_t{0x7FFFFFFF}}) {
    const jit::Exit exit = RunBound(index);
    EXPECT_EQ(exit.reason, ExitReason::kException);
    EXPECT_EQ(exit.vector, jit::vec::kBr) << index;
  }
  // 16-bit: the index is AX only, the bounds are words.
  EXPECT_EQ(RunBound(0xFFFF000A, true).reason, ExitReason::kHalt);
  EXPECT_EQ(RunBound(0x0000000B, true).vector, jit::vec::kBr);
}

TEST(LegacyInto, TrapsOnlyWithOverflow) {
  Cpu clear(CpuMode::k32, "cef4");  // into
  clear.SetFlags(kCf | kSf);
  EXPECT_EQ(clear.Run().reason, ExitReason::kHalt);
  Cpu set(CpuMode::k32, "cef4");
  set.SetFlags(kOf);
  const jit::Exit exit = set.Run();
  EXPECT_EQ(exit.reason, ExitReason::kException);
  EXPECT_EQ(exit.vector, jit::vec::kOf);
  EXPECT_EQ(set.state.rip, kBase + 1);  // a trap: after the instruction
  EXPECT_EQ(set.state.retired, 1u);
}

TEST(LegacyXlat, LooksUpAlInTheTableAtEbx) {
  Cpu c(CpuMode::k32, "d7f4");  // xlatb
  c.state.gpr[machine::kRbx] = kData;
  c.state.gpr[machine::kRax] = 0x123456F5;
  c.Write(kData + 0xF5, 0xAB, 1);
  EXPECT_EQ(c.Run().reason, ExitReason::kHalt);
  EXPECT_EQ(c.state.gpr[machine::kRax], 0x123456ABu);
}

TEST(LegacyPusha, PushadStoresEightRegistersWithTheOriginalEsp) {
  Cpu c(CpuMode::k32, "60f4");  // pushad
  for (unsigned r = 0; r < 8; ++r)
    if (r != machine::kRsp) c.state.gpr[r] = 0x10101010u * (r + 1);
  EXPECT_EQ(c.Run().reason, ExitReason::kHalt);
  for (unsigned r = 0; r < 8; ++r) {
    const uint64_t expected = r == machine::kRsp ? kStack : 0x10101010u * (r + 1);
    EXPECT_EQ(c.Read(kStack - 4 * (r + 1), 4), expected) << r;
  }
  EXPECT_EQ(c.state.gpr[machine::kRsp], kStack - 32);
}

TEST(LegacyPusha, PopadLoadsAllButEsp) {
  Cpu c(CpuMode::k32, "61f4");  // popad
  for (unsigned i = 0; i < 8; ++i) c.Write(kStack + 4 * i, 0xA0000000u + i, 4);  // EDI first
  EXPECT_EQ(c.Run().reason, ExitReason::kHalt);
  EXPECT_EQ(c.state.gpr[machine::kRdi], 0xA0000000u);
  EXPECT_EQ(c.state.gpr[machine::kRsi], 0xA0000001u);
  EXPECT_EQ(c.state.gpr[machine::kRbp], 0xA0000002u);
  EXPECT_EQ(c.state.gpr[machine::kRbx], 0xA0000004u);
  EXPECT_EQ(c.state.gpr[machine::kRdx], 0xA0000005u);
  EXPECT_EQ(c.state.gpr[machine::kRcx], 0xA0000006u);
  EXPECT_EQ(c.state.gpr[machine::kRax], 0xA0000007u);
  EXPECT_EQ(c.state.gpr[machine::kRsp], kStack + 32);
}

TEST(LegacyPusha, SixteenBitFormsMoveWords) {
  Cpu c(CpuMode::k32, "66606661f4");  // pushaw / popaw
  for (unsigned r = 0; r < 8; ++r)
    if (r != machine::kRsp) c.state.gpr[r] = 0xCAFE0000u | (0x1111u * (r + 1));
  EXPECT_EQ(c.Run().reason, ExitReason::kHalt);
  EXPECT_EQ(c.Read(kStack - 2, 2), 0x1111u);           // AX first
  EXPECT_EQ(c.Read(kStack - 10, 2), kStack & 0xFFFF);  // the original SP
  EXPECT_EQ(c.state.gpr[machine::kRsp], kStack);
  EXPECT_EQ(c.state.gpr[machine::kRdi], 0xCAFE8888u);  // popped back, high halves untouched
}

TEST(LegacyFlags, PushfqStoresRflagsWithoutRf) {
  Cpu c(CpuMode::k64, "9cf4");  // pushfq
  jit::sem::WriteRflags(c.state, 0x202 | kCf | kZf | rflags::kDf | (1u << 16) | (1u << 18));
  EXPECT_EQ(c.Run().reason, ExitReason::kHalt);
  EXPECT_EQ(c.Read(kStack - 8, 8), 0x202u | kCf | kZf | rflags::kDf | (1u << 18));
  EXPECT_EQ(c.state.gpr[machine::kRsp], kStack - 8);
}

TEST(LegacyFlags, PushfwPushesTwoBytes) {
  Cpu c(CpuMode::k64, "669cf4");  // pushfw
  c.SetFlags(kSf);
  EXPECT_EQ(c.Run().reason, ExitReason::kHalt);
  EXPECT_EQ(c.Read(kStack - 2, 2), 0x282u);
  EXPECT_EQ(c.state.gpr[machine::kRsp], kStack - 2);
}

TEST(LegacyFlags, PopfqAtCpl3KeepsIfAndIopl) {
  Cpu c(CpuMode::k64, "9df4");  // popfq
  c.SetFlags(0);                 // IF = 1, IOPL = 0
  c.Write(kStack, 0x3000 | (1u << 18) | kCf | kOf | rflags::kDf, 8);  // IOPL 3, AC, IF = 0
  EXPECT_EQ(c.Run().reason, ExitReason::kHalt);
  EXPECT_EQ(jit::sem::ReadRflags(c.state), 0x202u | (1u << 18) | kCf | kOf | rflags::kDf);
  EXPECT_EQ(c.state.gpr[machine::kRsp], kStack + 8);
}

TEST(LegacyFlags, PopfdAtCpl0ChangesIfAndIopl) {
  Cpu c(CpuMode::k32, "9df4");  // popfd
  c.state.seg[machine::kCs].selector = 0x08;
  c.Write(kStack, 0x3000 | kZf | (1u << 16), 4);  // RF is never loaded
  EXPECT_EQ(c.Run().reason, ExitReason::kHalt);
  EXPECT_EQ(jit::sem::ReadRflags(c.state), 0x3002u | kZf);
}

TEST(LegacyRandom, RdrandIsNotAdvertisedAndRaisesUd) {
  // jit/semantics/cpuid.h does not set CPUID.1:ECX.RDRAND[30] (nor RDSEED): #UD.
  Cpu c(CpuMode::k64, "0fc7f0");  // rdrand eax
  EXPECT_EQ(c.Run().vector, jit::vec::kUd);
}

}  // namespace
}  // namespace kiln::test
