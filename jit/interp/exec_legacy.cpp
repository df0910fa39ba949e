// Interpreter handlers for the remaining general-purpose instructions, most of them legacy
// (invalid in 64-bit mode, where the decoder already rejects them): the BCD adjustments, ENTER,
// PUSHA/POPA, PUSHF/POPF, BOUND, INTO, XLAT, CMPXCHG8B/16B and MOVBE. The semantics are
// jit/semantics/bcd.h and legacy.h; this file moves operands and the stack.
#include "jit/interp/exec.h"
#include "jit/semantics/bcd.h"
#include "jit/semantics/legacy.h"

namespace kiln::jit::interp {
namespace {

using frontend::Mnemonic;
using frontend::Seg;
namespace rflags = machine::rflags;

RegClass GprClass(unsigned size) {
  return size == 1 ? RegClass::kGpr8 : size == 2 ? RegClass::kGpr16 : size == 4 ? RegClass::kGpr32 : RegClass::kGpr64;
}

// --- BCD -------------------------------------------------------------------------------------

Step CommitBcd(Exec& e, const sem::BcdResult& r) {
  e.WriteReg({RegClass::kGpr16, machine::kRax}, r.ax);
  sem::UpdateFlags(e.s.flags, rflags::kArith, r.flags);
  return e.Next();
}

Step Bcd(Exec& e, Mnemonic m) {
  const auto ax = static_cast<uint16_t>(e.s.gpr[machine::kRax]);
  const uint64_t f = sem::ArithmeticFlags(e.s.flags);
  const bool af = (f & rflags::kAf) != 0, cf = (f & rflags::kCf) != 0;
  switch (m) {
    case Mnemonic::AAA: return CommitBcd(e, sem::Aaa(ax, af));
    case Mnemonic::AAS: return CommitBcd(e, sem::Aas(ax, af));
    case Mnemonic::DAA: return CommitBcd(e, sem::Daa(ax, af, cf));
    case Mnemonic::DAS: return CommitBcd(e, sem::Das(ax, af, cf));
    default: break;
  }
  const auto base = static_cast<uint8_t>(e.insn.operands[0].value);
  if (m == Mnemonic::AAD) return CommitBcd(e, sem::Aad(ax, base));
  // AAM with a zero immediate divides by zero: #DE, a fault (SDM Vol.2 AAM).
  if (base == 0) return e.Raise(vec::kDe);
  return CommitBcd(e, sem::Aam(ax, base));
}

// --- the stack with its address size ---------------------------------------------------------

// The width of the stack pointer: RSP in 64-bit mode, else ESP or SP as SS.B says (SDM Vol.3
// 3.4.5.1, "B (default size) flag" of a stack segment). Exec::Push uses all of RSP; ENTER and
// PUSHA/POPA run outside 64-bit mode too, so they keep their own pointer of this width.
unsigned StackWidth(const Exec& e) {
  if (e.insn.mode == frontend::CpuMode::k64) return 8;
  return (e.s.seg[machine::kSs].attributes & machine::seg_attr::kDefault32) ? 4 : 2;
}

// A stack pointer being moved by a multi-push instruction: registers change only at Commit, so a
// fault on any access leaves them as they were (precise exceptions).
struct StackCursor {
  Exec& e;
  unsigned width;
  uint64_t sp;

