// PciDevice: one function's 256-byte PCI configuration space, as every PCI device of Kiln has it
// (PCI Local Bus Specification 3.0, chapter 6; QEMU hw/pci/pci.c for the write-mask model).
//
// Each byte has a write mask (which bits a guest may change) and a write-1-to-clear mask (the
// status register's error bits); a config write is applied byte by byte through them, so BAR
// size probing works by itself: the address bits below the BAR's size and its type bits are
// read-only. The header's read-only fields (IDs, class, header type, interrupt pin) are set by the
// subclass's constructor. Device-specific registers (0x40-0xFF) are plain read/write unless the
// subclass narrows their masks.
//
// Subclasses (the i440FX, the PIIX3; IDE and virtio later) override ConfigWritten() to react to a
// register change (a BAR moved, a routing register changed) and drive INTx through SetIntx().
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "devices/io.h"
#include "devices/snapshot.h"
#include "devices/pci_regs.h"

namespace kiln::devices {

class PciDevice {
 public:
  enum class BarKind { kIo, kMemory32, kMemory64 };

  virtual ~PciDevice() = default;
  PciDevice(const PciDevice&) = delete;
  PciDevice& operator=(const PciDevice&) = delete;

  /// `size` bytes (1, 2 or 4; other sizes read 1) at `offset`; bytes past 0xFF read as 0xFF.
  uint32_t ConfigRead(unsigned offset, unsigned size) const;
  /// Applies the write masks byte by byte, then calls ConfigWritten(offset, size).
  void ConfigWrite(unsigned offset, unsigned size, uint32_t value);

  /// Back to the power-on configuration (the masks stay); INTx is deasserted.
  virtual void Reset();

  /// Save/restore of the configuration space and INTx (snapshot.h). Load accepts only bytes a
  /// guest could have written (read-only bits must hold their power-on values), then drives INTx
  /// and calls ConfigWritten(0, pci::kConfigSize) so that subclasses re-derive their state.
  void Save(SnapshotWriter& w) const;
  bool Load(SnapshotReader& r, std::string& error);
  /// The INTx line the machine routes this function's interrupt pin to (may be nullptr).
  void SetIntxLine(IrqLine* line) { intx_line_ = line; }

  /// The address BAR `index` decodes now, or kUnmapped when its space is disabled in the command
  /// register, the BAR is not implemented, or it holds no address (0).
  static constexpr uint64_t kUnmapped = ~uint64_t{0};
  uint64_t BarAddress(unsigned index) const;
  uint64_t BarSize(unsigned index) const { return index < pci::kBars ? bar_size_[index] : 0; }

  uint16_t vendor_id() const { return Read16(pci::kVendorId); }
  uint16_t device_id() const { return Read16(pci::kDeviceId); }
  uint16_t command() const { return Read16(pci::kCommand); }

 protected:
  /// `class_code` is class << 16 | subclass << 8 | programming interface.
  PciDevice(uint16_t vendor_id, uint16_t device_id, uint32_t class_code, uint8_t revision, uint8_t header_type);

  /// Declares BAR `index` (a 64-bit BAR also takes index + 1): `size` a power of two, at least
  /// 4 bytes for I/O and 16 for memory. Call from the constructor.
  void DefineBar(unsigned index, BarKind kind, uint64_t size, bool prefetchable = false);
  /// 1-4 for INTA-INTD (read-only interrupt pin register).
  void SetInterruptPin(uint8_t pin);
  /// Asserts or deasserts INTx: the line follows unless INTX_DISABLE is set; status bit 3 tracks it.
  void SetIntx(bool asserted);

  /// Called after every config write (with the access as the guest made it).
  virtual void ConfigWritten(unsigned offset, unsigned size) {
    (void)offset, (void)size;
  }

  // Power-on values and masks, for constructors.
  void Init8(unsigned offset, uint8_t value, uint8_t wmask = 0x00) {
    config_[offset] = reset_[offset] = value, wmask_[offset] = wmask;
  }
  void Init16(unsigned offset, uint16_t value, uint16_t wmask = 0x0000);
  void SetWriteMask(unsigned offset, uint8_t wmask) { wmask_[offset & 0xFF] = wmask; }

  uint8_t Read8(unsigned offset) const { return config_[offset & 0xFF]; }
  uint16_t Read16(unsigned offset) const {
    return static_cast<uint16_t>(config_[offset & 0xFF] | (config_[(offset + 1) & 0xFF] << 8));
  }

 private:
  void UpdateIntx();

  std::array<uint8_t, pci::kConfigSize> config_{};
  std::array<uint8_t, pci::kConfigSize> reset_{};
  std::array<uint8_t, pci::kConfigSize> wmask_{};
  std::array<uint8_t, pci::kConfigSize> w1cmask_{};
  std::array<uint64_t, pci::kBars> bar_size_{};
  std::array<BarKind, pci::kBars> bar_kind_{};
  IrqLine* intx_line_ = nullptr;
  bool intx_asserted_ = false;
  bool intx_level_ = false;
};

}  // namespace kiln::devices
