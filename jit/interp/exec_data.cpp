// Interpreter handlers for data movement: MOV and its extending forms, LEA, the stack, XCHG,
// XADD, CMPXCHG, BSWAP, sign extension of the accumulator, and the flag-register instructions.
#include "jit/interp/exec.h"
#include "jit/semantics/alu.h"
#include "jit/semantics/bits.h"

namespace kiln::jit::interp {
namespace {

using frontend::Mnemonic;
namespace rflags = machine::rflags;

Step Move(Exec& e) {
  Step step = Step::kNext;
  uint64_t v;
  if (!e.Read(1, v, step) || !e.Write(0, v, step)) return step;
  return e.Next();
}

Step MoveSignExtend(Exec& e) {
  Step step = Step::kNext;
  uint64_t v;
  if (!e.Read(1, v, step)) return step;
  const unsigned from = e.insn.operands[1].size * 8;
  const int64_t extended = static_cast<int64_t>(v << (64 - from)) >> (64 - from);
  e.Write(0, static_cast<uint64_t>(extended), step);
  return e.Next();
}

Step Lea(Exec& e) {
  // The effective address without a segment base, in the operand size (SDM Vol.2 LEA).
  const frontend::Operand& m = e.insn.operands[1];
  uint64_t ea = static_cast<uint64_t>(m.value);
  if (m.base.valid()) ea += m.base.cls == RegClass::kIp ? e.next_rip : e.ReadReg(m.base);
  if (m.index.valid()) ea += e.ReadReg(m.index) * m.scale;
  if (e.insn.address_size == 4) ea &= 0xFFFFFFFF;
  else if (e.insn.address_size == 2) ea &= 0xFFFF;
  e.WriteReg(e.insn.operands[0].reg, ea);
  return e.Next();
}

Step Push(Exec& e) {
  Step step = Step::kNext;
  uint64_t v;
  if (!e.Read(0, v, step)) return step;
  if (!e.Push(v, e.insn.operand_size, step)) return step;
  return e.Next();
}

Step Pop(Exec& e) {
  Step step = Step::kNext;
  const uint64_t saved_rsp = e.s.gpr[machine::kRsp];
  uint64_t v;
  if (!e.Pop(v, e.insn.operand_size, step)) return step;
  // POP with an RSP-based memory destination computes the address after the increment (SDM).
  if (!e.Write(0, v, step)) {
    e.s.gpr[machine::kRsp] = saved_rsp;
    return step;
  }
  return e.Next();
}

Step Exchange(Exec& e) {
  Step step = Step::kNext;
  uint64_t a, b;
  if (!e.Read(0, a, step) || !e.Read(1, b, step)) return step;
  if (!e.Write(0, b, step)) return step;  // memory (if any) is operand 0 first: write it first
  e.Write(1, a, step);
  return e.Next();
}

Step ExchangeAdd(Exec& e) {
  Step step = Step::kNext;
  uint64_t dst, src;
  if (!e.Read(0, dst, step) || !e.Read(1, src, step)) return step;
  machine::LazyFlags f = e.s.flags;
  const uint64_t sum = sem::Add(f, dst, src, e.insn.operands[0].size);
  // TEMP = SRC + DEST; SRC = DEST; DEST = TEMP (SDM Vol.2 XADD): with one register for both,
  // the sum wins. A memory destination is written first, so that a fault changes nothing.
  if (e.insn.operands[0].kind == OperandKind::kMem) {
    if (!e.Write(0, sum, step)) return step;
    e.Write(1, dst, step);
  } else {
    e.Write(1, dst, step);
    e.Write(0, sum, step);
  }
  e.s.flags = f;
  return e.Next();
}

// CMPXCHG: compare the accumulator with the destination; equal -> store the source, else load
// the destination into the accumulator. The destination is written either way (SDM Vol.2).
Step CompareExchange(Exec& e) {
  Step step = Step::kNext;
  const unsigned size = e.insn.operands[0].size;
  const Reg acc{size == 1 ? RegClass::kGpr8 : size == 2 ? RegClass::kGpr16 : size == 4 ? RegClass::kGpr32 : RegClass::kGpr64, 0};
  uint64_t dst, src;
  if (!e.Read(0, dst, step) || !e.Read(1, src, step)) return step;
  const uint64_t a = e.ReadReg(acc);
  machine::LazyFlags f = e.s.flags;
  sem::Sub(f, a, dst, size);
  const bool equal = a == dst;
  // A memory destination is written either way (the processor never produces a locked read
  // without a locked write, SDM Vol.2 CMPXCHG); a register destination is left alone on a
  // mismatch, so a 32-bit one keeps its upper half (as the host CPU does).
  if (equal || e.insn.operands[0].kind == OperandKind::kMem) {
    if (!e.Write(0, equal ? src : dst, step)) return step;
  }
  if (!equal) e.WriteReg(acc, dst);
  e.s.flags = f;
  return e.Next();
}

Step ExtendAccumulator(Exec& e, unsigned from_bytes) {
  // CBW/CWDE/CDQE: AL/AX/EAX sign-extended into AX/EAX/RAX.
  const unsigned bits = from_bytes * 8;
  const int64_t v = static_cast<int64_t>(e.s.gpr[0] << (64 - bits)) >> (64 - bits);
  e.WriteReg({from_bytes == 1 ? RegClass::kGpr16 : from_bytes == 2 ? RegClass::kGpr32 : RegClass::kGpr64, 0},
             static_cast<uint64_t>(v));
  return e.Next();
}

Step SignIntoDx(Exec& e, unsigned bytes) {
  // CWD/CDQ/CQO: rDX = the sign of rAX.
  const bool negative = (e.s.gpr[0] >> (bytes * 8 - 1)) & 1;
  const RegClass cls = bytes == 2 ? RegClass::kGpr16 : bytes == 4 ? RegClass::kGpr32 : RegClass::kGpr64;
  e.WriteReg({cls, 2}, negative ? ~uint64_t{0} : 0);
  return e.Next();
}

Step Leave(Exec& e) {
  Step step = Step::kNext;
  const uint64_t saved_rsp = e.s.gpr[machine::kRsp];
  e.SetStackPointer(e.s.gpr[machine::kRbp]);  // rSP = rBP in the stack's width
  uint64_t v;
  if (!e.Pop(v, e.insn.operand_size, step)) {
    e.s.gpr[machine::kRsp] = saved_rsp;
    return step;
  }
  e.WriteReg({e.insn.operand_size == 2 ? RegClass::kGpr16 : RegClass::kGpr64, machine::kRbp}, v);
  return e.Next();
}

}  // namespace

bool ExecuteData(Exec& e, Step& step) {
  using M = Mnemonic;
  CpuState& s = e.s;
  switch (e.insn.mnemonic) {
    case M::MOV:
    case M::MOVZX: step = Move(e); return true;
    case M::MOVSX:
    case M::MOVSXD: step = MoveSignExtend(e); return true;
    case M::LEA: step = Lea(e); return true;
    case M::PUSH: step = Push(e); return true;
    case M::POP: step = Pop(e); return true;
    case M::XCHG: step = Exchange(e); return true;
    case M::XADD: step = ExchangeAdd(e); return true;
    case M::CMPXCHG: step = CompareExchange(e); return true;
    case M::NOP:
    case M::PAUSE:
    case M::ENDBR64:
    case M::ENDBR32:
    case M::PREFETCHNTA:
    case M::PREFETCHT0:
    case M::PREFETCHT1:
    case M::PREFETCHT2:
    case M::PREFETCHW:
    case M::LFENCE:
    case M::MFENCE:
    case M::SFENCE: step = e.Next(); return true;
    case M::CBW: step = ExtendAccumulator(e, 1); return true;
    case M::CWDE: step = ExtendAccumulator(e, 2); return true;
    case M::CDQE: step = ExtendAccumulator(e, 4); return true;
    case M::CWD: step = SignIntoDx(e, 2); return true;
    case M::CDQ: step = SignIntoDx(e, 4); return true;
    case M::CQO: step = SignIntoDx(e, 8); return true;
    case M::LEAVE: step = Leave(e); return true;
    case M::BSWAP: {
      const frontend::Operand& op = e.insn.operands[0];
      e.WriteReg(op.reg, sem::Bswap(e.ReadReg(op.reg), op.size));
      step = e.Next();
      return true;
    }
    case M::CLC: sem::UpdateFlags(s.flags, rflags::kCf, 0); step = e.Next(); return true;
    case M::STC: sem::UpdateFlags(s.flags, rflags::kCf, rflags::kCf); step = e.Next(); return true;
    case M::CMC:
      sem::UpdateFlags(s.flags, rflags::kCf, sem::CarryFlag(s.flags) ? 0 : rflags::kCf);
      step = e.Next();
      return true;
    case M::CLD: s.rflags_rest &= ~rflags::kDf; step = e.Next(); return true;
    case M::STD: s.rflags_rest |= rflags::kDf; step = e.Next(); return true;
    case M::LAHF: {
      // AH = SF:ZF:0:AF:0:PF:1:CF (SDM Vol.2 LAHF).
      const uint64_t fl = sem::ReadRflags(s) & 0xD5;
      s.gpr[0] = (s.gpr[0] & ~uint64_t{0xFF00}) | ((fl | 2) << 8);
      step = e.Next();
      return true;
    }
    case M::SAHF: {
      const uint64_t ah = (s.gpr[0] >> 8) & 0xD5;
      sem::UpdateFlags(s.flags, rflags::kCf | rflags::kPf | rflags::kAf | rflags::kZf | rflags::kSf, ah);
      step = e.Next();
      return true;
    }
    default: return false;
  }
}

}  // namespace kiln::jit::interp
