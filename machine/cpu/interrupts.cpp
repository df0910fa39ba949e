// Exception and interrupt delivery (SDM Vol.3 6.12, 6.14, 20.1.4): the real-mode IVT, 32-bit
// protected-mode interrupt and trap gates with the stack switch through the TSS, 64-bit gates
// with the IST, error codes, and the double-fault rules (6.15, Table 6-5).
#include <cstdio>

#include "machine/cpu/system_ops.h"
#include "machine/cpu/task_switch.h"

namespace kiln::machine {
namespace {

using frontend::Seg;

enum class Class : uint8_t { kBenign, kContributory, kPageFault, kDoubleFault };

Class ClassOf(uint8_t vector) {
  switch (vector) {
    case 0: case 10: case 11: case 12: case 13: return Class::kContributory;
    case 14: return Class::kPageFault;
    case 8: return Class::kDoubleFault;
    default: return Class::kBenign;
  }
}

/// How an event reached the CPU: it decides the DPL check (software INT n only), the EXT bit of
/// error codes, and whether RIP is the instruction's start.
enum class Source : uint8_t { kException, kSoftware, kExternal };

struct Event {
  uint8_t vector;
  bool has_code;
  uint32_t code;
  Source source;
  uint64_t return_rip;  ///< the RIP pushed
  /// A fault-class exception: RF is set in the pushed EFLAGS, so that the IRET back to the
  /// instruction does not raise its instruction breakpoint again (SDM Vol.3 17.3.1.1).
  bool fault_class = false;
};

bool IsFaultClass(uint8_t vector) {
  switch (vector) {
    case 0: case 5: case 6: case 7: case 10: case 11: case 12: case 13: case 14: case 16: case 17: case 19: case 20:
      return true;
    default: return false;  // #DB keeps RF as it is, #BP and #OF are traps, #DF and #MC aborts
  }
}

class Delivery {
 public:
  explicit Delivery(SystemOps& ops) : o_(ops), s_(ops.s) {}

  /// Delivers `e`; false with o_.fault set when delivery itself faults.
  bool Deliver(const Event& e) {
    if (!o_.Protected()) return Real(e);
    return o_.LongMode() ? Long(e) : Protected32(e);
  }

 private:
  uint32_t ErrorCodeFor(const Event& e, uint32_t selector_index_bits) const {
    return selector_index_bits | (e.source == Source::kExternal ? 1u : 0u);
  }

  bool Real(const Event& e) {
    const uint64_t entry = uint64_t{e.vector} * 4;
    if (entry + 3 > s_.idtr.limit) return o_.Gp(0);  // becomes #DF, then a shutdown, in real mode
    uint64_t vec;
    if (!o_.ReadValue(s_.idtr.base + entry, 4, vec, true)) return false;
    const uint64_t flags = o_.Flags();
    if (!o_.Push(flags & 0xFFFF, 2) || !o_.Push(s_.seg[kCs].selector, 2) || !o_.Push(e.return_rip & 0xFFFF, 2))
      return false;
    o_.SetFlags(flags & ~(flag::kIf | flag::kTf | flag::kAc | flag::kRf));
    o_.SetRealSegment(kCs, static_cast<uint16_t>(vec >> 16));
    s_.rip = vec & 0xFFFF;
    return true;
  }

  /// Reads the gate for `e` and checks it (SDM Vol.3 6.12.1.1, 6.14.1).
  bool Gate(const Event& e, unsigned size, Descriptor& gate, uint64_t& high) {
    const uint32_t idt_code = ErrorCodeFor(e, uint32_t{e.vector} * 8 + 2);
    if (uint64_t{e.vector} * size + size - 1 > s_.idtr.limit) return o_.Gp(idt_code);
    uint64_t lo;
    if (!o_.ReadValue(s_.idtr.base + uint64_t{e.vector} * size, 8, lo, true)) return false;
    if (size == 16 && !o_.ReadValue(s_.idtr.base + uint64_t{e.vector} * 16 + 8, 8, high, true)) return false;
    gate.raw = lo;
    const unsigned type = gate.Type();
    const bool ok = gate.System() && (size == 16 ? (type == 0xE || type == 0xF)
                                                 : (type == 0x5 || type == 0x6 || type == 0x7 || type == 0xE || type == 0xF));
    if (!ok) return o_.Gp(idt_code);
    if (e.source == Source::kSoftware && gate.Dpl() < o_.Cpl()) return o_.Gp(idt_code);
    if (!gate.Present()) return o_.RaiseCode(jit::vec::kNp, idt_code);
    return true;
  }

