// PcTestdev: QEMU pc-testdev behaviour (hw/misc/pc-testdev.c) over Kiln's port and MMIO handlers.
#include "devices/pc_testdev.h"

#include <algorithm>

#include "devices/isa_bytes.h"

namespace kiln::devices {

using namespace pc_testdev;

PcTestdev::PcTestdev(std::span<IrqLine* const> irq_lines) : iomem_(kIomemSize, 0) {
  std::copy_n(irq_lines.begin(), std::min<size_t>(irq_lines.size(), lines_.size()), lines_.begin());
}

void PcTestdev::Reset() {
  scratch_ = 0;
  std::fill(iomem_.begin(), iomem_.end(), 0);
}

uint32_t PcTestdev::PortRead(uint16_t port, unsigned size) {
  size = ClampPortSize(size);
  if (port >= kScratchPort && port < kScratchPort + kScratchPorts) {
    // One access at a byte offset: the bytes past the register's end are not decoded.
    return ReadBytewise(port, size, [&](uint16_t p, uint8_t& byte) {
      return p - kScratchPort < kScratchPorts && ScratchByte(p - kScratchPort, byte);
    });
  }
  if (port >= kScratchBytePort && port < kScratchBytePort + kScratchBytePorts) {
    return ReadBytewise(port, size, [&](uint16_t p, uint8_t& byte) {
      return p - kScratchBytePort < kScratchBytePorts && ScratchByte(p - kScratchBytePort, byte);
    });
  }
  if (port >= kFlushPort && port < kFlushPort + kFlushPorts) return 0;
  if (port >= kIrqLinePort && port < kIrqLinePort + kIrqLines) return 0;
  return MaskToSize(0xFFFFFFFF, size);
}

bool PcTestdev::ScratchByte(unsigned index, uint8_t& byte) const {
  if (index >= 4) return false;
  byte = static_cast<uint8_t>(scratch_ >> (8 * index));
  return true;
}

void PcTestdev::PortWrite(uint16_t port, unsigned size, uint32_t value) {
  size = ClampPortSize(size);
  auto write_scratch = [&](uint16_t first) {
    WriteBytewise(port, size, value, [&](uint16_t p, uint8_t byte) {
      const unsigned index = p - first;
      if (index >= 4) return;
      scratch_ = (scratch_ & ~(0xFFu << (8 * index))) | (static_cast<uint32_t>(byte) << (8 * index));
    });
  };
  if (port >= kScratchPort && port < kScratchPort + kScratchPorts) {
    write_scratch(kScratchPort);
  } else if (port >= kScratchBytePort && port < kScratchBytePort + kScratchBytePorts) {
    write_scratch(kScratchBytePort);
  } else if (port == kFlushPort && size == 4) {  // QEMU: 4-byte accesses only
    if (flush_) flush_(value & ~0xFFFull);
  } else if (port >= kIrqLinePort && port < kIrqLinePort + kIrqLines && size == 1) {  // byte only
    if (IrqLine* line = lines_[port - kIrqLinePort]) line->SetLevel((value & 0xFF) != 0);
  }
}

uint64_t PcTestdev::MmioRead(uint64_t offset, unsigned size) {
  if (size == 0 || size > 8 || offset >= kIomemSize || size > kIomemSize - offset) return ~0ull;
  uint64_t value = 0;  // guest memory is little-endian whatever the host
  for (unsigned i = 0; i < size; ++i) value |= static_cast<uint64_t>(iomem_[offset + i]) << (8 * i);
  return value;
}

void PcTestdev::MmioWrite(uint64_t offset, unsigned size, uint64_t value) {
  if (size == 0 || size > 8 || offset >= kIomemSize || size > kIomemSize - offset) return;
  for (unsigned i = 0; i < size; ++i) iomem_[offset + i] = static_cast<uint8_t>(value >> (8 * i));
}

// --- save/restore ---

namespace {
constexpr uint32_t kPcTestdevSnapshotVersion = 1;
}

// The IRQ lines' levels are not state of the testdev (it only forwards writes): the interrupt
// controllers' snapshots hold their input levels.
void PcTestdev::Save(SnapshotWriter& w) const {
  w.BeginSection("pc-testdev", kPcTestdevSnapshotVersion);
  w.U32(scratch_);
  w.Bytes(iomem_);
  w.EndSection();
}

bool PcTestdev::Load(SnapshotReader& r, std::string& error) {
  uint32_t scratch = 0;
  std::vector<uint8_t> iomem(kIomemSize, 0);
  if (r.BeginSection("pc-testdev", kPcTestdevSnapshotVersion)) {
    scratch = r.U32();
    r.Bytes(iomem);
    r.EndSection();
  }
  if (!r.Finish(error)) return false;
  scratch_ = scratch;
  iomem_ = std::move(iomem);
  return true;
}

}  // namespace kiln::devices
