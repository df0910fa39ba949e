// Segment limit and type checks on data accesses (jit/semantics/segment_checks.h) and the
// interpreter's use of them: which registers need checks, the fault of each kind of violation,
// precise state at the fault, blocks decoded afresh when a register starts needing checks, and
// #SS(0) for non-canonical stack references in 64-bit mode. The ROM test roms/tests/seglimits.asm
// covers the same in every mode on the whole machine.
#include <gtest/gtest.h>

#include "jit/interp/interpreter.h"
#include "jit/semantics/segment_checks.h"
#include "machine/flat_memory.h"
#include "tests/jit/hex.h"

namespace kiln::test {
namespace {

using jit::ExitReason;
using jit::sem::SegmentAccess;
using jit::sem::SegmentFault;
using jit::sem::SegmentsToCheck;
using machine::CpuState;
using machine::SegmentReg;

constexpr uint8_t kSs = 12, kGp = 13;
constexpr uint16_t kData32 = 0xC93;    // present, writable data, D/B, G
constexpr uint16_t kReadOnly = 0x491;  // present, read-only data, D/B
constexpr uint16_t kExpandDown = 0x97;  // present, writable, expand-down data, B = 0

// A full machine (trap_system) in 32-bit protected mode with flat segments.
CpuState ProtectedState() {
  CpuState s;
  s.trap_system = true;
  s.cr0 |= 1;
  for (SegmentReg& r : s.seg) r = SegmentReg{0x10, kData32, 0xFFFFFFFF, 0};
  s.seg[machine::kCs] = SegmentReg{0x08, 0xC9B, 0xFFFFFFFF, 0};
  return s;
}

TEST(SegmentChecks, OnlyRegistersThatCanFaultAreChecked) {
  CpuState s = ProtectedState();
  EXPECT_EQ(SegmentsToCheck(s), 1u << machine::kCs);  // code: writes through CS fault
  s.seg[machine::kFs].limit = 0xFFFF;
  s.seg[machine::kGs].attributes = kReadOnly;
  s.seg[machine::kEs].attributes = 0;  // null
  EXPECT_EQ(SegmentsToCheck(s), (1u << machine::kCs) | (1u << machine::kFs) | (1u << machine::kGs) | (1u << machine::kEs));
  s.trap_system = false;  // `kiln user`: no segmentation
  EXPECT_EQ(SegmentsToCheck(s), 0u);
  s.trap_system = true;
  s.efer = machine::efer::kLma;  // 64-bit mode: no limits
  s.seg[machine::kCs].attributes |= machine::seg_attr::kLong;
  EXPECT_EQ(SegmentsToCheck(s), 0u);
  CpuState real;  // real mode after reset: 64 KiB limits everywhere, types not checked
  real.trap_system = true;
  EXPECT_EQ(SegmentsToCheck(real), 0x3Fu);
}

TEST(SegmentChecks, ExpandUpLimitIsTheLastValidByte) {
  CpuState s = ProtectedState();
  s.seg[machine::kDs].limit = 0xFFF;
  EXPECT_EQ(SegmentFault(s, machine::kDs, 0xFFC, 4, SegmentAccess::kRead), 0);
  EXPECT_EQ(SegmentFault(s, machine::kDs, 0xFFD, 4, SegmentAccess::kRead), kGp);
  EXPECT_EQ(SegmentFault(s, machine::kDs, 0xFFF, 1, SegmentAccess::kWrite), 0);
  EXPECT_EQ(SegmentFault(s, machine::kDs, 0x1000, 1, SegmentAccess::kWrite), kGp);
  s.seg[machine::kSs].limit = 0xFFF;  // the same violation through SS: #SS
  EXPECT_EQ(SegmentFault(s, machine::kSs, 0xFFE, 4, SegmentAccess::kWrite), kSs);
  CpuState real;  // real mode: a word at 0xFFFF does not wrap
  EXPECT_EQ(SegmentFault(real, machine::kDs, 0xFFFF, 1, SegmentAccess::kRead), 0);
  EXPECT_EQ(SegmentFault(real, machine::kDs, 0xFFFF, 2, SegmentAccess::kRead), kGp);
}

TEST(SegmentChecks, ExpandDownValidAboveTheLimitUpToTheBFlagsBound) {
  CpuState s = ProtectedState();
  s.seg[machine::kEs] = SegmentReg{0x18, kExpandDown, 0xFFF, 0};
  EXPECT_EQ(SegmentFault(s, machine::kEs, 0x1000, 4, SegmentAccess::kWrite), 0);
  EXPECT_EQ(SegmentFault(s, machine::kEs, 0xFFF, 1, SegmentAccess::kRead), kGp);
  EXPECT_EQ(SegmentFault(s, machine::kEs, 0, 1, SegmentAccess::kRead), kGp);
  EXPECT_EQ(SegmentFault(s, machine::kEs, 0xFFFE, 2, SegmentAccess::kRead), 0);   // B = 0: up to 0xFFFF
  EXPECT_EQ(SegmentFault(s, machine::kEs, 0xFFFD, 4, SegmentAccess::kRead), kGp);
  s.seg[machine::kEs].attributes |= machine::seg_attr::kDefault32;  // B = 1: up to 0xFFFFFFFF
  EXPECT_EQ(SegmentFault(s, machine::kEs, 0xFFFD, 4, SegmentAccess::kRead), 0);
  EXPECT_EQ(SegmentFault(s, machine::kEs, 0xFFFFFFFC, 4, SegmentAccess::kRead), 0);
  EXPECT_EQ(SegmentFault(s, machine::kEs, 0xFFFFFFFD, 4, SegmentAccess::kRead), kGp);
}

TEST(SegmentChecks, TypesAndNullSelectorsInProtectedModeOnly) {
  CpuState s = ProtectedState();
  s.seg[machine::kFs].attributes = kReadOnly;
  EXPECT_EQ(SegmentFault(s, machine::kFs, 0, 4, SegmentAccess::kRead), 0);
  EXPECT_EQ(SegmentFault(s, machine::kFs, 0, 4, SegmentAccess::kWrite), kGp);
  EXPECT_EQ(SegmentFault(s, machine::kCs, 0, 4, SegmentAccess::kRead), 0);  // readable code
  EXPECT_EQ(SegmentFault(s, machine::kCs, 0, 4, SegmentAccess::kWrite), kGp);
  s.seg[machine::kCs].attributes = 0xC99;  // execute-only
  EXPECT_EQ(SegmentFault(s, machine::kCs, 0, 4, SegmentAccess::kRead), kGp);
  s.seg[machine::kGs].attributes = 0;  // null selector
  EXPECT_EQ(SegmentFault(s, machine::kGs, 0, 1, SegmentAccess::kRead), kGp);
  s.rflags_rest |= uint64_t{1} << 17;  // virtual-8086 mode: limits only
  EXPECT_EQ(SegmentFault(s, machine::kFs, 0, 4, SegmentAccess::kWrite), 0);
}

// The interpreter in 32-bit protected mode on a full machine, code at 0x1000.
struct ProtectedMachine {
  machine::FlatMemory memory{0, 1 << 20};
  CpuState state = ProtectedState();
  jit::Interpreter interp{state, memory};

