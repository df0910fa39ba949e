// AcpiPm: the ACPI fixed-hardware power management block of Kiln's PC (ACPI 6.5 section 4.8;
// QEMU's hw/acpi/core.c and piix4.c for what guests expect): the PM1 event block (PM1_STS with
// write-1-to-clear bits, PM1_EN), PM1 control (SCI_EN always reads 1; SLP_EN with the S5 sleep
// type powers the machine off), the 24-bit PM timer at 3.579545 MHz and general-purpose event
// block 0 (16 GPEs: status write-1-to-clear, enable).
//
// The SCI output is a level line: high while any enabled status bit (PM1 or GPE0) is set. The
// timer's TMR_STS is set each time bit 23 of the counter changes, from one Timer armed for the
// next change (never per instruction) and re-checked when PM1_STS is read. Sleep types other
// than S5 are ignored (logged once to stderr): the DSDT only offers \_S5.
//
// Ports: any width at any offset of the four blocks; a wider access is split into byte lanes,
// bytes outside the blocks read as 0xFF.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <memory>

#include "devices/acpi_pm_regs.h"
#include "devices/clock.h"
#include "devices/io.h"
#include "devices/snapshot.h"

namespace kiln::devices {

/// Where the four register blocks are decoded and which SLP_TYP means S5.
struct AcpiPmConfig {
  uint16_t pm1_evt = acpi_pm::kPm1EvtPort;
  uint16_t pm1_cnt = acpi_pm::kPm1CntPort;
  uint16_t pm_tmr = acpi_pm::kPmTmrPort;
  uint16_t gpe0 = acpi_pm::kGpe0Port;
  uint8_t s5_slp_typ = acpi_pm::kSlpTypS5;
};

class AcpiPm final : public PortHandler {
 public:
  /// The machine registers this handler for [pm1_evt, +4), [pm1_cnt, +2), [pm_tmr, +4) and
  /// [gpe0, +4), wires `sci` to the interrupt controllers' SCI input (ISA IRQ 9, level, active
  /// high) and passes its MachineControl for the S5 power-off.
  AcpiPm(const AcpiPmConfig& config, Clock& clock, IrqLine& sci, MachineControl& control);
  AcpiPm(const AcpiPm&) = delete;
  AcpiPm& operator=(const AcpiPm&) = delete;

  /// Power-on state: PM1_STS/PM1_EN/GPE0 clear, PM1_CNT = SCI_EN; SCI low. The timer keeps
  /// counting virtual time.
  void Reset();

  /// A press of the power button: sets PWRBTN_STS (an SCI if PWRBTN_EN is set).
  void PowerButton();
  /// The RTC's alarm (its IRQ8 interrupt source) as the ACPI fixed event: sets RTC_STS (an SCI if
  /// RTC_EN is set). The FADT leaves FIX_RTC clear, so the OS may use it.
  void RtcAlarm();
  /// Sets GPE0 status bit `gpe` (0-15): for devices that signal through GPEs. Others are ignored.
  void RaiseGpe(unsigned gpe);

  uint32_t PortRead(uint16_t port, unsigned size) override;
  void PortWrite(uint16_t port, unsigned size, uint32_t value) override;

  /// Save/restore of the guest-visible state (snapshot.h); Load validates every field as a guest
  /// write would be, changes nothing when it fails, and re-arms the timers and output lines.
  void Save(SnapshotWriter& w) const;
  bool Load(SnapshotReader& r, std::string& error);

  /// The PM timer's current 24-bit value.
  uint32_t TimerValue() const;
  bool sci_level() const { return sci_level_; }

  /// Everything guest-visible besides the timer (which is a function of virtual time), for
  /// save/restore later.
  struct State {
    uint16_t pm1_sts = 0;
    uint16_t pm1_en = 0;
    uint16_t pm1_cnt = acpi_pm::kSciEn;
    std::array<uint8_t, acpi_pm::kGpe0Length / 2> gpe_sts{};
    std::array<uint8_t, acpi_pm::kGpe0Length / 2> gpe_en{};
  };
  const State& state() const { return state_; }

 private:
  /// One byte of a register; `timer` is PM_TMR sampled once for the whole access.
  bool ReadByte(uint16_t port, uint8_t& value, uint32_t timer);
  void WriteByte(uint16_t port, uint8_t value);
  void WritePm1CntHigh(uint8_t value);
  /// Sets TMR_STS if bit 23 changed since the last check, and arms the timer for the next change.
  void CheckTimerOverflow();
  void ArmOverflowTimer();
  void UpdateSci();

  AcpiPmConfig config_;
  Clock& clock_;
  IrqLine& sci_;
  MachineControl& control_;
  std::unique_ptr<Timer> overflow_timer_;
  uint64_t next_flip_ns_ = 0;  ///< when bit 23 of the counter next changes
  State state_;
  bool sci_level_ = false;
  bool warned_sleep_type_ = false;
};

}  // namespace kiln::devices
