// Hpet: the IA-PC High Precision Event Timer (specification 1.0a), as QEMU's hw/timer/hpet.c
// presents it: a 64-bit main counter at 100 MHz read from virtual time while enabled, and three
// comparators, each one-shot or periodic, 64- or 32-bit, edge or level, routed to an IOAPIC pin
// (Tn_INT_ROUTE) or, in legacy replacement mode, timer 0 to ISA IRQ0 and timer 1 to ISA IRQ8 —
// which disconnects the PIT's and RTC's own interrupt outputs. No FSB (MSI) delivery.
//
// As QEMU: a comparator written behind the counter (by signed distance) fires at once, and a
// one-shot comparator fires once per write (not again a full counter turn later); a periodic write
// sets the period (and the comparator only with Tn_VAL_SET); in 32-bit one-shot mode the timer
// also fires when the counter wraps at 2^32. Periodic timers never run their callback more
// often than every kMinPeriodNs of virtual time (shorter periods coalesce).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <functional>
#include <memory>
#include <vector>

#include "devices/clock.h"
#include "devices/hpet_regs.h"
#include "devices/io.h"
#include "devices/snapshot.h"

namespace kiln::devices {

class Hpet final : public MmioHandler {
 public:
  static constexpr uint64_t kMinPeriodNs = 1000;

  /// `gsi`: the IOAPIC pins Tn_INT_ROUTE selects (index = route; nullptr or missing entries go
  /// nowhere; for ISA IRQs the machine gives lines that reach both the PIC and the IOAPIC).
  /// `legacy_irq0` / `legacy_irq8`: where timers 0 and 1 go in legacy replacement mode.
  Hpet(Clock& clock, std::vector<IrqLine*> gsi, IrqLine* legacy_irq0, IrqLine* legacy_irq8);
  Hpet(const Hpet&) = delete;
  Hpet& operator=(const Hpet&) = delete;

  /// Counter 0, halted, legacy replacement off, comparators all ones, timers disabled; lowers
  /// the lines it drives and reconnects the PIT and RTC.
  void Reset();

  /// Called with false when legacy replacement starts (the PIT's and RTC's interrupt outputs
  /// must be disconnected) and true when it ends. The machine wires it to both devices.
  void SetLegacyOutputsCallback(std::function<void(bool pit_rtc_enabled)> callback) {
    legacy_outputs_ = std::move(callback);
  }

  /// 4-byte accesses at 4-aligned offsets and 8-byte accesses at 8-aligned offsets of the
  /// 1 KiB region; anything else reads 0 and is ignored.
  uint64_t MmioRead(uint64_t offset, unsigned size) override;
  void MmioWrite(uint64_t offset, unsigned size, uint64_t value) override;

  /// Save/restore of the guest-visible state (snapshot.h); Load validates every field as a guest
  /// write would be, changes nothing when it fails, and re-arms the timers and output lines.
  void Save(SnapshotWriter& w) const;
  bool Load(SnapshotReader& r, std::string& error);

  // Inspection (tests, monitors)
  uint64_t counter() const { return Counter(); }
  bool enabled() const { return (state_.config & hpet::kConfigEnable) != 0; }
  bool legacy_route() const { return (state_.config & hpet::kConfigLegacyRoute) != 0; }

 private:
  struct TimerState {
    uint64_t config = hpet::kTnResetConfig;
    uint64_t comparator = ~uint64_t{0};
    uint64_t period = 0;
    /// The comparator has matched since it was last written (or was never written): a one-shot
    /// timer then stays quiet until the next comparator write (QEMU's behaviour).
    bool spent = true;
    bool wrap_pending = false;        ///< 32-bit one-shot: the armed deadline is the 2^32 wrap
    IrqLine* asserted_on = nullptr;  ///< the line a level interrupt holds high
  };
  struct State {
    uint64_t config = 0;
    uint64_t int_status = 0;
    uint64_t counter = 0;         ///< while halted: the counter; while enabled: unused
    uint64_t counter_offset = 0;  ///< while enabled: counter = tick(now) + offset
    std::array<TimerState, hpet::kTimers> timers{};
  };

  uint64_t Counter() const;
  uint64_t Tick() const { return NsToTicks(clock_.NowNs(), hpet::kFrequencyHz); }
  uint64_t ReadRegister64(uint64_t offset) const;
  /// Writes the bytes of `value` selected by `mask` into the 64-bit register at `offset`.
  void WriteRegister64(uint64_t offset, uint64_t value, uint64_t mask);
  void WriteConfig(uint64_t value);
  void WriteTimerConfig(unsigned n, uint64_t value);
  void WriteComparator(unsigned n, uint64_t value, uint64_t mask);

  /// The line timer n drives now (legacy route or Tn_INT_ROUTE), or nullptr.
  IrqLine* RouteOf(unsigned n) const;
  /// Raises (edge: pulses) timer n's interrupt, or lowers it.
  /// A comparator match (or 32-bit wrap) of timer n: level timers set their status bit, edge
  /// timers pulse their line, if Tn_INT_ENB.
  void Fire(unsigned n);
  /// Brings timer n's level line in line with its status, enable, type and route.
  void UpdateLine(unsigned n);
  void UpdateLines();
  void ArmTimer(unsigned n);
  void OnTimer(unsigned n);

  Clock& clock_;
  std::vector<IrqLine*> gsi_;
  IrqLine* legacy_irq0_;
  IrqLine* legacy_irq8_;
  std::array<std::unique_ptr<Timer>, hpet::kTimers> timers_;
  std::function<void(bool)> legacy_outputs_;
  State state_;
};

}  // namespace kiln::devices
