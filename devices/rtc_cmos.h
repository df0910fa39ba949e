// RtcCmos: the MC146818 real-time clock and the 256 bytes of CMOS RAM of a PC (ports 0x70/0x71
// for the lower 128 bytes, 0x72/0x73 for the upper 128 as QEMU decodes them), after the Motorola
// MC146818A datasheet and QEMU's hw/rtc/mc146818rtc.c.
//
// Time: the clock reads `start_unix_seconds` (given by the machine: the host's time; by tests: a
// fixed one) plus the virtual time elapsed since construction, so it runs at the virtual clock's
// rate. Setting the time (SET = 1, write the registers, SET = 0; or a write with SET = 0) keeps
// the new time as an offset; the divider's phase (when seconds tick over) is kept, as on the chip.
// The divider runs in modes 000-010 of register A; 110/111 (reset) and the test modes stop it,
// and releasing it starts the first update 500 ms later.
//
// Registers A (divider, rate, UIP for the 244 us before each update), B (SET, PIE, AIE, UIE,
// SQWE, BCD/binary, 12/24 hour with the PM bit, DSE stored but ignored), C (IRQF, PF, AF, UF:
// reading clears them and lowers the IRQ), D (VRT = 1). Day of week (1 = Sunday) and the century
// (index 0x32) are computed from the date. Interrupts: periodic at register A's rate (rates 3-15:
// 8192 Hz down to 2 Hz; 1 and 2: 256 and 128 Hz), alarm (with don't-care bytes 0xC0-0xFF),
// update-ended once a second. Timers: one per second for updates, one at the periodic rate only
// while PIE is set (with PIE clear, PF is computed when register C is read).
//
// IRQ8 is an edge for the PIC: the line rises when an enabled flag sets IRQF and stays high until
// the guest reads register C, so a guest that never reads C gets one interrupt, as on a PC.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <memory>

#include "devices/clock.h"
#include "devices/io.h"
#include "devices/snapshot.h"
#include "devices/rtc_cmos_regs.h"

namespace kiln::devices {

class RtcCmos final : public PortHandler {
 public:
  /// `irq8` is the RTC's interrupt (ISA IRQ8); the clock starts at `start_unix_seconds` (UTC).
  RtcCmos(Clock& clock, IrqLine& irq8, int64_t start_unix_seconds);
  RtcCmos(const RtcCmos&) = delete;
  RtcCmos& operator=(const RtcCmos&) = delete;

  /// The chip's RESET pin (a machine reset): clears PIE, AIE, UIE, SQWE and register C, lowers
  /// the IRQ. The time, the other registers and the NVRAM survive, as with a battery.
  void Reset();

  /// Fills an NVRAM byte the firmware reads (rtc::kEquipment, kBaseMemLow, kExtMemLow,
  /// kMemAbove16MLow, kMemAbove4G, ...; index 0x00-0xff). The clock registers (0x00-0x0d) and
  /// the century (0x32) belong to the RTC: writes to them here are ignored.
  void SetNvram(uint8_t index, uint8_t value);
  /// An NVRAM byte as stored (clock registers as last written or computed).
  uint8_t nvram(uint8_t index) const { return state_.nvram[index]; }

  /// Bit 7 of the last write to port 0x70: the machine masks NMIs while it is set.
  bool nmi_disabled() const { return state_.nmi_disabled; }

  /// Connects (default) or disconnects the interrupt output; the HPET's legacy replacement route
  /// takes IRQ8 over. Disconnected, the line is lowered; the flags in register C still work.
  void SetIrqOutputEnabled(bool enabled);

  /// Save/restore of the guest-visible state (snapshot.h); Load validates every field as a guest
  /// write would be, changes nothing when it fails, and re-arms the timers and output lines.
  void Save(SnapshotWriter& w) const;
  bool Load(SnapshotReader& r, std::string& error);

  /// Ports 0x70-0x73; byte registers, a wider access is split per port. Reads of the index ports
  /// return 0xFF (write-only).
  uint32_t PortRead(uint16_t port, unsigned size) override;
  void PortWrite(uint16_t port, unsigned size, uint32_t value) override;

 private:
  bool ReadByte(uint16_t port, uint8_t& value);
  void WriteByte(uint16_t port, uint8_t value);
  uint8_t ReadRegister(uint8_t index);
  void WriteRegister(uint8_t index, uint8_t value);

  int64_t NowNs() const { return static_cast<int64_t>(clock_.NowNs()); }
  bool DividerRunning() const;
  bool TimeRunning() const { return DividerRunning() && !(state_.nvram[rtc::kRegB] & rtc::kBSet); }
  int64_t CurrentSeconds(int64_t now) const;
  /// Running time: moves state_.origin_ns to the last second boundary and state_.base_seconds with it.
  void AdvanceToLastUpdate(int64_t now);
  void WriteControl(uint8_t index, uint8_t value, int64_t now);
  bool Uip(int64_t now) const;

  // The time registers' image in the current data mode.
  uint8_t Encode(unsigned value) const;
  unsigned Decode(uint8_t value) const;
  uint8_t EncodeHour(unsigned hour) const;
  unsigned DecodeHour(uint8_t value) const;
  void FillTimeImage(int64_t now);
  int64_t TimeFromImage() const;

  /// The periodic interrupt period in 32.768 kHz ticks; 0 when off.
  uint64_t PeriodTicks() const;
  /// Sets PF if a periodic boundary passed since the last check.
  void CatchUpPeriodicFlag(int64_t now);
  void ArmTimers(int64_t now);
  void ArmUpdateTimer(int64_t now);
  void ArmPeriodicTimer();
  void OnUpdate();
  void OnPeriodic();
  void UpdateIrq();

  Clock& clock_;
  IrqLine& irq_;
  std::unique_ptr<Timer> update_timer_;
  std::unique_ptr<Timer> periodic_timer_;

  /// Everything the guest and time can change (what save/restore will carry).
  struct State {
    std::array<uint8_t, rtc::kNvramSize> nvram{};  ///< NVRAM; A, B, alarms and the time image too
    uint8_t reg_c = 0;
    uint8_t index = 0;  ///< 0x00-0xff: the port pair last written selects the bank
    bool nmi_disabled = false;

    int64_t base_seconds = 0;  ///< the time at origin_ns (running) or the frozen time
    int64_t origin_ns = 0;     ///< a second boundary of the divider (its phase) while it runs
    int64_t pf_checked_ns = 0;
    bool irq_enabled = true;
    bool irq_level = false;
  };
  State state_;
};

}  // namespace kiln::devices
