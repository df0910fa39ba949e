// DebugCon: port-E9 console (QEMU hw/char/debugcon.c behaviour: write a byte, read the readback).
#include "devices/debugcon.h"

#include "devices/isa_bytes.h"

namespace kiln::devices {

uint32_t DebugCon::PortRead(uint16_t port, unsigned size) {
  return ReadBytewise(port, size, [&](uint16_t p, uint8_t& byte) {
    if (p != base_) return false;
    byte = readback_;
    return true;
  });
}

void DebugCon::PortWrite(uint16_t port, unsigned size, uint32_t value) {
  WriteBytewise(port, size, value, [&](uint16_t p, uint8_t byte) {
    if (p == base_) backend_.Write(&byte, 1);
  });
}

}  // namespace kiln::devices