  explicit StackCursor(Exec& exec) : e(exec), width(StackWidth(exec)), sp(exec.s.gpr[machine::kRsp] & sem::SizeMask(width)) {}
  /// The linear address of `n` bytes at `offset` in SS, after the segment checks (#SS(0)).
  bool Linear(uint64_t offset, unsigned n, SegmentAccess a, uint64_t& addr, Step& step) {
    return e.Linear(Seg::kSs, offset & sem::SizeMask(width), n, a, addr, step);
  }
  bool Push(uint64_t v, unsigned n, Step& step) {
    const uint64_t next = (sp - n) & sem::SizeMask(width);
    uint64_t addr;
    if (!Linear(next, n, SegmentAccess::kWrite, addr, step) || !e.Store(addr, n, v, step)) return false;
    sp = next;
    return true;
  }
  bool Pop(uint64_t& v, unsigned n, Step& step) {
    uint64_t addr;
    if (!Linear(sp, n, SegmentAccess::kRead, addr, step) || !e.Load(addr, n, v, step)) return false;
    sp = (sp + n) & sem::SizeMask(width);
    return true;
  }
  void Commit() { e.WriteReg({GprClass(width), machine::kRsp}, sp); }
};

// ENTER imm16, imm8 (SDM Vol.2 ENTER): push rBP, copy NestingLevel - 1 frame pointers from the
// enclosing frame, push the new frame pointer, then allocate imm16 bytes.
Step Enter(Exec& e) {
  Step step = Step::kNext;
  const unsigned osz = e.insn.operand_size;
  const auto alloc = static_cast<uint64_t>(e.insn.operands[0].value) & 0xFFFF;
  const auto level = static_cast<unsigned>(e.insn.operands[1].value) & 31;  // imm8 MOD 32
  StackCursor stack(e);
  if (!stack.Push(e.ReadReg({GprClass(osz), machine::kRbp}), osz, step)) return step;
  const uint64_t frame = stack.sp;
  if (level > 0) {
    uint64_t bp = e.s.gpr[machine::kRbp];
    for (unsigned i = 1; i < level; ++i) {
      bp -= osz;
      uint64_t v, addr;
      if (!stack.Linear(bp, osz, SegmentAccess::kRead, addr, step) || !e.Load(addr, osz, v, step) || !stack.Push(v, osz, step))
        return step;
    }
    if (!stack.Push(frame, osz, step)) return step;
  }
  // In 64-bit mode all of RBP receives the frame; elsewhere EBP or BP, as the operand size says.
  e.WriteReg({e.insn.mode == frontend::CpuMode::k64 ? RegClass::kGpr64 : GprClass(osz), machine::kRbp}, frame);
  stack.sp = (stack.sp - alloc) & sem::SizeMask(stack.width);
  stack.Commit();
  return e.Next();
}

// PUSHA/PUSHAD (SDM Vol.2 PUSHA): rAX, rCX, rDX, rBX, the original rSP, rBP, rSI, rDI.
Step PushAll(Exec& e) {
  Step step = Step::kNext;
  const unsigned osz = e.insn.operand_size;
  StackCursor stack(e);
  for (unsigned r = 0; r < 8; ++r) {
    if (!stack.Push(e.ReadReg({GprClass(osz), static_cast<uint8_t>(r)}), osz, step)) return step;
  }
  stack.Commit();
  return e.Next();
}

// POPA/POPAD: the reverse order; the saved rSP is skipped. All eight loads come first, so that a
// fault changes no register.
Step PopAll(Exec& e) {
  Step step = Step::kNext;
  const unsigned osz = e.insn.operand_size;
  StackCursor stack(e);
  uint64_t values[8];
  for (int r = 7; r >= 0; --r) {
    if (!stack.Pop(values[r], osz, step)) return step;
  }
  for (uint8_t r = 0; r < 8; ++r) {
    if (r != machine::kRsp) e.WriteReg({GprClass(osz), r}, values[r]);
  }
  stack.Commit();
  return e.Next();
}

// The current privilege level: 0 in real mode (CR0.PE = 0), else CS.RPL (SDM Vol.3 5.5).
unsigned Cpl(const CpuState& s) { return (s.cr0 & 1) ? (s.seg[machine::kCs].selector & 3) : 0; }

Step PushFlags(Exec& e) {
  Step step = Step::kNext;
  const unsigned osz = e.insn.operand_size;
  // Virtual-8086 mode with IOPL < 3: PUSHF is IOPL-sensitive (#GP(0); no VME). POPF, the other
  // sensitive instructions and everything else of V86 mode are the machine's (trap_system).
  constexpr uint64_t kVm = uint64_t{1} << 17, kIopl = uint64_t{3} << 12;
  if (e.s.trap_system && (e.s.rflags_rest & kVm) && (e.s.rflags_rest & kIopl) != kIopl)
    return e.RaiseWithCode(vec::kGp, 0);
  StackCursor stack(e);
  if (!stack.Push(sem::PushfImage(sem::ReadRflags(e.s), osz), osz, step)) return step;
  stack.Commit();
  return e.Next();
}

Step PopFlags(Exec& e) {
  Step step = Step::kNext;
  const unsigned osz = e.insn.operand_size;
  StackCursor stack(e);
  uint64_t v;
  if (!stack.Pop(v, osz, step)) return step;
  stack.Commit();
  sem::WriteRflags(e.s, sem::PopfResult(sem::ReadRflags(e.s), v, osz, Cpl(e.s)));
  return e.Next();
}

// --- checks and table lookup -----------------------------------------------------------------

// BOUND r, m (SDM Vol.2 BOUND): the index against the signed pair [m] (lower), [m + size]
// (upper); out of range is #BR, a fault.
Step Bound(Exec& e) {
  Step step = Step::kNext;
  const unsigned osz = e.insn.operand_size;
  uint64_t addr, lower, upper;
  if (!e.Linear(e.insn.operands[1], 2 * osz, SegmentAccess::kRead, addr, step) || !e.Load(addr, osz, lower, step) ||
      !e.Load(addr + osz, osz, upper, step))
    return step;
  if (!sem::BoundInRange(e.ReadReg(e.insn.operands[0].reg), lower, upper, osz)) return e.Raise(vec::kBr);
  return e.Next();
}

// INTO (SDM Vol.2 INTn/INTO): with OF = 1, #OF as a trap - reported with RIP after the
// instruction, as INT3 is.
Step Into(Exec& e) {
  if (!(sem::ArithmeticFlags(e.s.flags) & rflags::kOf)) return e.Next();
  e.s.rip = e.next_rip;
  e.exit = Exit{ExitReason::kException, vec::kOf, false, 0, 0};
  return Step::kExit;
}

// XLAT (SDM Vol.2 XLAT): AL = [seg:rBX + AL], the sum wrapped to the address size; DS unless a
// segment prefix says otherwise.
Step Xlat(Exec& e) {
  Step step = Step::kNext;
  const unsigned asz = e.insn.address_size;
  const uint64_t offset = (e.s.gpr[machine::kRbx] + (e.s.gpr[machine::kRax] & 0xFF)) & sem::SizeMask(asz);
  const Seg seg = e.insn.prefixes.segment == Seg::kNone ? Seg::kDs : e.insn.prefixes.segment;
  uint64_t addr, v;
  if (!e.Linear(seg, offset, 1, SegmentAccess::kRead, addr, step) || !e.Load(addr, 1, v, step)) return step;
  e.WriteReg({RegClass::kGpr8, machine::kRax}, v);
  return e.Next();
}

// --- compare-exchange and byte-swapping moves ------------------------------------------------

// CMPXCHG8B m64 / CMPXCHG16B m128 (SDM Vol.2 CMPXCHG8B/CMPXCHG16B): compare rDX:rAX with the
// memory operand; equal: ZF = 1 and store rCX:rBX; else ZF = 0, load it into rDX:rAX and store
// it back unchanged (the write happens either way). Only ZF changes.
Step CompareExchangeWide(Exec& e, unsigned half) {
  Step step = Step::kNext;
  uint64_t addr;
  if (!e.Linear(e.insn.operands[0], 2 * half, SegmentAccess::kWrite, addr, step)) return step;
  if (half == 8 && (addr & 15) != 0) return e.RaiseWithCode(vec::kGp, 0);  // CMPXCHG16B: 16-byte aligned
  uint64_t lo, hi;
  if (!e.Load(addr, half, lo, step) || !e.Load(addr + half, half, hi, step)) return step;
  const RegClass cls = GprClass(half);
  const bool equal = lo == e.ReadReg({cls, machine::kRax}) && hi == e.ReadReg({cls, machine::kRdx});
  const uint64_t new_lo = equal ? e.ReadReg({cls, machine::kRbx}) : lo;
  const uint64_t new_hi = equal ? e.ReadReg({cls, machine::kRcx}) : hi;
  uint8_t bytes[16];
  for (unsigned i = 0; i < half; ++i) {
    bytes[i] = static_cast<uint8_t>(new_lo >> (8 * i));
    bytes[half + i] = static_cast<uint8_t>(new_hi >> (8 * i));
  }
  // One write of both halves: a fault writes nothing.
  if (!e.WriteBytes(addr, bytes, 2 * half, step)) return step;
  if (!equal) {
    e.WriteReg({cls, machine::kRax}, lo);
    e.WriteReg({cls, machine::kRdx}, hi);
  }
  sem::UpdateFlags(e.s.flags, rflags::kZf, equal ? rflags::kZf : 0);
  return e.Next();
}

// MOVBE r, m / MOVBE m, r (SDM Vol.2 MOVBE): a move with the bytes reversed.
Step MoveByteSwapped(Exec& e) {
  Step step = Step::kNext;
  uint64_t v;
  if (!e.Read(1, v, step) || !e.Write(0, sem::ByteReverse(v, e.insn.operand_size), step)) return step;
  return e.Next();
}

// SALC (D6, outside 64-bit mode): AL = CF ? FF : 00, no flags changed. The SDM lists the byte as
// reserved, but every Intel and AMD CPU executes it, and so do Bochs and QEMU; code written
// for those (and random bytes) finds it.
Step SetAlFromCarry(Exec& e) {
  e.WriteReg(frontend::Reg{RegClass::kGpr8, 0}, sem::CarryFlag(e.s.flags) ? 0xFF : 0x00);
  return e.Next();
}

}  // namespace

bool ExecuteLegacy(Exec& e, Step& step) {
  using M = Mnemonic;
  switch (e.insn.mnemonic) {
    case M::AAA:
    case M::AAS:
    case M::AAM:
    case M::AAD:
    case M::DAA:
    case M::DAS: step = Bcd(e, e.insn.mnemonic); return true;
    case M::ENTER: step = Enter(e); return true;
    case M::PUSHA:
    case M::PUSHAD: step = PushAll(e); return true;
    case M::POPA:
    case M::POPAD: step = PopAll(e); return true;
    case M::PUSHF:
    case M::PUSHFD:
    case M::PUSHFQ: step = PushFlags(e); return true;
    case M::POPF:
    case M::POPFD:
    case M::POPFQ: step = PopFlags(e); return true;
    case M::BOUND: step = Bound(e); return true;
    case M::INTO: step = Into(e); return true;
    case M::XLAT: step = Xlat(e); return true;
    case M::CMPXCHG8B: step = CompareExchangeWide(e, 4); return true;
    case M::CMPXCHG16B: step = CompareExchangeWide(e, 8); return true;
    case M::MOVBE: step = MoveByteSwapped(e); return true;
    case M::SALC: step = SetAlFromCarry(e); return true;
    default: return false;
  }
}

}  // namespace kiln::jit::interp
