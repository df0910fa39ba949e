// PortBus: the x86 I/O port space (64 KiB ports). Devices register the port ranges they decode;
// an access to a port nobody claims reads as all ones and its writes are dropped, as on a PC.
// A 2- or 4-byte access goes to the device that claims its first port (as ISA devices decode
// it); a device that wants byte lanes splits the access itself.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "devices/io.h"

namespace kiln::machine {

class PortBus {
 public:
  /// Claims ports [first, first + count). False with `error` when they overlap a claimed range.
  bool Register(uint16_t first, uint32_t count, devices::PortHandler* handler, std::string& error);
  uint32_t Read(uint16_t port, unsigned size);
  void Write(uint16_t port, unsigned size, uint32_t value);

 private:
  struct Range {
    uint32_t first, end;  ///< [first, end)
    devices::PortHandler* handler;
  };
  devices::PortHandler* Find(uint16_t port) const;
  std::vector<Range> ranges_;
};

}  // namespace kiln::machine
