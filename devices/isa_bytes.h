// How an ISA bus feeds a wide port access to an 8-bit device: one byte cycle per port, port,
// port + 1, ... (PortBus hands the whole access to the device that claims its first port). Bytes
// whose port the device does not decode read as 0xFF and their writes are dropped.
#pragma once

#include <cstdint>

namespace kiln::devices {

/// A port access size as the device sees it: 1, 2 or 4; anything else is treated as 1.
inline unsigned ClampPortSize(unsigned size) { return size == 2 || size == 4 ? size : 1; }

/// Reads `size` bytes at consecutive ports with `read_byte(port, &byte) -> bool decoded`.
template <class ReadByte>
uint32_t ReadBytewise(uint16_t port, unsigned size, ReadByte&& read_byte) {
  size = ClampPortSize(size);
  uint32_t value = 0;
  for (unsigned i = 0; i < size; ++i) {
    uint8_t byte = 0xFF;
    if (!read_byte(static_cast<uint16_t>(port + i), byte)) byte = 0xFF;
    value |= static_cast<uint32_t>(byte) << (8 * i);
  }
  return value;
}

/// Writes `size` bytes of `value` at consecutive ports with `write_byte(port, byte)`.
template <class WriteByte>
void WriteBytewise(uint16_t port, unsigned size, uint32_t value, WriteByte&& write_byte) {
  size = ClampPortSize(size);
  for (unsigned i = 0; i < size; ++i) write_byte(static_cast<uint16_t>(port + i), static_cast<uint8_t>(value >> (8 * i)));
}

/// The value of a `size`-byte access, masked to its width.
inline uint32_t MaskToSize(uint32_t value, unsigned size) {
  size = ClampPortSize(size);
  return size == 4 ? value : value & ((1u << (8 * size)) - 1);
}

}  // namespace kiln::devices
