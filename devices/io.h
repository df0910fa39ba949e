// The interfaces a device sees (ARCHITECTURE.md "Devices"): its port and MMIO register handlers,
// the IRQ lines it drives, a character backend for consoles and serial ports, and the few
// machine-wide requests a device may make (exit with a status, reset, power off). A device never
// sees the CPU, the TLB or SDL; the machine (machine/) wires these up.
#pragma once

#include <cstddef>
#include <cstdint>

namespace kiln::devices {

/// A device's I/O-port registers. `port` is the absolute port number and `size` 1, 2 or 4 bytes;
/// an access the device does not decode reads as all ones and writes are ignored, as on an ISA
/// bus. Guest values are never trusted: every index derived from them is range-checked.
class PortHandler {
 public:
  virtual ~PortHandler() = default;
  virtual uint32_t PortRead(uint16_t port, unsigned size) = 0;
  virtual void PortWrite(uint16_t port, unsigned size, uint32_t value) = 0;
};

/// A device's memory-mapped registers: `offset` from the start of its region, `size` 1-8 bytes.
class MmioHandler {
 public:
  virtual ~MmioHandler() = default;
  virtual uint64_t MmioRead(uint64_t offset, unsigned size) = 0;
  virtual void MmioWrite(uint64_t offset, unsigned size, uint64_t value) = 0;
};

/// An interrupt request line into an interrupt controller. Edge-triggered inputs see a raise as
/// the rising edge; level-triggered ones follow the level.
class IrqLine {
 public:
  virtual ~IrqLine() = default;
  virtual void SetLevel(bool high) = 0;
  void Raise() { SetLevel(true); }
  void Lower() { SetLevel(false); }
  void Pulse() { SetLevel(true), SetLevel(false); }
};

/// Where a console or serial port's characters go and come from: the terminal, a file, nothing.
class CharBackend {
 public:
  virtual ~CharBackend() = default;
  virtual void Write(const uint8_t* data, size_t size) = 0;
  /// Non-blocking: the bytes available now (0 when none).
  virtual size_t Read(uint8_t* data, size_t size) = 0;
  virtual void Flush() {}
};

/// Requests from devices to the machine; the machine acts on them between instructions.
class MachineControl {
 public:
  virtual ~MachineControl() = default;
  /// Stop the machine; Kiln exits with `status` (isa-debug-exit: (value << 1) | 1).
  virtual void RequestExit(int status) = 0;
  /// A system reset (port 0xCF9, the 8042's pulse, a triple fault routed here).
  virtual void RequestReset() = 0;
  /// Power off (ACPI S5): Kiln exits with status 0.
  virtual void RequestPowerOff() = 0;
};

}  // namespace kiln::devices
