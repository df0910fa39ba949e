// The interpreter on small 64-bit programs (assembled with nasm; source in the comments), on
// exceptions (precise state), and on its block cache.
#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

#include "jit/interp/interpreter.h"
#include "jit/semantics/flags.h"
#include "machine/flat_memory.h"
#include "tests/jit/hex.h"

namespace kiln::test {
namespace {

using jit::ExitReason;
using machine::CpuState;

constexpr uint64_t kBase = 0x400000;

// A 64-bit user-mode CPU with 1 MiB of flat memory at kBase and the stack at its top.
struct Machine {
  machine::FlatMemory memory{kBase, 1 << 20};
  CpuState state;
  jit::Interpreter interp{state, memory};

  explicit Machine(const std::string& code_hex) {
    const auto code = Hex(code_hex);
    EXPECT_TRUE(memory.Load(kBase, code.data(), code.size()));
    state.efer = machine::efer::kLme | machine::efer::kLma;
    state.seg[machine::kCs].attributes = machine::seg_attr::kLong;
    state.rip = kBase;
    state.gpr[machine::kRsp] = kBase + (1 << 20) - 64;
  }
  jit::Exit Run(uint64_t limit = 100000) { return interp.Run(limit); }
};

// A CPU in 16- or 32-bit protected mode with flat segments and 1 MiB of memory at 0, code at
// 0x1000: the operand, address and stack sizes come from the mode and SS's B flag.
struct LegacyMachine {
  machine::FlatMemory memory{0, 1 << 20};
  CpuState state;
  jit::Interpreter interp{state, memory};

