// Multiboot (version 1) loading for `kiln -kernel` (Multiboot Specification 0.6.96, sections 3.1
// "OS image format" and 3.3 "Boot information format"; QEMU hw/i386/multiboot.c for the details
// guests have come to expect: command line "<kernel> <append>", modules from -initrd, page-aligned
// modules after the kernel, the information structure at 0x9500 with the memory map at 0x9000).
//
// The loader finds and checks the header, loads the kernel (an ELF32 i386 executable by its
// program headers, or with header flag 16 the a.out kludge's addresses), copies the modules, and
// writes the information structure. The caller then starts the CPU in the Multiboot machine state:
//   EAX = 0x2BADB002 (kMultibootBootloaderMagic), EBX = MultibootBoot::info_addr,
//   EIP = MultibootBoot::entry; CS a flat 32-bit read/execute code segment (base 0, limit
//   4 GiB); DS, ES, FS, GS, SS flat 32-bit read/write data segments; CR0.PE = 1, CR0.PG = 0;
//   EFLAGS.IF = 0 and VM = 0; A20 enabled. ESP, GDTR and IDTR are undefined: the kernel sets its own.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "machine/physical_memory.h"

namespace kiln::machine {

inline constexpr uint32_t kMultibootHeaderMagic = 0x1BADB002;
inline constexpr uint32_t kMultibootBootloaderMagic = 0x2BADB002;  ///< EAX at entry
inline constexpr uint32_t kMultibootSearchBytes = 8192;  ///< the header lies within the first 8 KiB

// Header flags (spec 3.1.2). Bits 0-15 are requirements: a loader must fail on one it cannot honour.
inline constexpr uint32_t kMultibootPageAlignModules = 1u << 0;
inline constexpr uint32_t kMultibootWantMemoryInfo = 1u << 1;
inline constexpr uint32_t kMultibootWantVideoMode = 1u << 2;
inline constexpr uint32_t kMultibootAoutKludge = 1u << 16;

// Information structure flags (spec 3.3) and offsets.
inline constexpr uint32_t kMbiMemory = 1u << 0;
inline constexpr uint32_t kMbiCmdline = 1u << 2;
inline constexpr uint32_t kMbiModules = 1u << 3;
inline constexpr uint32_t kMbiMemoryMap = 1u << 6;
inline constexpr uint32_t kMbiBootLoaderName = 1u << 9;
inline constexpr uint32_t kMbiOffsetFlags = 0;
inline constexpr uint32_t kMbiOffsetMemLower = 4;
inline constexpr uint32_t kMbiOffsetMemUpper = 8;
inline constexpr uint32_t kMbiOffsetCmdline = 16;
inline constexpr uint32_t kMbiOffsetModsCount = 20;
inline constexpr uint32_t kMbiOffsetModsAddr = 24;
inline constexpr uint32_t kMbiOffsetMmapLength = 44;
inline constexpr uint32_t kMbiOffsetMmapAddr = 48;
inline constexpr uint32_t kMbiOffsetBootLoaderName = 64;
inline constexpr uint32_t kMbiSize = 88;           ///< up to the VBE fields, which Kiln leaves out
inline constexpr uint32_t kMbiModuleSize = 16;     ///< mod_start, mod_end, string, reserved
inline constexpr uint32_t kMbiMmapEntrySize = 24;  ///< size (= 20), base_addr, length, type
inline constexpr uint32_t kMbiMmapRam = 1;
inline constexpr uint32_t kMbiMmapReserved = 2;
/// Where QEMU puts the memory map and the information structure (used when that page is free RAM).
inline constexpr uint32_t kMultibootLowMmapAddr = 0x9000;
inline constexpr uint32_t kMultibootLowInfoAddr = 0x9500;

/// The header fields (spec 3.1.2), `offset` being its position in the file.
struct MultibootHeader {
  uint32_t offset = 0;
  uint32_t flags = 0;
  uint32_t header_addr = 0, load_addr = 0, load_end_addr = 0, bss_end_addr = 0, entry_addr = 0;
};

/// The first valid header (magic, flags, checksum summing to 0) at a 4-byte aligned offset within
/// the first 8192 bytes. nullopt with `error` ("no Multiboot header ...", "... bad checksum")
/// when there is none.
std::optional<MultibootHeader> FindMultibootHeader(std::span<const uint8_t> image, std::string& error);
inline bool HasMultibootHeader(std::span<const uint8_t> image) {
  std::string ignored;
  return FindMultibootHeader(image, ignored).has_value();
}

struct MultibootModule {
  std::vector<uint8_t> data;
  std::string string;  ///< its command line (QEMU: the file name followed by its arguments)
};

struct MultibootOptions {
  std::string kernel_name;  ///< the first word of the command line (QEMU: the -kernel path)
  std::string append;       ///< the -append text
  std::vector<MultibootModule> modules;
  std::string boot_loader_name = "kiln";
};

/// Where things went.
struct MultibootBoot {
  uint32_t entry = 0;      ///< EIP
  uint32_t info_addr = 0;  ///< EBX: the information structure
  uint32_t kernel_start = 0, kernel_end = 0;  ///< physical [start, end), .bss included
  struct Range {
    uint32_t start, end;
  };
  std::vector<Range> modules;
  std::vector<std::string> warnings;  ///< honoured-with-limits requests (video mode)
};

/// Loads `kernel` and `options` into `memory` (RAM must be set up). False with a one-line
/// `error` when anything is wrong; memory may then be partly written.
bool LoadMultiboot(PhysicalMemory& memory, std::span<const uint8_t> kernel, const MultibootOptions& options,
                   MultibootBoot& boot, std::string& error);

/// QEMU's -initrd list for Multiboot: comma-separated "file args" entries, ",," for a literal comma.
std::vector<std::string> SplitModuleList(const std::string& initrd);

/// The command-line front end: reads `kernel_path` and the modules of `initrd` (SplitModuleList;
/// each entry's first word is the file, the whole entry its string) and calls LoadMultiboot.
bool LoadMultibootFiles(PhysicalMemory& memory, const std::string& kernel_path, const std::string& append,
                        const std::string& initrd, MultibootBoot& boot, std::string& error);

}  // namespace kiln::machine
