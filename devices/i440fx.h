// I440fxHostBridge: PCI function 00:00.0 of Kiln's PC, the Intel 82441FX host bridge (8086:1237,
// class 06/00, revision 2) as QEMU's hw/pci-host/i440fx.c presents it. It has no BARs and no
// interrupt; its device-specific registers (PAM 0x59-0x5F, DRB, SMRAM 0x72...) are stored and
// read back but change nothing: Kiln boots without a BIOS, so there is no shadow RAM to control.
#pragma once

#include "devices/pci_device.h"

namespace kiln::devices {

class I440fxHostBridge final : public PciDevice {
 public:
  static constexpr uint16_t kVendor = 0x8086, kDevice = 0x1237;
  static constexpr unsigned kSmram = 0x72;

  I440fxHostBridge() : PciDevice(kVendor, kDevice, 0x060000, 0x02, 0x00) {
    Init16(pci::kCommand, pci::kCommandMemory | pci::kCommandMaster, pci::kCommandWritable);
    Init16(pci::kStatus, pci::kStatusDevselMedium | 0x0080);  // medium DEVSEL, fast back-to-back
    Init8(kSmram, 0x02, 0xFF);  // SMRAM: C_BASE_SEG = 010 (the A/B segment)
  }
};

}  // namespace kiln::devices