  /// The code segment a gate points to, checked (6.12.1.1).
  bool TargetCode(const Event& e, uint16_t selector, Descriptor& code) {
    if ((selector & ~3u) == 0) return o_.Gp(ErrorCodeFor(e, 0));
    if (!o_.ReadDescriptor(selector, code)) {
      o_.fault.code |= e.source == Source::kExternal ? 1u : 0u;
      return false;
    }
    if (!code.Code() || code.Dpl() > o_.Cpl()) return o_.Gp(ErrorCodeFor(e, selector & ~3u));
    if (!code.Present()) return o_.RaiseCode(jit::vec::kNp, ErrorCodeFor(e, selector & ~3u));
    return true;
  }

  bool Protected32(const Event& e) {
    Descriptor gate;
    uint64_t unused = 0;
    if (!Gate(e, 8, gate, unused)) return false;
    if (gate.Type() == 0x5) return ThroughTaskGate(e, static_cast<uint16_t>(gate.raw >> 16));
    const uint16_t selector = static_cast<uint16_t>(gate.raw >> 16);
    const uint32_t offset = static_cast<uint32_t>((gate.raw & 0xFFFF) | ((gate.raw >> 32) & 0xFFFF0000));
    const bool gate32 = gate.Type() & 8;
    const unsigned size = gate32 ? 4 : 2;
    Descriptor code;
    if (!TargetCode(e, selector, code)) return false;
    const unsigned new_cpl = code.Conforming() ? o_.Cpl() : code.Dpl();
    // From virtual-8086 mode only to a ring-0, non-conforming, 32-bit handler (SDM Vol.3 20.3.1.1).
    const bool from_v86 = o_.V86();
    if (from_v86 && (new_cpl != 0 || !gate32)) return o_.Gp(ErrorCodeFor(e, selector & ~3u));
    const uint64_t flags = o_.Flags() | (e.fault_class ? flag::kRf : 0);
    const uint16_t old_ss = s_.seg[kSs].selector, old_cs = s_.seg[kCs].selector;
    const uint64_t old_esp = s_.gpr[kRsp];
    if (new_cpl < o_.Cpl()) {
      // An inner level: SS:ESP for it from the TSS (32-bit TSS: ESP0 at 4, SS0 at 8; 8 bytes a level).
      uint64_t esp = 0, ss = 0;
      const bool tss32 = (s_.tr.attributes & 0xF) == 0x9 || (s_.tr.attributes & 0xF) == 0xB;
      const uint64_t at = tss32 ? 4 + new_cpl * 8 : 2 + new_cpl * 4;
      const unsigned width = tss32 ? 4 : 2;
      if (at + width + 1 + width > uint64_t{s_.tr.limit} + 1)
        return o_.RaiseCode(jit::vec::kTs, ErrorCodeFor(e, s_.tr.selector & ~3u));
      if (!o_.ReadValue(s_.tr.base + at, width, esp, true) || !o_.ReadValue(s_.tr.base + at + width, 2, ss, true))
        return false;
      Descriptor ssd;
      if ((ss & ~3u) == 0) return o_.RaiseCode(jit::vec::kTs, ErrorCodeFor(e, 0));
      if (!o_.ReadDescriptor(static_cast<uint16_t>(ss), ssd, nullptr, jit::vec::kTs)) return false;
      if ((ss & 3) != new_cpl || ssd.Dpl() != new_cpl || !ssd.Writable())
        return o_.RaiseCode(jit::vec::kTs, ErrorCodeFor(e, ss & ~3u));
      if (!ssd.Present()) return o_.RaiseCode(jit::vec::kSs, ErrorCodeFor(e, ss & ~3u));
      // Build the frame on the new stack before committing anything.
      const SegmentReg saved_ss = s_.seg[kSs];
      const uint64_t saved_rsp = s_.gpr[kRsp];
      o_.SetSegment(kSs, static_cast<uint16_t>(ss), ssd);
      s_.gpr[kRsp] = esp;
      const uint8_t saved_cpl = s_.cpl;
      s_.cpl = static_cast<uint8_t>(new_cpl);  // the pushes are supervisor accesses at the new level
      o_.PrivilegeChanged();
      // Leaving V86 mode, the real-mode style data segments are saved in the frame and nulled.
      bool pushed = !from_v86 || (o_.Push(s_.seg[kGs].selector, 4) && o_.Push(s_.seg[kFs].selector, 4) &&
                                  o_.Push(s_.seg[kDs].selector, 4) && o_.Push(s_.seg[kEs].selector, 4));
      pushed = pushed && o_.Push(old_ss, size) && o_.Push(old_esp, size) && o_.Push(flags, size) &&
               o_.Push(old_cs, size) && o_.Push(e.return_rip, size) && (!e.has_code || o_.Push(e.code, size));
      if (!pushed) {
        s_.seg[kSs] = saved_ss;
        s_.gpr[kRsp] = saved_rsp;
        s_.cpl = saved_cpl;
        o_.PrivilegeChanged();
        return false;
      }
    } else {
      const uint64_t saved_rsp = s_.gpr[kRsp];
      const bool pushed = o_.Push(flags, size) && o_.Push(old_cs, size) && o_.Push(e.return_rip, size) &&
                          (!e.has_code || o_.Push(e.code, size));
      if (!pushed) {
        s_.gpr[kRsp] = saved_rsp;
        return false;
      }
    }
    if (from_v86) {
      for (unsigned seg : {kEs, kDs, kFs, kGs}) s_.seg[seg] = SegmentReg{0, 0, 0, 0};
    }
    o_.SetCs(selector, code, new_cpl);
    s_.rip = gate32 ? offset : offset & 0xFFFF;
    uint64_t new_flags = flags & ~(flag::kTf | flag::kNt | flag::kVm | flag::kRf);
    if ((gate.Type() & 1) == 0) new_flags &= ~flag::kIf;  // an interrupt gate
    o_.SetFlags(new_flags);
    return true;
  }

