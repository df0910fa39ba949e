// The 32-bit hardware task switch (SDM Vol.3 7.3, Table 7-1 for the checks and their faults):
// the new TSS is checked and read, the current state saved into the old TSS, the busy bits and
// the previous-task link updated, TR, CR0.TS, CR3, LDTR, EFLAGS and the registers loaded, then
// the segment registers checked in the new task's context.
#include "machine/cpu/task_switch.h"

namespace kiln::machine {
namespace {

constexpr unsigned kTss32Size = 104;
// 32-bit TSS offsets (SDM Vol.3 Figure 7-2).
constexpr unsigned kLink = 0, kCr3 = 28, kEip = 32, kEflags = 36, kGprs = 40, kSegs = 72, kLdt = 96;

uint32_t Load32(const uint8_t* p) { return p[0] | (p[1] << 8) | (p[2] << 16) | (uint32_t{p[3]} << 24); }

bool Busy(const Descriptor& d) { return d.Type() & 2; }

/// Sets or clears the busy bit of the TSS descriptor `selector` in the GDT.
bool SetBusy(SystemOps& o, uint16_t selector, bool busy) {
  const uint64_t at = o.s.gdtr.base + (selector & ~7u) + 5;
  uint64_t type_byte = 0;
  if (!o.ReadValue(at, 1, type_byte, true)) return false;
  type_byte = busy ? type_byte | 2 : type_byte & ~uint64_t{2};
  return o.WriteValue(at, 1, type_byte, true);
}

/// The new task's segment registers (Table 7-1's segment checks), each fault #TS(selector)
/// unless said otherwise; the caller has set the CPL from CS's RPL.
class SegmentLoader {
 public:
  explicit SegmentLoader(SystemOps& o) : o_(o) {}

  bool Ldt(uint16_t selector) {
    CpuState& s = o_.s;
    if ((selector & ~3u) == 0) {
      s.ldtr = SegmentReg{selector, 0, 0, 0};
      return true;
    }
    if (selector & 4) return Ts(selector);
    Descriptor d;
    if (!o_.ReadDescriptor(selector, d, nullptr, jit::vec::kTs)) return false;
    if (!d.System() || d.Type() != 2 || !d.Present()) return Ts(selector);
    s.ldtr = SegmentReg{selector, d.Attributes(), d.Limit(), d.Base()};
    return true;
  }

  bool Code(uint16_t selector) {
    const unsigned rpl = selector & 3u;
    if ((selector & ~3u) == 0) return Ts(selector);
    Descriptor d;
    if (!o_.ReadDescriptor(selector, d, nullptr, jit::vec::kTs)) return false;
    if (!d.Code() || (d.Conforming() ? d.Dpl() > rpl : d.Dpl() != rpl)) return Ts(selector);
    if (!d.Present()) return o_.RaiseCode(jit::vec::kNp, selector & ~3u);
    if (!o_.MarkAccessed(selector, d)) return false;
    o_.SetCs(selector, d, rpl);
    return true;
  }

  bool Stack(uint16_t selector) {
    const unsigned cpl = o_.Cpl();
    if ((selector & ~3u) == 0) return Ts(selector);
    Descriptor d;
    if (!o_.ReadDescriptor(selector, d, nullptr, jit::vec::kTs)) return false;
    if ((selector & 3u) != cpl || d.Dpl() != cpl || !d.Writable()) return Ts(selector);
    if (!d.Present()) return o_.RaiseCode(jit::vec::kSs, selector & ~3u);
    if (!o_.MarkAccessed(selector, d)) return false;
    o_.SetSegment(kSs, selector, d);
    return true;
  }

  bool Data(unsigned seg, uint16_t selector) {
    CpuState& s = o_.s;
    if ((selector & ~3u) == 0) {
      s.seg[seg] = SegmentReg{selector, 0, 0, 0};  // unusable
      return true;
    }
    Descriptor d;
    if (!o_.ReadDescriptor(selector, d, nullptr, jit::vec::kTs)) return false;
    if (!d.Readable() || d.System()) return Ts(selector);
    const bool checked = d.Data() || !d.Conforming();
    if (checked && (d.Dpl() < o_.Cpl() || d.Dpl() < (selector & 3u))) return Ts(selector);
    if (!d.Present()) return o_.RaiseCode(jit::vec::kNp, selector & ~3u);
    if (!o_.MarkAccessed(selector, d)) return false;
    o_.SetSegment(seg, selector, d);
    return true;
  }

