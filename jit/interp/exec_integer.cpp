// Interpreter handlers for the integer instructions: ALU, shifts and rotates, multiply and divide,
// bit test/scan/count. The semantics are jit/semantics/; this file moves operands in and out.
#include "jit/interp/exec.h"
#include "jit/semantics/alu.h"
#include "jit/semantics/bits.h"
#include "jit/semantics/muldiv.h"
#include "jit/semantics/shift.h"

namespace kiln::jit::interp {
namespace {

using frontend::Mnemonic;
using machine::LazyFlags;
namespace rflags = machine::rflags;

// dest = op(dest, src) with flags; CMP and TEST do not write. The flags are committed only after
// the write succeeded, so a faulting store leaves the state untouched (precise exceptions).
template <class Fn>
Step BinaryAlu(Exec& e, bool write, Fn fn) {
  Step step = Step::kNext;
  uint64_t a, b;
  if (!e.Read(0, a, step) || !e.Read(1, b, step)) return step;
  LazyFlags f = e.s.flags;
  const uint64_t r = fn(f, a, b, e.insn.operands[0].size);
  if (write && !e.Write(0, r, step)) return step;
  e.s.flags = f;
  return e.Next();
}

template <class Fn>
Step UnaryAlu(Exec& e, Fn fn) {
  Step step = Step::kNext;
  uint64_t a;
  if (!e.Read(0, a, step)) return step;
  LazyFlags f = e.s.flags;
  const uint64_t r = fn(f, a, e.insn.operands[0].size);
  if (!e.Write(0, r, step)) return step;
  e.s.flags = f;
  return e.Next();
}

Step Shift(Exec& e, sem::ShiftOp op) {
  Step step = Step::kNext;
  uint64_t a, count = 1;
  if (!e.Read(0, a, step)) return step;
  if (e.insn.operand_count > 1 && !e.Read(1, count, step)) return step;
  LazyFlags f = e.s.flags;
  const uint64_t r = sem::Shift(f, op, a, count, e.insn.operands[0].size);
  if (!e.Write(0, r, step)) return step;
  e.s.flags = f;
  return e.Next();
}

Step DoubleShift(Exec& e, bool right) {
  Step step = Step::kNext;
  uint64_t a, b, count;
  if (!e.Read(0, a, step) || !e.Read(1, b, step) || !e.Read(2, count, step)) return step;
  LazyFlags f = e.s.flags;
  const uint64_t r = sem::DoubleShift(f, right, a, b, count, e.insn.operands[0].size);
  if (!e.Write(0, r, step)) return step;
  e.s.flags = f;
  return e.Next();
}

// The accumulator halves of one-operand MUL/IMUL/DIV/IDIV: AL/AH for bytes, else rAX/rDX.
Step MulDiv(Exec& e, Mnemonic m) {
  Step step = Step::kNext;
  uint64_t src;
  if (!e.Read(0, src, step)) return step;
  const unsigned size = e.insn.operands[0].size;
  CpuState& s = e.s;
  const uint64_t mask = sem::SizeMask(size);
  const uint64_t lo = size == 1 ? s.gpr[0] & 0xFF : s.gpr[0] & mask;
  const uint64_t hi = size == 1 ? (s.gpr[0] >> 8) & 0xFF : s.gpr[2] & mask;
  uint64_t out_lo, out_hi;
  if (m == Mnemonic::MUL || m == Mnemonic::IMUL) {
    const sem::WideResult w = m == Mnemonic::MUL ? sem::Mul(s.flags, lo, src, size) : sem::Imul(s.flags, lo, src, size);
    out_lo = w.lo;
    out_hi = w.hi;
  } else {
    const sem::DivResult d = m == Mnemonic::DIV ? sem::Div(hi, lo, src, size) : sem::Idiv(hi, lo, src, size);
    if (d.divide_error) return e.Raise(vec::kDe);
    out_lo = d.quotient;
    out_hi = d.remainder;
    // All six flags are undefined after DIV/IDIV; the AMD host keeps CF and OF, clears SF, ZF
    // and PF, and sets AF, and so does Kiln (docs/flags.md).
    sem::UpdateFlags(s.flags, rflags::kSf | rflags::kZf | rflags::kAf | rflags::kPf, rflags::kAf);
  }
  if (size == 1) {
    s.gpr[0] = (s.gpr[0] & ~uint64_t{0xFFFF}) | out_lo | (out_hi << 8);
  } else {
    e.WriteReg({size == 2 ? RegClass::kGpr16 : size == 4 ? RegClass::kGpr32 : RegClass::kGpr64, 0}, out_lo);
    e.WriteReg({size == 2 ? RegClass::kGpr16 : size == 4 ? RegClass::kGpr32 : RegClass::kGpr64, 2}, out_hi);
  }
  return e.Next();
}

// IMUL r, r/m (, imm): the truncated product.
Step ImulTruncated(Exec& e) {
  Step step = Step::kNext;
  uint64_t a, b;
  const int src1 = e.insn.operand_count == 3 ? 1 : 0, src2 = e.insn.operand_count == 3 ? 2 : 1;
  if (!e.Read(src1, a, step) || !e.Read(src2, b, step)) return step;
  const uint64_t r = sem::ImulTruncated(e.s.flags, a, b, e.insn.operands[0].size);
  e.Write(0, r, step);
  return e.Next();
}

// BT/BTS/BTR/BTC. With a register bit offset and a memory operand the offset selects any bit
// relative to the address (SDM Vol.2 BT: "bit offset operand ... -2^63 to 2^63 - 1").
Step BitTest(Exec& e, sem::BitTestOp op) {
  Step step = Step::kNext;
  const frontend::Operand& dst = e.insn.operands[0];
  const unsigned size = dst.size;
  uint64_t offset;
  if (!e.Read(1, offset, step)) return step;
  LazyFlags f = e.s.flags;
  if (dst.kind == OperandKind::kMem && e.insn.operands[1].kind == OperandKind::kReg) {
    const int64_t bits = static_cast<int64_t>(size) * 8;
    const int64_t signed_offset = static_cast<int64_t>(offset << (64 - bits * 1)) >> (64 - bits);
    const int64_t unit = signed_offset >= 0 ? signed_offset / bits : -((-signed_offset + bits - 1) / bits);
    // The unit holding the bit, its offset wrapped to the address size like any effective address.
    const uint64_t offset_of_unit =
        (e.Offset(dst) + static_cast<uint64_t>(unit * static_cast<int64_t>(size))) & sem::SizeMask(e.insn.address_size);
    const SegmentAccess access = op == sem::BitTestOp::kBt ? SegmentAccess::kRead : SegmentAccess::kWrite;
    uint64_t addr, v;
    if (!e.Linear(dst.seg, offset_of_unit, size, access, addr, step) || !e.Load(addr, size, v, step)) return step;
    const uint64_t r = sem::BitTest(f, op, v, static_cast<uint64_t>(signed_offset - unit * bits), size);
    if (op != sem::BitTestOp::kBt && !e.Store(addr, size, r, step)) return step;
  } else {
    uint64_t v;
    if (!e.Read(0, v, step)) return step;
    const uint64_t r = sem::BitTest(f, op, v, offset, size);
    if (op != sem::BitTestOp::kBt && !e.Write(0, r, step)) return step;
  }
  e.s.flags = f;
  return e.Next();
}

// BSF/BSR: with a zero source the destination is not written at all (the AMD host keeps all 64
// bits of it, even for a 32-bit operand), only ZF is set.
Step BitScan(Exec& e, bool reverse) {
  Step step = Step::kNext;
  uint64_t src;
  if (!e.Read(1, src, step)) return step;
  LazyFlags f = e.s.flags;
  const unsigned size = e.insn.operands[0].size;
  const uint64_t r = sem::BitScan(f, reverse, src, 0, size);
  if ((src & sem::SizeMask(size)) != 0) e.WriteReg(e.insn.operands[0].reg, r);
  e.s.flags = f;
  return e.Next();
}

template <class Fn>
Step SourceToDest(Exec& e, Fn fn) {
  Step step = Step::kNext;
  uint64_t src, dst;
  if (!e.Read(1, src, step) || !e.Read(0, dst, step)) return step;
  LazyFlags f = e.s.flags;
  const uint64_t r = fn(f, src, dst, e.insn.operands[0].size);
  if (!e.Write(0, r, step)) return step;
  e.s.flags = f;
  return e.Next();
}

}  // namespace

bool ExecuteInteger(Exec& e, Step& step) {
  using M = Mnemonic;
  switch (e.insn.mnemonic) {
    case M::ADD: step = BinaryAlu(e, true, [](auto& f, uint64_t a, uint64_t b, unsigned n) { return sem::Add(f, a, b, n); }); return true;
    case M::OR: step = BinaryAlu(e, true, [](auto& f, uint64_t a, uint64_t b, unsigned n) { return sem::Or(f, a, b, n); }); return true;
    case M::AND: step = BinaryAlu(e, true, [](auto& f, uint64_t a, uint64_t b, unsigned n) { return sem::And(f, a, b, n); }); return true;
    case M::XOR: step = BinaryAlu(e, true, [](auto& f, uint64_t a, uint64_t b, unsigned n) { return sem::Xor(f, a, b, n); }); return true;
    case M::SUB: step = BinaryAlu(e, true, [](auto& f, uint64_t a, uint64_t b, unsigned n) { return sem::Sub(f, a, b, n); }); return true;
    case M::CMP: step = BinaryAlu(e, false, [](auto& f, uint64_t a, uint64_t b, unsigned n) { return sem::Sub(f, a, b, n); }); return true;
    case M::TEST: step = BinaryAlu(e, false, [](auto& f, uint64_t a, uint64_t b, unsigned n) { return sem::And(f, a, b, n); }); return true;
    case M::ADC:
      step = BinaryAlu(e, true, [](auto& f, uint64_t a, uint64_t b, unsigned n) { return sem::Adc(f, a, b, sem::CarryFlag(f), n); });
      return true;
    case M::SBB:
      step = BinaryAlu(e, true, [](auto& f, uint64_t a, uint64_t b, unsigned n) { return sem::Sbb(f, a, b, sem::CarryFlag(f), n); });
      return true;
    case M::INC: step = UnaryAlu(e, [](auto& f, uint64_t a, unsigned n) { return sem::Inc(f, a, n); }); return true;
    case M::DEC: step = UnaryAlu(e, [](auto& f, uint64_t a, unsigned n) { return sem::Dec(f, a, n); }); return true;
    case M::NEG: step = UnaryAlu(e, [](auto& f, uint64_t a, unsigned n) { return sem::Neg(f, a, n); }); return true;
    case M::NOT: step = UnaryAlu(e, [](auto&, uint64_t a, unsigned n) { return sem::Not(a, n); }); return true;
    case M::ROL: step = Shift(e, sem::ShiftOp::kRol); return true;
    case M::ROR: step = Shift(e, sem::ShiftOp::kRor); return true;
    case M::RCL: step = Shift(e, sem::ShiftOp::kRcl); return true;
    case M::RCR: step = Shift(e, sem::ShiftOp::kRcr); return true;
    case M::SHL: step = Shift(e, sem::ShiftOp::kShl); return true;
    case M::SHR: step = Shift(e, sem::ShiftOp::kShr); return true;
    case M::SAR: step = Shift(e, sem::ShiftOp::kSar); return true;
    case M::SHLD: step = DoubleShift(e, false); return true;
    case M::SHRD: step = DoubleShift(e, true); return true;
    case M::MUL:
    case M::DIV:
    case M::IDIV: step = MulDiv(e, e.insn.mnemonic); return true;
    case M::IMUL: step = e.insn.operand_count == 1 ? MulDiv(e, M::IMUL) : ImulTruncated(e); return true;
    case M::BT: step = BitTest(e, sem::BitTestOp::kBt); return true;
    case M::BTS: step = BitTest(e, sem::BitTestOp::kBts); return true;
    case M::BTR: step = BitTest(e, sem::BitTestOp::kBtr); return true;
    case M::BTC: step = BitTest(e, sem::BitTestOp::kBtc); return true;
    case M::BSF:
    case M::BSR: step = BitScan(e, e.insn.mnemonic == M::BSR); return true;
    case M::POPCNT: step = SourceToDest(e, [](auto& f, uint64_t s, uint64_t, unsigned n) { return sem::Popcnt(f, s, n); }); return true;
    case M::LZCNT: step = SourceToDest(e, [](auto& f, uint64_t s, uint64_t, unsigned n) { return sem::CountZeros(f, true, s, n); }); return true;
    case M::TZCNT: step = SourceToDest(e, [](auto& f, uint64_t s, uint64_t, unsigned n) { return sem::CountZeros(f, false, s, n); }); return true;
    default: return false;
  }
}

}  // namespace kiln::jit::interp
