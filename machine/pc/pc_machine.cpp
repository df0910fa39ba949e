// PcMachine: wiring, boot paths and the run loop.
#include "machine/pc/pc_machine.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <thread>

#include "devices/pc_testdev_regs.h"
#include "machine/boot/multiboot.h"
#include "machine/chardev.h"

namespace kiln::machine {
namespace {

constexpr uint64_t kLowRamEnd = 0xA0000;        ///< 640 KiB of conventional memory
constexpr uint64_t kHighRamStart = 0x100000;    ///< 1 MiB
constexpr uint64_t kPciHoleStart = 0xE0000000;  ///< RAM above this goes above 4 GiB
constexpr uint64_t kFourGiB = 0x100000000;
constexpr uint64_t kBiosAliasSize = 128 * 1024;
constexpr uint64_t kEbdaStart = 0x9FC00;  ///< the top 1 KiB of conventional memory, reserved as a BIOS leaves it
constexpr uint64_t kBiosAreaStart = 0xF0000;

bool ReadWholeFile(const std::string& path, const char* what, std::vector<uint8_t>& out, std::string& error) {
  std::ifstream f(path, std::ios::binary);
  if (!f) {
    error = std::string("cannot open ") + what + " '" + path + "'";
    return false;
  }
  out.assign(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
  if (f.bad()) {
    error = std::string("cannot read ") + what + " '" + path + "'";
    return false;
  }
  return true;
}
/// Instructions per engine run between device polls and interrupt checks.
constexpr uint64_t kSlice = 20000;

}  // namespace

PcMachine::~PcMachine() {
  for (auto& b : backends_) b->Flush();
}

void PcMachine::RequestExit(int status) {
  stop_ = Stop::kExit;
  exit_status_ = status;
}
void PcMachine::RequestReset() { stop_ = Stop::kReset; }
void PcMachine::RequestPowerOff() { stop_ = Stop::kPowerOff; }

bool PcMachine::Init(const PcConfig& config, std::string& error) {
  config_ = config;
  if (!CpuModelByName(config.cpu_model, model_)) {
    error = "unknown CPU model '" + config.cpu_model + "' (known: " + std::string(kCpuModelNames) + ")";
    return false;
  }
  if (config.ram_bytes < (2ull << 20) || config.ram_bytes > (1ull << 40) || config.ram_bytes % 4096) {
    error = "memory size must be a multiple of 4 KiB from 2 MiB to 1 TiB";
    return false;
  }
  if (config.kernel.empty() == config.bios.empty()) {
    error = config.kernel.empty() ? "nothing to boot: give -kernel FILE (Multiboot) or -bios FILE"
                                  : "-kernel and -bios together are not supported yet";
    return false;
  }
  // RAM: conventional memory, then from 1 MiB up to the PCI hole, the rest above 4 GiB.
  const uint64_t low = std::min(config.ram_bytes, kLowRamEnd);
  if (!physical_.AddRam(0, low, error)) return false;
  if (config.ram_bytes > kHighRamStart) {
    const uint64_t below_hole = std::min(config.ram_bytes, kPciHoleStart) - kHighRamStart;
    if (!physical_.AddRam(kHighRamStart, below_hole, error)) return false;
    if (config.ram_bytes > kPciHoleStart && !physical_.AddRam(kFourGiB, config.ram_bytes - kPciHoleStart, error))
      return false;
  }
  state_->cpu_model = &model_;
  clock_ = config.icount_shift ? std::make_unique<VirtualClock>(&state_->retired, uint64_t{1} << *config.icount_shift)
                               : std::make_unique<VirtualClock>();
  memory_ = std::make_unique<SystemMemory>(*state_, physical_);
  engine_ = std::make_unique<jit::Interpreter>(*state_, *memory_);
  cpu_ = std::make_unique<SystemCpu>(*state_, *memory_, ports_, *engine_);
  cpu_->SetBoard(this);
  memory_->on_code_write = [this](uint64_t page) { engine_->InvalidatePhysicalPage(page); };

  // Devices.
  if (!ports_.Register(0x20, 2, &pic_, error) || !ports_.Register(0xA0, 2, &pic_, error) ||
      !ports_.Register(0x4D0, 2, &pic_, error))
    return false;
  auto serial = OpenCharBackend(config.serial, error);
  if (!serial) return false;
  serial_interactive_ = config.serial == "stdio" || config.serial == "mux:stdio";
  if (auto* stdio = dynamic_cast<StdioCharBackend*>(serial.get())) stdio->on_quit = [this] { RequestExit(0); };
  com1_ = std::make_unique<devices::Uart16550>(devices::kCom1.base, pic_.Line(devices::kCom1.irq), *serial);
  backends_.push_back(std::move(serial));
  if (!ports_.Register(devices::kCom1.base, 8, com1_.get(), error)) return false;
  for (const PcConfig::DebugCon& d : config.debugcons) {
    auto backend = OpenCharBackend(d.chardev, error);
    if (!backend) return false;
    debugcons_.push_back(std::make_unique<devices::DebugCon>(*backend, d.iobase));
    backends_.push_back(std::move(backend));
    if (!ports_.Register(d.iobase, 1, debugcons_.back().get(), error)) return false;
  }
  if (config.debug_exit) {
    debug_exit_ = std::make_unique<devices::IsaDebugExit>(*this);
    if (!ports_.Register(config.debug_exit->iobase, config.debug_exit->iosize, debug_exit_.get(), error)) return false;
  }
  if (config.pc_testdev) {
    static_assert(devices::pc_testdev::kIrqLines <= 24);
    std::vector<devices::IrqLine*> lines;
    for (unsigned i = 0; i < devices::pc_testdev::kIrqLines; ++i) lines.push_back(i < 16 ? &pic_.Line(i) : nullptr);
    testdev_ = std::make_unique<devices::PcTestdev>(lines);
    namespace t = devices::pc_testdev;
    if (!ports_.Register(t::kScratchPort, t::kScratchPorts, testdev_.get(), error) ||
        !ports_.Register(t::kFlushPort, t::kFlushPorts, testdev_.get(), error) ||
        !ports_.Register(t::kIrqLinePort, t::kIrqLines, testdev_.get(), error) ||
        !physical_.AddMmio(t::kIomemBase, t::kIomemSize, testdev_.get(), error))
      return false;
    // The byte window 0xe8-0xeb overlaps a debug console at 0xe9 (as in QEMU): only without one.
    if (config.debugcons.empty() && !ports_.Register(t::kScratchBytePort, t::kScratchBytePorts, testdev_.get(), error))
      return false;
  }
  if (!config.kernel.empty()) {
    std::vector<uint8_t> image;
    if (!ReadWholeFile(config.kernel, "kernel", image, error)) return false;
    if (LooksLikeBzImage(image)) {
      BzImageHeader header;
      if (!ParseBzImageHeader(image, header, error)) {
        error = "kernel '" + config.kernel + "': " + error;
        return false;
      }
      kernel_image_ = std::move(image);
      if (!config.initrd.empty() && !ReadWholeFile(config.initrd, "initrd", initrd_image_, error)) return false;
    }
  }
  if (!config.bios.empty()) {
    std::ifstream f(config.bios, std::ios::binary);
    if (!f) {
      error = "cannot open BIOS image '" + config.bios + "'";
      return false;
    }
    bios_image_.assign(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
    if (bios_image_.empty() || bios_image_.size() > (16u << 20) || bios_image_.size() % 4096) {
      error = "BIOS image '" + config.bios + "' must be a non-empty multiple of 4 KiB, at most 16 MiB";
      return false;
    }
    // At the top of 4 GiB, and its last 128 KiB (all of it, if smaller) ending at 1 MiB.
    if (!physical_.AddRom(kFourGiB - bios_image_.size(), bios_image_, error)) return false;
    const size_t alias = std::min<size_t>(bios_image_.size(), kBiosAliasSize);
    const std::vector<uint8_t> tail(bios_image_.end() - static_cast<std::ptrdiff_t>(alias), bios_image_.end());
    if (!physical_.AddRom(kHighRamStart - alias, tail, error)) return false;
  }
  return Boot(error);
}

bool PcMachine::Boot(std::string& error) {
  cpu_->Reset();
  pic_.Reset();
  com1_->Reset();
  if (!config_.bios.empty()) return true;  // the firmware starts at the reset vector
  if (!kernel_image_.empty()) return BootLinux(error);
  MultibootBoot boot;
  if (!LoadMultibootFiles(physical_, config_.kernel, config_.append, config_.initrd, boot, error)) return false;
  for (const std::string& w : boot.warnings) std::fprintf(stderr, "kiln: %s\n", w.c_str());
  // The state a PC BIOS leaves (issue 5): the PICs at vector bases 0x08 and 0x70, all lines but
  // the cascade masked; A20 on (Kiln has no A20 gate); the BIOS data area's basic fields.
  const uint8_t init[][2] = {{0x20, 0x11}, {0x21, 0x08}, {0x21, 0x04}, {0x21, 0x01}, {0x21, 0xFB},
                             {0xA0, 0x11}, {0xA1, 0x70}, {0xA1, 0x02}, {0xA1, 0x01}, {0xA1, 0xFF}};
  for (const auto& [port, value] : init) ports_.Write(port, 1, value);
  const uint16_t com1 = devices::kCom1.base, equipment = 0x0201 | (1u << 9);  // 1 serial port, 80x25 colour
  const uint16_t base_kib = 640;
  physical_.CopyIn(0x400, &com1, 2);
  physical_.CopyIn(0x410, &equipment, 2);
  physical_.CopyIn(0x413, &base_kib, 2);
  cpu_->EnterFlatProtectedMode(boot.entry);
  state_->gpr[kRax] = kMultibootBootloaderMagic;
  state_->gpr[kRbx] = boot.info_addr;
  return true;
}

uint64_t PcMachine::ReadTsc() {
  return devices::NsToTicks(clock_->NowNs(), kTscHz) + static_cast<uint64_t>(tsc_offset_);
}

void PcMachine::WriteTsc(uint64_t value) {
  tsc_offset_ = static_cast<int64_t>(value - devices::NsToTicks(clock_->NowNs(), kTscHz));
}

std::vector<E820Entry> PcMachine::MemoryMap() const {
  std::vector<E820Entry> map;
  for (const PhysicalMemory::Range& r : physical_.RamRanges()) {
    if (r.base == 0 && r.size > kEbdaStart) {
      map.push_back({0, kEbdaStart, E820Type::kRam});
      map.push_back({kEbdaStart, r.size - kEbdaStart, E820Type::kReserved});
      continue;
    }
    map.push_back({r.base, r.size, E820Type::kRam});
  }
  map.push_back({kBiosAreaStart, kHighRamStart - kBiosAreaStart, E820Type::kReserved});
  std::sort(map.begin(), map.end(), [](const E820Entry& a, const E820Entry& b) { return a.base < b.base; });
  return map;
}

bool PcMachine::BootLinux(std::string& error) {
  LinuxBootOptions options;
  options.cmdline = config_.append;
  options.initrd = initrd_image_;
  options.e820 = MemoryMap();
  LinuxBoot boot;
  if (!LoadLinux(physical_, kernel_image_, options, boot, error)) {
    error = "kernel '" + config_.kernel + "': " + error;
    return false;
  }
  // The PICs as a BIOS leaves them; Linux reprograms them itself.
  const uint8_t init[][2] = {{0x20, 0x11}, {0x21, 0x08}, {0x21, 0x04}, {0x21, 0x01}, {0x21, 0xFF},
                             {0xA0, 0x11}, {0xA1, 0x70}, {0xA1, 0x02}, {0xA1, 0x01}, {0xA1, 0xFF}};
  for (const auto& [port, value] : init) ports_.Write(port, 1, value);
  // MTRRs as firmware leaves them: write-back by default, the PCI hole and above uncached.
  cpu_->SetStorageMsr(0x2FF, (1u << 11) | 6);                                   // IA32_MTRR_DEF_TYPE: E, WB
  cpu_->SetStorageMsr(0x200, kPciHoleStart);                                     // PHYSBASE0, type UC
  cpu_->SetStorageMsr(0x201, (~(kFourGiB - kPciHoleStart - 1) & ((uint64_t{1} << 48) - 1) & ~0xFFFull) | (1u << 11));
  cpu_->EnterLongMode(boot.entry, boot.cr3, boot.gdt_base, boot.gdt_limit, 0x10, 0x18);
  state_->gpr[kRsi] = boot.boot_params;
  return true;
}

void PcMachine::PollDevices() {
  com1_->Poll();
  for (auto& b : backends_) b->Flush();
}

bool PcMachine::CanWake() const {
  // An armed timer or input on the serial console can raise an interrupt on its own.
  return (state_->rflags_rest & (1u << 9)) && (serial_interactive_ || clock_->NextDeadline() != VirtualClock::kNever);
}

int PcMachine::Run(std::string& message) {
  bool halted = false;
  uint64_t since_poll = 0;
  while (true) {
    if (stop_ == Stop::kExit) return exit_status_;
    if (stop_ == Stop::kPowerOff) return 0;
    if (stop_ == Stop::kReset) {
      stop_ = Stop::kNone;
      if (config_.no_reboot) {
        message = "the guest reset the machine (-no-reboot)";
        return 0;
      }
      std::string error;
      if (!Boot(error)) {
        message = error;
        return 1;
      }
      halted = false;
    }
    if (pic_.InterruptPending() && cpu_->InterruptsEnabled()) {
      halted = false;
      if (!cpu_->DeliverExternal(pic_.Acknowledge())) {
        stop_ = Stop::kReset;
        message = "triple fault";
        if (config_.dump_on_stop || config_.no_reboot) message += "\n" + cpu_->Dump();
        if (config_.no_reboot) return 1;
        continue;
      }
    }
    if (halted) {
      if (!CanWake()) {
        message = "the CPU halted with nothing left that could wake it";
        if (config_.dump_on_stop) message += "\n" + cpu_->Dump();
        return 1;
      }
      PollDevices();
      // Real time sleeps until the next timer (at most 1 ms, to look at the console); deterministic
      // time jumps to it, or waits for console input when no timer is armed.
      const uint64_t next = clock_->NextDeadline();
      if (clock_->deterministic() && next == VirtualClock::kNever)
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
      else
        clock_->Idle(next, std::chrono::milliseconds(1));
      clock_->RunDue();
      continue;
    }
    // The instruction after STI or MOV SS runs before any interrupt is taken. In deterministic
    // time a slice ends at the next timer's deadline, so timers fire at exact instructions.
    uint64_t budget = cpu_->interrupt_shadow ? 1 : kSlice;
    if (clock_->deterministic()) {
      const uint64_t now = clock_->NowNs(), next = clock_->NextDeadline();
      if (next != VirtualClock::kNever) budget = std::clamp<uint64_t>((next - std::min(next, now)) / clock_->ns_per_insn(), 1, budget);
    }
    const jit::Exit exit = engine_->Run(budget);
    if (budget == 1) cpu_->interrupt_shadow = false;  // (an emulated MOV SS/STI sets a new one below)
    clock_->RunDue();
    since_poll += budget;
    if (since_poll >= 200000) {
      since_poll = 0;
      PollDevices();
    }
    Fault fault;
    bool deliver = false;
    switch (exit.reason) {
      case jit::ExitReason::kInstructionLimit: break;
      case jit::ExitReason::kSystem: {
        const SystemCpu::Result r = cpu_->Emulate(*exit.insn, fault);
        if (r == SystemCpu::Result::kHalt) halted = true;
        deliver = r == SystemCpu::Result::kFault;
        break;
      }
      case jit::ExitReason::kException:
        fault = Fault{exit.vector, exit.has_error_code, exit.error_code, exit.fault_address};
        deliver = true;
        break;
      case jit::ExitReason::kHalt:
      case jit::ExitReason::kSyscall:
        halted = exit.reason == jit::ExitReason::kHalt;
        break;
    }
    if (deliver && !cpu_->DeliverException(fault)) {
      message = "triple fault";
      if (config_.dump_on_stop || config_.no_reboot) message += "\n" + cpu_->Dump();
      if (config_.no_reboot) return 1;
      stop_ = Stop::kReset;
    }
  }
}

}  // namespace kiln::machine
