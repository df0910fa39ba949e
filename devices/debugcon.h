// DebugCon: the Bochs/QEMU debug console ("port E9"): every byte written to its one port goes to
// a character backend; a read returns the readback value (0xE9), which is how guests detect it.
// QEMU's -debugcon uses iobase 0xe9; SeaBIOS's debug output uses 0x402. One port, byte access:
// a wider access reaches only its first byte (the next ports are not decoded here).
#pragma once

#include <cstdint>

#include "devices/io.h"

namespace kiln::devices {

class DebugCon final : public PortHandler {
 public:
  static constexpr uint16_t kDefaultBase = 0xe9;
  static constexpr uint8_t kDefaultReadback = 0xe9;

  explicit DebugCon(CharBackend& backend, uint16_t base = kDefaultBase, uint8_t readback = kDefaultReadback)
      : backend_(backend), base_(base), readback_(readback) {}

  uint16_t base() const { return base_; }
  uint32_t PortRead(uint16_t port, unsigned size) override;
  void PortWrite(uint16_t port, unsigned size, uint32_t value) override;

 private:
  CharBackend& backend_;
  uint16_t base_;
  uint8_t readback_;
};

}  // namespace kiln::devices