  LegacyMachine(const std::string& code_hex, bool big) {
    const auto code = Hex(code_hex);
    EXPECT_TRUE(memory.Load(0x1000, code.data(), code.size()));
    state.cr0 |= 1;  // PE
    const uint16_t attr = big ? machine::seg_attr::kDefault32 : 0;
    state.seg[machine::kCs].attributes = attr;
    state.seg[machine::kSs].attributes = attr;
    state.rip = 0x1000;
    state.gpr[machine::kRsp] = 0x12340000;  // the bits above SP/ESP must survive the stack ops
  }
};

TEST(Interpreter, SixteenBitModeAddressingAndStack) {
  // bits 16: mov sp, 0x8000 / mov bx, 0x2000 / mov si, 0x10 / mov word [bx+si], 0x1234 /
  // mov ax, [bx+si] / push ax / pop cx / add cx, 1 / mov di, 0xffff / mov byte [bx+di+1], 0x55
  // (offset 0x12000 wraps to 0x2000) / mov dl, [0x2000] / call f / hlt / f: mov dh, 7 / ret
  LegacyMachine m("bc0080bb0020be1000c70034128b00505983c101bfffffc64101558a160020e80100f4b607c3", false);
  EXPECT_EQ(m.interp.Run(1000).reason, ExitReason::kHalt);
  EXPECT_EQ(m.state.gpr[0] & 0xFFFF, 0x1234u);
  EXPECT_EQ(m.state.gpr[1] & 0xFFFF, 0x1235u);
  EXPECT_EQ(m.state.gpr[2] & 0xFFFF, 0x0755u);
  EXPECT_EQ(m.state.gpr[machine::kRsp], 0x12348000u);  // SP wrapped and moved, upper bits kept
  uint8_t byte = 0;
  EXPECT_EQ(m.memory.Read(0x12000, &byte, 1), jit::MemStatus::kOk);
  EXPECT_EQ(byte, 0);  // the store went to 0x2000, not past 64 KiB
}

TEST(Interpreter, ThirtyTwoBitModeStackFrames) {
  // bits 32: mov esp, 0x8000 / push dword 0x11223344 / pop eax / mov ebx, 0x2000 /
  // mov [ebx+4], eax / lea ecx, [ebx+eax*2+3] / call g / hlt /
  // g: push ebp / mov ebp, esp / sub esp, 8 / mov dword [ebp-4], 0x77 / mov edx, [ebp-4] / leave / ret
  LegacyMachine m("bc00800000684433221158bb002000008943048d4c4303e801000000f45589e583ec08c745fc770000008b55fcc9c3", true);
  EXPECT_EQ(m.interp.Run(1000).reason, ExitReason::kHalt);
  EXPECT_EQ(m.state.gpr[0], 0x11223344u);
  EXPECT_EQ(m.state.gpr[1], (0x2000u + 2 * 0x11223344u + 3) & 0xFFFFFFFF);
  EXPECT_EQ(m.state.gpr[2], 0x77u);
  EXPECT_EQ(m.state.gpr[machine::kRsp], 0x8000u);  // a 32-bit write zero-extends ESP into RSP
  uint8_t word[4] = {};
  EXPECT_EQ(m.memory.Read(0x2004, word, 4), jit::MemStatus::kOk);
  EXPECT_EQ(word[0], 0x44);
}

TEST(Interpreter, LoopSums1To100) {
  // mov ecx, 100 / xor eax, eax / .l: add eax, ecx / dec ecx / jnz .l / hlt
  Machine m("b96400000031c001c8ffc975faf4");
  const jit::Exit exit = m.Run();
  EXPECT_EQ(exit.reason, ExitReason::kHalt);
  EXPECT_EQ(m.state.gpr[0], 5050u);
  EXPECT_EQ(m.state.retired, 2u + 3 * 100 + 1);
}

TEST(Interpreter, RecursiveFactorialWithCallsAndMemory) {
  // mov edi, 10 / call fact / mov [rel result], rax / mov rbx, [rel result] / hlt
  // fact: cmp rdi, 1 / jbe .base / push rdi / dec rdi / call fact / pop rdi / imul rax, rdi / ret
  // .base: mov eax, 1 / ret / result: dq 0
  Machine m("bf0a000000e80f00000048890523000000488b1d1c000000f44883ff01760f5748ffcfe8f1ffffff5f480fafc7c3b801000000c30000000000000000");
  const uint64_t rsp = m.state.gpr[machine::kRsp];
  EXPECT_EQ(m.Run().reason, ExitReason::kHalt);
  EXPECT_EQ(m.state.gpr[0], 3628800u);
  EXPECT_EQ(m.state.gpr[machine::kRbx], 3628800u);
  EXPECT_EQ(m.state.gpr[machine::kRsp], rsp);
}

TEST(Interpreter, DivisionExtensionLeaConditionsAndBitScan) {
  Machine m(
      "48c7c0fbffffffbb03000000489948f7fb4989c04989d1b9800000004c0fbed1440fb6d94f8d645a074981fc870000"
      "00410f94c541be0100000049c1e6284d0fbcfebe0700000083fe09bf000000000f4cfe4887f7f4");
  EXPECT_EQ(m.Run().reason, ExitReason::kHalt);
  const auto& g = m.state.gpr;
  EXPECT_EQ(g[8], ~uint64_t{0});              // -5 / 3 = -1
  EXPECT_EQ(g[9], static_cast<uint64_t>(-2));  // remainder -2
  EXPECT_EQ(g[10], static_cast<uint64_t>(-128));
  EXPECT_EQ(g[11], 128u);
  EXPECT_EQ(g[12], 135u);
  EXPECT_EQ(g[13] & 0xFF, 1u);
  EXPECT_EQ(g[15], 40u);
  EXPECT_EQ(g[machine::kRsi], 7u);
  EXPECT_EQ(g[machine::kRdi], 7u);
}

TEST(Interpreter, DivideByZero_RaisesDeWithTheStateOfTheInstruction) {
  // xor ecx, ecx / mov eax, 1 / div ecx
  Machine m("31c9b801000000f7f1");
  const jit::Exit exit = m.Run();
  EXPECT_EQ(exit.reason, ExitReason::kException);
  EXPECT_EQ(exit.vector, jit::vec::kDe);
  EXPECT_EQ(m.state.rip, kBase + 7);  // at the DIV, not after it
  EXPECT_EQ(m.state.gpr[0], 1u);
}

TEST(Interpreter, FaultingStore_LeavesRegistersAndFlagsUntouched) {
  // mov rbx, 0x10 / stc / add qword [rbx], 1  (address 0x10 is outside guest memory)
  Machine m("48c7c310000000f94883030" "1");
  const jit::Exit exit = m.Run();
  EXPECT_EQ(exit.reason, ExitReason::kException);
  EXPECT_EQ(exit.vector, jit::vec::kPf);
  EXPECT_EQ(exit.fault_address, 0x10u);
  EXPECT_EQ(m.state.rip, kBase + 8);
  EXPECT_TRUE(jit::sem::CarryFlag(m.state.flags));  // the ADD's flags were not committed
}

TEST(Interpreter, InvalidOpcode_RaisesUd) {
  // 0F 0B is UD2; 0F 04 is undefined
  Machine a("0f0b");
  EXPECT_EQ(a.Run().vector, jit::vec::kUd);
  Machine b("900f04");
  const jit::Exit exit = b.Run();
  EXPECT_EQ(exit.vector, jit::vec::kUd);
  EXPECT_EQ(b.state.rip, kBase + 1);
}

TEST(Interpreter, MmxInstructions_AliasTheX87RegistersAndSetItsState) {
  // mov eax, 0x01020304 / movq mm1, rax / paddb mm1, mm1 / hlt
  Machine m("b80403020148" "0f6ec8" "0ffcc9" "f4");
  m.state.fsw = 0x3800;  // TOP = 7
  m.Run();
  EXPECT_EQ(m.state.st[1].significand, 0x02040608u);  // MM1 is physical register R1
  EXPECT_EQ(m.state.st[1].sign_exponent, 0xFFFF);
  EXPECT_EQ(m.state.fsw & 0x3800, 0);  // TOP = 0
  EXPECT_EQ(m.state.ftw, 0);           // every tag valid
  // emms / hlt
  Machine e("0f77f4");
  e.state.ftw = 0;
  e.Run();
  EXPECT_EQ(e.state.ftw, 0xFFFF);
}

TEST(Interpreter, MmxWithCr0TsOrEm_RaisesNmOrUd) {
  // paddb mm1, mm1
  Machine ts("0ffcc9");
  ts.state.cr0 |= 1u << 3;  // TS
  EXPECT_EQ(ts.Run().vector, jit::vec::kNm);
  Machine em("0ffcc9");
  em.state.cr0 |= 1u << 2;  // EM
  EXPECT_EQ(em.Run().vector, jit::vec::kUd);
  EXPECT_EQ(em.state.st[1].sign_exponent, 0);  // nothing written
}

TEST(Interpreter, UnimplementedInstruction_RaisesUdAndIsReportedOnce) {
  // nop / sha1rnds4 xmm0, xmm1, 0 (SHA: decoded, not executed yet) / hlt. Run twice: one report line.
  Machine m("900f3accc100f4");
  testing::internal::CaptureStderr();
  const jit::Exit first = m.Run();
  m.state.rip = kBase;
  const jit::Exit second = m.Run();
  const std::string err = testing::internal::GetCapturedStderr();
  EXPECT_EQ(first.vector, jit::vec::kUd);
  EXPECT_EQ(second.vector, jit::vec::kUd);
  EXPECT_EQ(m.state.rip, kBase + 1);  // at the instruction, as a fault leaves it
  EXPECT_NE(err.find("sha1rnds4"), std::string::npos) << err;
  EXPECT_NE(err.find("bytes 0f 3a cc c1 00"), std::string::npos) << err;
  EXPECT_EQ(err.find('\n'), err.size() - 1) << "reported more than once: " << err;
}

TEST(Interpreter, LinkedBlocks_StopExactlyAtTheBudgetAndRdtscCountsExactly) {
  // mov ecx, 50 / xor ebx, ebx / l: rdtsc / add rbx, rax / dec ecx / jnz l / hlt
  // RDTSC reads the instructions retired before it: 2 + 4i in iteration i, so RBX ends as
  // sum(2 + 4i, i < 50) = 100 + 4 * 1225, however the run is cut into pieces.
  const std::string code = "b93200000031db0f314801c3ffc975f7f4";
  Machine whole(code);
  EXPECT_EQ(whole.Run().reason, ExitReason::kHalt);
  EXPECT_EQ(whole.state.gpr[machine::kRbx], 100u + 4 * 1225);
  EXPECT_EQ(whole.state.retired, 2u + 4 * 50 + 1);
  for (uint64_t piece : {1u, 3u, 7u, 37u}) {
    Machine cut(code);
    jit::Exit exit;
    uint64_t runs = 0;
    do {
      const uint64_t before = cut.state.retired;
      exit = cut.Run(piece);
      if (exit.reason == ExitReason::kInstructionLimit) EXPECT_EQ(cut.state.retired - before, piece);
      ++runs;
    } while (exit.reason == ExitReason::kInstructionLimit && runs < 1000);
    EXPECT_EQ(exit.reason, ExitReason::kHalt) << "piece " << piece;
    EXPECT_EQ(cut.state.gpr[machine::kRbx], whole.state.gpr[machine::kRbx]) << "piece " << piece;
    EXPECT_EQ(cut.state.retired, whole.state.retired) << "piece " << piece;
  }
}

TEST(Interpreter, InstructionLimit_StopsBetweenInstructions) {
  Machine m("b96400000031c001c8ffc975faf4");
  EXPECT_EQ(m.Run(5).reason, ExitReason::kInstructionLimit);
  EXPECT_EQ(m.state.retired, 5u);
  EXPECT_EQ(m.Run().reason, ExitReason::kHalt);  // resumes where it stopped
  EXPECT_EQ(m.state.gpr[0], 5050u);
}

TEST(Interpreter, InvalidateCode_SeesNewBytes) {
  Machine m("b801000000f4");  // mov eax, 1 / hlt
  m.Run();
  EXPECT_EQ(m.state.gpr[0], 1u);
  const auto patched = Hex("b802000000f4");
  m.memory.Load(kBase, patched.data(), patched.size());
  m.interp.InvalidateCode(kBase, patched.size());
  m.state.rip = kBase;
  m.Run();
  EXPECT_EQ(m.state.gpr[0], 2u);
}

TEST(Interpreter, SegmentRegistersReadAsTheirSelectors) {
  // mov ax, ss; mov ebx, cs; push fs; pop rcx; hlt
  Machine m("668cd08ccb0fa059f4");
  m.state.seg[machine::kSs].selector = 0x2B;
  m.state.seg[machine::kCs].selector = 0x33;
  m.state.seg[machine::kFs].selector = 0x63;
  m.state.gpr[machine::kRax] = 0x1111111111111111;
  const jit::Exit e = m.Run();
  EXPECT_EQ(e.reason, jit::ExitReason::kHalt);
  EXPECT_EQ(m.state.gpr[machine::kRax], 0x111111111111002Bu);  // a 16-bit destination merges
  EXPECT_EQ(m.state.gpr[machine::kRbx], 0x33u);                // a 32-bit one zero-extends
  EXPECT_EQ(m.state.gpr[machine::kRcx], 0x63u);
}

}  // namespace
}  // namespace kiln::test
