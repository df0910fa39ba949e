// LocalApic: one CPU's local APIC in xAPIC mode (4 KiB of MMIO at the IA32_APIC_BASE address),
// after the Intel SDM Vol. 3A chapter 10 and QEMU's hw/intc/apic.c: ID, version, TPR/APR/PPR,
// EOI, LDR/DFR, SVR, ISR/TMR/IRR, ESR, ICR (all delivery modes and shorthands, physical and
// logical destinations), the seven LVT entries, and the timer in one-shot, periodic and
// TSC-deadline modes, driven by the virtual clock with one Timer (never per instruction).
//
// Timer: the input clock is `timer_hz` (QEMU counts its APIC timer at 1 GHz, 1 tick per ns),
// divided by the divide configuration. The current count is computed from the virtual time of
// the last initial-count write. TSC-deadline mode compares IA32_TSC_DEADLINE with
// TSC = NsToTicks(NowNs(), tsc_hz), the formula the machine's RDTSC uses.
//
// The CPU side (the machine's run loop): InterruptPending()/Acknowledge() are the INTR/INTA of
// the APIC; the PIC's INTR reaches the CPU directly while AcceptsPicInterrupts() (APIC globally
// disabled, or LINT0 in ExtINT mode and unmasked). NMI, SMI, INIT, SIPI and ExtINT messages set
// flags the run loop takes with the Take*() methods. SetInterruptNotify() gives a callback run
// whenever something may have become pending, to wake a halted CPU.
//
// The bus side: Deliver() receives messages (from the ApicBus: IPIs, IOAPIC, MSIs); the EOI
// callback reports EOIs of level-triggered vectors (the machine forwards them to the IOAPIC).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <functional>
#include <memory>
#include <optional>
#include <utility>

#include "devices/apic_bus.h"
#include "devices/clock.h"
#include "devices/io.h"
#include "devices/snapshot.h"
#include "devices/local_apic_regs.h"

namespace kiln::devices {

class LocalApic final : public MmioHandler {
 public:
  static constexpr uint64_t kDefaultTimerHz = 1'000'000'000;
  /// A periodic timer never fires more often than this (ns of virtual time); interrupts of
  /// shorter periods coalesce, as a busy CPU would see them. Guards against a guest programming
  /// a 1-tick period that would run the callback every nanosecond.
  static constexpr uint64_t kMinPeriodNs = 1000;

  /// `bus` may be nullptr (a lone APIC: IPIs reach only itself). `bsp` sets the BSP bit of
  /// IA32_APIC_BASE and the BSP reset state (LINT0 ExtINT, LINT1 NMI).
  LocalApic(Clock& clock, ApicBus* bus, uint8_t apic_id, bool bsp, uint64_t tsc_hz,
            uint64_t timer_hz = kDefaultTimerHz);
  ~LocalApic() override;
  LocalApic(const LocalApic&) = delete;
  LocalApic& operator=(const LocalApic&) = delete;

  /// Power-on/RESET: base 0xFEE00000 globally enabled, then the INIT state below; on the BSP,
  /// LINT0 is ExtINT and LINT1 NMI, unmasked (QEMU's apic_reset_common does LINT0 so that PIC
  /// interrupts pass once the guest software-enables the APIC).
  void Reset();
  /// INIT (SDM 10.4.7.1): all registers to their reset values (LVTs masked, SVR 0xFF,
  /// software-disabled, DFR all ones) except the APIC ID and IA32_APIC_BASE; an AP then waits
  /// for a SIPI.
  void InitReset();

  /// Registers at 16-byte aligned offsets; 4- or 8-byte accesses (the upper half of an 8-byte
  /// access reads 0 and is ignored). Smaller or misaligned accesses read 0 and are ignored.
  uint64_t MmioRead(uint64_t offset, unsigned size) override;
  void MmioWrite(uint64_t offset, unsigned size, uint64_t value) override;

