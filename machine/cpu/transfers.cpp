// Far control transfers: JMP/CALL far (direct and through memory), RET far, IRET in every
// mode, SYSCALL/SYSRET and SYSENTER/SYSEXIT (SDM Vol.2 "Operation" sections).
#include "machine/cpu/transfers.h"

#include "machine/cpu/task_switch.h"

namespace kiln::machine {
namespace {

bool Canonical(uint64_t v) { return static_cast<uint64_t>(static_cast<int64_t>(v << 16) >> 16) == v; }

/// Checks a code segment for a direct far JMP/CALL or a RET/IRET to the same or outer level.
bool CheckCode(SystemOps& o, uint16_t selector, Descriptor& d, bool far_return, unsigned& new_cpl) {
  const uint32_t code = selector & ~3u;
  if (code == 0) return o.Gp(0);
  if (!o.ReadDescriptor(selector, d)) return false;
  if (!d.Code()) return o.Gp(code);  // (a gate's or TSS's selector is only valid for JMP/CALL)
  const unsigned rpl = selector & 3;
  if (far_return) {
    if (rpl < o.Cpl()) return o.Gp(code);
    if (d.Conforming() ? d.Dpl() > rpl : d.Dpl() != rpl) return o.Gp(code);
    new_cpl = rpl;
  } else {
    if (d.Conforming() ? d.Dpl() > o.Cpl() : (rpl > o.Cpl() || d.Dpl() != o.Cpl())) return o.Gp(code);
    new_cpl = o.Cpl();
  }
  if (!d.Present()) return o.RaiseCode(jit::vec::kNp, code);
  if (o.LongMode() && d.Long() && d.Default32()) return o.Gp(code);
  return true;
}

/// IRETD at CPL 0 with VM in the popped EFLAGS: EIP, CS, EFLAGS, ESP, SS, ES, DS, FS, GS from
/// the stack, the segments real-mode style, CPL 3 (SDM Vol.2 IRET "RETURN-TO-VIRTUAL-8086-MODE").
bool ReturnToV86(SystemOps& o, uint64_t ip, uint64_t cs, uint64_t flags) {
  CpuState& s = o.s;
  uint64_t v[6];  // ESP, SS, ES, DS, FS, GS
  for (unsigned i = 0; i < 6; ++i)
    if (!o.PeekStack(12 + 4 * uint64_t{i}, 4, v[i])) return false;
  o.SetFlags((flags & 0x3F7FD5) | 2);  // everything, VM included (CPL 0)
  s.cpl = 3;
  o.PrivilegeChanged();
  o.SetRealSegment(kCs, static_cast<uint16_t>(cs));
  o.SetRealSegment(kSs, static_cast<uint16_t>(v[1]));
  o.SetRealSegment(kEs, static_cast<uint16_t>(v[2]));
  o.SetRealSegment(kDs, static_cast<uint16_t>(v[3]));
  o.SetRealSegment(kFs, static_cast<uint16_t>(v[4]));
  o.SetRealSegment(kGs, static_cast<uint16_t>(v[5]));
  s.gpr[kRsp] = v[0] & 0xFFFFFFFF;
  s.rip = ip & 0xFFFF;
  return true;
}

}  // namespace

bool FarJumpOrCall(SystemOps& o, bool call, uint16_t selector, uint64_t offset, unsigned size) {
  CpuState& s = o.s;
  const uint64_t ret = o.NextRip();
  if (!o.Protected() || o.V86()) {
    if (call && (!o.Push(s.seg[kCs].selector, size) || !o.Push(ret, size))) return false;
    o.SetRealSegment(kCs, selector);
    s.rip = size == 2 ? offset & 0xFFFF : offset & 0xFFFFFFFF;
    return true;
  }
  if ((selector & ~3u) != 0) {
    Descriptor gate;
    if (!o.ReadDescriptor(selector, gate)) return false;
    if (gate.System()) return FarTransferThroughGate(o, call, selector, gate);
  }
  Descriptor d;
  unsigned cpl;
  if (!CheckCode(o, selector, d, false, cpl)) return false;
  const bool to64 = o.LongMode() && d.Long();
  if (to64 ? !Canonical(offset) : offset > d.Limit()) return o.Gp(0);
  if (call) {
    const uint64_t saved_rsp = s.gpr[kRsp];
    if (!o.Push(s.seg[kCs].selector, size) || !o.Push(ret, size)) {
      s.gpr[kRsp] = saved_rsp;
      return false;
    }
  }
  if (!o.MarkAccessed(selector, d)) return false;
  o.SetCs(selector, d, cpl);
  s.rip = to64 ? offset : size == 2 ? offset & 0xFFFF : offset & 0xFFFFFFFF;
  return true;
}

bool FarReturn(SystemOps& o, unsigned size, uint64_t release) {
  CpuState& s = o.s;
  uint64_t ip, cs;
  if (!o.PeekStack(0, size, ip) || !o.PeekStack(size, size, cs)) return false;
  if (!o.Protected() || o.V86()) {
    o.SetRealSegment(kCs, static_cast<uint16_t>(cs));
    s.rip = ip;
    s.gpr[kRsp] = (s.gpr[kRsp] & ~o.StackMask()) | ((s.gpr[kRsp] + 2 * size + release) & o.StackMask());
    return true;
  }
  Descriptor d;
  unsigned cpl;
  if (!CheckCode(o, static_cast<uint16_t>(cs), d, true, cpl)) return false;
  if (cpl == o.Cpl()) {
    o.SetCs(static_cast<uint16_t>(cs), d, cpl);
    s.rip = ip;
    s.gpr[kRsp] = (s.gpr[kRsp] & ~o.StackMask()) | ((s.gpr[kRsp] + 2 * size + release) & o.StackMask());
    return true;
  }
  // To an outer level: SS:SP follow the immediate's bytes.
  uint64_t sp, ss;
  if (!o.PeekStack(2 * size + release, size, sp) || !o.PeekStack(3 * size + release, size, ss)) return false;
  const uint8_t saved_cpl = s.cpl;
  const SegmentReg saved_ss = s.seg[kSs];
  s.cpl = static_cast<uint8_t>(cpl);  // SS is checked against the new level
  if (!o.LoadDataSegment(kSs, static_cast<uint16_t>(ss))) {
    s.cpl = saved_cpl;
    s.seg[kSs] = saved_ss;
    return false;
  }
  s.cpl = saved_cpl;
  o.SetCs(static_cast<uint16_t>(cs), d, cpl);
  s.rip = ip;
  s.gpr[kRsp] = size == 8 ? sp + release : (s.gpr[kRsp] & ~o.StackMask()) | ((sp + release) & o.StackMask());
  for (unsigned seg : {kEs, kDs, kFs, kGs}) o.InvalidateForOuterLevel(seg, cpl);
  return true;
}

bool InterruptReturn(SystemOps& o, unsigned size) {
  CpuState& s = o.s;
  uint64_t ip, cs, flags;
  if (!o.PeekStack(0, size, ip) || !o.PeekStack(size, size, cs) || !o.PeekStack(2 * size, size, flags)) return false;
  const uint64_t old_flags = o.Flags();
  // Which bits IRET may change (SDM Vol.2 IRET): IOPL only at CPL 0, IF only at CPL <= IOPL;
  // VM, VIF, VIP from a 32-bit frame at CPL 0 only.
  uint64_t changeable = flag::kTf | flag::kDf | flag::kOf | flag::kNt | flag::kRf | flag::kAc | flag::kId | jit::sem::rflags::kArith;
  if (o.Cpl() == 0) changeable |= flag::kIopl | flag::kVif | flag::kVip;
  if (o.Cpl() <= o.Iopl()) changeable |= flag::kIf;
  if (size == 2) changeable &= 0xFFFF;
  const auto merged = [&](uint64_t popped) { return (old_flags & ~changeable) | (popped & changeable); };
  if (!o.Protected()) {
    o.SetRealSegment(kCs, static_cast<uint16_t>(cs));
    s.rip = ip;
    s.gpr[kRsp] = (s.gpr[kRsp] & ~o.StackMask()) | ((s.gpr[kRsp] + 3 * size) & o.StackMask());
    o.SetFlags(size == 2 ? (old_flags & ~uint64_t{0xFFFF}) | (flags & 0x7FD5) | 2 : (flags & 0x257FD5) | 2);
    return true;
  }
  if (o.V86()) {
    // IOPL-sensitive (no VME); at IOPL 3 a real-mode IRET that keeps VM and IOPL (SDM Vol.3 20.2.7).
    if (o.Iopl() < 3) return o.Gp(0);
    o.SetRealSegment(kCs, static_cast<uint16_t>(cs));
    s.rip = ip & 0xFFFF;
    s.gpr[kRsp] = (s.gpr[kRsp] & ~o.StackMask()) | ((s.gpr[kRsp] + 3 * size) & o.StackMask());
    o.SetFlags(merged(flags));  // (VM and IOPL are not changeable at CPL 3)
    return true;
  }
  if (old_flags & flag::kNt) {
    // A nested task returns to the task in its TSS's previous-task link (SDM Vol.3 7.4).
    if (o.LongMode()) return o.Gp(0);
    uint64_t link = 0;
    if (s.tr.limit < 1) return o.RaiseCode(jit::vec::kTs, s.tr.selector & ~3u);
    if (!o.ReadValue(s.tr.base, 2, link, true)) return false;
    return TaskSwitch(o, static_cast<uint16_t>(link), TaskSwitchReason::kIret, o.NextRip());
  }
  if (!o.LongMode() && size == 4 && (flags & flag::kVm) && o.Cpl() == 0) return ReturnToV86(o, ip, cs, flags);
  Descriptor d;
  unsigned cpl;
  if (!CheckCode(o, static_cast<uint16_t>(cs), d, true, cpl)) return false;
  const bool to64 = o.LongMode() && d.Long();
  if (to64 && !Canonical(ip)) return o.Gp(0);
  // 64-bit mode always pops SS:RSP; elsewhere only when returning to an outer level.
  if (o.Mode64() || cpl != o.Cpl()) {
    uint64_t sp, ss;
    if (!o.PeekStack(3 * size, size, sp) || !o.PeekStack(4 * size, size, ss)) return false;
    const uint8_t saved_cpl = s.cpl;
    const SegmentReg saved_ss = s.seg[kSs];
    s.cpl = static_cast<uint8_t>(cpl);
    const bool null_ss_ok = o.LongMode() && to64 && cpl < 3 && (ss & ~3u) == 0 && (ss & 3) == cpl;
    if (null_ss_ok) {
      s.seg[kSs].selector = static_cast<uint16_t>(ss);
      s.seg[kSs].attributes = 0;
    } else if (!o.LoadDataSegment(kSs, static_cast<uint16_t>(ss))) {
      s.cpl = saved_cpl;
      s.seg[kSs] = saved_ss;
      return false;
    }
    s.cpl = saved_cpl;
    o.SetCs(static_cast<uint16_t>(cs), d, cpl);
    s.rip = to64 ? ip : ip & 0xFFFFFFFF;
    s.gpr[kRsp] = size == 8 ? sp : size == 4 ? sp & 0xFFFFFFFF : (s.gpr[kRsp] & ~uint64_t{0xFFFF}) | (sp & 0xFFFF);
    o.SetFlags(merged(flags));
    if (cpl != saved_cpl) {
      for (unsigned seg : {kEs, kDs, kFs, kGs}) o.InvalidateForOuterLevel(seg, cpl);
    }
    return true;
  }
  o.SetCs(static_cast<uint16_t>(cs), d, cpl);
  s.rip = size == 2 ? ip & 0xFFFF : ip & 0xFFFFFFFF;
  s.gpr[kRsp] = (s.gpr[kRsp] & ~o.StackMask()) | ((s.gpr[kRsp] + 3 * size) & o.StackMask());
  o.SetFlags(merged(flags));
  return true;
}

namespace {
Descriptor FlatCode(unsigned dpl, bool long_mode) {
  // base 0, limit 4 GiB, present, code execute/read accessed, G; L or D.
  uint64_t raw = 0x00CF9B000000FFFFull & ~(uint64_t{3} << 45);
  raw |= uint64_t{dpl} << 45;
  if (long_mode) raw = (raw & ~(uint64_t{1} << 54)) | (uint64_t{1} << 53);
  return Descriptor{raw};
}
Descriptor FlatData(unsigned dpl) {
  uint64_t raw = 0x00CF93000000FFFFull & ~(uint64_t{3} << 45);
  return Descriptor{raw | (uint64_t{dpl} << 45)};
}
}  // namespace

bool Syscall(SystemOps& o) {
  // Kiln's CPU is an Intel one: SYSCALL exists only in 64-bit mode (SDM Vol.2 SYSCALL; AMD
  // CPUs also take it in legacy and compatibility mode, through STAR's EIP and CSTAR), and
  // CPUID.80000001H:EDX.SYSCALL says so. 32-bit code enters the kernel with SYSENTER.
  CpuState& s = o.s;
  if (!o.Mode64() || !(s.efer & efer::kSce)) return o.Ud();
  const uint16_t cs = static_cast<uint16_t>((s.star >> 32) & 0xFFFC);
  const uint64_t flags = o.Flags();
  s.gpr[kRcx] = o.NextRip();
  s.gpr[kR11] = flags & ~flag::kRf;
  o.SetCs(cs, FlatCode(0, true), 0);
  s.rip = s.lstar;
  o.SetFlags(flags & ~s.sfmask & ~flag::kRf);
  o.SetSegment(kSs, static_cast<uint16_t>(cs + 8), FlatData(0));
  // The SS selector's RPL is 0 after SYSCALL.
  return true;
}

bool Sysret(SystemOps& o) {
  // Only in 64-bit mode, as SYSCALL (SDM Vol.2 SYSRET); to 64-bit code with REX.W, else to
  // compatibility mode.
  CpuState& s = o.s;
  if (!o.Mode64() || !(s.efer & efer::kSce)) return o.Ud();
  if (o.Cpl() != 0) return o.Gp(0);
  const uint16_t base = static_cast<uint16_t>((s.star >> 48) & 0xFFFF);
  const bool to64 = o.insn->operand_size == 8;
  if (to64 && !Canonical(s.gpr[kRcx])) return o.Gp(0);
  o.SetFlags((s.gpr[kR11] & 0x3C7FD7) | 2);
  const uint16_t cs = static_cast<uint16_t>(to64 ? base + 16 : base);
  o.SetSegment(kSs, static_cast<uint16_t>((base + 8) | 3), FlatData(3));
  o.SetCs(static_cast<uint16_t>(cs | 3), FlatCode(3, to64), 3);
  s.rip = to64 ? s.gpr[kRcx] : s.gpr[kRcx] & 0xFFFFFFFF;
  return true;
}

bool Sysenter(SystemOps& o) {
  CpuState& s = o.s;
  const uint16_t cs = static_cast<uint16_t>(s.sysenter_cs & 0xFFFC);
  if (!o.Protected() || cs == 0) return o.Gp(0);
  o.SetFlags(o.Flags() & ~(flag::kVm | flag::kIf | flag::kRf));
  o.SetCs(cs, FlatCode(0, o.LongMode()), 0);
  o.SetSegment(kSs, static_cast<uint16_t>(cs + 8), FlatData(0));
  s.rip = o.LongMode() ? s.sysenter_eip : s.sysenter_eip & 0xFFFFFFFF;
  s.gpr[kRsp] = o.LongMode() ? s.sysenter_esp : s.sysenter_esp & 0xFFFFFFFF;
  return true;
}

bool Sysexit(SystemOps& o) {
  CpuState& s = o.s;
  const uint16_t base = static_cast<uint16_t>(s.sysenter_cs & 0xFFFC);
  if (!o.Protected() || o.Cpl() != 0 || base == 0) return o.Gp(0);
  const bool to64 = o.insn->operand_size == 8;
  if (to64 && (!Canonical(s.gpr[kRdx]) || !Canonical(s.gpr[kRcx]))) return o.Gp(0);
  o.SetCs(static_cast<uint16_t>((to64 ? base + 32 : base + 16) | 3), FlatCode(3, to64), 3);
  o.SetSegment(kSs, static_cast<uint16_t>((to64 ? base + 40 : base + 24) | 3), FlatData(3));
  s.rip = to64 ? s.gpr[kRdx] : s.gpr[kRdx] & 0xFFFFFFFF;
  s.gpr[kRsp] = to64 ? s.gpr[kRcx] : s.gpr[kRcx] & 0xFFFFFFFF;
  return true;
}

}  // namespace kiln::machine
