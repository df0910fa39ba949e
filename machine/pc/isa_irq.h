// How the PC wires an ISA interrupt line: into the 8259 pair and into the IOAPIC, as the
// PIIX3/ICH does (ISA IRQ 0 reaches IOAPIC pin 2; the MADT tells the OS with an interrupt source
// override). A device drives one IsaIrqLine and does not know which controller the OS uses.
// Two devices on one line (COM1 and COM3 on IRQ 4) are wired-OR: the line is high while either
// drives it high, so one lowering its request cannot hide the other's.
#pragma once

#include <array>
#include <cstdint>

#include "devices/io.h"

namespace kiln::machine {

class IsaIrqLine final : public devices::IrqLine {
 public:
  void Connect(devices::IrqLine* pic, devices::IrqLine* ioapic) { pic_ = pic, ioapic_ = ioapic; }
  /// The first device's input.
  void SetLevel(bool high) override { SetInput(0, high); }
  /// Inputs for further devices sharing the line (n = 1 .. kInputs - 1).
  devices::IrqLine& SharedInput(unsigned n) { return inputs_[n % kInputs]; }

 private:
  static constexpr unsigned kInputs = 4;
  class Input final : public devices::IrqLine {
   public:
    void SetLevel(bool high) override { owner->SetInput(bit, high); }
    IsaIrqLine* owner = nullptr;
    unsigned bit = 0;
  };
  void SetInput(unsigned bit, bool high) {
    levels_ = high ? levels_ | (1u << bit) : levels_ & ~(1u << bit);
    const bool level = levels_ != 0;
    if (pic_) pic_->SetLevel(level);
    if (ioapic_) ioapic_->SetLevel(level);
  }
  std::array<Input, kInputs> inputs_ = MakeInputs(this);
  static std::array<Input, kInputs> MakeInputs(IsaIrqLine* owner) {
    std::array<Input, kInputs> in;
    for (unsigned i = 0; i < kInputs; ++i) in[i].owner = owner, in[i].bit = i;
    return in;
  }
  uint32_t levels_ = 0;
  devices::IrqLine* pic_ = nullptr;
  devices::IrqLine* ioapic_ = nullptr;
};

/// The IOAPIC pin of ISA IRQ `irq`.
constexpr unsigned IsaIrqToGsi(unsigned irq) { return irq == 0 ? 2 : irq; }

}  // namespace kiln::machine
