// The instructions a full machine emulates in machine/ (trap-and-emulate, ARCHITECTURE.md):
// with CpuState::trap_system set, they leave the engine with ExitReason::kSystem, unexecuted,
// and the machine runs them with its segmentation, privilege, I/O and interrupt logic. This
// group comes first, so that in a machine no other group claims them.
#include "jit/interp/exec.h"

namespace kiln::jit::interp {
namespace {

bool IsClass(const Operand& op, RegClass cls) { return op.kind == OperandKind::kReg && op.reg.cls == cls; }

/// Whether the instruction needs machine state the engines do not have.
bool NeedsMachine(const DecodedInsn& insn) {
  using M = frontend::Mnemonic;
  switch (insn.mnemonic) {
    case M::MOV:  // to/from control, debug and segment registers (the engines have no selectors)
      return IsClass(insn.operands[0], RegClass::kCr) || IsClass(insn.operands[1], RegClass::kCr) ||
             IsClass(insn.operands[0], RegClass::kDr) || IsClass(insn.operands[1], RegClass::kDr) ||
             IsClass(insn.operands[0], RegClass::kSeg) || IsClass(insn.operands[1], RegClass::kSeg);
    case M::PUSH: case M::POP: return IsClass(insn.operands[0], RegClass::kSeg);
    case M::LGDT: case M::LIDT: case M::SGDT: case M::SIDT: case M::LLDT: case M::LTR: case M::SLDT:
    case M::STR: case M::LMSW: case M::SMSW: case M::CLTS: case M::INVLPG: case M::INVPCID:
    case M::WBINVD: case M::INVD: case M::RDMSR: case M::WRMSR: case M::IN: case M::OUT:
    case M::INSB: case M::INSW: case M::INSD: case M::OUTSB: case M::OUTSW: case M::OUTSD:
    case M::CLI: case M::STI: case M::HLT: case M::INT: case M::INT1: case M::INT3: case M::INTO:
    case M::IRET: case M::IRETD: case M::IRETQ: case M::JMPF: case M::CALLF: case M::RETF:
    case M::SYSCALL: case M::SYSRET: case M::SYSENTER: case M::SYSEXIT: case M::SWAPGS:
    case M::LDS: case M::LES: case M::LFS: case M::LGS: case M::LSS: case M::LAR: case M::LSL:
    case M::VERR: case M::VERW: case M::ARPL: case M::XSETBV: case M::XGETBV: case M::RDTSCP:
    case M::RDPID: case M::MONITOR: case M::MWAIT: case M::RDPMC: case M::RSM:
    case M::POPF: case M::POPFD: case M::POPFQ: case M::RDTSC: case M::STAC: case M::CLAC:
      return true;  // (far JMP/CALL through memory decode as JMPF/CALLF too)
    default: return false;
  }
}

}  // namespace

bool ExecuteMachine(Exec& e, Step& step) {
  if (!e.s.trap_system || !NeedsMachine(e.insn)) return false;
  e.exit = Exit{ExitReason::kSystem, 0, false, 0, 0};
  e.exit.insn = &e.insn;
  // Like an exception: RIP stays at the instruction, which has not retired.
  step = Step::kException;
  return true;
}

}  // namespace kiln::jit::interp