 private:
  bool Ts(uint16_t selector) { return o_.RaiseCode(jit::vec::kTs, selector & ~3u); }
  SystemOps& o_;
};

}  // namespace

bool TaskSwitch(SystemOps& o, uint16_t selector, TaskSwitchReason why, uint64_t return_rip) {
  CpuState& s = o.s;
  const bool iret = why == TaskSwitchReason::kIret;
  const bool nests = why == TaskSwitchReason::kCall || why == TaskSwitchReason::kInterrupt;
  const uint32_t code = selector & ~3u;
  const uint8_t bad_selector = iret ? jit::vec::kTs : jit::vec::kGp;
  if (o.LongMode()) return o.Gp(0);  // no task switches in IA-32e mode (SDM Vol.3 7.7)
  // The new TSS: a descriptor in the GDT, available (busy for IRET), present, large enough.
  if (selector & 4) return o.RaiseCode(bad_selector, code);
  Descriptor d;
  if (!o.ReadDescriptor(selector, d, nullptr, bad_selector)) return false;
  const unsigned type = d.Type();
  if (!d.System() || (type != 0x1 && type != 0x3 && type != 0x9 && type != 0xB)) return o.RaiseCode(bad_selector, code);
  if (iret ? !Busy(d) : Busy(d)) return o.RaiseCode(bad_selector, code);
  if (!d.Present()) return o.RaiseCode(jit::vec::kNp, code);
  const bool old32 = (s.tr.attributes & 0xF) == 0xB || (s.tr.attributes & 0xF) == 0x9;
  if (!(type & 8) || !old32) {
    o.cpu.ReportOnce("a task switch with a 16-bit TSS (not supported): #GP");
    return o.Gp(code);
  }
  if (d.Limit() < kTss32Size - 1) return o.RaiseCode(jit::vec::kTs, code);
  if (s.tr.limit < kTss32Size - 1) return o.RaiseCode(jit::vec::kTs, s.tr.selector & ~3u);
  uint8_t next[kTss32Size];
  if (!o.Read(d.Base(), next, kTss32Size, true)) return false;

  // Save the outgoing task (its EIP, EFLAGS, general and segment registers).
  uint64_t flags = o.Flags();
  if (iret) flags &= ~flag::kNt;  // the task left by IRET is no longer nested
  const uint64_t old_base = s.tr.base;
  bool saved = o.WriteValue(old_base + kEip, 4, return_rip, true) && o.WriteValue(old_base + kEflags, 4, flags, true);
  for (unsigned i = 0; saved && i < 8; ++i) saved = o.WriteValue(old_base + kGprs + 4 * i, 4, s.gpr[i], true);
  for (unsigned i = 0; saved && i < 6; ++i) saved = o.WriteValue(old_base + kSegs + 4 * i, 2, s.seg[i].selector, true);
  if (!saved) return false;
  if (!nests && !SetBusy(o, s.tr.selector, false)) return false;  // JMP and IRET leave the old task
  if (nests && !o.WriteValue(d.Base() + kLink, 2, s.tr.selector, true)) return false;
  if (!iret && !SetBusy(o, selector, true)) return false;

  // The commit point: from here on the new task is current and faults are raised in it.
  o.keep_state = true;
  d.raw |= uint64_t{2} << 40;  // busy
  s.tr = SegmentReg{selector, d.Attributes(), d.Limit(), d.Base()};
  s.cr0 |= cr0::kTs;
  if (s.cr0 & cr0::kPg) {
    s.cr3 = Load32(next + kCr3);
    if ((s.cr4 & cr4::kPae) && !o.mem.LoadPdptes()) return o.Gp(0);
    o.mem.FlushNonGlobal();
    o.engine.FlushTranslations();
  }
  uint64_t new_flags = Load32(next + kEflags) | 2;
  if (nests) new_flags |= flag::kNt;
  o.SetFlags(new_flags);
  for (unsigned i = 0; i < 8; ++i) s.gpr[i] = Load32(next + kGprs + 4 * i);
  s.rip = Load32(next + kEip);
  uint16_t segs[6];
  for (unsigned i = 0; i < 6; ++i) segs[i] = static_cast<uint16_t>(next[kSegs + 4 * i] | (next[kSegs + 4 * i + 1] << 8));
  // Until its check passes, a segment register holds the new selector and nothing usable.
  for (unsigned i = 0; i < 6; ++i) s.seg[i] = SegmentReg{segs[i], 0, 0, 0};
  SegmentLoader load(o);
  if (!load.Ldt(static_cast<uint16_t>(next[kLdt] | (next[kLdt + 1] << 8)))) return false;
  if (new_flags & flag::kVm) {
    // A virtual-8086 task: real-mode style segments, CPL 3.
    if (s.cpl != 3) {
      s.cpl = 3;
      o.PrivilegeChanged();
    }
    for (unsigned i = 0; i < 6; ++i) o.SetRealSegment(i, segs[i]);
    return true;
  }
  if (!load.Code(segs[kCs]) || !load.Stack(segs[kSs])) return false;
  for (unsigned seg : {kDs, kEs, kFs, kGs})
    if (!load.Data(seg, segs[seg])) return false;
  return true;
}

}  // namespace kiln::machine
