// LocalApic: xAPIC registers, interrupt acceptance and priority, IPIs and the timer (Intel SDM
// Vol. 3A chapter 10; QEMU hw/intc/apic.c and apic_common.c for the PC-specific choices).
#include "devices/local_apic.h"

#include <algorithm>
#include <bit>

#include "devices/deadline.h"

namespace kiln::devices {

using namespace lapic;
using apic::DeliveryMode;
using apic::Shorthand;

namespace {

DeliveryMode LvtMode(uint32_t lvt) { return static_cast<DeliveryMode>((lvt >> 8) & 7); }

}  // namespace

LocalApic::LocalApic(Clock& clock, ApicBus* bus, uint8_t apic_id, bool bsp, uint64_t tsc_hz, uint64_t timer_hz)
    : clock_(clock),
      bus_(bus),
      initial_id_(apic_id),
      bsp_(bsp),
      tsc_hz_(tsc_hz ? tsc_hz : 1),
      timer_hz_(timer_hz ? timer_hz : kDefaultTimerHz),
      timer_(clock.NewTimer([this] { OnTimer(); })) {
  for (unsigned n = 0; n < lint_lines_.size(); ++n) lint_lines_[n].apic = this, lint_lines_[n].n = n;
  if (bus_) bus_->Attach(*this);
  Reset();
}

LocalApic::~LocalApic() {
  if (bus_) bus_->Detach(*this);
}

void LocalApic::Reset() {
  state_.apic_base = kDefaultBase | kBaseEnable | (bsp_ ? kBaseBsp : 0);
  state_.id = initial_id_;
  InitReset();  // keeps the LINT pin levels: they are wires, a reset does not change them
  if (bsp_) {
    state_.lvt[kLvtLint0] = static_cast<uint32_t>(DeliveryMode::kExtInt) << 8;
    state_.lvt[kLvtLint1] = static_cast<uint32_t>(DeliveryMode::kNmi) << 8;
  }
}

void LocalApic::InitReset() {
  const uint64_t base = state_.apic_base;
  const uint8_t id = state_.id;
  const auto lint_level = state_.lint_level;
  state_ = State{};
  state_.apic_base = base;
  state_.id = id;
  state_.lint_level = lint_level;  // the pins keep their level
  state_.dfr = 0xffffffff;
  state_.svr = 0xff;
  state_.lvt.fill(kLvtMasked);
  state_.wait_for_sipi = !bsp_;
  timer_->Cancel();
}

// --- MSRs ---

bool LocalApic::ApicBaseWriteValid(uint64_t value, unsigned phys_addr_bits) const {
  const unsigned bits = phys_addr_bits < 12 ? 12 : (phys_addr_bits > 52 ? 52 : phys_addr_bits);
  const uint64_t address_mask = ((uint64_t{1} << bits) - 1) & ~uint64_t{0xfff};
  const uint64_t allowed = address_mask | kBaseEnable | kBaseBsp;
  return (value & ~allowed) == 0;  // x2APIC enable (bit 10) is not in `allowed`
}

void LocalApic::WriteApicBaseMsr(uint64_t value) {
  const bool was_enabled = global_enabled();
  state_.apic_base = (value & (kBaseAddressMask | kBaseEnable)) | (state_.apic_base & kBaseBsp);
  if (was_enabled && !global_enabled()) {
    // SDM 10.4.3: a globally disabled APIC loses its programming: back to the INIT state
    // (software-disabled, LVTs masked), keeping the ID.
    InitReset();
    state_.wait_for_sipi = false;
  }
  Notify();  // the PIC path may have opened (AcceptsPicInterrupts)
}

uint64_t LocalApic::tsc_deadline() const {
  return timer_mode() == TimerMode::kTscDeadline ? state_.tsc_deadline : 0;
}

void LocalApic::set_tsc_deadline(uint64_t deadline) {
  if (timer_mode() != TimerMode::kTscDeadline) return;
  state_.tsc_deadline = deadline;
  UpdateTimer();
}

// --- priorities and the CPU side ---

int LocalApic::Highest(const Bits256& bits) {
  for (int word = 7; word >= 0; --word)
    if (bits[word]) return word * 32 + 31 - std::countl_zero(bits[word]);
  return -1;
}

uint8_t LocalApic::ppr() const {
  const int isrv = Highest(state_.isr);
  const uint8_t isr_class = isrv < 0 ? 0 : static_cast<uint8_t>(isrv & 0xf0);
  return (state_.tpr & 0xf0) >= isr_class ? state_.tpr : isr_class;
}

uint8_t LocalApic::Apr() const {
  // SDM 10.8.3.1 (Figure 10-15): the TPR when it is at least the ISR's and IRR's classes,
  // otherwise the highest of the three classes.
  const int isrv = Highest(state_.isr), irrv = Highest(state_.irr);
  const uint8_t isr_class = isrv < 0 ? 0 : static_cast<uint8_t>(isrv & 0xf0);
  const uint8_t irr_class = irrv < 0 ? 0 : static_cast<uint8_t>(irrv & 0xf0);
  const uint8_t tpr_class = state_.tpr & 0xf0;
  if (tpr_class >= isr_class && tpr_class >= irr_class) return state_.tpr;
  return std::max({tpr_class, isr_class, irr_class});
}

bool LocalApic::InterruptPending() const {
  if (!global_enabled() || !software_enabled()) return false;
  const int irrv = Highest(state_.irr);
  return irrv >= 0 && (irrv & 0xf0) > (ppr() & 0xf0);
}

uint8_t LocalApic::Acknowledge() {
  if (!InterruptPending()) return static_cast<uint8_t>(state_.svr & kSvrVectorMask);
  const uint8_t vector = static_cast<uint8_t>(Highest(state_.irr));
  ClearBit(state_.irr, vector);
  SetBit(state_.isr, vector);
  return vector;
}

bool LocalApic::AcceptsPicInterrupts() const {
  if (!global_enabled()) return true;
  const uint32_t lint0 = state_.lvt[kLvtLint0];
  return !(lint0 & kLvtMasked) && LvtMode(lint0) == DeliveryMode::kExtInt;
}

std::optional<uint8_t> LocalApic::TakeSipi() {
  if (!Take(state_.sipi_pending)) return std::nullopt;
  state_.wait_for_sipi = false;
  return state_.sipi_vector;
}

void LocalApic::SetLint(unsigned n, bool level) {
  if (n > 1) return;
  const bool was = state_.lint_level[n];
  state_.lint_level[n] = level;
  const uint32_t lvt = state_.lvt[kLvtLint0 + n];
  const Lvt entry = n == 0 ? kLvtLint0 : kLvtLint1;
  if (!global_enabled() || (lvt & kLvtMasked)) {
    if (level != was) Notify();  // the PIC path (APIC disabled) may care
    return;
  }
  const DeliveryMode mode = LvtMode(lvt);
  if (mode == DeliveryMode::kExtInt) {
    // The CPU reads the vector from the PIC itself (AcceptsPicInterrupts); just wake it.
    if (level != was) Notify();
    return;
  }
  // LINT1 is always edge-triggered (SDM Figure 10-8); LINT0 follows its trigger bit.
  const bool level_triggered = n == 0 && (lvt & kLvtLevelTriggered);
  if (level_triggered && mode == DeliveryMode::kFixed) {
    const uint8_t vector = static_cast<uint8_t>(lvt & kLvtVectorMask);
    if (level) {
      // Remote IRR: accepted and not yet EOId; the EOI re-delivers if the pin is still high.
      if (!(lvt & kLvtRemoteIrr)) {
        state_.lvt[kLvtLint0] |= kLvtRemoteIrr;
        DeliverLocal(entry);
      }
    } else if (vector >= 16 && !isr(vector)) {
      ClearBit(state_.irr, vector);  // the request went away before it was taken (as QEMU)
      state_.lvt[kLvtLint0] &= ~kLvtRemoteIrr;
    }
    return;
  }
  if (level && !was) DeliverLocal(entry);
}

// --- bus side ---

bool LocalApic::MatchesDestination(bool logical, uint8_t destination) const {
  if (destination == apic::kBroadcast) return true;
  if (!logical) return destination == state_.id;
  const uint8_t ldr = static_cast<uint8_t>(state_.ldr >> 24);
  if ((state_.dfr >> 28) == kDfrFlat) return (ldr & destination) != 0;
  // Cluster model: the high nibble is the cluster (0xF addresses all clusters), the low nibble
  // a bit mask of up to four APICs in it.
  const bool cluster_ok = (destination >> 4) == 0xf || (destination >> 4) == (ldr >> 4);
  return cluster_ok && (destination & ldr & 0xf) != 0;
}

void LocalApic::Deliver(uint8_t vector, DeliveryMode mode, bool level_triggered) {
  if (!global_enabled()) return;
  switch (mode) {
    case DeliveryMode::kFixed:
    case DeliveryMode::kLowestPriority: AcceptFixed(vector, level_triggered); return;
    case DeliveryMode::kSmi: state_.smi_pending = true; break;
    case DeliveryMode::kNmi: state_.nmi_pending = true; break;
    case DeliveryMode::kInit:
      // An INIT level de-assert (level-triggered INIT) only resynchronises arbitration IDs.
      if (level_triggered) return;
      state_.init_pending = true;
      break;
    case DeliveryMode::kStartup:
      if (!state_.wait_for_sipi) return;  // a SIPI is ignored unless the CPU waits for one
      state_.sipi_pending = true;
      state_.sipi_vector = vector;
      break;
    case DeliveryMode::kExtInt: state_.extint_pending = true; break;
    case DeliveryMode::kReserved3: return;
  }
  Notify();
}

void LocalApic::AcceptFixed(uint8_t vector, bool level_triggered) {
  if (vector < 16) {
    SignalError(kEsrReceiveIllegalVector);
    return;
  }
  SetBit(state_.irr, vector);
  if (level_triggered) {
    SetBit(state_.tmr, vector);
  } else {
    ClearBit(state_.tmr, vector);
  }
  Notify();
}

void LocalApic::DeliverLocal(Lvt entry) {
  const uint32_t lvt = state_.lvt[entry];
  if (lvt & kLvtMasked) return;
  const uint8_t vector = static_cast<uint8_t>(lvt & kLvtVectorMask);
  // The timer and error entries have no delivery-mode field: always fixed.
  const DeliveryMode mode = (entry == kLvtTimer || entry == kLvtError) ? DeliveryMode::kFixed : LvtMode(lvt);
  const bool level = entry == kLvtLint0 && (lvt & kLvtLevelTriggered);
  if (mode == DeliveryMode::kFixed && vector < 16) {
    // An illegal vector in the error entry itself records the error without another error
    // interrupt (which would have the same illegal vector, forever).
    if (entry == kLvtError) {
      state_.esr_pending |= kEsrReceiveIllegalVector;
    } else {
      SignalError(kEsrReceiveIllegalVector);
    }
    return;
  }
  switch (mode) {
    case DeliveryMode::kFixed: AcceptFixed(vector, level); return;
    case DeliveryMode::kSmi: state_.smi_pending = true; break;
    case DeliveryMode::kNmi: state_.nmi_pending = true; break;
    case DeliveryMode::kInit: state_.init_pending = true; break;
    case DeliveryMode::kExtInt: state_.extint_pending = true; break;
    default: return;  // lowest priority, startup and reserved modes are invalid in an LVT
  }
  Notify();
}

void LocalApic::SignalError(uint32_t esr_bits) {
  state_.esr_pending |= esr_bits;
  DeliverLocal(kLvtError);
}

// --- registers ---

uint64_t LocalApic::MmioRead(uint64_t offset, unsigned size) {
  if ((size != 4 && size != 8) || offset >= kMmioSize || (offset & 0xf) != 0) return 0;
  return ReadRegister(static_cast<uint32_t>(offset));
}

void LocalApic::MmioWrite(uint64_t offset, unsigned size, uint64_t value) {
  if ((size != 4 && size != 8) || offset >= kMmioSize || (offset & 0xf) != 0) return;
  WriteRegister(static_cast<uint32_t>(offset), static_cast<uint32_t>(value));
}

uint32_t LocalApic::ReadRegister(uint32_t offset) {
  if (offset >= kRegIsr && offset < kRegIsr + 0x80) return state_.isr[(offset - kRegIsr) >> 4];
  if (offset >= kRegTmr && offset < kRegTmr + 0x80) return state_.tmr[(offset - kRegTmr) >> 4];
  if (offset >= kRegIrr && offset < kRegIrr + 0x80) return state_.irr[(offset - kRegIrr) >> 4];
  for (unsigned i = 0; i < kLvtCount; ++i)
    if (offset == kLvtOffsets[i]) return state_.lvt[i];
  switch (offset) {
    case kRegId: return uint32_t{state_.id} << 24;
    case kRegVersion: return kVersion;
    case kRegTpr: return state_.tpr;
    case kRegApr: return Apr();
    case kRegPpr: return ppr();
    case kRegEoi: return 0;  // write-only
    case kRegRrd: return 0;
    case kRegLdr: return state_.ldr;
    case kRegDfr: return state_.dfr;
    case kRegSvr: return state_.svr;
    case kRegEsr: return state_.esr;
    case kRegIcrLow: return state_.icr_low;  // delivery status stays 0: delivery is instant
    case kRegIcrHigh: return state_.icr_high;
    case kRegTimerInitial: return state_.timer_initial;
    case kRegTimerCurrent: return CurrentCount();
    case kRegTimerDivide: return state_.timer_divide;
    default: SignalError(kEsrIllegalRegister); return 0;
  }
}

void LocalApic::WriteRegister(uint32_t offset, uint32_t value) {
  for (unsigned i = 0; i < kLvtCount; ++i)
    if (offset == kLvtOffsets[i]) return WriteLvt(static_cast<Lvt>(i), value);
  if (offset >= kRegIsr && offset < kRegIrr + 0x80) return;  // ISR/TMR/IRR are read-only
  switch (offset) {
    case kRegId: state_.id = static_cast<uint8_t>(value >> 24); return;  // writable in xAPIC, as QEMU
    case kRegVersion:
    case kRegApr:
    case kRegPpr:
    case kRegRrd:
    case kRegTimerCurrent: return;  // read-only
    case kRegTpr:
      state_.tpr = static_cast<uint8_t>(value);
      Notify();  // lowering the TPR may unblock an interrupt
      return;
    case kRegEoi: WriteEoi(); return;
    case kRegLdr: state_.ldr = value & 0xff000000; return;
    case kRegDfr: state_.dfr = (value & 0xf0000000) | kDfrReadAsOnes; return;
    case kRegSvr: WriteSvr(value); return;
    case kRegEsr:
      // Write-then-read: the write latches the errors seen since the previous write.
      state_.esr = state_.esr_pending;
      state_.esr_pending = 0;
      return;
    case kRegIcrLow:
      state_.icr_low = value & kIcrLowWritable;
      SendIpi();
      return;
    case kRegIcrHigh: state_.icr_high = value & 0xff000000; return;
    case kRegTimerInitial:
      if (timer_mode() == TimerMode::kTscDeadline) return;  // ignored in TSC-deadline mode
      state_.timer_initial = value;
      state_.timer_load_tick = InputTick();
      UpdateTimer();
      return;
    case kRegTimerDivide:
      state_.timer_divide = value & kDivideWritable;
      UpdateTimer();
      return;
    default: SignalError(kEsrIllegalRegister); return;
  }
}

void LocalApic::WriteLvt(Lvt entry, uint32_t value) {
  const TimerMode old_mode = timer_mode();
  uint32_t lvt = value & kLvtWritable[entry];
  // A software-disabled APIC keeps every LVT entry masked (SDM 10.4.7.2).
  if (!software_enabled()) lvt |= kLvtMasked;
  // Remote IRR (LINTs) is status, kept across writes.
  state_.lvt[entry] = lvt | (state_.lvt[entry] & kLvtRemoteIrr);
  if (entry == kLvtTimer) {
    const TimerMode new_mode = timer_mode();
    if (new_mode != old_mode && (new_mode == TimerMode::kTscDeadline || old_mode == TimerMode::kTscDeadline)) {
      // SDM 10.5.4.1: switching to or from TSC-deadline mode disarms the timer.
      state_.tsc_deadline = 0;
      state_.timer_initial = 0;
    }
    UpdateTimer();
  } else if (entry == kLvtLint0 || entry == kLvtLint1) {
    Notify();  // the PIC path may have opened or an asserted level-triggered LINT may deliver
  }
}

void LocalApic::WriteSvr(uint32_t value) {
  state_.svr = value & kSvrWritable;
  if (!software_enabled()) {
    for (uint32_t& lvt : state_.lvt) lvt |= kLvtMasked;
    UpdateTimer();
  }
  Notify();
}

void LocalApic::WriteEoi() {
  const int vector = Highest(state_.isr);
  if (vector < 0) return;
  const uint8_t v = static_cast<uint8_t>(vector);
  ClearBit(state_.isr, v);
  if (TestBit(state_.tmr, v)) {
    uint32_t& lint0 = state_.lvt[kLvtLint0];
    if ((lint0 & kLvtRemoteIrr) && (lint0 & kLvtVectorMask) == v) {
      lint0 &= ~kLvtRemoteIrr;
      if (state_.lint_level[0]) SetLint(0, true);  // still asserted: deliver again
    }
    if (eoi_callback_) eoi_callback_(v);
  }
  Notify();
}

void LocalApic::SendIpi() {
  ApicMessage m;
  m.vector = static_cast<uint8_t>(state_.icr_low & kIcrVectorMask);
  m.mode = static_cast<DeliveryMode>((state_.icr_low >> kIcrDeliveryModeShift) & 7);
  m.level_triggered = (state_.icr_low & kIcrLevelTriggered) != 0;
  m.logical = (state_.icr_low & kIcrLogical) != 0;
  m.destination = static_cast<uint8_t>(state_.icr_high >> kIcrDestinationShift);
  m.shorthand = static_cast<Shorthand>((state_.icr_low >> kIcrShorthandShift) & 3);
  if (m.mode == DeliveryMode::kReserved3) return;
  if ((m.mode == DeliveryMode::kFixed || m.mode == DeliveryMode::kLowestPriority) && m.vector < 16) {
    SignalError(kEsrSendIllegalVector);
    return;
  }
  if (m.mode == DeliveryMode::kInit && !(state_.icr_low & kIcrLevelAssert) && m.level_triggered) {
    return;  // INIT level de-assert: no INIT is sent
  }
  // Only INIT and STARTUP have no trigger mode of their own; fixed, SMI, NMI are edge unless set.
  if (m.mode != DeliveryMode::kFixed && m.mode != DeliveryMode::kLowestPriority) m.level_triggered = false;
  if (m.shorthand == Shorthand::kSelf && m.mode != DeliveryMode::kFixed) return;  // invalid (SDM Table 10-3)
  if (bus_) {
    bus_->Send(m, this);
    return;
  }
  // A lone APIC: only messages that address itself arrive.
  const bool to_self = m.shorthand == Shorthand::kSelf || m.shorthand == Shorthand::kAll ||
                       (m.shorthand == Shorthand::kNone && MatchesDestination(m.logical, m.destination));
  if (to_self) Deliver(m.vector, m.mode, m.level_triggered);
}

// --- timer ---

TimerMode LocalApic::timer_mode() const {
  const uint32_t mode = (state_.lvt[kLvtTimer] & kLvtTimerModeMask) >> kLvtTimerModeShift;
  // Mode 3 is reserved; it counts like one-shot.
  return mode == 3 ? TimerMode::kOneShot : static_cast<TimerMode>(mode);
}

unsigned LocalApic::timer_shift() const {
  // Divide codes 000..110 divide by 2..128, 111 by 1 (SDM Figure 10-10).
  const uint32_t code = (state_.timer_divide & 3) | ((state_.timer_divide >> 1) & 4);
  return (code + 1) & 7;
}

uint64_t LocalApic::TimerElapsed() const { return (InputTick() - state_.timer_load_tick) >> timer_shift(); }

uint32_t LocalApic::CurrentCount() const {
  if (timer_mode() == TimerMode::kTscDeadline || state_.timer_initial == 0) return 0;
  const uint64_t elapsed = TimerElapsed();
  if (timer_mode() == TimerMode::kPeriodic)
    return static_cast<uint32_t>(state_.timer_initial - elapsed % state_.timer_initial);
  return elapsed >= state_.timer_initial ? 0 : static_cast<uint32_t>(state_.timer_initial - elapsed);
}

void LocalApic::UpdateTimer() {
  timer_->Cancel();
  const uint64_t now = clock_.NowNs();
  switch (timer_mode()) {
    case TimerMode::kTscDeadline:
      if (state_.tsc_deadline == 0) return;
      if (auto deadline = DeadlineNs(state_.tsc_deadline, tsc_hz_)) timer_->Arm(*deadline);
      return;
    case TimerMode::kOneShot: {
      if (state_.timer_initial == 0 || TimerElapsed() >= state_.timer_initial) return;
      const uint64_t target = state_.timer_load_tick + (uint64_t{state_.timer_initial} << timer_shift());
      if (auto deadline = DeadlineNs(target, timer_hz_)) timer_->Arm(*deadline);
      return;
    }
    case TimerMode::kPeriodic: {
      // A masked periodic timer has nothing to deliver: its count is computed when read.
      if (state_.timer_initial == 0 || (state_.lvt[kLvtTimer] & kLvtMasked)) return;
      const uint64_t periods = TimerElapsed() / state_.timer_initial + 1;
      const uint64_t target = state_.timer_load_tick + ((periods * state_.timer_initial) << timer_shift());
      if (auto deadline = DeadlineNs(target, timer_hz_)) timer_->Arm(std::max(*deadline, now + kMinPeriodNs));
      return;
    }
  }
}

void LocalApic::OnTimer() {
  switch (timer_mode()) {
    case TimerMode::kTscDeadline:
      if (state_.tsc_deadline == 0) return;
      if (Tsc() < state_.tsc_deadline) break;  // not yet (re-armed below)
      state_.tsc_deadline = 0;
      DeliverLocal(kLvtTimer);
      return;
    case TimerMode::kOneShot:
      if (state_.timer_initial == 0) return;
      if (TimerElapsed() < state_.timer_initial) break;
      DeliverLocal(kLvtTimer);
      return;
    case TimerMode::kPeriodic:
      if (state_.timer_initial == 0) return;
      DeliverLocal(kLvtTimer);
      break;
  }
  UpdateTimer();
}

// --- save/restore ---

namespace {
constexpr uint32_t kLapicSnapshotVersion = 1;
}

void LocalApic::Save(SnapshotWriter& w) const {
  w.BeginSection("lapic", kLapicSnapshotVersion);
  w.U64(state_.apic_base);
  w.U8(state_.id);
  w.U8(state_.tpr);
  for (uint32_t v : {state_.ldr, state_.dfr, state_.svr}) w.U32(v);
  for (const Bits256* bits : {&state_.isr, &state_.tmr, &state_.irr})
    for (uint32_t word : *bits) w.U32(word);
  for (uint32_t v : {state_.esr, state_.esr_pending, state_.icr_low, state_.icr_high}) w.U32(v);
  for (uint32_t v : state_.lvt) w.U32(v);
  w.U32(state_.timer_initial);
  w.U32(state_.timer_divide);
  // Times are ticks of the virtual clock (InputTick / Tsc), so a machine restored at the same
  // virtual time sees the same current count and the same next interrupt.
  w.U64(state_.timer_load_tick);
  w.U64(state_.tsc_deadline);
  for (bool b : {state_.nmi_pending, state_.smi_pending, state_.init_pending, state_.sipi_pending,
                 state_.extint_pending, state_.wait_for_sipi, state_.lint_level[0], state_.lint_level[1]})
    w.Bool(b);
  w.U8(state_.sipi_vector);
  w.EndSection();
}

bool LocalApic::Load(SnapshotReader& r, std::string& error) {
  State s;
  if (r.BeginSection("lapic", kLapicSnapshotVersion)) {
    s.apic_base = r.U64();
    s.id = r.U8();
    s.tpr = r.U8();
    for (uint32_t* v : {&s.ldr, &s.dfr, &s.svr}) *v = r.U32();
    for (Bits256* bits : {&s.isr, &s.tmr, &s.irr})
      for (uint32_t& word : *bits) word = r.U32();
    for (uint32_t* v : {&s.esr, &s.esr_pending, &s.icr_low, &s.icr_high}) *v = r.U32();
    for (uint32_t& v : s.lvt) v = r.U32();
    s.timer_initial = r.U32();
    s.timer_divide = r.U32();
    s.timer_load_tick = r.U64();
    s.tsc_deadline = r.U64();
    for (bool* b : {&s.nmi_pending, &s.smi_pending, &s.init_pending, &s.sipi_pending, &s.extint_pending,
                    &s.wait_for_sipi, &s.lint_level[0], &s.lint_level[1]})
      *b = r.Bool();
    s.sipi_vector = r.U8();

    // The same limits a guest's register writes have.
    if (s.apic_base & ~(kBaseAddressMask | kBaseEnable | kBaseBsp)) r.Fail("IA32_APIC_BASE with reserved bits set");
    if (((s.apic_base & kBaseBsp) != 0) != bsp_) r.Fail("IA32_APIC_BASE.BSP differs from this CPU's");
    if (s.ldr & 0x00ffffff) r.Fail("LDR with reserved bits set");
    if ((s.dfr & kDfrReadAsOnes) != kDfrReadAsOnes) r.Fail("DFR with bits 27:0 not all ones");
    if (s.svr & ~kSvrWritable) r.Fail("SVR with reserved bits set");
    if (s.icr_low & ~kIcrLowWritable) r.Fail("ICR low with read-only bits set");
    if (s.icr_high & 0x00ffffff) r.Fail("ICR high with reserved bits set");
    if (s.timer_divide & ~kDivideWritable) r.Fail("divide configuration with reserved bits set");
    for (unsigned e = 0; e < kLvtCount; ++e) {
      const uint32_t status = (e == kLvtLint0 || e == kLvtLint1) ? kLvtRemoteIrr : 0;
      if (s.lvt[e] & ~(kLvtWritable[e] | status)) r.Fail("LVT entry with read-only bits set");
      if (!(s.svr & kSvrEnable) && !(s.lvt[e] & kLvtMasked)) r.Fail("unmasked LVT entry in a disabled APIC");
    }
    if (s.timer_load_tick > InputTick()) r.Fail("timer loaded after the present virtual time");
    r.EndSection();
  }
  if (!r.Finish(error)) return false;
  state_ = s;
  UpdateTimer();  // the timer is a function of the registers and the virtual time
  Notify();       // an interrupt or NMI may be pending
  return true;
}

}  // namespace kiln::devices
