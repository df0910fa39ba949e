// PcMachine: configuration checks, RAM, the devices and their wiring, and the CPU's board
// interface (TSC, APIC MSRs, CR8). Booting is pc_boot.cpp; the run loop pc_run.cpp.
#include "machine/pc/pc_machine.h"

#include <algorithm>
#include <ctime>
#include <fstream>
#include <iterator>

#include "devices/pc_testdev_regs.h"
#include "machine/boot/multiboot.h"
#include "machine/boot/smbios_tables.h"
#include "machine/chardev.h"
#include "machine/host_file.h"
#include "machine/pc/pc_layout.h"

namespace kiln::machine {
namespace {

using namespace pc_layout;

constexpr uint32_t kMsrApicBase = 0x1B, kMsrTscDeadline = 0x6E0;

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
  // The board has a local APIC with the TSC-deadline timer.
  model_.leaf1_edx |= 1u << 9;
  model_.leaf1_ecx |= 1u << 24;
  if (config.ram_bytes < (16ull << 20) || config.ram_bytes > (1ull << 40) || config.ram_bytes % 4096) {
    error = "memory size must be a multiple of 4 KiB from 16 MiB to 1 TiB";
    return false;
  }
  if (config.kernel.empty() == config.bios.empty()) {
    error = config.kernel.empty() ? "nothing to boot: give -kernel FILE (Linux bzImage or Multiboot) or -bios FILE"
                                  : "-kernel and -bios together are not supported yet";
    return false;
  }
  // RAM: conventional memory, then from 1 MiB up to the PCI hole, the rest above 4 GiB.
  if (!physical_.AddRam(0, kLowRamEnd, error)) return false;
  const uint64_t below_hole = std::min(config.ram_bytes, kPciHoleStart) - kHighRamStart;
  if (!physical_.AddRam(kHighRamStart, below_hole, error)) return false;
  if (config.ram_bytes > kPciHoleStart && !physical_.AddRam(kFourGiB, config.ram_bytes - kPciHoleStart, error))
    return false;
  acpi_base_ = kHighRamStart + below_hole - kAcpiReserve;

  state_->cpu_model = &model_;
  clock_ = config.icount_shift ? std::make_unique<VirtualClock>(&state_->retired, uint64_t{1} << *config.icount_shift)
                               : std::make_unique<VirtualClock>();
  memory_ = std::make_unique<SystemMemory>(*state_, physical_);
  engine_ = std::make_unique<jit::Interpreter>(*state_, *memory_);
  cpu_ = std::make_unique<SystemCpu>(*state_, *memory_, ports_, *engine_);
  cpu_->SetBoard(this);
  memory_->on_code_write = [this](uint64_t page) { engine_->InvalidatePhysicalPage(page); };
  if (!AddDevices(error)) return false;

