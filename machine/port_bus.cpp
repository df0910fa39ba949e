// PortBus: a sorted list of claimed port ranges.
#include "machine/port_bus.h"

#include <algorithm>

namespace kiln::machine {

bool PortBus::Register(uint16_t first, uint32_t count, devices::PortHandler* handler, std::string& error) {
  const uint32_t end = uint32_t{first} + count;
  if (count == 0 || end > 0x10000) {
    error = "port range outside the 64 KiB I/O space";
    return false;
  }
  for (const Range& r : ranges_) {
    if (first < r.end && r.first < end) {
      error = "ports " + std::to_string(first) + "-" + std::to_string(end - 1) + " are already claimed";
      return false;
    }
  }
  ranges_.push_back({first, end, handler});
  std::sort(ranges_.begin(), ranges_.end(), [](const Range& a, const Range& b) { return a.first < b.first; });
  return true;
}

devices::PortHandler* PortBus::Find(uint16_t port) const {
  for (const Range& r : ranges_) {
    if (port >= r.first && port < r.end) return r.handler;
  }
  return nullptr;
}

uint32_t PortBus::Read(uint16_t port, unsigned size) {
  devices::PortHandler* h = Find(port);
  const uint32_t ones = size >= 4 ? 0xFFFFFFFFu : (1u << (8 * size)) - 1;
  return h ? h->PortRead(port, size) & ones : ones;
}

void PortBus::Write(uint16_t port, unsigned size, uint32_t value) {
  if (devices::PortHandler* h = Find(port)) h->PortWrite(port, size, value);
}

}  // namespace kiln::machine
