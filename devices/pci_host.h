// PciHost: PCI configuration mechanism #1 of a PC chipset (PCI Local Bus Specification 3.0,
// section 3.2.2.3.2; Intel 440FX and PIIX3 datasheets; QEMU hw/pci/pci_host.c and
// hw/isa/piix.c), for bus 0, plus the PIIX3's reset control register at 0xCF9.
//
// Ports 0xCF8-0xCFF are one range:
// - 0xCF8, dword accesses only: CONFIG_ADDRESS (bit 31 enable, bus, device, function, register;
//   bits 1-0 read as 0). A byte or word access to 0xCF8-0xCFB is not a configuration cycle:
//   those bytes are ISA ports, of which only 0xCF9 (RCR) exists; the others read 0xFF.
// - 0xCFC-0xCFF: CONFIG_DATA, any width; port 0xCFC + n reaches byte n of the addressed dword.
//   Bytes of an access that run past 0xCFF are not ours (0xFF, dropped).
// A cycle with the enable bit clear, on a bus other than 0, or to a function nobody occupies
// reads all ones and writes nothing.
//
// RCR (0xCF9, PIIX3 datasheet 4.1.5): bit 1 SYS_RST selects a hard reset, bit 2 RST_CPU set
// starts the reset. Kiln has one kind of reset, the whole machine, so any write with RST_CPU calls
// MachineControl::RequestReset() (as QEMU does); bit 1 is kept and read back.
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "devices/io.h"
#include "devices/snapshot.h"
#include "devices/pci_device.h"
#include "devices/pci_regs.h"

namespace kiln::devices {

class PciHost final : public PortHandler {
 public:
  explicit PciHost(MachineControl& control);
  PciHost(const PciHost&) = delete;
  PciHost& operator=(const PciHost&) = delete;

  /// Puts `device` at 00:slot.function (the host keeps the pointer; the caller owns the device).
  /// False when the place is taken or out of range.
  bool AddDevice(unsigned slot, unsigned function, PciDevice* device);
  /// The function at 00:slot.function, or nullptr.
  PciDevice* Device(unsigned slot, unsigned function) const;

  /// CONFIG_ADDRESS 0 and RCR 0; resets every device.
  void Reset();

  /// Register for ports [0xCF8, 0xCF8 + 8).
  uint32_t PortRead(uint16_t port, unsigned size) override;
  void PortWrite(uint16_t port, unsigned size, uint32_t value) override;


  /// Save/restore of the guest-visible state (snapshot.h); Load validates every field as a guest
  /// write would be, changes nothing when it fails, and re-arms the timers and output lines.
  void Save(SnapshotWriter& w) const;
  bool Load(SnapshotReader& r, std::string& error);
  uint32_t config_address() const { return config_address_; }

 private:
  /// The device CONFIG_ADDRESS selects, or nullptr (disabled, another bus, nobody there).
  PciDevice* Selected() const;
  uint32_t ReadData(uint16_t port, unsigned size);
  void WriteData(uint16_t port, unsigned size, uint32_t value);

  MachineControl& control_;
  std::array<std::array<PciDevice*, pci::kFunctions>, pci::kSlots> devices_{};
  uint32_t config_address_ = 0;
  uint8_t rcr_ = 0;
};

}  // namespace kiln::devices