  /// Save/restore of the guest-visible state (snapshot.h); Load validates every field as a guest
  /// write would be, changes nothing when it fails, and re-arms the timers and output lines.
  void Save(SnapshotWriter& w) const;
  bool Load(SnapshotReader& r, std::string& error);

  // --- MSRs ---
  uint64_t apic_base_msr() const { return state_.apic_base; }
  /// Whether a WRMSR of `value` to IA32_APIC_BASE is allowed (reserved bits clear, above
  /// MAXPHYADDR = `phys_addr_bits` too, no x2APIC); if not, the machine raises #GP.
  bool ApicBaseWriteValid(uint64_t value, unsigned phys_addr_bits) const;
  /// A valid WRMSR: relocates the base; clearing the global enable puts the APIC in its
  /// disabled INIT state; the BSP bit is read-only.
  void WriteApicBaseMsr(uint64_t value);
  /// Where the machine must map this APIC's MMIO (while global_enabled()).
  uint64_t base_address() const { return state_.apic_base & lapic::kBaseAddressMask; }
  bool global_enabled() const { return (state_.apic_base & lapic::kBaseEnable) != 0; }
  bool software_enabled() const { return (state_.svr & lapic::kSvrEnable) != 0; }
  /// IA32_TSC_DEADLINE: reads 0 and ignores writes unless the timer is in TSC-deadline mode;
  /// 0 disarms.
  uint64_t tsc_deadline() const;
  void set_tsc_deadline(uint64_t deadline);
  /// The time-stamp counter this APIC's deadline compares against.
  uint64_t Tsc() const { return NsToTicks(clock_.NowNs(), tsc_hz_); }

  // --- CPU side ---
  /// An interrupt is deliverable: APIC enabled, highest IRR priority class above the PPR's.
  bool InterruptPending() const;
  /// INTA: moves the highest IRR vector to ISR and returns it; the spurious vector when nothing
  /// is deliverable any more.
  uint8_t Acknowledge();
  void SetCr8(uint64_t value) { state_.tpr = static_cast<uint8_t>((value & 0xf) << 4); }
  uint64_t GetCr8() const { return state_.tpr >> 4; }
  bool AcceptsPicInterrupts() const;
  bool TakeNmi() { return Take(state_.nmi_pending); }
  bool TakeSmi() { return Take(state_.smi_pending); }
  bool TakeInit() { return Take(state_.init_pending); }
  /// A STARTUP IPI received while waiting for one (after INIT, on an AP): its vector.
  std::optional<uint8_t> TakeSipi();
  /// An ExtINT message (IOAPIC pin in ExtINT mode): the CPU must take the vector from the PIC.
  bool TakeExtInt() { return Take(state_.extint_pending); }
  /// LINT0 / LINT1 input pins (n = 0 or 1; any other n is ignored / a line that goes nowhere).
  /// A level-triggered fixed LINT0 keeps Remote IRR until the EOI and is re-sent while high.
  void SetLint(unsigned n, bool level);
  IrqLine& Lint(unsigned n) { return lint_lines_[n > 1 ? 2 : n]; }
  void SetInterruptNotify(std::function<void()> notify) { notify_ = std::move(notify); }

  // --- bus side ---
  /// A message addressed to this APIC (the bus has done the addressing).
  void Deliver(uint8_t vector, apic::DeliveryMode mode, bool level_triggered);
  /// Called with the vector on an EOI of a level-triggered interrupt (TMR bit set).
  void SetEoiCallback(std::function<void(uint8_t vector)> callback) { eoi_callback_ = std::move(callback); }
  /// Whether a message with this destination addresses this APIC (physical ID or 0xFF; logical
  /// flat or cluster model per DFR, 0xFF broadcast).
  bool MatchesDestination(bool logical, uint8_t destination) const;
  uint8_t id() const { return state_.id; }
  uint8_t tpr() const { return state_.tpr; }

