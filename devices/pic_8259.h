// Pic8259Pair: the two cascaded 8259A interrupt controllers of a PC (master at 0x20/0x21, slave at
// 0xa0/0xa1 on the master's IRQ2, edge/level control at 0x4d0/0x4d1), after the 8259A datasheet
// and QEMU's hw/intc/i8259.c: ICW1-4 initialisation, masks, specific/non-specific and rotating
// EOI, set-priority, auto-EOI (with rotation), special mask mode, special fully nested mode,
// poll mode, IRR/ISR reads, edge and level triggering (per input by the ELCR, or for a whole chip
// by ICW1's LTIM bit, as QEMU does), spurious IRQ7 / IRQ15.
//
// For the CPU: InterruptPending() is the INTR pin; Acknowledge() is the INTA cycle (returns the
// vector, sets ISR, clears IRR for edge-triggered inputs, resolves the cascade; with nothing to
// deliver it returns the spurious vector base+7 of the master, or of the slave with the master's
// IRQ2 in service). SetIntrOutput() gives a line the pair drives whenever INTR changes.
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "devices/io.h"
#include "devices/snapshot.h"
#include "devices/pic_8259_regs.h"

namespace kiln::devices {

class Pic8259Pair final : public PortHandler {
 public:
  Pic8259Pair();
  Pic8259Pair(const Pic8259Pair&) = delete;
  Pic8259Pair& operator=(const Pic8259Pair&) = delete;

  /// Power-on state of both chips (uninitialised, masks clear, ELCR all edge); INTR goes low.
  void Reset();

  /// The input for IRQ n (0-15). IRQ2 is the cascade: a device's request on it is ignored (ISA
  /// routes IRQ2 to IRQ9). Any other n returns a line that goes nowhere.
  IrqLine& Line(unsigned n);

  /// The INTR pin: high when the master has an unmasked request of higher priority than what is
  /// in service.
  bool InterruptPending() const { return intr_; }
  /// The INTA cycle: the vector to deliver, with ISR/IRR updated. Call it when the CPU accepts
  /// the interrupt (IF = 1, between instructions); it may be called with nothing pending (the
  /// request went away): then it returns the spurious vector.
  uint8_t Acknowledge();
  /// `intr` (may be nullptr) follows InterruptPending(): SetLevel() is called when it changes.
  void SetIntrOutput(IrqLine* intr);

  /// Ports 0x20-0x21, 0xa0-0xa1, 0x4d0-0x4d1; byte registers, wider accesses split per port.
  uint32_t PortRead(uint16_t port, unsigned size) override;
  void PortWrite(uint16_t port, unsigned size, uint32_t value) override;

  /// Save/restore of the guest-visible state (snapshot.h); Load validates every field as a guest
  /// write would be, changes nothing when it fails, and re-arms the timers and output lines.
  void Save(SnapshotWriter& w) const;
  bool Load(SnapshotReader& r, std::string& error);

  // Inspection (tests, monitors): 0 = master, 1 = slave.
  uint8_t irr(unsigned chip) const { return chips_[chip & 1].irr; }
  uint8_t isr(unsigned chip) const { return chips_[chip & 1].isr; }
  uint8_t imr(unsigned chip) const { return chips_[chip & 1].imr; }
  uint8_t vector_base(unsigned chip) const { return chips_[chip & 1].irq_base; }

 private:
  struct Chip {
    bool master = false;
    uint8_t last_irr = 0;  ///< input levels seen (edge detection)
    uint8_t irr = 0, imr = 0, isr = 0;
    uint8_t priority_add = 0;  ///< the level with the highest priority
    uint8_t irq_base = 0;
    uint8_t init_state = 0;  ///< 0 = ready; 1, 2, 3 = expecting ICW2, ICW3, ICW4
    bool init4 = false, single = false;
    bool read_isr = false, poll = false, special_mask = false;
    bool auto_eoi = false, rotate_on_auto_eoi = false, special_fully_nested = false;
    uint8_t elcr = 0, elcr_mask = 0;
    bool ltim = false;  ///< ICW1 level-triggered mode: every input of this chip is level-triggered

    bool IsLevel(uint8_t bit) const { return ltim || (elcr & bit) != 0; }

    void InitReset();
    /// Highest-priority position (0 = highest) among `mask`'s bits; 8 when none.
    int Priority(uint8_t mask) const;
    /// The IRQ (0-7) this chip wants to signal, or -1.
    int PendingIrq() const;
    void SetInput(unsigned irq, bool level);
    void Intack(unsigned irq);
    void WriteCommand(uint8_t value);
    void WriteData(uint8_t value);
  };

  class Input final : public IrqLine {
   public:
    void SetLevel(bool high) override;
    Pic8259Pair* pic = nullptr;
    unsigned irq = 0;  ///< 0-15, or 16 for the line that goes nowhere
  };

  bool ReadByte(uint16_t port, uint8_t& value);
  void WriteByte(uint16_t port, uint8_t value);
  uint8_t PollRead(unsigned chip);
  /// Propagates the slave's INT into the master's IRQ2 and the master's into INTR.
  void Update();

  std::array<Chip, 2> chips_;
  std::array<Input, 17> inputs_;
  IrqLine* intr_out_ = nullptr;
  bool intr_ = false;
};

}  // namespace kiln::devices
