// PciHost: configuration mechanism #1 on bus 0 and the reset control register.
#include "devices/pci_host.h"

#include "devices/isa_bytes.h"

namespace kiln::devices {

using namespace pci;

namespace {
constexpr uint8_t kRcrSysRst = 1u << 1;  ///< hard (system) reset rather than a CPU-only one
constexpr uint8_t kRcrRstCpu = 1u << 2;  ///< start the reset
constexpr uint16_t kDataEnd = kConfigDataPort + 4;
}  // namespace

PciHost::PciHost(MachineControl& control) : control_(control) {}

bool PciHost::AddDevice(unsigned slot, unsigned function, PciDevice* device) {
  if (slot >= kSlots || function >= kFunctions || !device || devices_[slot][function]) return false;
  devices_[slot][function] = device;
  return true;
}

PciDevice* PciHost::Device(unsigned slot, unsigned function) const {
  return slot < kSlots && function < kFunctions ? devices_[slot][function] : nullptr;
}

void PciHost::Reset() {
  config_address_ = 0;
  rcr_ = 0;
  for (auto& slot : devices_)
    for (PciDevice* d : slot)
      if (d) d->Reset();
}

PciDevice* PciHost::Selected() const {
  if (!(config_address_ & kConfigEnable)) return nullptr;
  if (((config_address_ >> kBusShift) & 0xFF) != 0) return nullptr;  // only bus 0 exists
  return devices_[(config_address_ >> kDeviceShift) & 0x1F][(config_address_ >> kFunctionShift) & 0x7];
}

uint32_t PciHost::PortRead(uint16_t port, unsigned size) {
  size = ClampPortSize(size);
  if (port == kConfigAddressPort && size == 4) return config_address_;
  if (port >= kConfigDataPort && port < kDataEnd) return ReadData(port, size);
  return ReadBytewise(port, size, [this](uint16_t p, uint8_t& byte) {
    if (p == kResetControlPort) {
      byte = rcr_;
      return true;
    }
    if (p >= kConfigDataPort && p < kDataEnd) {
      byte = static_cast<uint8_t>(ReadData(p, 1));
      return true;
    }
    return false;
  });
}

void PciHost::PortWrite(uint16_t port, unsigned size, uint32_t value) {
  size = ClampPortSize(size);
  if (port == kConfigAddressPort && size == 4) {
    config_address_ = value & ~uint32_t{3};
    return;
  }
  if (port >= kConfigDataPort && port < kDataEnd) {
    WriteData(port, size, value);
    return;
  }
  WriteBytewise(port, size, value, [this](uint16_t p, uint8_t byte) {
    if (p == kResetControlPort) {
      rcr_ = byte & kRcrSysRst;
      if (byte & kRcrRstCpu) control_.RequestReset();
    } else if (p >= kConfigDataPort && p < kDataEnd) {
      WriteData(p, 1, byte);
    }
  });
}

uint32_t PciHost::ReadData(uint16_t port, unsigned size) {
  const unsigned lane = port - kConfigDataPort;
  if (lane + size > 4) {  // runs past 0xCFF: the bytes beyond are ISA ports nobody decodes
    return ReadBytewise(port, size, [this](uint16_t p, uint8_t& byte) {
      if (p < kConfigDataPort || p >= kDataEnd) return false;
      byte = static_cast<uint8_t>(ReadData(p, 1));
      return true;
    });
  }
  PciDevice* d = Selected();
  if (!d) return MaskToSize(0xFFFFFFFFu, size);
  return d->ConfigRead((config_address_ & kRegisterMask) + lane, size);
}

void PciHost::WriteData(uint16_t port, unsigned size, uint32_t value) {
  const unsigned lane = port - kConfigDataPort;
  if (lane + size > 4) {
    WriteBytewise(port, size, value, [this](uint16_t p, uint8_t byte) {
      if (p >= kConfigDataPort && p < kDataEnd) WriteData(p, 1, byte);
    });
    return;
  }
  if (PciDevice* d = Selected()) d->ConfigWrite((config_address_ & kRegisterMask) + lane, size, value);
}

}  // namespace kiln::devices
