// PcMachine: a PC around one CPU for firmware and test programs: RAM, the interpreter with the
// system CPU (machine/cpu/), the port bus, the dual 8259A PIC, COM1, and QEMU's test devices
// (isa-debug-exit, debugcon, pc-testdev); booted from a Multiboot kernel (`-kernel`) or a
// firmware image at the reset vector (`-bios`). The run loop delivers interrupts, emulates
// trapped instructions, waits in HLT, and stops on a device's request, a dead CPU or a triple
// fault.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "devices/debugcon.h"
#include "devices/io.h"
#include "devices/isa_debug_exit.h"
#include "devices/pc_testdev.h"
#include "devices/pic_8259.h"
#include "devices/uart_16550.h"
#include "jit/interp/interpreter.h"
#include "machine/boot/linux_boot.h"
#include "machine/cpu/system_cpu.h"
#include "machine/cpu_model.h"
#include "machine/cpu_state.h"
#include "machine/mmu/system_memory.h"
#include "machine/physical_memory.h"
#include "machine/port_bus.h"
#include "machine/virtual_clock.h"

namespace kiln::machine {

struct PcConfig {
  uint64_t ram_bytes = 128ull << 20;
  std::string kernel, append, initrd;  ///< -kernel (Multiboot), -append, -initrd
  std::string bios;                    ///< -bios: firmware at the top of 4 GiB and below 1 MiB
  /// COM1: a chardev spec (mux:stdio - the terminal with QEMU's Ctrl-A keys, stdio, null, file:PATH)
  std::string serial = "mux:stdio";
  struct DebugCon {
    uint16_t iobase = 0xE9;
    std::string chardev;  ///< a chardev spec
  };
  std::vector<DebugCon> debugcons;
  struct DebugExit {
    uint16_t iobase = 0x501;
    uint16_t iosize = 2;
  };
  std::optional<DebugExit> debug_exit;
  bool pc_testdev = false;
  bool no_reboot = false;      ///< a reset or triple fault ends Kiln instead of rebooting
  bool dump_on_stop = false;   ///< a triple fault or dead CPU prints the registers
  /// -icount shift=N: deterministic time, 2^N ns of virtual time per instruction (off: real time).
  std::optional<unsigned> icount_shift;
  std::string cpu_model = "kiln";
};

class PcMachine final : public devices::MachineControl, private CpuBoard {
 public:
  PcMachine() = default;
  ~PcMachine() override;
  /// Builds the machine and loads the guest; false with a one-line `error` (bad files, sizes).
  bool Init(const PcConfig& config, std::string& error);
  /// Runs until the guest ends (debug-exit, power-off, a dead CPU, a triple fault with
  /// -no-reboot); returns Kiln's exit status. `message` says why, when it is not the guest's choice.
  int Run(std::string& message);

  void RequestExit(int status) override;
  void RequestReset() override;
  void RequestPowerOff() override;

  CpuState& state() { return *state_; }

  /// The TSC's rate: 1 GHz of virtual time.
  static constexpr uint64_t kTscHz = 1'000'000'000;

 private:
  // CpuBoard: the TSC from the virtual clock.
  uint64_t ReadTsc() override;
  void WriteTsc(uint64_t value) override;

  bool Boot(std::string& error);
  bool BootLinux(std::string& error);
  /// The board's memory map for firmware tables: RAM, the legacy holes, the ACPI tables.
  std::vector<E820Entry> MemoryMap() const;
  void PollDevices();
  /// True when something could still raise an interrupt to wake a halted CPU.
  bool CanWake() const;

  PcConfig config_;
  CpuModel model_;
  std::unique_ptr<CpuState> state_ = std::make_unique<CpuState>();
  std::unique_ptr<VirtualClock> clock_;
  int64_t tsc_offset_ = 0;  ///< WRMSR IA32_TSC: the guest's TSC minus the clock's
  PhysicalMemory physical_;
  PortBus ports_;
  std::unique_ptr<SystemMemory> memory_;
  std::unique_ptr<jit::Interpreter> engine_;
  std::unique_ptr<SystemCpu> cpu_;
  devices::Pic8259Pair pic_;
  std::vector<std::unique_ptr<devices::CharBackend>> backends_;
  std::unique_ptr<devices::Uart16550> com1_;
  std::vector<std::unique_ptr<devices::DebugCon>> debugcons_;
  std::unique_ptr<devices::IsaDebugExit> debug_exit_;
  std::unique_ptr<devices::PcTestdev> testdev_;
  std::vector<uint8_t> bios_image_;
  std::vector<uint8_t> kernel_image_, initrd_image_;  ///< -kernel bzImage and -initrd, kept for reboots
  bool serial_interactive_ = false;

  enum class Stop : uint8_t { kNone, kExit, kReset, kPowerOff };
  Stop stop_ = Stop::kNone;
  int exit_status_ = 0;
};

}  // namespace kiln::machine