  /// An event through a task gate: a task switch to the gate's TSS (the outgoing task resumes
  /// at `return_rip`), then the error code pushed on the new task's stack (SDM Vol.3 6.12.2).
  bool ThroughTaskGate(const Event& e, uint16_t tss) {
    if (!TaskSwitch(o_, tss, TaskSwitchReason::kInterrupt, e.return_rip)) return false;
    return !e.has_code || o_.Push(e.code, 4);
  }

  bool Long(const Event& e) {
    Descriptor gate;
    uint64_t high = 0;
    if (!Gate(e, 16, gate, high)) return false;
    const uint16_t selector = static_cast<uint16_t>(gate.raw >> 16);
    const uint64_t offset = (gate.raw & 0xFFFF) | ((gate.raw >> 32) & 0xFFFF0000) | (high << 32);
    const unsigned ist = (gate.raw >> 32) & 7;
    Descriptor code;
    if (!TargetCode(e, selector, code)) return false;
    if (!code.Long() || code.Default32()) return o_.Gp(ErrorCodeFor(e, selector & ~3u));
    const unsigned new_cpl = code.Conforming() ? o_.Cpl() : code.Dpl();
    const uint64_t flags = o_.Flags() | (e.fault_class ? flag::kRf : 0);
    const uint64_t old_ss = s_.seg[kSs].selector, old_cs = s_.seg[kCs].selector, old_rsp = s_.gpr[kRsp];
    uint64_t rsp = old_rsp;
    const bool switch_stack = new_cpl < o_.Cpl() || ist != 0;
    if (switch_stack) {
      // 64-bit TSS: RSP0-2 at 4, 12, 20; IST1-7 at 36 + 8 * (n - 1) (SDM Vol.3 8.7).
      const uint64_t at = ist ? 36 + 8 * (ist - 1) : 4 + 8 * uint64_t{new_cpl};
      if (at + 7 > s_.tr.limit) return o_.RaiseCode(jit::vec::kTs, ErrorCodeFor(e, s_.tr.selector & ~3u));
      if (!o_.ReadValue(s_.tr.base + at, 8, rsp, true)) return false;
      if (static_cast<uint64_t>(static_cast<int64_t>(rsp << 16) >> 16) != rsp) return o_.RaiseCode(jit::vec::kSs, ErrorCodeFor(e, 0));
    }
    rsp &= ~uint64_t{15};  // the frame is 16-byte aligned in 64-bit mode
    uint64_t frame[6];
    unsigned n = 0;
    if (e.has_code) frame[n++] = e.code;
    frame[n++] = e.return_rip;
    frame[n++] = old_cs;
    frame[n++] = flags;
    frame[n++] = old_rsp;
    frame[n++] = old_ss;
    const uint8_t saved_cpl = s_.cpl;
    s_.cpl = static_cast<uint8_t>(new_cpl);
    o_.PrivilegeChanged();
    for (unsigned i = 0; i < n; ++i) {
      if (!o_.WriteValue(rsp - 8 * n + 8 * i, 8, frame[i])) {
        s_.cpl = saved_cpl;
        o_.PrivilegeChanged();
        return false;
      }
    }
    s_.cpl = saved_cpl;
    if (new_cpl != o_.Cpl()) {
      // The new SS is a null selector with RPL = the new CPL (SDM Vol.3 6.14.4).
      s_.seg[kSs].selector = static_cast<uint16_t>(new_cpl);
      s_.seg[kSs].attributes = 0;
      s_.seg[kSs].base = 0;
    }
    s_.gpr[kRsp] = rsp - 8 * n;
    o_.SetCs(selector, code, new_cpl);
    s_.rip = offset;
    uint64_t new_flags = flags & ~(flag::kTf | flag::kNt | flag::kVm | flag::kRf);
    if ((gate.Type() & 1) == 0) new_flags &= ~flag::kIf;
    o_.SetFlags(new_flags);
    return true;
  }

