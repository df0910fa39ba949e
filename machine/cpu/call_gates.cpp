// Far CALL and JMP through a call gate (SDM Vol.3 5.8, Vol.2 CALL and JMP "Operation"): 16- and
// 32-bit gates in protected mode, with the inner stack from the TSS and the copy of the caller's
// parameters; 64-bit gates in long mode (no parameters, the new SS null). A TSS descriptor or a
// task gate starts a hardware task switch (task_switch.cpp).
#include "machine/cpu/transfers.h"

#include "machine/cpu/task_switch.h"

namespace kiln::machine {
namespace {

bool Canonical(uint64_t v) { return static_cast<uint64_t>(static_cast<int64_t>(v << 16) >> 16) == v; }

/// The inner level's stack from the current TSS (SS:ESP, SS:SP in a 16-bit TSS, RSP in a
/// 64-bit one), checked as CALL's "Operation" says; #TS(TSS selector) past the TSS's limit.
bool InnerStack(SystemOps& o, unsigned cpl, uint16_t& ss, uint64_t& sp, Descriptor& ssd) {
  CpuState& s = o.s;
  const uint32_t tss_code = s.tr.selector & ~3u;
  if (o.LongMode()) {
    const uint64_t at = 4 + 8 * uint64_t{cpl};
    if (at + 7 > s.tr.limit) return o.RaiseCode(jit::vec::kTs, tss_code);
    if (!o.ReadValue(s.tr.base + at, 8, sp, true)) return false;
    if (!Canonical(sp)) return o.RaiseCode(jit::vec::kSs, 0);
    ss = static_cast<uint16_t>(cpl);  // a null selector with RPL = the new CPL
    return true;
  }
  const bool tss32 = (s.tr.attributes & 0xF) == 0x9 || (s.tr.attributes & 0xF) == 0xB;
  const unsigned width = tss32 ? 4 : 2;
  const uint64_t at = tss32 ? 4 + 8 * uint64_t{cpl} : 2 + 4 * uint64_t{cpl};
  if (at + 2 * width - 1 > s.tr.limit) return o.RaiseCode(jit::vec::kTs, tss_code);
  uint64_t selector = 0;
  if (!o.ReadValue(s.tr.base + at, width, sp, true) || !o.ReadValue(s.tr.base + at + width, 2, selector, true))
    return false;
  ss = static_cast<uint16_t>(selector);
  if ((ss & ~3u) == 0) return o.RaiseCode(jit::vec::kTs, 0);
  if (!o.ReadDescriptor(ss, ssd, nullptr, jit::vec::kTs)) return false;
  if ((ss & 3u) != cpl || ssd.Dpl() != cpl || !ssd.Writable()) return o.RaiseCode(jit::vec::kTs, ss & ~3u);
  if (!ssd.Present()) return o.RaiseCode(jit::vec::kSs, ss & ~3u);
  return true;
}

}  // namespace

bool FarTaskSwitch(SystemOps& o, bool call, uint16_t selector, const Descriptor& d) {
  const uint32_t code = selector & ~3u;
  // The TSS descriptor's or task gate's DPL against CPL and RPL (SDM Vol.3 7.3 step 2).
  if (d.Dpl() < o.Cpl() || d.Dpl() < (selector & 3u)) return o.Gp(code);
  uint16_t tss = selector;
  if (d.Type() == 0x5) {
    if (!d.Present()) return o.RaiseCode(jit::vec::kNp, code);
    tss = static_cast<uint16_t>(d.raw >> 16);
  }
  return TaskSwitch(o, tss, call ? TaskSwitchReason::kCall : TaskSwitchReason::kJump, o.NextRip());
}

bool FarTransferThroughGate(SystemOps& o, bool call, uint16_t selector, const Descriptor& gate) {
  CpuState& s = o.s;
  const uint32_t gate_code = selector & ~3u;
  const unsigned type = gate.Type();
  const bool long_mode = o.LongMode();
  // Task gates and TSS descriptors switch tasks (not in long mode, where they do not exist).
  if (!long_mode && (type == 0x5 || type == 0x1 || type == 0x9 || type == 0x3 || type == 0xB))
    return FarTaskSwitch(o, call, selector, gate);
  if (type != 0xC && (long_mode || type != 0x4)) return o.Gp(gate_code);
  if (gate.Dpl() < o.Cpl() || gate.Dpl() < (selector & 3u)) return o.Gp(gate_code);
  if (!gate.Present()) return o.RaiseCode(jit::vec::kNp, gate_code);
  uint64_t high = 0;
  if (long_mode) {
    // A 64-bit call gate is 16 bytes; the upper half's type field must be 0 (SDM Vol.3 5.8.3.1).
    Descriptor again;
    if (!o.ReadDescriptor(selector, again, &high)) return false;
    if (((high >> 40) & 0x1F) != 0) return o.Gp(gate_code);
  }
  const uint16_t cs = static_cast<uint16_t>(gate.raw >> 16);
  const unsigned gate_size = long_mode ? 8 : (type == 0xC ? 4 : 2);
  uint64_t offset = (gate.raw & 0xFFFF) | (gate_size >= 4 ? (gate.raw >> 32) & 0xFFFF0000 : 0);
  if (long_mode) offset |= high << 32;
  const unsigned params = gate_size == 8 ? 0 : (gate.raw >> 32) & 0x1F;

  // The code segment the gate names.
  if ((cs & ~3u) == 0) return o.Gp(0);
  Descriptor code;
  if (!o.ReadDescriptor(cs, code)) return false;
  if (!code.Code() || code.Dpl() > o.Cpl()) return o.Gp(cs & ~3u);
  if (long_mode && (!code.Long() || code.Default32())) return o.Gp(cs & ~3u);
  if (!code.Present()) return o.RaiseCode(jit::vec::kNp, cs & ~3u);
  // JMP never changes the privilege level: a non-conforming target must be at the CPL.
  if (!call && !code.Conforming() && code.Dpl() != o.Cpl()) return o.Gp(cs & ~3u);
  if (long_mode ? !Canonical(offset) : offset > code.Limit()) return o.Gp(0);

  const uint64_t ret = o.NextRip();
  const uint16_t old_cs = s.seg[kCs].selector;
  const bool inner = call && !code.Conforming() && code.Dpl() < o.Cpl();
  if (inner) {
    const unsigned new_cpl = code.Dpl();
    uint16_t ss;
    uint64_t sp;
    Descriptor ssd;
    if (!InnerStack(o, new_cpl, ss, sp, ssd)) return false;
    // The caller's parameters, read from its stack before anything changes.
    uint64_t copied[31] = {};
    for (unsigned i = 0; i < params; ++i)
      if (!o.PeekStack(uint64_t{i} * gate_size, gate_size, copied[i])) return false;
    const uint16_t old_ss = s.seg[kSs].selector;
    const uint64_t old_sp = s.gpr[kRsp];
    const SegmentReg saved_ss = s.seg[kSs];
    const uint8_t saved_cpl = s.cpl;
    if (long_mode) {
      s.seg[kSs] = SegmentReg{ss, 0, 0, 0};
    } else {
      o.SetSegment(kSs, ss, ssd);
    }
    s.gpr[kRsp] = long_mode ? sp : sp & (ssd.Default32() ? 0xFFFFFFFFu : 0xFFFFu);
    s.cpl = static_cast<uint8_t>(new_cpl);  // the new stack is written at the new level
    o.PrivilegeChanged();
    bool pushed = o.Push(old_ss, gate_size) && o.Push(old_sp, gate_size);
    for (unsigned i = params; pushed && i-- > 0;) pushed = o.Push(copied[i], gate_size);
    pushed = pushed && o.Push(old_cs, gate_size) && o.Push(ret, gate_size);
    if (!pushed || !o.MarkAccessed(cs, code)) {
      s.seg[kSs] = saved_ss;
      s.gpr[kRsp] = old_sp;
      s.cpl = saved_cpl;
      o.PrivilegeChanged();
      return false;
    }
    if (!long_mode && !o.MarkAccessed(ss, ssd)) return false;
    s.cpl = saved_cpl;  // SetCs sees the change and flushes what depends on the CPL
    o.SetCs(cs, code, new_cpl);
    s.rip = offset;
    return true;
  }
  if (call) {
    const uint64_t saved_sp = s.gpr[kRsp];
    if (!o.Push(old_cs, gate_size) || !o.Push(ret, gate_size)) {
      s.gpr[kRsp] = saved_sp;
      return false;
    }
  }
  Descriptor target = code;
  if (!o.MarkAccessed(cs, target)) return false;
  o.SetCs(cs, target, o.Cpl());
  s.rip = offset;
  return true;
}

}  // namespace kiln::machine
