// PciDevice: configuration space with write masks (PCI Local Bus Specification 3.0, chapter 6).
#include "devices/pci_device.h"

namespace kiln::devices {

using namespace pci;

PciDevice::PciDevice(uint16_t vendor_id, uint16_t device_id, uint32_t class_code, uint8_t revision,
                     uint8_t header_type) {
  Init16(kVendorId, vendor_id);
  Init16(kDeviceId, device_id);
  Init16(kCommand, 0, kCommandWritable);
  Init16(kStatus, 0);
  w1cmask_[kStatus] = static_cast<uint8_t>(kStatusWriteOneToClear);
  w1cmask_[kStatus + 1] = static_cast<uint8_t>(kStatusWriteOneToClear >> 8);
  Init8(kRevisionId, revision);
  for (unsigned i = 0; i < 3; ++i) Init8(kClassCode + i, static_cast<uint8_t>(class_code >> (8 * i)));
  Init8(kCacheLineSize, 0, 0xFF);
  Init8(kLatencyTimer, 0, 0xFF);
  Init8(kHeaderType, header_type);
  Init8(kInterruptLine, 0, 0xFF);  // scratch for the OS: which IRQ it routed INTx to
  for (unsigned i = kDeviceSpecific; i < kConfigSize; ++i) wmask_[i] = 0xFF;
}

void PciDevice::Init16(unsigned offset, uint16_t value, uint16_t wmask) {
  Init8(offset, static_cast<uint8_t>(value), static_cast<uint8_t>(wmask));
  Init8(offset + 1, static_cast<uint8_t>(value >> 8), static_cast<uint8_t>(wmask >> 8));
}

void PciDevice::DefineBar(unsigned index, BarKind kind, uint64_t size, bool prefetchable) {
  const bool wide = kind == BarKind::kMemory64;
  if (index >= kBars || (wide && index + 1 >= kBars) || size == 0 || (size & (size - 1)) != 0) return;
  const uint64_t min = kind == BarKind::kIo ? 4 : 16;
  if (size < min) size = min;
  if (kind != BarKind::kMemory64 && size > 0x80000000u) return;
  uint32_t type = 0;
  uint64_t address_bits = 0;
  switch (kind) {
    case BarKind::kIo: type = kBarIo, address_bits = 0xFFFFFFFCu; break;
    case BarKind::kMemory32: type = prefetchable ? kBarPrefetchable : 0, address_bits = 0xFFFFFFF0u; break;
    case BarKind::kMemory64:
      type = kBarMem64 | (prefetchable ? kBarPrefetchable : 0), address_bits = ~uint64_t{0xF};
      break;
  }
  const uint64_t wmask = address_bits & ~(size - 1);
  const unsigned offset = kBar0 + 4 * index;
  for (unsigned i = 0; i < (wide ? 8u : 4u); ++i)
    Init8(offset + i, i == 0 ? static_cast<uint8_t>(type) : 0, static_cast<uint8_t>(wmask >> (8 * i)));
  bar_size_[index] = size;
  bar_kind_[index] = kind;
  if (wide) bar_size_[index + 1] = 0, bar_kind_[index + 1] = kind;  // the upper half
}

void PciDevice::SetInterruptPin(uint8_t pin) { Init8(kInterruptPin, pin <= 4 ? pin : 0); }

uint32_t PciDevice::ConfigRead(unsigned offset, unsigned size) const {
  if (size != 2 && size != 4) size = 1;
  uint32_t value = 0;
  for (unsigned i = 0; i < size; ++i) {
    const uint64_t at = static_cast<uint64_t>(offset) + i;
    value |= static_cast<uint32_t>(at < kConfigSize ? config_[at] : 0xFF) << (8 * i);
  }
  return value;
}

void PciDevice::ConfigWrite(unsigned offset, unsigned size, uint32_t value) {
  if (size != 2 && size != 4) size = 1;
  for (unsigned i = 0; i < size; ++i) {
    const uint64_t at = static_cast<uint64_t>(offset) + i;
    if (at >= kConfigSize) break;
    const uint8_t byte = static_cast<uint8_t>(value >> (8 * i));
    config_[at] = static_cast<uint8_t>((config_[at] & ~wmask_[at]) | (byte & wmask_[at]));
    config_[at] = static_cast<uint8_t>(config_[at] & ~(byte & w1cmask_[at]));
  }
  UpdateIntx();  // INTX_DISABLE may have changed
  ConfigWritten(offset, size);
}

void PciDevice::Reset() {
  config_ = reset_;
  intx_asserted_ = false;
  UpdateIntx();
}

uint64_t PciDevice::BarAddress(unsigned index) const {
  if (index >= kBars || bar_size_[index] == 0) return kUnmapped;
  const unsigned offset = kBar0 + 4 * index;
  const uint64_t size = bar_size_[index];
  uint64_t address = ConfigRead(offset, 4);
  switch (bar_kind_[index]) {
    case BarKind::kIo:
      if (!(command() & kCommandIo)) return kUnmapped;
      address &= ~uint64_t{3};
      // The x86 port space is 64 KiB: a window that does not fit is not decoded.
      if (address == 0 || address + size > 0x10000) return kUnmapped;
      return address;
    case BarKind::kMemory32:
      if (!(command() & kCommandMemory)) return kUnmapped;
      address &= ~uint64_t{0xF};
      if (address == 0 || address + size - 1 > 0xFFFFFFFFu) return kUnmapped;
      return address;
    case BarKind::kMemory64:
      if (!(command() & kCommandMemory)) return kUnmapped;
      address = (address & ~uint64_t{0xF}) | (static_cast<uint64_t>(ConfigRead(offset + 4, 4)) << 32);
      if (address == 0 || address + (size - 1) < address) return kUnmapped;
      return address;
  }
  return kUnmapped;
}

void PciDevice::SetIntx(bool asserted) {
  intx_asserted_ = asserted;
  UpdateIntx();
}

void PciDevice::UpdateIntx() {
  if (intx_asserted_) {
    config_[kStatus] = static_cast<uint8_t>(config_[kStatus] | kStatusInterrupt);
  } else {
    config_[kStatus] = static_cast<uint8_t>(config_[kStatus] & ~kStatusInterrupt);
  }
  const bool level = intx_asserted_ && !(command() & kCommandIntxDisable);
  if (level == intx_level_) return;
  intx_level_ = level;
  if (intx_line_) intx_line_->SetLevel(level);
}

// --- save/restore ---

namespace {
constexpr uint32_t kPciFunctionSnapshotVersion = 1;
}

void PciDevice::Save(SnapshotWriter& w) const {
  w.BeginSection("pci-function", kPciFunctionSnapshotVersion);
  w.Bytes(config_);
  w.Bool(intx_asserted_);
  w.EndSection();
}

bool PciDevice::Load(SnapshotReader& r, std::string& error) {
  std::array<uint8_t, kConfigSize> config{};
  bool asserted = false;
  if (r.BeginSection("pci-function", kPciFunctionSnapshotVersion)) {
    r.Bytes(config);
    asserted = r.Bool();
    // A byte may differ from its power-on value only in bits a guest can write or the device
    // sets (write-1-to-clear status); the interrupt status bit must match INTx.
    for (unsigned i = 0; i < kConfigSize; ++i) {
      uint8_t fixed = static_cast<uint8_t>(~(wmask_[i] | w1cmask_[i]));
      if (i == kStatus) fixed = static_cast<uint8_t>(fixed & ~kStatusInterrupt);
      if ((config[i] ^ reset_[i]) & fixed) {
        r.Fail("configuration byte " + std::to_string(i) + " differs in read-only bits");
        break;
      }
    }
    if (((config[kStatus] & kStatusInterrupt) != 0) != asserted) r.Fail("interrupt status differs from INTx");
    r.EndSection();
  }
  if (!r.Finish(error)) return false;
  config_ = config;
  intx_asserted_ = asserted;
  intx_level_ = !(asserted && !(command() & kCommandIntxDisable));  // forces UpdateIntx to drive the line
  UpdateIntx();
  ConfigWritten(0, kConfigSize);
  return true;
}

}  // namespace kiln::devices
