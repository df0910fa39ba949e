// PcTestdev: QEMU's pc-testdev, the helper device of kvm-unit-tests: a scratch I/O register, a
// "flush this page" port, direct control of 24 interrupt lines, and 64 KiB of MMIO-backed memory.
// The port map is in pc_testdev_regs.h; the machine registers the ranges it wants (the 0xe8 byte
// window collides with a DebugCon at 0xe9, as it does in QEMU).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <functional>
#include <span>
#include <vector>

#include "devices/io.h"
#include "devices/snapshot.h"
#include "devices/pc_testdev_regs.h"

namespace kiln::devices {

class PcTestdev final : public PortHandler, public MmioHandler {
 public:
  /// `irq_lines[n]` is driven by port 0x2000 + n (n < 24); nullptr or missing entries are not
  /// connected (writes to them are ignored).
  explicit PcTestdev(std::span<IrqLine* const> irq_lines = {});

  /// Called with the page address (value & ~0xfff) of a 4-byte write to the flush port; the
  /// machine drops its TLB entries / host-page caches for that page. Unset: the write is ignored.
  void SetFlushHandler(std::function<void(uint64_t page)> handler) { flush_ = std::move(handler); }

  /// The scratch register and the memory go back to zero.
  void Reset();


  /// Save/restore of the guest-visible state (snapshot.h); Load validates every field as a guest
  /// write would be, changes nothing when it fails, and re-arms the timers and output lines.
  void Save(SnapshotWriter& w) const;
  bool Load(SnapshotReader& r, std::string& error);
  uint32_t PortRead(uint16_t port, unsigned size) override;
  void PortWrite(uint16_t port, unsigned size, uint32_t value) override;
  /// `offset` from kIomemBase; an access reaching past 64 KiB reads as all ones / is dropped.
  uint64_t MmioRead(uint64_t offset, unsigned size) override;
  void MmioWrite(uint64_t offset, unsigned size, uint64_t value) override;

 private:
  bool ScratchByte(unsigned index, uint8_t& byte) const;

  std::array<IrqLine*, pc_testdev::kIrqLines> lines_{};
  std::function<void(uint64_t)> flush_;
  uint32_t scratch_ = 0;
  std::vector<uint8_t> iomem_;
};

}  // namespace kiln::devices
