// PcMachine: the boot paths (firmware at the reset vector, a Multiboot kernel, a Linux bzImage
// with the firmware tables a BIOS would have left: e820, ACPI, CMOS).
#include "machine/pc/pc_machine.h"

#include <algorithm>
#include <cstdio>

#include "machine/boot/multiboot.h"
#include "machine/pc/pc_layout.h"

namespace kiln::machine {

using namespace pc_layout;

bool PcMachine::Boot(std::string& error) {
  cpu_->Reset();
  pic_.Reset();
  lapic_->Reset();
  pit_->Reset();
  rtc_->Reset();
  hpet_->Reset();
  acpi_pm_->Reset();
  pci_->Reset();
  i8042_->Reset();
  port92_->Reset();
  for (auto& uart : uarts_) uart->Reset();
  nmi_pending_ = false;
  FillCmos();
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
  LeaveKeyboardControllerAsBios();
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

void PcMachine::LeaveKeyboardControllerAsBios() {
  // A BIOS's POST leaves the 8042's command byte with both interrupts on, the system flag set
  // (self-test passed) and scan-code translation on (set 2 to set 1), which PC operating
  // systems expect of a machine that booted; the power-on value has neither of the last two.
  ports_.Write(0x64, 1, 0x60);  // write the command byte
  ports_.Write(0x60, 1, devices::i8042::kCtrKbdInt | devices::i8042::kCtrAuxInt | devices::i8042::kCtrSys |
                            devices::i8042::kCtrXlate);
}

void PcMachine::FillCmos() {
  // What SeaBIOS and QEMU put in CMOS (the RTC's NVRAM): memory sizes in KiB and 64 KiB units,
  // the equipment byte, the century. Guests and BIOSes read them; Linux reads the century.
  const uint64_t ram = config_.ram_bytes;
  const uint64_t ext_kib = std::min<uint64_t>((std::min(ram, kPciHoleStart) - kHighRamStart) >> 10, 0xFFFF);
  const uint64_t above_16m = ram > (16u << 20) ? std::min<uint64_t>((std::min(ram, kPciHoleStart) - (16u << 20)) >> 16, 0xFFFF) : 0;
  const uint64_t above_4g = ram > kPciHoleStart ? (ram - kPciHoleStart) >> 16 : 0;
  const uint16_t base_kib = 640;
  rtc_->SetNvram(0x15, base_kib & 0xFF);
  rtc_->SetNvram(0x16, base_kib >> 8);
  for (const uint8_t index : {uint8_t{0x17}, uint8_t{0x30}}) {
    rtc_->SetNvram(index, ext_kib & 0xFF);
    rtc_->SetNvram(index + 1, static_cast<uint8_t>(ext_kib >> 8));
  }
  rtc_->SetNvram(0x34, above_16m & 0xFF);
  rtc_->SetNvram(0x35, static_cast<uint8_t>(above_16m >> 8));
  rtc_->SetNvram(0x5B, above_4g & 0xFF);
  rtc_->SetNvram(0x5C, static_cast<uint8_t>(above_4g >> 8));
  rtc_->SetNvram(0x5D, static_cast<uint8_t>(above_4g >> 16));
  rtc_->SetNvram(0x14, 0x06);  // equipment: an FPU, VGA/EGA video, no floppy
}

std::vector<E820Entry> PcMachine::MemoryMap() const {
  std::vector<E820Entry> map;
  for (const PhysicalMemory::Range& r : physical_.RamRanges()) {
    if (r.base == 0) {
      map.push_back({0, kEbdaStart, E820Type::kRam});
      map.push_back({kEbdaStart, r.size - kEbdaStart, E820Type::kReserved});
    } else if (r.base < acpi_base_ && acpi_base_ < r.base + r.size) {
      map.push_back({r.base, acpi_base_ - r.base, E820Type::kRam});
      map.push_back({acpi_base_, r.base + r.size - acpi_base_, E820Type::kAcpi});
    } else {
      map.push_back({r.base, r.size, E820Type::kRam});
    }
  }
  map.push_back({kBiosAreaStart, kHighRamStart - kBiosAreaStart, E820Type::kReserved});
  std::sort(map.begin(), map.end(), [](const E820Entry& a, const E820Entry& b) { return a.base < b.base; });
  return map;
}

bool PcMachine::BootLinux(std::string& error) {
  // The firmware tables first: the initrd goes below them.
  const AcpiTables acpi = BuildAcpiTables(acpi_board_, acpi_base_);
  if (acpi.bytes.size() > kAcpiReserve || !physical_.Fill(acpi_base_, 0, kAcpiReserve) ||
      !physical_.CopyIn(acpi_base_, acpi.bytes.data(), acpi.bytes.size())) {
    error = "cannot place the ACPI tables";
    return false;
  }
  LinuxBootOptions options;
  options.cmdline = config_.append;
  options.initrd = initrd_image_;
  options.e820 = MemoryMap();
  options.acpi_rsdp = acpi.rsdp_address;
  options.initrd_ceiling = acpi_base_;
  LinuxBoot boot;
  if (!LoadLinux(physical_, kernel_image_, options, boot, error)) {
    error = "kernel '" + config_.kernel + "': " + error;
    return false;
  }
  // The PICs as a BIOS leaves them (vector bases 0x08 and 0x70), every line masked.
  const uint8_t init[][2] = {{0x20, 0x11}, {0x21, 0x08}, {0x21, 0x04}, {0x21, 0x01}, {0x21, 0xFF},
                             {0xA0, 0x11}, {0xA1, 0x70}, {0xA1, 0x02}, {0xA1, 0x01}, {0xA1, 0xFF}};
  for (const auto& [port, value] : init) ports_.Write(port, 1, value);
  LeaveKeyboardControllerAsBios();
  // MTRRs as firmware leaves them: write-back by default, the PCI hole and above uncached.
  cpu_->SetStorageMsr(0x2FF, (1u << 11) | 6);  // IA32_MTRR_DEF_TYPE: enabled, WB
  cpu_->SetStorageMsr(0x200, kPciHoleStart);   // IA32_MTRR_PHYSBASE0: type UC
  cpu_->SetStorageMsr(0x201, (~(kFourGiB - kPciHoleStart - 1) & ((uint64_t{1} << 48) - 1) & ~uint64_t{0xFFF}) | (1u << 11));
  cpu_->EnterLongMode(boot.entry, boot.cr3, boot.gdt_base, boot.gdt_limit, 0x10, 0x18);
  state_->gpr[kRsi] = boot.boot_params;
  return true;
}

}  // namespace kiln::machine
