// x87 instructions in the interpreter where the host-CPU oracle cannot reach: #NM from CR0.EM/TS,
// #MF with and without CR0.NE, and a few exact end-to-end values.
#include <gtest/gtest.h>

#include <string>

#include "jit/interp/interpreter.h"
#include "machine/flat_memory.h"
#include "tests/jit/hex.h"

namespace kiln::test {
namespace {

constexpr uint64_t kBase = 0x400000;
constexpr uint64_t kCr0Mp = 1u << 1, kCr0Em = 1u << 2, kCr0Ts = 1u << 3, kCr0Ne = 1u << 5;

struct Machine {
  machine::FlatMemory memory{kBase, 1 << 20};
  machine::CpuState state;
  jit::Interpreter interp{state, memory};

  explicit Machine(const std::string& code_hex) {
    const auto code = Hex(code_hex);
    EXPECT_TRUE(memory.Load(kBase, code.data(), code.size()));
    state.efer = machine::efer::kLme | machine::efer::kLma;
    state.seg[machine::kCs].attributes = machine::seg_attr::kLong;
    state.rip = kBase;
    state.gpr[machine::kRsp] = kBase + (1 << 20) - 64;
    state.cr0 |= 1 | kCr0Ne;
  }
  jit::Exit Run() { return interp.Run(1000); }
};

TEST(X87Insn, DeviceNotAvailableFromEmOrTs) {
  for (const uint64_t bits : {kCr0Em, kCr0Ts}) {
    Machine m("d9e8f4");  // fld1 / hlt
    m.state.cr0 |= bits;
    const jit::Exit e = m.Run();
    EXPECT_EQ(e.reason, jit::ExitReason::kException);
    EXPECT_EQ(e.vector, jit::vec::kNm);
    EXPECT_EQ(m.state.rip, kBase);
  }
  Machine wait("9bf4");  // fwait / hlt: #NM only with TS and MP
  wait.state.cr0 |= kCr0Ts;
  EXPECT_EQ(wait.Run().reason, jit::ExitReason::kHalt);
  Machine wait_mp("9bf4");
  wait_mp.state.cr0 |= kCr0Ts | kCr0Mp;
  EXPECT_EQ(wait_mp.Run().vector, jit::vec::kNm);
}

// mov dword [rsp], 0x037b / fldcw [rsp] (ZE unmasked) / fld1 / fldz / fdivp st(1), st(0) /
// fnstsw ax / fld1 / hlt: 1/0 leaves ZE pending (no result, no pop); FNSTSW does not wait; the
// next FLD1 raises #MF.
constexpr char kPendingZeroDivide[] = "c704247b030000d92c24d9e8d9eedef9dfe0d9e8f4";

TEST(X87Insn, UnmaskedExceptionRaisesMfAtTheNextWaitingInstruction) {
  Machine m(kPendingZeroDivide);
  const jit::Exit e = m.Run();
  EXPECT_EQ(e.reason, jit::ExitReason::kException);
  EXPECT_EQ(e.vector, jit::vec::kMf);
  EXPECT_EQ(m.state.rip, kBase + 18);                        // at the second fld1
  EXPECT_EQ(m.state.gpr[machine::kRax] & 0xFFFF, 0xB084u);   // B, TOP = 6, ES, ZE
  EXPECT_EQ(m.state.ftw, 0x1FFF);                            // R7 = 1.0 valid, R6 = 0 zero
  EXPECT_EQ(m.state.fop, 0x6F9);                             // DE F9
  EXPECT_EQ(m.state.fip, kBase + 14);
}

TEST(X87Insn, WithoutNeThePendingExceptionDoesNotFault) {
  Machine m(kPendingZeroDivide);
  m.state.cr0 &= ~kCr0Ne;  // the FERR# line is not modelled
  EXPECT_EQ(m.Run().reason, jit::ExitReason::kHalt);
}

TEST(X87Insn, IntegerAndDoubleRoundTrip) {
  // mov dword [rsp], 7 / fild dword [rsp] / fld1 / fadd st(0), st(0) / fdivp st(1), st(0) /
  // fstp qword [rsp+8] / mov rax, [rsp+8] / hlt: 7 / 2 = 3.5 as a double.
  Machine m("c7042407000000db0424d9e8d8c0def9dd5c2408488b442408f4");
  EXPECT_EQ(m.Run().reason, jit::ExitReason::kHalt);
  EXPECT_EQ(m.state.gpr[machine::kRax], 0x400C000000000000u);
  EXPECT_EQ(m.state.ftw, 0xFFFF);
  EXPECT_EQ(m.state.fsw, 0);
}

TEST(X87Insn, RealModeEnvironmentHasLinearPointers) {
  // Real mode, DS = 0x2000 (base 0x20000), code at CS:IP 0:0: mov bx, 0x100 / fld dword [bx] /
  // fnstenv [bx+0x10] (16-bit operand size: the 14-byte real-mode image) / hlt.
  machine::FlatMemory memory{0, 1 << 20};
  machine::CpuState state;
  const auto code = Hex("bb0001d907d97710f4");
  ASSERT_TRUE(memory.Load(0, code.data(), code.size()));
  const uint8_t one[4] = {0, 0, 0x80, 0x3F};
  ASSERT_TRUE(memory.Load(0x20100, one, 4));
  state.seg[machine::kDs] = {0x2000, 0, 0xFFFF, 0x20000};
  state.rip = 0;
  jit::Interpreter interp{state, memory};
  ASSERT_EQ(interp.Run(100).reason, jit::ExitReason::kHalt);
  uint8_t env[14];
  ASSERT_TRUE(memory.Read(0x20110, env, 14) == jit::MemStatus::kOk);
  auto word = [&](int at) { return env[at] | env[at + 1] << 8; };
  EXPECT_EQ(word(0), 0x037F);
  EXPECT_EQ(word(2), 0x3800);           // TOP = 7
  EXPECT_EQ(word(4), 0x3FFF);           // R7 valid
  EXPECT_EQ(word(6), 0x0003);           // FIP = 0:3, linear, bits 15:0
  EXPECT_EQ(word(8), 0x0107);           // FIP bits 19:16 (0), FOP = D9 07
  EXPECT_EQ(word(10), 0x0100);          // FDP = 0x20100 (linear), bits 15:0
  EXPECT_EQ(word(12), 0x2000);          // FDP bits 19:16 in bits 15:12
}

TEST(X87Insn, PendingX87ExceptionRaisesMfBeforeAnMmxInstruction) {
  // fninit / push 0x37b / fldcw [rsp] (ZE unmasked) / fldz / fld1 / fdivrp (1/0: pending #MF)
  // / movd mm0, eax / hlt
  Machine m("dbe3687b030000d92c24d9eed9e8def10f6ec0f4");
  const jit::Exit e = m.Run();
  EXPECT_EQ(e.reason, jit::ExitReason::kException);
  EXPECT_EQ(e.vector, jit::vec::kMf);
  EXPECT_EQ(m.state.rip, kBase + 16);  // at the MOVD: the MMX instruction reports it
  EXPECT_NE(m.state.ftw, 0u);         // and did not enter the MMX state
}

}  // namespace
}  // namespace kiln::test