  SystemOps& o_;
  CpuState& s_;
};

bool HasErrorCode(uint8_t vector) {
  return vector == 8 || (vector >= 10 && vector <= 14) || vector == 17 || vector == 21 || vector == 29 || vector == 30;
}

}  // namespace

bool SystemCpu::DeliverException(const Fault& f) {
  Fault current = f;
  bool has_first = false;
  Class first = Class::kBenign;
  for (int attempt = 0; attempt < 3; ++attempt) {
    Fault nested;
    SystemOps ops(*this, s_, mem_, ports_, engine_, nested);
    if (current.vector == jit::vec::kPf) s_.cr2 = current.cr2;
    // Traps from the engine (INT3, INTO) arrive with RIP already past the instruction.
    const Event e{current.vector, current.has_code && HasErrorCode(current.vector), current.code, Source::kException,
                  s_.rip, IsFaultClass(current.vector)};
    if (Delivery(ops).Deliver(e)) {
      // The #DB handler may use the debug registers: general detection is off (SDM Vol.3 17.2.4).
      if (current.vector == jit::vec::kDb) s_.dr[7] &= ~(uint64_t{1} << 13);
      mem_.UpdateAccessChecks();
      return true;
    }
    // Delivering it faulted: the rules of Table 6-5. A page fault updates CR2 when it is
    // detected, even when it becomes a double fault (SDM Vol.3 6.15, Interrupt 14, a footnote;
    // Linux's #DF handler reads CR2 to recognise a kernel stack overflow).
    if (nested.vector == jit::vec::kPf) s_.cr2 = nested.cr2;
    const Class second = ClassOf(nested.vector);
    if (!has_first) {
      has_first = true;
      first = ClassOf(current.vector);
    }
    if (first == Class::kDoubleFault) return false;  // a fault while delivering #DF: shutdown
    const bool double_fault = (first == Class::kContributory && second == Class::kContributory) ||
                              (first == Class::kPageFault && (second == Class::kContributory || second == Class::kPageFault));
    if (double_fault) {
      current = Fault{jit::vec::kDf, true, 0, 0};
      first = Class::kDoubleFault;
    } else {
      current = nested;
      first = ClassOf(nested.vector);
    }
  }
  return false;
}

bool SystemCpu::DeliverExternal(uint8_t vector) {
  Fault nested;
  SystemOps ops(*this, s_, mem_, ports_, engine_, nested);
  const Event e{vector, false, 0, Source::kExternal, s_.rip};
  if (Delivery(ops).Deliver(e)) {
    mem_.UpdateAccessChecks();
    return true;
  }
  return DeliverException(nested);
}

bool SystemCpu::DeliverNmi() {
  nmi_blocked = true;
  Fault nested;
  SystemOps ops(*this, s_, mem_, ports_, engine_, nested);
  const Event e{2, false, 0, Source::kExternal, s_.rip};
  if (Delivery(ops).Deliver(e)) {
    mem_.UpdateAccessChecks();
    return true;
  }
  return DeliverException(nested);
}

// Software interrupts (INT n, INT3, INTO, INT1) come through Emulate: see system_cpu.cpp.
// INT1 (ICEBP) is delivered like a hardware #DB: no gate DPL check, EXT set in error codes
// (SDM Vol.2 INTn/INTO/INT3/INT1 "Operation", Vol.3 6.13).
bool DeliverSoftwareInterrupt(SystemOps& ops, uint8_t vector, uint64_t return_rip, bool icebp) {
  const Event e{vector, false, 0, icebp ? Source::kExternal : Source::kSoftware, return_rip};
  return Delivery(ops).Deliver(e);
}

}  // namespace kiln::machine
