// Pit8254: the Intel 8254 interval timer of a PC (three counters at 0x40-0x42, control word at
// 0x43) and system control port B (0x61: counter 2's gate, speaker enable, the refresh toggle and
// counter 2's OUT), after the Intel 82C54 datasheet and QEMU's hw/timer/i8254.c.
//
// Time: the counters run on a 1,193,182 Hz clock derived from the virtual Clock (tick T is
// NsToTicks(NowNs)), never from instructions. Nothing is stepped: each counter keeps the tick at
// which it was loaded and computes its count and OUT from the current tick on demand. Channel 0's
// OUT drives IRQ0 (an IrqLine following OUT); a Timer is armed for OUT's next transition only. If
// the timer fires late by more than one OUT period, the rising edges missed are delivered as one
// edge (a lost tick, as with a busy real PIC), never as a burst.
//
// What the model does (per counter): modes 0-5; LSB / MSB / LSB-then-MSB access with separate
// read and write flip-flops; counter latch and read-back (status and count, status read first);
// BCD counting; count 0 = 65536 (10000 in BCD); gate: counter 0 and 1 gates are tied high,
// counter 2's comes from port 0x61 bit 0. Gate low pauses modes 0 and 4, stops modes 2 and 3 with
// OUT high (a rising gate reloads them), and a rising gate triggers modes 1 and 5.
//
// Simplifications, as in QEMU: a written count is loaded at the tick it is written (the chip
// loads it on the next clock edge, making mode 0 last N+1 clocks); mode 3 with an odd count
// counts by two from N (so a half-period is (N+1)/2 high, (N-1)/2 low, as on the chip, but the
// intermediate count values differ). A count of 1 is illegal in modes 2 and 3 and runs as 2. A
// count written in modes 2 and 3 while counting takes effect at the end of the current period.
// Invalid BCD digits (A-F) count as 9.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <memory>

#include "devices/clock.h"
#include "devices/io.h"
#include "devices/snapshot.h"
#include "devices/pit_8254_regs.h"

namespace kiln::devices {

class Pit8254 final : public PortHandler {
 public:
  /// `irq0` follows counter 0's OUT; `clock` gives the time and the timer for IRQ0 edges.
  Pit8254(Clock& clock, IrqLine& irq0);
  Pit8254(const Pit8254&) = delete;
  Pit8254& operator=(const Pit8254&) = delete;

  /// Power-on state: every counter in mode 0, LSB-then-MSB access, binary, no count written
  /// (OUT low in mode 0), gate 2 low; port 0x61 reads 0 apart from the refresh toggle. IRQ0 low.
  void Reset();

  /// Connects (true, the default) or disconnects counter 0's OUT from IRQ0. The HPET's legacy
  /// replacement route takes IRQ0 over: disconnected, the line is lowered and no timer is armed.
  void SetIrqOutputEnabled(bool enabled);

  /// Ports 0x40-0x43 and 0x61; byte registers, a wider access is split per port.
  uint32_t PortRead(uint16_t port, unsigned size) override;
  void PortWrite(uint16_t port, unsigned size, uint32_t value) override;

  /// Save/restore of the guest-visible state (snapshot.h); Load validates every field as a guest
  /// write would be, changes nothing when it fails, and re-arms the timers and output lines.
  void Save(SnapshotWriter& w) const;
  bool Load(SnapshotReader& r, std::string& error);

  // Inspection (tests, monitors).
  bool out(unsigned channel) const;
  uint8_t mode(unsigned channel) const { return state_.channels[channel % pit::kChannels].mode; }

 private:
  enum class Run : uint8_t {
    kIdle,         ///< control word written, no count yet (or mode 0 mid-write): counter frozen
    kWaitTrigger,  ///< modes 1 and 5: count written, waiting for a rising gate
    kCounting,
    kPaused,       ///< gate low: modes 0 and 4 hold their count; 2 and 3 wait for a rising gate
  };