  if (!config.kernel.empty()) {
    std::vector<uint8_t> image;
    const std::string ram_text = std::to_string(config.ram_bytes >> 20) + " MiB of RAM";
    if (!ReadHostFile(config.kernel, "kernel", config.ram_bytes, ram_text, image, error)) return false;
    if (LooksLikeBzImage(image)) {
      BzImageHeader header;
      if (!ParseBzImageHeader(image, header, error)) {
        error = "kernel '" + config.kernel + "': " + error;
        return false;
      }
      kernel_image_ = std::move(image);
      if (!config.initrd.empty() &&
          !ReadHostFile(config.initrd, "initrd", config.ram_bytes, ram_text, initrd_image_, error))
        return false;
    } else if (!HasMultibootHeader(image)) {
      error = "kernel '" + config.kernel + "' is neither a Linux bzImage nor a Multiboot kernel";
      return false;
    }
  }
  if (!config.bios.empty()) {
    if (!ReadHostFile(config.bios, "BIOS image", 16u << 20, "the 16 MiB below 4 GiB", bios_image_, error)) return false;
    if (bios_image_.empty() || bios_image_.size() % 4096) {
      error = "BIOS image '" + config.bios + "' must be a non-empty multiple of 4 KiB, at most 16 MiB";
      return false;
    }
    // At the top of 4 GiB, and its last 128 KiB (all of it, if smaller) ending at 1 MiB.
    if (!physical_.AddRom(kFourGiB - bios_image_.size(), bios_image_, error)) return false;
    const size_t alias = std::min<size_t>(bios_image_.size(), kBiosAliasSize);
    const std::vector<uint8_t> tail(bios_image_.end() - static_cast<std::ptrdiff_t>(alias), bios_image_.end());
    if (!physical_.AddRom(kHighRamStart - alias, tail, error)) return false;
  } else if (!AddFirmwareSegment(error)) {
    return false;
  }
  return Boot(error);
}

bool PcMachine::AddFirmwareSegment(std::string& error) {
  // Without a BIOS, Kiln stands in for it in the F-segment (0xF0000-0xFFFFF, reserved in the
  // e820 map): the SMBIOS entry point at its start, where an OS's scan finds it, and the
  // structure table after it.
  SmbiosBoard board;
  board.bios_version = board.version = KILN_VERSION;
  board.cpu_count = acpi_board_.cpu_count;
  board.cpu_manufacturer = model_.vendor;
  board.cpu_version = model_.brand;
  board.cpu_signature = model_.Signature();
  board.cpu_features = model_.leaf1_edx;
  board.cpu_mhz = static_cast<uint16_t>(model_.TscHz() / 1'000'000);
  board.ram_bytes = config_.ram_bytes;
  board.uuid = config_.uuid;
  for (const PhysicalMemory::Range& r : physical_.RamRanges()) board.ram.emplace_back(r.base, r.size);
  constexpr uint32_t kTableOffset = 0x20;  // after the 31-byte entry point, 16-byte aligned
  const SmbiosTables smbios = BuildSmbiosTables(board, static_cast<uint32_t>(kBiosAreaStart + kTableOffset));
  std::vector<uint8_t> segment(kHighRamStart - kBiosAreaStart, 0);
  if (kTableOffset + smbios.table.size() > segment.size()) {
    error = "the SMBIOS tables do not fit in the F-segment";
    return false;
  }
  std::copy(smbios.entry_point.begin(), smbios.entry_point.end(), segment.begin());
  std::copy(smbios.table.begin(), smbios.table.end(), segment.begin() + kTableOffset);
  return physical_.AddRom(kBiosAreaStart, segment, error);
}

bool PcMachine::AddDevices(std::string& error) {
  const auto ports = [&](uint16_t base, unsigned count, devices::PortHandler* h) {
    return ports_.Register(base, count, h, error);
  };
  // Interrupt controllers: the 8259 pair's INTR goes to LINT0 of the local APIC (ExtINT); the
  // IOAPIC sends its messages on the APIC bus; ISA lines reach both the PICs and the IOAPIC.
  if (!ports(0x20, 2, &pic_) || !ports(0xA0, 2, &pic_) || !ports(0x4D0, 2, &pic_)) return false;
  // The TSC and the APIC timer run at the CPU model's rates (CPUID leaf 15h tells the guest).
  lapic_ = std::make_unique<devices::LocalApic>(*clock_, &apic_bus_, 0, true, model_.TscHz(), model_.crystal_hz);
  ioapic_ = std::make_unique<devices::IoApic>(apic_bus_, acpi_board_.ioapic_id);
  if (!physical_.AddMmio(pc_layout::kLocalApicBase, pc_layout::kLocalApicSize, lapic_.get(), error) ||
      !physical_.AddMmio(pc_layout::kIoApicBase, pc_layout::kIoApicSize, ioapic_.get(), error))
    return false;
  lapic_->SetEoiCallback([this](uint8_t vector) { ioapic_->Eoi(vector); });
  pic_.SetIntrOutput(&lapic_->Lint(0));
  for (unsigned irq = 0; irq < isa_irq_.size(); ++irq)
    if (irq != 2) isa_irq_[irq].Connect(&pic_.Line(irq), &ioapic_->Line(IsaIrqToGsi(irq)));

  // Timers.
  pit_ = std::make_unique<devices::Pit8254>(*clock_, isa_irq_[0]);
  rtc_ = std::make_unique<devices::RtcCmos>(*clock_, isa_irq_[8], static_cast<int64_t>(std::time(nullptr)));
  std::vector<devices::IrqLine*> gsi(acpi_board_.ioapic_pins);
  for (unsigned pin = 0; pin < gsi.size(); ++pin) gsi[pin] = &ioapic_->Line(pin);
  for (unsigned irq = 0; irq < isa_irq_.size(); ++irq)
    if (irq != 2) gsi[IsaIrqToGsi(irq)] = &isa_irq_[irq];
  hpet_ = std::make_unique<devices::Hpet>(*clock_, gsi, &isa_irq_[0], &isa_irq_[8]);
  hpet_->SetLegacyOutputsCallback([this](bool connected) {
    pit_->SetIrqOutputEnabled(connected);
    rtc_->SetIrqOutputEnabled(connected);
  });
  devices::AcpiPmConfig pm;
  pm.pm1_evt = acpi_board_.pm1a_evt, pm.pm1_cnt = acpi_board_.pm1a_cnt, pm.pm_tmr = acpi_board_.pm_tmr;
  pm.gpe0 = acpi_board_.gpe0, pm.s5_slp_typ = acpi_board_.s5_slp_typ;
  acpi_pm_ = std::make_unique<devices::AcpiPm>(pm, *clock_, isa_irq_[acpi_board_.sci_irq], *this);
  if (!ports(0x40, 4, pit_.get()) || !ports(0x61, 1, pit_.get()) || !ports(0x70, 2, rtc_.get()) ||
      !ports(0x72, 2, rtc_.get()) || !physical_.AddMmio(pc_layout::kHpetBase, pc_layout::kHpetSize, hpet_.get(), error) ||
      !ports(pm.pm1_evt, 4, acpi_pm_.get()) || !ports(pm.pm1_cnt, 2, acpi_pm_.get()) ||
      !ports(pm.pm_tmr, 4, acpi_pm_.get()) || !ports(pm.gpe0, acpi_board_.gpe0_len, acpi_pm_.get()))
    return false;

  // The chipset: PCI configuration space with the host bridge and the ISA bridge; the 8042.
  pci_ = std::make_unique<devices::PciHost>(*this);
  if (!ports(0xCF8, 8, pci_.get()) || !pci_->AddDevice(0, 0, &host_bridge_) ||
      !pci_->AddDevice(acpi_board_.isa_bridge_slot, 0, &isa_bridge_)) {
    if (error.empty()) error = "cannot place the PCI bridges";
    return false;
  }
  i8042_ = std::make_unique<devices::I8042>(isa_irq_[1], isa_irq_[12], *this);
  if (!ports(0x60, 1, i8042_.get()) || !ports(0x64, 1, i8042_.get())) return false;
  port92_ = std::make_unique<devices::SystemControlPortA>(*this);
  if (!ports(devices::SystemControlPortA::kPort, 1, port92_.get())) return false;

  // Consoles and QEMU's test devices.
  static constexpr devices::UartResources kComPorts[] = {devices::kCom1, devices::kCom2, devices::kCom3, devices::kCom4};
  if (config_.serials.size() > std::size(kComPorts)) {
    error = "at most 4 serial ports (COM1-COM4)";
    return false;
  }
  if (std::count_if(config_.serials.begin(), config_.serials.end(),
                    [](const std::string& s) { return s == "stdio" || s == "mux:stdio"; }) > 1) {
    error = "only one serial port can be on the terminal (stdio)";
    return false;
  }
  for (size_t i = 0; i < config_.serials.size(); ++i) {
    const std::string& spec = config_.serials[i];
    auto backend = OpenCharBackend(spec, error);
    if (!backend) return false;
    if (spec == "stdio" || spec == "mux:stdio") serial_interactive_ = true;
    if (auto* stdio = dynamic_cast<StdioCharBackend*>(backend.get())) stdio->on_quit = [this] { RequestExit(0); };
    const devices::UartResources com = kComPorts[i];
    // COM3 and COM4 share IRQ 4 and 3 with COM1 and COM2: their own wired-OR inputs.
    devices::IrqLine& irq = i < 2 ? static_cast<devices::IrqLine&>(isa_irq_[com.irq]) : isa_irq_[com.irq].SharedInput(1);
    uarts_.push_back(std::make_unique<devices::Uart16550>(com.base, irq, *backend));
    backends_.push_back(std::move(backend));
    if (!ports(com.base, 8, uarts_.back().get())) return false;
  }
  for (const PcConfig::DebugCon& d : config_.debugcons) {
    auto backend = OpenCharBackend(d.chardev, error);
    if (!backend) return false;
    debugcons_.push_back(std::make_unique<devices::DebugCon>(*backend, d.iobase));
    backends_.push_back(std::move(backend));
    if (!ports(d.iobase, 1, debugcons_.back().get())) return false;
  }
  if (config_.debug_exit) {
    debug_exit_ = std::make_unique<devices::IsaDebugExit>(*this);
    if (!ports(config_.debug_exit->iobase, config_.debug_exit->iosize, debug_exit_.get())) return false;
  }
  if (config_.pc_testdev) {
    // pc-testdev's line n is ISA IRQ n (both controllers) below 16, IOAPIC pin n above.
    static_assert(devices::pc_testdev::kIrqLines <= 24);
    std::vector<devices::IrqLine*> lines;
    for (unsigned i = 0; i < devices::pc_testdev::kIrqLines; ++i)
      lines.push_back(i == 2 ? &pic_.Line(2) : i < 16 ? static_cast<devices::IrqLine*>(&isa_irq_[i]) : &ioapic_->Line(i));
    testdev_ = std::make_unique<devices::PcTestdev>(lines);
    namespace t = devices::pc_testdev;
    if (!ports(t::kScratchPort, t::kScratchPorts, testdev_.get()) || !ports(t::kFlushPort, t::kFlushPorts, testdev_.get()) ||
        !ports(t::kIrqLinePort, t::kIrqLines, testdev_.get()) ||
        !physical_.AddMmio(t::kIomemBase, t::kIomemSize, testdev_.get(), error))
      return false;
    // The byte window 0xe8-0xeb overlaps a debug console at 0xe9 (as in QEMU): only without one.
    if (config_.debugcons.empty() && !ports(t::kScratchBytePort, t::kScratchBytePorts, testdev_.get())) return false;
  }
  return true;
}

// --- CpuBoard ---------------------------------------------------------------------------------

uint64_t PcMachine::ReadTsc() {
  return devices::NsToTicks(clock_->NowNs(), model_.TscHz()) + static_cast<uint64_t>(tsc_offset_);
}

void PcMachine::WriteTsc(uint64_t value) {
  tsc_offset_ = static_cast<int64_t>(value - devices::NsToTicks(clock_->NowNs(), model_.TscHz()));
}

CpuBoard::MsrAccess PcMachine::ReadMsr(uint32_t index, uint64_t& value) {
  switch (index) {
    case kMsrApicBase: value = lapic_->apic_base_msr(); return MsrAccess::kDone;
    case kMsrTscDeadline: value = lapic_->tsc_deadline(); return MsrAccess::kDone;
    default: return MsrAccess::kNotMine;
  }
}

CpuBoard::MsrAccess PcMachine::WriteMsr(uint32_t index, uint64_t value) {
  switch (index) {
    case kMsrApicBase: {
      if (!lapic_->ApicBaseWriteValid(value, 48)) return MsrAccess::kGp;
      // The APIC's MMIO window stays where the board mapped it; moving it is not modelled.
      if ((value & ~uint64_t{0xFFF}) != pc_layout::kLocalApicBase) cpu_->ReportOnce("moving the local APIC's MMIO base is not supported");
      lapic_->WriteApicBaseMsr(value);
      return MsrAccess::kDone;
    }
    case kMsrTscDeadline: lapic_->set_tsc_deadline(value); return MsrAccess::kDone;
    default: return MsrAccess::kNotMine;
  }
}

void PcMachine::WriteCr8(uint8_t value) { lapic_->SetCr8(value); }
uint8_t PcMachine::ReadCr8(uint64_t) { return static_cast<uint8_t>(lapic_->GetCr8()); }

}  // namespace kiln::machine