  // --- inspection (tests, monitors) ---
  bool irr(uint8_t vector) const { return TestBit(state_.irr, vector); }
  bool isr(uint8_t vector) const { return TestBit(state_.isr, vector); }
  bool tmr(uint8_t vector) const { return TestBit(state_.tmr, vector); }
  uint32_t lvt(lapic::Lvt entry) const { return state_.lvt[entry < lapic::kLvtCount ? entry : 0]; }
  uint8_t ppr() const;

 private:
  using Bits256 = std::array<uint32_t, 8>;

  /// Everything a save/restore needs (the timer is re-armed from it).
  struct State {
    uint64_t apic_base = 0;
    uint8_t id = 0;
    uint8_t tpr = 0;
    uint32_t ldr = 0, dfr = 0, svr = 0;
    Bits256 isr{}, tmr{}, irr{};
    uint32_t esr = 0;          ///< the readable ESR (latched by the last ESR write)
    uint32_t esr_pending = 0;  ///< errors since the last ESR write
    uint32_t icr_low = 0, icr_high = 0;
    std::array<uint32_t, lapic::kLvtCount> lvt{};
    uint32_t timer_initial = 0;
    uint32_t timer_divide = 0;
    uint64_t timer_load_tick = 0;  ///< input-clock tick of the last initial-count write
    uint64_t tsc_deadline = 0;
    bool nmi_pending = false, smi_pending = false, init_pending = false;
    bool sipi_pending = false, extint_pending = false, wait_for_sipi = false;
    uint8_t sipi_vector = 0;
    std::array<bool, 2> lint_level{};
  };

  class LintLine final : public IrqLine {
   public:
    void SetLevel(bool high) override { apic->SetLint(n, high); }
    LocalApic* apic = nullptr;
    unsigned n = 0;
  };

  static bool TestBit(const Bits256& bits, uint8_t v) { return (bits[v >> 5] >> (v & 31)) & 1; }
  static void SetBit(Bits256& bits, uint8_t v) { bits[v >> 5] |= 1u << (v & 31); }
  static void ClearBit(Bits256& bits, uint8_t v) { bits[v >> 5] &= ~(1u << (v & 31)); }
  /// The highest set vector, or -1.
  static int Highest(const Bits256& bits);
  static bool Take(bool& flag) { return std::exchange(flag, false); }

  uint32_t ReadRegister(uint32_t offset);
  void WriteRegister(uint32_t offset, uint32_t value);
  void WriteLvt(lapic::Lvt entry, uint32_t value);
  void WriteSvr(uint32_t value);
  void WriteEoi();
  void SendIpi();
  uint8_t Apr() const;

  /// Accepts a fixed interrupt into IRR (vectors 0-15 are a receive-illegal-vector error).
  void AcceptFixed(uint8_t vector, bool level_triggered);
  /// Delivers an LVT entry's interrupt (timer, LINTs, error...) if unmasked.
  void DeliverLocal(lapic::Lvt entry);
  void SignalError(uint32_t esr_bits);
  void Notify() {
    if (notify_) notify_();
  }

  lapic::TimerMode timer_mode() const;
  unsigned timer_shift() const;  ///< log2 of the divider
  uint64_t InputTick() const { return NsToTicks(clock_.NowNs(), timer_hz_); }
  uint64_t TimerElapsed() const;  ///< divided ticks since the initial-count write
  uint32_t CurrentCount() const;
  /// Re-arms (or cancels) the timer for the current mode and registers.
  void UpdateTimer();
  void OnTimer();

  Clock& clock_;
  ApicBus* bus_;
  const uint8_t initial_id_;
  const bool bsp_;
  const uint64_t tsc_hz_;
  const uint64_t timer_hz_;
  std::unique_ptr<Timer> timer_;
  std::array<LintLine, 3> lint_lines_;  ///< LINT0, LINT1, and a line that goes nowhere
  std::function<void(uint8_t)> eoi_callback_;
  std::function<void()> notify_;
  State state_;
};

}  // namespace kiln::devices
