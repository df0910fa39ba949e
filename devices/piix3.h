// Piix3IsaBridge: PCI function 00:01.0 of Kiln's PC, the PCI-to-ISA bridge of the Intel 82371SB
// PIIX3 (8086:7000, class 06/01, multi-function header), after the PIIX3 datasheet (section 2.2
// "PCI to ISA bridge configuration registers") and QEMU's hw/isa/piix.c.
//
// What matters to the machine are the PIRQ route control registers 0x60-0x63 (PIRQRC[A:D]):
// bit 7 set disables the route (the reset value 0x80), bits 3-0 give the ISA IRQ a PIRQ line is
// steered to (3-7, 9-12, 14, 15; other values route nowhere). A PCI device's INTx reaches PIRQ
// PirqOf(slot, pin); the machine asks PirqIrq() where that goes in PIC mode, and is told through
// the route-change callback when the guest reprograms a register. The other device-specific
// registers hold their reset values and accept writes.
#pragma once

#include <array>
#include <functional>
#include <utility>

#include "devices/pci_device.h"

namespace kiln::devices {

class Piix3IsaBridge final : public PciDevice {
 public:
  static constexpr uint16_t kVendor = 0x8086, kDevice = 0x7000;
  static constexpr unsigned kPirqRouteControl = 0x60;  ///< 0x60-0x63: PIRQA-PIRQD
  static constexpr unsigned kPirqs = 4;
  static constexpr uint8_t kPirqDisable = 0x80;
  static constexpr uint8_t kPirqIrqMask = 0x0F;

  Piix3IsaBridge();

  /// The ISA IRQ PIRQ `pirq` (0-3 = A-D) is routed to, or -1 when disabled or reserved.
  int PirqIrq(unsigned pirq) const;
  /// The PIRQ that INTx `pin` (0 = INTA) of bus-0 device `slot` drives: the PIIX's rotation,
  /// (slot + pin - 1) mod 4, as QEMU wires it.
  static unsigned PirqOf(unsigned slot, unsigned pin) { return (slot + pin + 3) & 3; }

  /// Called after a guest write changed any PIRQ route, and after Reset().
  void SetRouteChangedCallback(std::function<void()> callback) { route_changed_ = std::move(callback); }

  void Reset() override;

 private:
  void ConfigWritten(unsigned offset, unsigned size) override;

  std::array<uint8_t, kPirqs> last_routes_{};
  std::function<void()> route_changed_;
};

}  // namespace kiln::devices
