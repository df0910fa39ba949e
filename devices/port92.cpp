// Port 0x92: stored bits, and a reset on a rising bit 0.
#include "devices/port92.h"

namespace kiln::devices {
namespace {
constexpr uint32_t kSnapshotVersion = 1;
}  // namespace

uint32_t SystemControlPortA::PortRead(uint16_t port, unsigned size) {
  (void)port;
  // One byte register; the bytes of a wider read above it are unclaimed ports (0xFF).
  return size == 1 ? value_ : (0xFFFFFFFFu << 8 | value_) & (size == 2 ? 0xFFFFu : 0xFFFFFFFFu);
}

void SystemControlPortA::PortWrite(uint16_t port, unsigned size, uint32_t value) {
  (void)port;
  (void)size;
  const auto byte = static_cast<uint8_t>(value);
  const bool reset = (byte & kFastReset) && !(value_ & kFastReset);
  // The reset bit reads back as written until the reset happens (QEMU keeps it, and clears it
  // on the reset).
  value_ = byte;
  if (reset) control_.RequestReset();
}

void SystemControlPortA::Save(SnapshotWriter& w) const {
  w.BeginSection("port92", kSnapshotVersion);
  w.U8(value_);
  w.EndSection();
}

bool SystemControlPortA::Load(SnapshotReader& r, std::string& error) {
  uint8_t value = kA20;
  if (r.BeginSection("port92", kSnapshotVersion)) {
    value = r.U8();
    r.EndSection();
  }
  if (!r.Finish(error)) return false;
  value_ = value;
  return true;
}

}  // namespace kiln::devices
