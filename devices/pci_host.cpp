// PciHost: configuration mechanism #1 on bus 0 and the reset control register.
#include "devices/pci_host.h"

#include <utility>
#include <vector>

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

// --- save/restore ---

namespace {
constexpr uint32_t kPciHostSnapshotVersion = 1;
}

void PciHost::Save(SnapshotWriter& w) const {
  w.BeginSection("pci-host", kPciHostSnapshotVersion);
  w.U32(config_address_);
  w.U8(rcr_);
  unsigned count = 0;
  for (const auto& slot : devices_)
    for (const PciDevice* device : slot) count += device != nullptr;
  w.U8(static_cast<uint8_t>(count));
  for (unsigned s = 0; s < kSlots; ++s) {
    for (unsigned f = 0; f < kFunctions; ++f) {
      if (!devices_[s][f]) continue;
      w.U8(static_cast<uint8_t>(s));
      w.U8(static_cast<uint8_t>(f));
      devices_[s][f]->Save(w);
    }
  }
  w.EndSection();
}

// All or nothing: each function's configuration is saved before it is loaded and put back if a
// later part of the snapshot fails.
bool PciHost::Load(SnapshotReader& r, std::string& error) {
  uint32_t address = 0;
  uint8_t rcr = 0;
  std::vector<std::pair<PciDevice*, std::vector<uint8_t>>> undo;
  if (r.BeginSection("pci-host", kPciHostSnapshotVersion)) {
    address = r.U32();
    rcr = r.U8();
    if (address & 3) r.Fail("CONFIG_ADDRESS with bits 1-0 set");
    if (rcr & ~kRcrSysRst) r.Fail("RCR bits that are not stored");
    unsigned present = 0;
    for (const auto& slot : devices_)
      for (const PciDevice* device : slot) present += device != nullptr;
    const unsigned count = r.U8();
    if (r.ok() && count != present)
      r.Fail(std::to_string(count) + " PCI functions saved, this board has " + std::to_string(present));
    for (unsigned i = 0; i < count && r.ok(); ++i) {
      const unsigned slot = r.U8(), function = r.U8();
      PciDevice* device = Device(slot, function);
      if (!r.ok()) break;
      if (!device) {
        r.Fail("no PCI function at 00:" + std::to_string(slot) + "." + std::to_string(function));
        break;
      }
      for (const auto& [done, bytes] : undo)
        if (done == device) r.Fail("PCI function saved twice");
      SnapshotWriter before;
      device->Save(before);
      undo.emplace_back(device, before.data());
      std::string ignored;  // the reader keeps the error for the Finish below
      device->Load(r, ignored);
    }
    r.EndSection();
  }
  if (!r.Finish(error)) {
    for (auto it = undo.rbegin(); it != undo.rend(); ++it) {
      SnapshotReader back(it->second);
      std::string ignored;
      it->first->Load(back, ignored);  // its own Save: always valid
    }
    return false;
  }
  config_address_ = address;
  rcr_ = rcr;
  return true;
}

}  // namespace kiln::devices
