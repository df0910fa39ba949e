// LAR, LSL, VERR, VERW and ARPL (SDM Vol.2 "LAR", "LSL", "VERR/VERW", "ARPL").
#include "machine/cpu/segment_queries.h"

#include <algorithm>

namespace kiln::machine {
namespace {

using M = frontend::Mnemonic;

void SetZf(SystemOps& o, bool zf) {
  const uint64_t f = o.Flags();
  o.SetFlags(zf ? f | rflags::kZf : f & ~rflags::kZf);
}

/// The descriptor `selector` names, or false (ZF = 0 for the caller) when it is null or past
/// its table's limit; the read may page-fault (`faulted`).
bool Lookup(SystemOps& o, uint16_t selector, Descriptor& d, bool& faulted) {
  faulted = false;
  if ((selector & ~3u) == 0) return false;
  const bool local = selector & 4;
  const uint32_t limit = local ? o.s.ldtr.limit : o.s.gdtr.limit;
  if ((local && !(o.s.ldtr.attributes & 0x80)) || (selector & ~7u) + 7u > limit) return false;
  const uint64_t base = local ? o.s.ldtr.base : o.s.gdtr.base;
  uint64_t raw = 0;
  if (!o.ReadValue(base + (selector & ~7u), 8, raw, true)) {
    faulted = true;
    return false;
  }
  d.raw = raw;
  return true;
}

/// Whether the system descriptor type is one LAR (or, without gates, LSL) accepts in the mode.
bool SystemTypeValid(unsigned type, bool long_mode, bool gates) {
  if (long_mode) return type == 2 || type == 9 || type == 0xB || (gates && type == 0xC);
  switch (type) {
    case 1: case 2: case 3: case 9: case 0xB: return true;
    case 4: case 5: case 0xC: return gates;
    default: return false;
  }
}

/// The privilege rule all four share: DPL >= max(CPL, RPL), except conforming code segments.
bool PrivilegeAllows(const SystemOps& o, const Descriptor& d, uint16_t selector) {
  return d.Conforming() || d.Dpl() >= std::max<unsigned>(o.Cpl(), selector & 3u);
}

}  // namespace

bool SegmentQuery(SystemOps& o, const frontend::DecodedInsn& insn) {
  if (!o.Protected() || o.V86()) return o.Ud();
  if (insn.mnemonic == M::ARPL) {
    uint64_t dest = 0, src = 0;
    if (!o.ReadOperand(0, dest) || !o.ReadOperand(1, src)) return false;
    const bool adjust = (dest & 3) < (src & 3);
    if (adjust && !o.WriteOperand(0, (dest & ~uint64_t{3}) | (src & 3))) return false;
    SetZf(o, adjust);
    return true;
  }
  const bool verify = insn.mnemonic == M::VERR || insn.mnemonic == M::VERW;
  uint64_t selector_value = 0;
  if (!o.ReadOperand(verify ? 0 : 1, selector_value)) return false;
  const auto selector = static_cast<uint16_t>(selector_value);
  Descriptor d;
  bool faulted = false;
  bool ok = Lookup(o, selector, d, faulted);
  if (faulted) return false;
  if (ok) ok = PrivilegeAllows(o, d, selector);
  switch (insn.mnemonic) {
    case M::VERR: ok = ok && !d.System() && d.Readable(); break;
    case M::VERW: ok = ok && d.Writable(); break;
    case M::LAR:
    case M::LSL: {
      const bool lar = insn.mnemonic == M::LAR;
      ok = ok && (!d.System() || SystemTypeValid(d.Type(), o.LongMode(), lar));
      if (!ok) break;
      uint64_t value = lar ? (d.raw >> 32) & 0x00F0FF00 : d.Limit();
      if (insn.operand_size == 2) value &= 0xFFFF;
      if (!o.WriteOperand(0, value)) return false;
      break;
    }
    default: return o.Ud();
  }
  SetZf(o, ok);
  return true;
}

}  // namespace kiln::machine
