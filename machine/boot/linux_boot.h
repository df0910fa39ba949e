// Direct Linux boot (`kiln -kernel bzImage`): the x86 boot protocol of the kernel's
// Documentation/arch/x86/boot.rst, without a BIOS. The loader checks the bzImage's setup header,
// copies the protected-mode kernel to its preferred address, places the initrd as high as the
// kernel allows, writes the command line and the "zero page" (struct boot_params: the setup
// header, the e820 map, the ACPI RSDP address), and builds the state of the 64-bit entry:
// long mode with the low 4 GiB identity-mapped, a GDT with __BOOT_CS = 0x10 and __BOOT_DS =
// 0x18, RSI = the zero page, RIP = the kernel's load address + 0x200, interrupts off.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "machine/physical_memory.h"

namespace kiln::machine {

// Setup header offsets in the bzImage and in boot_params (boot.rst, "The real-mode kernel header"
// and zero-page.rst).
namespace linux_boot {
inline constexpr uint32_t kSetupSects = 0x1F1, kSyssize = 0x1F4, kBootFlag = 0x1FE, kHeader = 0x202,
                          kVersion = 0x206, kTypeOfLoader = 0x210, kLoadflags = 0x211,
                          kCode32Start = 0x214, kRamdiskImage = 0x218, kRamdiskSize = 0x21C,
                          kHeapEndPtr = 0x224, kCmdLinePtr = 0x228, kInitrdAddrMax = 0x22C,
                          kKernelAlignment = 0x230, kRelocatable = 0x234, kXloadflags = 0x236,
                          kCmdlineSize = 0x238, kPrefAddress = 0x258, kInitSize = 0x260;
inline constexpr uint32_t kBpAcpiRsdpAddr = 0x070, kBpExtRamdiskImage = 0x0C0, kBpExtRamdiskSize = 0x0C4,
                          kBpExtCmdLinePtr = 0x0C8, kBpE820Entries = 0x1E8, kBpE820Table = 0x2D0;
inline constexpr uint32_t kE820MaxEntries = 128;
inline constexpr uint16_t kBootFlagMagic = 0xAA55;
inline constexpr uint32_t kHeaderMagic = 0x53726448;  ///< "HdrS"
inline constexpr uint8_t kLoadedHigh = 1u << 0, kCanUseHeap = 1u << 7;
inline constexpr uint16_t kXlfKernel64 = 1u << 0;
/// The lowest protocol with what this loader relies on: xloadflags (2.12) and the 64-bit entry.
inline constexpr uint16_t kMinVersion = 0x020C;
}  // namespace linux_boot

/// e820 entry types (ACPI "Address Range Types").
enum class E820Type : uint32_t { kRam = 1, kReserved = 2, kAcpi = 3, kNvs = 4 };
struct E820Entry {
  uint64_t base, size;
  E820Type type;
};

/// The setup header fields the loader uses, checked.
struct BzImageHeader {
  uint16_t version = 0;
  uint8_t setup_sects = 0;   ///< 512-byte sectors of real-mode code after the boot sector
  uint8_t loadflags = 0, relocatable = 0;
  uint16_t xloadflags = 0;
  uint32_t initrd_addr_max = 0, kernel_alignment = 0, cmdline_size = 0, init_size = 0;
  uint64_t pref_address = 0;
  uint32_t setup_bytes = 0;     ///< (setup_sects + 1) * 512: where the protected-mode kernel starts
  uint32_t kernel_bytes = 0;    ///< the protected-mode kernel's size in the file
};

/// Parses and checks a bzImage's setup header. False with a one-line `error` for a file that is
/// not a bzImage, is truncated, or needs what Kiln cannot give (an old protocol, no 64-bit entry).
bool ParseBzImageHeader(std::span<const uint8_t> image, BzImageHeader& header, std::string& error);

struct LinuxBootOptions {
  std::string cmdline;
  std::vector<uint8_t> initrd;  ///< empty: none
  std::vector<E820Entry> e820;  ///< the board's memory map
  uint64_t acpi_rsdp = 0;       ///< 0: no ACPI tables
  /// Below this address the initrd may not go (firmware tables above it are the caller's).
  uint64_t initrd_ceiling = 0;
};

/// Where things went, and the state the CPU must start in.
struct LinuxBoot {
  uint64_t entry = 0;          ///< RIP: the 64-bit entry point
  uint64_t boot_params = 0;    ///< RSI: the zero page
  uint64_t cr3 = 0;            ///< the identity map of the low 4 GiB
  uint64_t gdt_base = 0;
  uint16_t gdt_limit = 0;
  uint64_t kernel_start = 0, kernel_end = 0;  ///< [load address, + init_size)
  uint64_t initrd_start = 0, initrd_size = 0;
};

/// Loads the kernel in `image` with `options` into `memory` (RAM must exist). False with a
/// one-line `error` (the kernel or initrd does not fit, the command line is too long, ...).
bool LoadLinux(PhysicalMemory& memory, std::span<const uint8_t> image, const LinuxBootOptions& options,
               LinuxBoot& boot, std::string& error);

/// Whether `image` starts like a bzImage (the "HdrS" magic), so `-kernel` can pick the protocol.
bool LooksLikeBzImage(std::span<const uint8_t> image);

}  // namespace kiln::machine
