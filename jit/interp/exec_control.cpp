// Interpreter handlers for control flow: JMP, Jcc, CALL, RET, LOOP/JrCXZ, SETcc, CMOVcc, and the
// instructions that leave the run loop (SYSCALL, HLT, INT3, UD2).
#include "jit/interp/exec.h"
#include "jit/semantics/conditions.h"

namespace kiln::jit::interp {
namespace {

using frontend::Mnemonic;

uint64_t Target(const Exec& e) { return e.next_rip + static_cast<uint64_t>(e.insn.operands[0].value); }

Step Call(Exec& e) {
  Step step = Step::kNext;
  uint64_t target;
  if (e.insn.operands[0].kind == OperandKind::kRel) {
    target = Target(e);
  } else if (!e.Read(0, target, step)) {
    return step;
  }
  if (!e.Push(e.next_rip, e.insn.operand_size, step)) return step;
  return e.Branch(target);
}

Step Return(Exec& e) {
  Step step = Step::kNext;
  uint64_t target;
  if (!e.Pop(target, e.insn.operand_size, step)) return step;
  if (e.insn.operand_count == 1) e.SetStackPointer(e.s.gpr[machine::kRsp] + (static_cast<uint64_t>(e.insn.operands[0].value) & 0xFFFF));
  return e.Branch(target);
}

}  // namespace

bool ExecuteControl(Exec& e, Step& step) {
  using M = Mnemonic;
  const M m = e.insn.mnemonic;
  switch (m) {
    case M::JMP:
      if (e.insn.operands[0].kind == OperandKind::kRel) {
        step = e.Branch(Target(e));
      } else {
        uint64_t target;
        step = Step::kNext;
        if (e.Read(0, target, step)) step = e.Branch(target);
      }
      return true;
    case M::CALL: step = Call(e); return true;
    case M::RET: step = Return(e); return true;
    case M::JRCXZ:
    case M::JECXZ:
    case M::JCXZ: {
      const uint64_t mask = m == M::JRCXZ ? ~uint64_t{0} : m == M::JECXZ ? 0xFFFFFFFF : 0xFFFF;
      step = (e.s.gpr[machine::kRcx] & mask) == 0 ? e.Branch(Target(e)) : e.Next();
      return true;
    }
    case M::LOOP:
    case M::LOOPE:
    case M::LOOPNE: {
      // The count register has the address size (SDM Vol.2 LOOP).
      const unsigned a = e.insn.address_size;
      const Reg rcx{a == 2 ? RegClass::kGpr16 : a == 4 ? RegClass::kGpr32 : RegClass::kGpr64, machine::kRcx};
      const uint64_t count = e.ReadReg(rcx) - 1;
      e.WriteReg(rcx, count);
      const bool zf = sem::Condition(e.s.flags, static_cast<unsigned>(sem::Cond::kZ));
      bool taken = (count & sem::SizeMask(a)) != 0;
      if (m == M::LOOPE) taken = taken && zf;
      if (m == M::LOOPNE) taken = taken && !zf;
      step = taken ? e.Branch(Target(e)) : e.Next();
      return true;
    }
    case M::SYSCALL:
      e.s.rip = e.next_rip;
      e.exit = Exit{ExitReason::kSyscall, 0, false, 0, 0};
      step = Step::kExit;
      return true;
    case M::HLT:
      e.s.rip = e.next_rip;
      e.exit = Exit{ExitReason::kHalt, 0, false, 0, 0};
      step = Step::kExit;
      return true;
    case M::INT3:
      // A trap: reported with RIP after the instruction, as the CPU pushes it.
      e.s.rip = e.next_rip;
      e.exit = Exit{ExitReason::kException, vec::kBp, false, 0, 0};
      step = Step::kExit;
      return true;
    case M::UD2:
    case M::UD1:
    case M::UD0: step = e.Raise(vec::kUd); return true;
    default: break;
  }
  CondKind kind;
  const int cc = ConditionOf(e.insn, kind);
  if (cc < 0) return false;
  const bool holds = sem::Condition(e.s.flags, static_cast<unsigned>(cc));
  step = Step::kNext;
  if (kind == CondKind::kJcc) {
    step = holds ? e.Branch(Target(e)) : e.Next();
  } else if (kind == CondKind::kSetcc) {
    if (e.Write(0, holds ? 1 : 0, step)) step = e.Next();
  } else {  // CMOVcc: the source is read either way; a 32-bit destination is zero-extended either way
    uint64_t v;
    if (!e.Read(1, v, step)) return true;
    if (!holds) v = e.ReadReg(e.insn.operands[0].reg);
    e.WriteReg(e.insn.operands[0].reg, v);
    step = e.Next();
  }
  return true;
}

}  // namespace kiln::jit::interp
