// PcMachine: the PC around one CPU (an i440FX/PIIX3-like board, as QEMU's `pc` machine): RAM
// with the legacy holes and the PCI hole, the interpreter with the system CPU (machine/cpu/),
// the port and MMIO buses, the interrupt controllers (dual 8259A, IOAPIC, the CPU's local APIC),
// the timers (PIT, RTC/CMOS, HPET, ACPI PM timer, the TSC) on one virtual clock, COM1, the 8042,
// the PCI host bridge with the ISA bridge, ACPI power management, and QEMU's test devices
// (isa-debug-exit, debugcon, pc-testdev). It boots a Linux bzImage directly (ACPI tables, e820,
// the boot protocol), a Multiboot kernel (`-kernel`), or firmware at the reset vector (`-bios`).
// The run loop delivers interrupts, fires timers, emulates trapped instructions, waits in HLT,
// and stops on a device's request, a dead CPU or a triple fault.
#pragma once

#include <cstdint>
#include <array>
#include <csignal>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "devices/acpi_pm.h"
#include "devices/apic_bus.h"
#include "devices/debugcon.h"
#include "devices/hpet.h"
#include "devices/i440fx.h"
#include "devices/i8042.h"
#include "devices/io.h"
#include "devices/io_apic.h"
#include "devices/isa_debug_exit.h"
#include "devices/local_apic.h"
#include "devices/pc_testdev.h"
#include "devices/pci_host.h"
#include "devices/pic_8259.h"
#include "devices/port92.h"
#include "devices/piix3.h"
#include "devices/pit_8254.h"
#include "devices/rtc_cmos.h"
#include "devices/uart_16550.h"
#include "jit/interp/interpreter.h"
#include "machine/boot/acpi_tables.h"
#include "machine/boot/linux_boot.h"
#include "machine/cpu/system_cpu.h"
#include "machine/cpu_model.h"
#include "machine/cpu_state.h"
#include "machine/mmu/system_memory.h"
#include "machine/pc/isa_irq.h"
#include "machine/physical_memory.h"
#include "machine/port_bus.h"
#include "machine/virtual_clock.h"

namespace kiln::machine {

struct PcConfig {
  uint64_t ram_bytes = 128ull << 20;
  std::string kernel, append, initrd;  ///< -kernel (Multiboot), -append, -initrd
  std::string bios;                    ///< -bios: firmware at the top of 4 GiB and below 1 MiB
  /// COM1-COM4 in order, one chardev spec each (-serial, repeatable): mux:stdio (the terminal
  /// with QEMU's Ctrl-A keys), stdio, null, file:PATH. Ports not listed are absent.
  std::vector<std::string> serials = {"mux:stdio"};
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
  /// -uuid: the system UUID (RFC 4122 byte order) the SMBIOS tables report; all zero: none.
  std::array<uint8_t, 16> uuid{};
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
  /// A flag the caller's signal handler sets (SIGINT, SIGTERM): the run loop then stops cleanly,
  /// flushing its outputs, and Run() returns 128 + the signal number, as a shell would report.
  void SetSignalFlag(const volatile std::sig_atomic_t* flag) { signal_flag_ = flag; }

 private:
  // CpuBoard: the TSC from the virtual clock, the local APIC's MSRs and CR8.
  uint64_t ReadTsc() override;
  void WriteTsc(uint64_t value) override;
  MsrAccess ReadMsr(uint32_t index, uint64_t& value) override;
  MsrAccess WriteMsr(uint32_t index, uint64_t value) override;
  void WriteCr8(uint8_t value) override;
  uint8_t ReadCr8(uint64_t stored) override;

  bool AddDevices(std::string& error);
  /// The firmware's F-segment for a boot without -bios: the SMBIOS tables (smbios_tables.h).
  bool AddFirmwareSegment(std::string& error);
  bool Boot(std::string& error);
  bool BootLinux(std::string& error);
  /// The CMOS bytes a BIOS fills in: memory sizes, equipment, the century.
  void FillCmos();
  /// The 8042's command byte as a BIOS leaves it (direct boots without firmware).
  void LeaveKeyboardControllerAsBios();
  /// The board's memory map for firmware tables: RAM, the legacy holes, the ACPI tables.
  std::vector<E820Entry> MemoryMap() const;
  void PollDevices();
  /// Takes a pending NMI or external interrupt if the CPU accepts it; false on a triple fault.
  bool TakeInterrupts(bool& woke, std::string& message, int& status);
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

  // Interrupt controllers and the lines into them.
  devices::Pic8259Pair pic_;
  devices::ApicBus apic_bus_;
  std::unique_ptr<devices::LocalApic> lapic_;
  std::unique_ptr<devices::IoApic> ioapic_;
  std::array<IsaIrqLine, 16> isa_irq_;
  bool nmi_pending_ = false;
  // Timers.
  std::unique_ptr<devices::Pit8254> pit_;
  std::unique_ptr<devices::RtcCmos> rtc_;
  std::unique_ptr<devices::Hpet> hpet_;
  std::unique_ptr<devices::AcpiPm> acpi_pm_;
  // Chipset and the rest.
  std::unique_ptr<devices::PciHost> pci_;
  devices::I440fxHostBridge host_bridge_;
  devices::Piix3IsaBridge isa_bridge_;
  std::unique_ptr<devices::I8042> i8042_;
  std::unique_ptr<devices::SystemControlPortA> port92_;
  std::vector<std::unique_ptr<devices::CharBackend>> backends_;
  std::vector<std::unique_ptr<devices::Uart16550>> uarts_;  ///< COM1.. in order
  std::vector<std::unique_ptr<devices::DebugCon>> debugcons_;
  std::unique_ptr<devices::IsaDebugExit> debug_exit_;
  std::unique_ptr<devices::PcTestdev> testdev_;

  AcpiBoard acpi_board_;
  uint64_t acpi_base_ = 0;  ///< where the ACPI tables go (top of the RAM below 4 GiB)
  std::vector<uint8_t> bios_image_;
  std::vector<uint8_t> kernel_image_, initrd_image_;  ///< -kernel bzImage and -initrd, kept for reboots
  bool serial_interactive_ = false;
  const volatile std::sig_atomic_t* signal_flag_ = nullptr;

  enum class Stop : uint8_t { kNone, kExit, kReset, kPowerOff };
  Stop stop_ = Stop::kNone;
  int exit_status_ = 0;
};

}  // namespace kiln::machine
