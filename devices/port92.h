// SystemControlPortA: port 0x92, the PS/2-era "fast A20 and reset" register every PC chipset
// has (QEMU: hw/i386/port92.c). Bit 0 written as 1 (from 0) resets the machine; bit 1 is the
// A20 gate. Kiln has no A20 gate (address bit 20 is never masked, as on CPUs since Haswell
// without the legacy pin), so bit 1 is stored and read back but masks nothing. Firmware such as
// SeaBIOS reads the port, sets bit 1 and writes it back.
#pragma once

#include <cstdint>
#include <string>

#include "devices/io.h"
#include "devices/snapshot.h"

namespace kiln::devices {

class SystemControlPortA final : public PortHandler {
 public:
  static constexpr uint16_t kPort = 0x92;
  static constexpr uint8_t kFastReset = 1u << 0, kA20 = 1u << 1;

  explicit SystemControlPortA(MachineControl& control) : control_(control) {}

  /// Power-on: A20 set (Kiln's A20 is always on), the reset bit clear.
  void Reset() { value_ = kA20; }

  uint32_t PortRead(uint16_t port, unsigned size) override;
  void PortWrite(uint16_t port, unsigned size, uint32_t value) override;

  void Save(SnapshotWriter& w) const;
  bool Load(SnapshotReader& r, std::string& error);

 private:
  MachineControl& control_;
  uint8_t value_ = kA20;
};

}  // namespace kiln::devices
