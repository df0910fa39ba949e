// How the PC wires an ISA interrupt line: into the 8259 pair and into the IOAPIC, as the
// PIIX3/ICH does (ISA IRQ 0 reaches IOAPIC pin 2; the MADT tells the OS with an interrupt source
// override). A device drives one IsaIrqLine and does not know which controller the OS uses.
#pragma once

#include "devices/io.h"

namespace kiln::machine {

class IsaIrqLine final : public devices::IrqLine {
 public:
  void Connect(devices::IrqLine* pic, devices::IrqLine* ioapic) { pic_ = pic, ioapic_ = ioapic; }
  void SetLevel(bool high) override {
    if (pic_) pic_->SetLevel(high);
    if (ioapic_) ioapic_->SetLevel(high);
  }

 private:
  devices::IrqLine* pic_ = nullptr;
  devices::IrqLine* ioapic_ = nullptr;
};

/// The IOAPIC pin of ISA IRQ `irq`.
constexpr unsigned IsaIrqToGsi(unsigned irq) { return irq == 0 ? 2 : irq; }

}  // namespace kiln::machine
