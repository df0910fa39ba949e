// IoApic: the I/O APIC of a PC (82093AA register model, version 0x20 as QEMU's hw/intc/ioapic.c):
// 24 input pins, each with a redirection entry that turns a pin's request into an APIC message
// sent on the ApicBus. Edge-triggered pins send on the rising edge (ignored while masked);
// level-triggered pins send while the pin is asserted and Remote IRR is clear, set Remote IRR,
// and send again after the local APIC's EOI (Eoi()) or an EOI-register write if still asserted.
//
// Polarity: as in QEMU, the pin levels given to Line(n) are logical ("asserted"); the board's
// active-low PCI lines are inverted before they get here. The polarity bit is stored and read
// back, nothing more.
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "devices/apic_bus.h"
#include "devices/io.h"
#include "devices/snapshot.h"
#include "devices/io_apic_regs.h"

namespace kiln::devices {

class IoApic final : public MmioHandler {
 public:
  IoApic(ApicBus& bus, uint8_t id = 0);
  IoApic(const IoApic&) = delete;
  IoApic& operator=(const IoApic&) = delete;

  /// Reset: every entry masked (edge, vector 0), IOREGSEL 0, ID as constructed; pin levels stay.
  void Reset();

  /// The input for pin n (0-23); any other n returns a line that goes nowhere.
  IrqLine& Line(unsigned pin);

  /// A local APIC's EOI of a level-triggered vector (wire LocalApic::SetEoiCallback here):
  /// clears Remote IRR of the level-triggered entries with this vector and re-sends those whose
  /// pin is still asserted.
  void Eoi(uint8_t vector);

  /// IOREGSEL (0x00, any size), IOWIN (0x10, 4 bytes, or 8 with the upper half ignored), EOI
  /// (0x40, write). Other offsets and sizes read 0 and ignore writes.
  uint64_t MmioRead(uint64_t offset, unsigned size) override;
  void MmioWrite(uint64_t offset, unsigned size, uint64_t value) override;

  /// Save/restore of the guest-visible state (snapshot.h); Load validates every field as a guest
  /// write would be, changes nothing when it fails, and re-arms the timers and output lines.
  void Save(SnapshotWriter& w) const;
  bool Load(SnapshotReader& r, std::string& error);

  // Inspection (tests, monitors)
  uint64_t entry(unsigned pin) const { return pin < ioapic::kPins ? state_.redirection[pin] : 0; }
  bool pin_level(unsigned pin) const { return pin < ioapic::kPins && (state_.levels >> pin) & 1; }

 private:
  struct State {
    uint8_t id = 0;
    uint8_t regsel = 0;
    uint32_t levels = 0;  ///< asserted pins
    uint32_t irr = 0;     ///< requests waiting to be sent (edge latched, level while asserted)
    std::array<uint64_t, ioapic::kPins> redirection{};
  };

  class Input final : public IrqLine {
   public:
    void SetLevel(bool high) override;
    IoApic* ioapic = nullptr;
    unsigned pin = 0;  ///< kPins for the line that goes nowhere
  };

  void SetPin(unsigned pin, bool level);
  uint32_t ReadRegister(uint8_t index) const;
  void WriteRegister(uint8_t index, uint32_t value);
  /// Sends every pending, unmasked request that may go now.
  void Service();

  ApicBus& bus_;
  const uint8_t initial_id_;
  std::array<Input, ioapic::kPins + 1> inputs_;
  State state_;
};

}  // namespace kiln::devices
