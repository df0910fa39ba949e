// SystemOps: operands, the stack, descriptors and segment loads for the system instructions.
#include "machine/cpu/system_ops.h"

#include "jit/semantics/registers.h"

namespace kiln::machine {

using frontend::OperandKind;
using frontend::Reg;
using frontend::RegClass;

uint64_t SystemOps::GetReg(Reg r) const { return jit::sem::ReadRegister(s, r); }

void SystemOps::SetReg(Reg r, uint64_t v) { jit::sem::WriteRegister(s, r, v); }

uint64_t SystemOps::SegmentBase(frontend::Seg seg) const {
  const unsigned i = static_cast<unsigned>(seg);
  if (i > 5) return 0;
  if (Mode64() && seg != frontend::Seg::kFs && seg != frontend::Seg::kGs) return 0;
  return s.seg[i].base;
}

uint64_t SystemOps::Offset(const frontend::Operand& m) const {
  uint64_t ea = static_cast<uint64_t>(m.value);
  if (m.base.valid()) ea += m.base.cls == RegClass::kIp ? NextRip() : GetReg(m.base);
  if (m.index.valid()) ea += GetReg(m.index) * m.scale;
  if (insn->address_size == 4) ea &= 0xFFFFFFFF;
  else if (insn->address_size == 2) ea &= 0xFFFF;
  return ea;
}

bool SystemOps::CheckSegment(frontend::Seg seg, uint64_t offset, uint64_t n, jit::sem::SegmentAccess a) {
  const unsigned i = static_cast<unsigned>(seg);
  if (i > 5) return true;
  if (Mode64()) {
    const auto canonical = [](uint64_t v) { return static_cast<uint64_t>(static_cast<int64_t>(v << 16) >> 16) == v; };
    if (seg == frontend::Seg::kSs && (!canonical(offset) || !canonical(offset + n - 1))) return RaiseCode(jit::vec::kSs, 0);
    return true;
  }
  const uint8_t vector = jit::sem::SegmentFault(s, i, offset, n, a);
  return vector == 0 || RaiseCode(vector, 0);
}

bool SystemOps::ReadOperand(unsigned i, uint64_t& v) {
  const frontend::Operand& op = insn->operands[i];
  switch (op.kind) {
    case OperandKind::kReg: v = GetReg(op.reg); return true;
    case OperandKind::kImm: v = static_cast<uint64_t>(op.value); return true;
    case OperandKind::kMem: {
      const unsigned n = op.size > 8 ? 8 : op.size;
      uint64_t at;
      return CheckedLinear(op, n, jit::sem::SegmentAccess::kRead, at) && ReadValue(at, n, v);
    }
    default: v = 0; return true;
  }
}

bool SystemOps::WriteOperand(unsigned i, uint64_t v) {
  const frontend::Operand& op = insn->operands[i];
  if (op.kind == OperandKind::kReg) {
    SetReg(op.reg, v);
    return true;
  }
  if (op.kind != OperandKind::kMem) return true;
  const unsigned n = op.size > 8 ? 8 : op.size;
  uint64_t at;
  return CheckedLinear(op, n, jit::sem::SegmentAccess::kWrite, at) && WriteValue(at, n, v);
}

uint64_t SystemOps::StackMask() const {
  if (Mode64()) return ~uint64_t{0};
  return (s.seg[kSs].attributes & seg_attr::kDefault32) ? 0xFFFFFFFF : 0xFFFF;
}

bool SystemOps::Push(uint64_t v, unsigned size) {
  const uint64_t mask = StackMask();
  const uint64_t sp = (s.gpr[kRsp] - size) & mask;
  if (!CheckSegment(frontend::Seg::kSs, sp, size, jit::sem::SegmentAccess::kWrite)) return false;
  if (!WriteValue(SegmentBase(frontend::Seg::kSs) + sp, size, v)) return false;
  s.gpr[kRsp] = (s.gpr[kRsp] & ~mask) | sp;
  return true;
}

bool SystemOps::Pop(uint64_t& v, unsigned size) {
  const uint64_t mask = StackMask();
  const uint64_t sp = s.gpr[kRsp] & mask;
  if (!CheckSegment(frontend::Seg::kSs, sp, size, jit::sem::SegmentAccess::kRead)) return false;
  if (!ReadValue(SegmentBase(frontend::Seg::kSs) + sp, size, v)) return false;
  s.gpr[kRsp] = (s.gpr[kRsp] & ~mask) | ((sp + size) & mask);
  return true;
}

bool SystemOps::PeekStack(uint64_t depth, unsigned size, uint64_t& v) {
  const uint64_t sp = (s.gpr[kRsp] + depth) & StackMask();
  return CheckSegment(frontend::Seg::kSs, sp, size, jit::sem::SegmentAccess::kRead) &&
         ReadValue(SegmentBase(frontend::Seg::kSs) + sp, size, v);
}

bool SystemOps::ReadDescriptor(uint16_t selector, Descriptor& d, uint64_t* high, uint8_t vector) {
  const bool local = selector & 4;
  const uint64_t base = local ? s.ldtr.base : s.gdtr.base;
  const uint32_t limit = local ? s.ldtr.limit : s.gdtr.limit;
  const uint32_t index = selector & ~7u;
  const uint32_t bytes = high ? 16 : 8;
  // An LDT selector with no usable LDT (null LDTR: P clear in its attributes) is out of limits.
  if ((local && !(s.ldtr.attributes & 0x80)) || index + bytes - 1 > limit) return RaiseCode(vector, selector & ~3u);
  uint64_t v;
  if (!ReadValue(base + index, 8, v, true)) return false;
  d.raw = v;
  if (high && !ReadValue(base + index + 8, 8, *high, true)) return false;
  return true;
}

bool SystemOps::MarkAccessed(uint16_t selector, Descriptor& d) {
  if (d.raw & (uint64_t{1} << 40)) return true;
  d.raw |= uint64_t{1} << 40;
  const uint64_t base = (selector & 4) ? s.ldtr.base : s.gdtr.base;
  uint8_t type_byte = static_cast<uint8_t>(d.raw >> 40);
  return Write(base + (selector & ~7u) + 5, &type_byte, 1, true);
}

void SystemOps::SetSegment(unsigned seg, uint16_t selector, const Descriptor& d) {
  SegmentReg& r = s.seg[seg];
  r.selector = selector;
  r.base = d.Base();
  r.limit = d.Limit();
  r.attributes = d.Attributes();
}

void SystemOps::SetRealSegment(unsigned seg, uint16_t selector) {
  // Real mode and virtual-8086 mode: base = selector * 16. The limit and attributes stay as
  // they are in real mode (how "unreal mode" works); V86 mode makes them 64 KiB, DPL 3 data.
  SegmentReg& r = s.seg[seg];
  r.selector = selector;
  r.base = uint64_t{selector} << 4;
  if (V86()) {
    r.limit = 0xFFFF;
    r.attributes = seg == kCs ? 0xFB : 0xF3;
  } else if (!(r.attributes & jit::sem::seg_type::kPresent)) {
    // A register left unusable by a null selector in protected mode (limit 0) becomes a
    // usable 64 KiB data segment again, as after reset, rather than failing every limit check.
    r.limit = 0xFFFF;
    r.attributes = 0x93;
  }
}

void SystemOps::SetCs(uint16_t selector, const Descriptor& d, unsigned cpl) {
  SetSegment(kCs, static_cast<uint16_t>((selector & ~3u) | cpl), d);
  if (s.cpl != cpl) {
    s.cpl = static_cast<uint8_t>(cpl);
    PrivilegeChanged();
  }
}

void SystemOps::PrivilegeChanged() { mem.host_pages.Flush(); }

bool SystemOps::LoadDataSegment(unsigned seg, uint16_t selector) {
  if (!Protected() || V86()) {
    SetRealSegment(seg, selector);
    return true;
  }
  const unsigned rpl = selector & 3;
  if ((selector & ~3u) == 0) {
    // A null selector: allowed for DS, ES, FS, GS (the register becomes unusable); for SS only
    // in 64-bit mode at CPL < 3 with RPL = CPL (SDM Vol.2 MOV, POP, LSS).
    if (seg == kSs && !(Mode64() && Cpl() < 3 && rpl == Cpl())) return Gp(0);
    SegmentReg& r = s.seg[seg];
    r.selector = selector;
    r.attributes = 0;  // P = 0: unusable
    if (!Mode64() || seg != kSs) r.base = 0;
    r.limit = 0;
    return true;
  }
  Descriptor d;
  if (!ReadDescriptor(selector, d)) return false;
  const uint32_t code = selector & ~3u;
  if (seg == kSs) {
    if (rpl != Cpl() || d.Dpl() != Cpl() || !d.Writable()) return Gp(code);
    if (!d.Present()) return RaiseCode(jit::vec::kSs, code);
  } else {
    if (!d.Readable() || d.System()) return Gp(code);
    if (d.Data() || !d.Conforming()) {
      if (rpl > d.Dpl() || Cpl() > d.Dpl()) return Gp(code);
    }
    if (!d.Present()) return RaiseCode(jit::vec::kNp, code);
  }
  if (!MarkAccessed(selector, d)) return false;
  SetSegment(seg, selector, d);
  return true;
}

void SystemOps::InvalidateForOuterLevel(unsigned seg, unsigned cpl) {
  SegmentReg& r = s.seg[seg];
  const bool data_or_nonconforming = !((r.attributes & 0x1C) == 0x1C);  // conforming code: type 11x1x with S
  const unsigned dpl = (r.attributes >> 5) & 3;
  if (data_or_nonconforming && dpl < cpl && (r.selector & ~3u) != 0) {
    r.selector = 0;
    r.attributes = 0;
  }
}

}  // namespace kiln::machine
