// IsaDebugExit: QEMU's isa-debug-exit. Any write of V to its ports stops the machine with exit
// status (V << 1) | 1, so a test guest can report success or failure (kvm-unit-tests use
// `-device isa-debug-exit,iobase=0xf4,iosize=4` and `outl(code, 0xf4)`).
#pragma once

#include <cstdint>

#include "devices/io.h"

namespace kiln::devices {

class IsaDebugExit final : public PortHandler {
 public:
  /// QEMU's property defaults (iobase=0x501, iosize=2) and the kvm-unit-tests setting.
  static constexpr uint16_t kDefaultBase = 0x501;
  static constexpr uint16_t kDefaultSize = 2;
  static constexpr uint16_t kTestBase = 0xf4;
  static constexpr uint16_t kTestSize = 4;

  explicit IsaDebugExit(MachineControl& control) : control_(control) {}

  /// Reads return 0 (QEMU's debug_exit_read), whatever the size.
  uint32_t PortRead(uint16_t port, unsigned size) override;
  /// A write of 1, 2 or 4 bytes at any of its ports: RequestExit((V << 1) | 1), V masked to the
  /// access size. The process exit status the host shows keeps only its low 8 bits.
  void PortWrite(uint16_t port, unsigned size, uint32_t value) override;

  /// The status a write of `value` (already masked to the access size) requests.
  static int ExitStatus(uint32_t value) { return static_cast<int>((value << 1) | 1); }

 private:
  MachineControl& control_;
};

}  // namespace kiln::devices