  struct Channel {
    // Programming.
    uint8_t mode = 0;  ///< 0-5
    pit::Access access = pit::Access::kLsbMsb;
    bool bcd = false;
    uint16_t count_register = 0;  ///< the count as written (BCD digits in BCD mode)
    uint8_t write_lsb = 0;
    bool write_msb_next = false;  ///< write flip-flop (LSB-then-MSB access)
    bool read_msb_next = false;   ///< read flip-flop of the live count
    // Latches.
    bool count_latched = false;
    uint16_t latched_count = 0;
    bool latched_msb_next = false;
    bool status_latched = false;
    uint8_t latched_status = 0;
    // Counting.
    bool gate = true;
    Run run = Run::kIdle;
    uint32_t count = 1;             ///< N in use: 1..65536 (1..10000 in BCD)
    uint64_t load_tick = 0;         ///< the tick at which N was loaded (kCounting)
    uint64_t paused_ticks = 0;      ///< ticks counted since the load when paused (kPaused)
    uint32_t frozen_value = 0;      ///< the count element while kIdle / kWaitTrigger (binary)
    bool reload_pending = false;    ///< modes 2 and 3: a new count waits for the period's end
    uint32_t pending_count = 0;
    uint64_t pending_tick = 0;
    uint64_t null_count_until = UINT64_MAX;  ///< the status's null-count bit is set before this tick

    uint32_t Modulus() const { return bcd ? pit::kBcdModulus : pit::kBinaryModulus; }
    /// The count register as a count N (0 = the modulus; digits A-F count as 9 in BCD).
    uint32_t DecodedCount() const;
    /// Ticks counted since the load at tick `t` (kCounting or kPaused).
    uint64_t Elapsed(uint64_t t) const { return run == Run::kPaused ? paused_ticks : t - load_tick; }
    /// The count element at tick `t`, in binary.
    uint32_t Value(uint64_t t) const;
    bool Out(uint64_t t) const;
    /// OUT rising edges in (0, d] ticks after a load.
    uint64_t RisesUpTo(uint64_t d) const;
    /// The next tick after `t` at which OUT changes, or UINT64_MAX (kCounting only).
    uint64_t NextTransition(uint64_t t) const;
    uint8_t Status(uint64_t t) const;
  };

  uint64_t NowTick() const;
  bool ReadByte(uint16_t port, uint8_t& value);
  void WriteByte(uint16_t port, uint8_t value);
  uint8_t ReadCounter(unsigned ch, uint64_t t);
  void WriteCounter(unsigned ch, uint8_t value, uint64_t t);
  void WriteControl(uint8_t value, uint64_t t);
  void LatchCount(Channel& c, uint64_t t);
  void LoadCount(Channel& c, uint64_t t);
  void SetGate(unsigned ch, bool gate, uint64_t t);
  uint8_t ReadPortB(uint64_t t);

  // Every change of a counter goes Begin(ch, t), change, End(ch, t): Begin applies a pending
  // reload and delivers IRQ0 edges due so far under the old programming, End drives IRQ0 to the
  // new OUT level and re-arms the timer.
  void Begin(unsigned ch, uint64_t t);
  void End(unsigned ch, uint64_t t);
  void ApplyPendingReload(unsigned ch, uint64_t t);
  void CatchUpIrq(uint64_t t);
  void RefreshIrq(uint64_t t);
  void OnTimer();

  Clock& clock_;
  IrqLine& irq0_;
  std::unique_ptr<Timer> timer_;
  /// Everything the guest and time can change (what save/restore will carry).
  struct State {
    std::array<Channel, pit::kChannels> channels;
    uint8_t port_b = 0;  ///< the writable bits of port 0x61
    bool irq_enabled = true;
    bool irq_level = false;
    uint64_t irq_synced_tick = 0;  ///< IRQ0 edges up to this tick have been delivered
    uint64_t irq_owed_rises = 0;   ///< rising edges found while applying a pending reload
  };
  State state_;
};

}  // namespace kiln::devices
