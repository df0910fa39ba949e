// Hpet: main counter, comparators and interrupt routing (IA-PC HPET 1.0a; QEMU
// hw/timer/hpet.c for the PC-specific behaviour).
#include "devices/hpet.h"

#include <algorithm>
#include <optional>

#include "devices/deadline.h"

namespace kiln::devices {

using namespace hpet;

namespace {

constexpr uint64_t kLow32 = 0xffffffffull;
/// Beyond this many ticks (~1460 years) a deadline is treated as never.
constexpr uint64_t kNeverTicks = uint64_t{1} << 62;

}  // namespace

Hpet::Hpet(Clock& clock, std::vector<IrqLine*> gsi, IrqLine* legacy_irq0, IrqLine* legacy_irq8)
    : clock_(clock), gsi_(std::move(gsi)), legacy_irq0_(legacy_irq0), legacy_irq8_(legacy_irq8) {
  for (unsigned n = 0; n < kTimers; ++n) timers_[n] = clock_.NewTimer([this, n] { OnTimer(n); });
  Reset();
}

void Hpet::Reset() {
  const bool was_legacy = legacy_route();
  for (unsigned n = 0; n < kTimers; ++n) {
    timers_[n]->Cancel();
    if (IrqLine* line = state_.timers[n].asserted_on) line->Lower();
  }
  state_ = State{};
  if (was_legacy && legacy_outputs_) legacy_outputs_(true);
}

// --- counter and registers ---

uint64_t Hpet::Counter() const { return enabled() ? Tick() + state_.counter_offset : state_.counter; }

uint64_t Hpet::MmioRead(uint64_t offset, unsigned size) {
  if (offset >= kMmioSize) return 0;
  if (size == 8 && (offset & 7) == 0) return ReadRegister64(offset);
  if (size == 4 && (offset & 3) == 0) return (ReadRegister64(offset & ~uint64_t{7}) >> ((offset & 4) * 8)) & kLow32;
  return 0;
}

void Hpet::MmioWrite(uint64_t offset, unsigned size, uint64_t value) {
  if (offset >= kMmioSize) return;
  if (size == 8 && (offset & 7) == 0) {
    WriteRegister64(offset, value, ~uint64_t{0});
  } else if (size == 4 && (offset & 3) == 0) {
    const unsigned shift = (offset & 4) * 8;
    WriteRegister64(offset & ~uint64_t{7}, (value & kLow32) << shift, kLow32 << shift);
  }
}

uint64_t Hpet::ReadRegister64(uint64_t offset) const {
  switch (offset) {
    case kRegCapabilities: return kCapabilities;
    case kRegConfig: return state_.config;
    case kRegIntStatus: return state_.int_status;
    case kRegCounter: return Counter();
    default: break;
  }
  if (offset < kRegTimerBase) return 0;
  const uint64_t n = (offset - kRegTimerBase) / kTimerStride;
  if (n >= kTimers) return 0;
  const TimerState& t = state_.timers[n];
  switch ((offset - kRegTimerBase) % kTimerStride) {
    case kTimerConfig: return t.config;
    case kTimerComparator: return (t.config & kTn32Bit) ? t.comparator & kLow32 : t.comparator;
    default: return 0;  // FSB route (no FSB delivery) and reserved
  }
}

void Hpet::WriteRegister64(uint64_t offset, uint64_t value, uint64_t mask) {
  auto merge = [&](uint64_t old) { return (old & ~mask) | (value & mask); };
  switch (offset) {
    case kRegConfig: WriteConfig(merge(state_.config)); return;
    case kRegIntStatus:
      // Write 1 to clear a level-triggered timer's status (and release its line).
      state_.int_status &= ~(value & mask & ((1u << kTimers) - 1));
      UpdateLines();
      return;
    case kRegCounter:
      // The counter is writable only while halted (the specification: software must halt it first).
      if (!enabled()) state_.counter = merge(state_.counter);
      return;
    default: break;
  }
  if (offset < kRegTimerBase) return;
  const uint64_t n = (offset - kRegTimerBase) / kTimerStride;
  if (n >= kTimers) return;
  switch ((offset - kRegTimerBase) % kTimerStride) {
    case kTimerConfig: WriteTimerConfig(static_cast<unsigned>(n), merge(state_.timers[n].config)); return;
    case kTimerComparator: WriteComparator(static_cast<unsigned>(n), value, mask); return;
    default: return;
  }
}

void Hpet::WriteConfig(uint64_t value) {
  const uint64_t old = state_.config;
  const uint64_t now_counter = Counter();
  state_.config = value & kConfigWritable;
  if (!(old & kConfigEnable) && enabled()) {
    state_.counter_offset = now_counter - Tick();  // resume counting from the halted value
    for (unsigned n = 0; n < kTimers; ++n) ArmTimer(n);
  } else if ((old & kConfigEnable) && !enabled()) {
    // Halting the counter disables interrupt generation: level interrupts are released and
    // their status cleared, as QEMU does.
    state_.counter = now_counter;
    for (auto& timer : timers_) timer->Cancel();
    state_.int_status = 0;
    UpdateLines();
  }
  const bool was_legacy = (old & kConfigLegacyRoute) != 0;
  if (was_legacy != legacy_route()) {
    UpdateLines();  // timers 0 and 1 move between IRQ0/IRQ8 and their Tn_INT_ROUTE pins
    if (legacy_outputs_) legacy_outputs_(!legacy_route());
  }
}

void Hpet::WriteTimerConfig(unsigned n, uint64_t value) {
  TimerState& t = state_.timers[n];
  const uint64_t old = t.config;
  t.config = (old & ~kTnWritable) | (value & kTnWritable);
  if (t.config & kTn32Bit) {
    t.comparator &= kLow32;
    t.period = std::min(t.period & kLow32, kLow32 >> 1);
  }
  if ((old & kTnLevel) && !(t.config & kTnLevel)) state_.int_status &= ~(uint64_t{1} << n);
  UpdateLine(n);
  ArmTimer(n);
}

void Hpet::WriteComparator(unsigned n, uint64_t value, uint64_t mask) {
  TimerState& t = state_.timers[n];
  if (t.config & kTn32Bit) mask &= kLow32;  // the upper half is not there in 32-bit mode
  auto merge = [&](uint64_t old) { return (old & ~mask) | (value & mask); };
  const bool periodic = (t.config & kTnPeriodic) != 0;
  // A periodic timer's comparator write sets the period; the comparator itself only with
  // Tn_VAL_SET (which clears itself after the write). Linux writes both in that order.
  if (!periodic || (t.config & kTnValSet)) {
    t.comparator = merge(t.comparator);
    t.spent = false;
  }
  if (periodic) {
    // Keep the period below half the counter range so that "comparator passed" stays decidable.
    t.period = std::min(merge(t.period), (t.config & kTn32Bit) ? kLow32 >> 1 : ~uint64_t{0} >> 1);
  }
  t.config &= ~kTnValSet;
  ArmTimer(n);
}

// --- comparators ---

void Hpet::ArmTimer(unsigned n) {
  TimerState& t = state_.timers[n];
  timers_[n]->Cancel();
  t.wrap_pending = false;
  if (!enabled()) return;
  const bool wide = !(t.config & kTn32Bit);
  const uint64_t width_mask = wide ? ~uint64_t{0} : kLow32;
  const uint64_t counter = Counter() & width_mask;
  uint64_t diff = (t.comparator - counter) & width_mask;
  const bool behind = diff > (width_mask >> 1);
  const bool periodic = (t.config & kTnPeriodic) && t.period != 0;
  // A one-shot comparator fires once per write, as in QEMU (not again a full counter turn
  // later); one written behind the counter (the guest raced it) fires at once.
  if (t.spent && !periodic) return;
  if (behind) diff = 0;
  if (!wide && !periodic) {
    // 32-bit one-shot: an interrupt also when the counter wraps (specification 2.3.9.2.4).
    const uint64_t to_wrap = (uint64_t{1} << 32) - counter;
    if (to_wrap < diff) diff = to_wrap, t.wrap_pending = true;
  }
  if (diff >= kNeverTicks) return;
  std::optional<uint64_t> deadline = DeadlineNs(Tick() + diff, kFrequencyHz);
  if (!deadline) return;
  if (periodic) deadline = std::max(*deadline, clock_.NowNs() + kMinPeriodNs);
  timers_[n]->Arm(*deadline);
}

void Hpet::OnTimer(unsigned n) {
  TimerState& t = state_.timers[n];
  if (!enabled()) return;
  if (t.wrap_pending) {
    Fire(n);
    ArmTimer(n);  // now for the comparator match
    return;
  }
  const bool periodic = (t.config & kTnPeriodic) && t.period != 0;
  if (periodic) {
    // Step the comparator by whole periods past the counter (coalescing missed periods).
    const uint64_t width_mask = (t.config & kTn32Bit) ? kLow32 : ~uint64_t{0};
    const uint64_t passed = (Counter() - t.comparator) & width_mask;
    if (passed <= (width_mask >> 1)) t.comparator = (t.comparator + (passed / t.period + 1) * t.period) & width_mask;
    t.spent = false;
  } else {
    t.spent = true;
  }
  Fire(n);
  ArmTimer(n);
}

// --- interrupts ---

IrqLine* Hpet::RouteOf(unsigned n) const {
  if (legacy_route() && n == 0) return legacy_irq0_;
  if (legacy_route() && n == 1) return legacy_irq8_;
  const uint64_t route = (state_.timers[n].config & kTnRouteMask) >> kTnRouteShift;
  return route < gsi_.size() ? gsi_[route] : nullptr;
}

void Hpet::Fire(unsigned n) {
  const TimerState& t = state_.timers[n];
  if (!(t.config & kTnEnable)) return;
  if (t.config & kTnLevel) {
    state_.int_status |= uint64_t{1} << n;
    UpdateLine(n);
  } else if (IrqLine* line = RouteOf(n)) {
    line->Pulse();
  }
}

void Hpet::UpdateLine(unsigned n) {
  TimerState& t = state_.timers[n];
  const bool asserted = (t.config & kTnLevel) && (t.config & kTnEnable) && (state_.int_status >> n & 1);
  IrqLine* target = asserted ? RouteOf(n) : nullptr;
  if (target == t.asserted_on) return;
  if (t.asserted_on) t.asserted_on->Lower();
  if (target) target->Raise();
  t.asserted_on = target;
}

void Hpet::UpdateLines() {
  for (unsigned n = 0; n < kTimers; ++n) UpdateLine(n);
}

// --- save/restore ---

namespace {
constexpr uint32_t kHpetSnapshotVersion = 1;
constexpr uint64_t kTimerStatusBits = (uint64_t{1} << kTimers) - 1;
}  // namespace

void Hpet::Save(SnapshotWriter& w) const {
  w.BeginSection("hpet", kHpetSnapshotVersion);
  w.U64(state_.config);
  w.U64(state_.int_status);
  w.U64(state_.counter);
  // While enabled the main counter is Tick() + counter_offset: an offset from the virtual
  // clock, which a machine restored at the same virtual time reproduces.
  w.U64(state_.counter_offset);
  for (const TimerState& t : state_.timers) {
    w.U64(t.config);
    w.U64(t.comparator);
    w.U64(t.period);
    w.Bool(t.spent);
  }
  w.EndSection();
}

bool Hpet::Load(SnapshotReader& r, std::string& error) {
  State s;
  if (r.BeginSection("hpet", kHpetSnapshotVersion)) {
    s.config = r.U64();
    s.int_status = r.U64();
    s.counter = r.U64();
    s.counter_offset = r.U64();
    for (TimerState& t : s.timers) {
      t.config = r.U64();
      t.comparator = r.U64();
      t.period = r.U64();
      t.spent = r.Bool();
      if ((t.config & ~kTnWritable) != (kTnResetConfig & ~kTnWritable)) r.Fail("timer capability bits changed");
      if ((t.config & kTn32Bit) && (t.comparator > kLow32 || t.period > (kLow32 >> 1)))
        r.Fail("32-bit timer with a comparator or period beyond 32 bits");
    }
    if (s.config & ~kConfigWritable) r.Fail("configuration with reserved bits set");
    if (s.int_status & ~kTimerStatusBits) r.Fail("interrupt status of timers that do not exist");
    r.EndSection();
  }
  if (!r.Finish(error)) return false;
  // Release what the current state holds, then take the restored one: level lines, timers and
  // the PIT/RTC connection are all derived from it.
  for (unsigned n = 0; n < kTimers; ++n) {
    timers_[n]->Cancel();
    if (IrqLine* line = state_.timers[n].asserted_on) line->Lower();
    s.timers[n].asserted_on = nullptr;
  }
  state_ = s;
  UpdateLines();
  for (unsigned n = 0; n < kTimers; ++n) ArmTimer(n);
  if (legacy_outputs_) legacy_outputs_(!legacy_route());
  return true;
}

}  // namespace kiln::devices