  explicit ProtectedMachine(const std::string& code_hex) {
    const auto code = Hex(code_hex);
    EXPECT_TRUE(memory.Load(0x1000, code.data(), code.size()));
    state.rip = 0x1000;
    state.gpr[machine::kRsp] = 0x8000;
  }
};

TEST(SegmentChecks, BlocksAreDecodedAfreshWhenARegisterNeedsChecks) {
  // mov eax, [fs:ebx] (a specialised handler while FS is flat)
  ProtectedMachine m("648b03");
  const uint32_t value = 0x12345678;
  ASSERT_TRUE(m.memory.Load(0x2010, &value, 4));
  m.state.seg[machine::kFs].base = 0x2000;
  m.state.gpr[machine::kRbx] = 0x10;
  EXPECT_EQ(m.interp.Run(1).reason, ExitReason::kInstructionLimit);
  EXPECT_EQ(m.state.gpr[machine::kRax], value);
  // FS gets a 16-byte limit (as a trapped MOV FS would load it): the same block now faults.
  m.state.seg[machine::kFs].limit = 0xF;
  m.state.gpr[machine::kRax] = 0;
  m.state.rip = 0x1000;
  const jit::Exit exit = m.interp.Run(1);
  EXPECT_EQ(exit.reason, ExitReason::kException);
  EXPECT_EQ(exit.vector, kGp);
  EXPECT_TRUE(exit.has_error_code);
  EXPECT_EQ(exit.error_code, 0u);
  EXPECT_EQ(m.state.rip, 0x1000u);
  EXPECT_EQ(m.state.gpr[machine::kRax], 0u);
  m.state.gpr[machine::kRbx] = 0xC;  // the last dword within the limit
  EXPECT_EQ(m.interp.Run(1).reason, ExitReason::kInstructionLimit);
}

TEST(SegmentChecks, FaultingStoresWriteNothing) {
  // add [fs:ebx], eax / rep stosb (ES read-only)
  ProtectedMachine m("640103f3aa");
  m.state.seg[machine::kFs].attributes = kReadOnly;
  m.state.gpr[machine::kRbx] = 0x3000;
  m.state.gpr[machine::kRax] = 5;
  jit::Exit exit = m.interp.Run(1);
  EXPECT_EQ(exit.vector, kGp);
  uint32_t v = 1;
  ASSERT_EQ(m.memory.Read(0x3000, &v, 4), jit::MemStatus::kOk);
  EXPECT_EQ(v, 0u);
  m.state.seg[machine::kFs].attributes = kData32;
  m.state.seg[machine::kEs].attributes = kReadOnly;
  m.state.rip = 0x1003;
  m.state.gpr[machine::kRcx] = 4;
  m.state.gpr[machine::kRdi] = 0x3000;
  exit = m.interp.Run(1);
  EXPECT_EQ(exit.vector, kGp);
  EXPECT_EQ(m.state.gpr[machine::kRcx], 4u);
  EXPECT_EQ(m.state.gpr[machine::kRdi], 0x3000u);
}

TEST(SegmentChecks, NonCanonicalStackReferencesRaiseSsIn64BitMode) {
  // push rax / mov rax, [rbx] / mov rax, [rbp] / mov rax, [ss:rbx] (an SS override is not a
  // stack reference in 64-bit mode: #GP(0), as on the AMD host)
  machine::FlatMemory memory{0, 1 << 20};
  CpuState s;
  s.trap_system = true;
  s.cr0 |= 1;
  s.efer = machine::efer::kLme | machine::efer::kLma;
  s.seg[machine::kCs].attributes = machine::seg_attr::kLong;
  jit::Interpreter interp{s, memory};
  const auto code = Hex("50488b03488b450036488b03");
  ASSERT_TRUE(memory.Load(0x1000, code.data(), code.size()));
  const uint64_t bad = 0x8000000000000000;
  s.gpr[machine::kRsp] = bad;
  s.gpr[machine::kRbx] = bad;
  s.gpr[machine::kRbp] = bad;
  const struct {
    uint64_t rip;
    uint8_t vector;
  } cases[] = {{0x1000, kSs}, {0x1001, kGp}, {0x1004, kSs}, {0x1008, kGp}};
  for (const auto& c : cases) {
    s.rip = c.rip;
    const jit::Exit exit = interp.Run(1);
    EXPECT_EQ(exit.reason, ExitReason::kException) << c.rip;
    EXPECT_EQ(exit.vector, c.vector) << c.rip;
    EXPECT_EQ(s.rip, c.rip);
    EXPECT_EQ(s.gpr[machine::kRsp], bad);
  }
}

}  // namespace
}  // namespace kiln::test
