// Direct Linux boot: header checks, placement, the zero page and the 64-bit entry's page tables.
#include "machine/boot/linux_boot.h"

#include <algorithm>
#include <cstring>

namespace kiln::machine {
namespace {

using namespace linux_boot;

// Low memory the loader uses (all below the 640 KiB the kernel reserves for itself early).
constexpr uint64_t kGdtAddr = 0x1000;
constexpr uint64_t kPml4Addr = 0x2000, kPdptAddr = 0x3000, kPdAddr = 0x4000;  ///< + 4 PDs to 0x8000
constexpr uint64_t kBootParamsAddr = 0x10000;
constexpr uint64_t kCmdlineAddr = 0x20000;
constexpr uint64_t kCmdlineMax = 0x10000;  ///< room reserved for the command line
constexpr uint64_t kOneMiB = 0x100000;
constexpr uint64_t kPage = 4096;

template <typename T>
T Get(std::span<const uint8_t> b, uint32_t off) {
  T v;
  std::memcpy(&v, b.data() + off, sizeof v);
  return v;
}
template <typename T>
void Put(std::vector<uint8_t>& b, uint32_t off, T v) {
  std::memcpy(b.data() + off, &v, sizeof v);
}

std::string Hex(uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "%#llx", static_cast<unsigned long long>(v));
  return buf;
}

/// The RAM entry of `e820` holding [base, base + size), if one does.
const E820Entry* RamHolding(const std::vector<E820Entry>& e820, uint64_t base, uint64_t size) {
  for (const E820Entry& e : e820)
    if (e.type == E820Type::kRam && base >= e.base && base + size >= base && base + size <= e.base + e.size) return &e;
  return nullptr;
}

}  // namespace

bool LooksLikeBzImage(std::span<const uint8_t> image) {
  return image.size() >= kHeader + 4 && Get<uint32_t>(image, kHeader) == kHeaderMagic;
}

bool ParseBzImageHeader(std::span<const uint8_t> image, BzImageHeader& h, std::string& error) {
  if (image.size() < kInitSize + 4 || Get<uint32_t>(image, kHeader) != kHeaderMagic ||
      Get<uint16_t>(image, kBootFlag) != kBootFlagMagic) {
    error = "not a Linux bzImage (no setup header with the \"HdrS\" magic)";
    return false;
  }
  h.version = Get<uint16_t>(image, kVersion);
  if (h.version < kMinVersion) {
    error = "Linux boot protocol " + std::to_string(h.version >> 8) + "." + std::to_string(h.version & 0xFF) +
            " is too old: Kiln needs 2.12 or later (kernel 3.8+)";
    return false;
  }
  h.setup_sects = image[kSetupSects] ? image[kSetupSects] : 4;  // 0 means 4 (boot.rst)
  h.loadflags = image[kLoadflags];
  h.relocatable = image[kRelocatable];
  h.xloadflags = Get<uint16_t>(image, kXloadflags);
  h.initrd_addr_max = Get<uint32_t>(image, kInitrdAddrMax);
  h.kernel_alignment = Get<uint32_t>(image, kKernelAlignment);
  h.cmdline_size = Get<uint32_t>(image, kCmdlineSize);
  h.pref_address = Get<uint64_t>(image, kPrefAddress);
  h.init_size = Get<uint32_t>(image, kInitSize);
  h.setup_bytes = (h.setup_sects + 1u) * 512u;
  const uint64_t syssize = uint64_t{Get<uint32_t>(image, kSyssize)} * 16;
  if (!(h.loadflags & kLoadedHigh)) {
    error = "the bzImage is a zImage (loaded low), which Kiln does not boot";
    return false;
  }
  if (!(h.xloadflags & kXlfKernel64)) {
    error = "the kernel has no 64-bit entry point (a 32-bit kernel), which Kiln does not boot yet";
    return false;
  }
  if (image.size() < h.setup_bytes + syssize || syssize == 0) {
    error = "the bzImage is truncated: " + std::to_string(image.size()) + " bytes, the header promises " +
            std::to_string(h.setup_bytes + syssize);
    return false;
  }
  if (h.kernel_alignment == 0 || (h.kernel_alignment & (h.kernel_alignment - 1)) ||
      h.init_size < syssize || h.pref_address % kPage) {
    error = "the bzImage's setup header is corrupt (alignment, init_size or preferred address)";
    return false;
  }
  h.kernel_bytes = static_cast<uint32_t>(image.size() - h.setup_bytes);
  return true;
}

bool LoadLinux(PhysicalMemory& memory, std::span<const uint8_t> image, const LinuxBootOptions& options,
               LinuxBoot& boot, std::string& error) {
  BzImageHeader h;
  if (!ParseBzImageHeader(image, h, error)) return false;

  // The kernel: at its preferred address, or (relocatable) the lowest aligned RAM that holds init_size.
  uint64_t load = h.pref_address;
  if (!RamHolding(options.e820, load, h.init_size)) {
    load = 0;
    if (h.relocatable) {
      for (const E820Entry& e : options.e820) {
        if (e.type != E820Type::kRam) continue;
        const uint64_t a = (std::max(e.base, kOneMiB) + h.kernel_alignment - 1) & ~uint64_t{h.kernel_alignment - 1};
        if (a + h.init_size <= e.base + e.size) {
          load = a;
          break;
        }
      }
    }
    if (!load) {
      error = "the kernel needs " + std::to_string((h.init_size + kOneMiB - 1) >> 20) +
              " MiB of RAM at " + Hex(h.pref_address) + " to decompress; give more memory with -m";
      return false;
    }
  }
  if (!memory.CopyIn(load, image.data() + h.setup_bytes, h.kernel_bytes) ||
      !memory.Fill(load + h.kernel_bytes, 0, h.init_size > h.kernel_bytes ? h.init_size - h.kernel_bytes : 0)) {
    error = "cannot place the kernel at " + Hex(load);
    return false;
  }
  boot.kernel_start = load;
  boot.kernel_end = load + h.init_size;

  // The command line.
  const uint64_t cmdline_max = std::min<uint64_t>(h.cmdline_size, kCmdlineMax - 1);
  if (options.cmdline.size() > cmdline_max) {
    error = "the kernel command line is " + std::to_string(options.cmdline.size()) + " bytes; this kernel takes at most " +
            std::to_string(cmdline_max);
    return false;
  }
  if (!memory.Fill(kCmdlineAddr, 0, kCmdlineMax) ||
      !memory.CopyIn(kCmdlineAddr, options.cmdline.data(), options.cmdline.size())) {
    error = "no RAM for the command line at " + Hex(kCmdlineAddr);
    return false;
  }

  // The initrd: as high as the kernel accepts (initrd_addr_max), below the caller's ceiling,
  // in the RAM above the kernel, page-aligned.
  if (!options.initrd.empty()) {
    const uint64_t size = options.initrd.size();
    uint64_t limit = uint64_t{h.initrd_addr_max} + 1;
    if (options.initrd_ceiling) limit = std::min(limit, options.initrd_ceiling);
    uint64_t best = 0;
    for (const E820Entry& e : options.e820) {
      if (e.type != E820Type::kRam) continue;
      const uint64_t top = std::min(e.base + e.size, limit);
      if (top < size) continue;
      const uint64_t start = (top - size) & ~(kPage - 1);
      if (start >= std::max(e.base, boot.kernel_end) && start > best) best = start;
    }
    if (!best || !memory.CopyIn(best, options.initrd.data(), size)) {
      error = "the initrd (" + std::to_string(size >> 20) + " MiB) does not fit in RAM between the kernel's end (" +
              Hex(boot.kernel_end) + ") and " + Hex(limit) + "; give more memory with -m";
      return false;
    }
    boot.initrd_start = best;
    boot.initrd_size = size;
  }

  // The zero page: the setup header copied from the image, then the loader's fields.
  std::vector<uint8_t> bp(kPage, 0);
  const uint32_t header_end = std::min<uint32_t>(kHeader + image[0x201], kPage - 1);  // 0x202 + jump offset byte
  std::memcpy(bp.data() + kSetupSects, image.data() + kSetupSects, std::min<size_t>(header_end - kSetupSects, image.size() - kSetupSects));
  bp[kTypeOfLoader] = 0xFF;  // "undefined" (no registered ID)
  bp[kLoadflags] = static_cast<uint8_t>((h.loadflags & ~0x60) | kCanUseHeap);  // no QUIET_FLAG, KEEP_SEGMENTS
  Put<uint16_t>(bp, 0x1FA, 0xFFFF);                                        // vid_mode: "normal"
  Put<uint16_t>(bp, kHeapEndPtr, 0xFE00);
  Put<uint32_t>(bp, kCode32Start, static_cast<uint32_t>(load));
  Put<uint32_t>(bp, kCmdLinePtr, static_cast<uint32_t>(kCmdlineAddr));
  Put<uint32_t>(bp, kBpExtCmdLinePtr, 0);
  Put<uint32_t>(bp, kRamdiskImage, static_cast<uint32_t>(boot.initrd_start));
  Put<uint32_t>(bp, kRamdiskSize, static_cast<uint32_t>(boot.initrd_size));
  Put<uint32_t>(bp, kBpExtRamdiskImage, static_cast<uint32_t>(boot.initrd_start >> 32));
  Put<uint32_t>(bp, kBpExtRamdiskSize, static_cast<uint32_t>(boot.initrd_size >> 32));
  Put<uint64_t>(bp, kBpAcpiRsdpAddr, options.acpi_rsdp);
  if (options.e820.size() > kE820MaxEntries) {
    error = "the memory map has more than 128 entries";
    return false;
  }
  bp[kBpE820Entries] = static_cast<uint8_t>(options.e820.size());
  for (size_t i = 0; i < options.e820.size(); ++i) {
    const E820Entry& e = options.e820[i];
    const uint32_t off = static_cast<uint32_t>(kBpE820Table + i * 20);
    Put<uint64_t>(bp, off, e.base);
    Put<uint64_t>(bp, off + 8, e.size);
    Put<uint32_t>(bp, off + 16, static_cast<uint32_t>(e.type));
  }
  if (!memory.CopyIn(kBootParamsAddr, bp.data(), bp.size())) {
    error = "no RAM for the boot parameters at " + Hex(kBootParamsAddr);
    return false;
  }

  // The GDT of the 64-bit entry: __BOOT_CS (0x10) a 64-bit code segment, __BOOT_DS (0x18) flat data.
  const uint64_t gdt[4] = {0, 0, 0x00AF9B000000FFFFull, 0x00CF93000000FFFFull};
  // The low 4 GiB identity-mapped with 2 MiB pages: PML4[0] -> PDPT[0..3] -> four page directories.
  std::vector<uint64_t> tables(6 * 512, 0);
  tables[0] = kPdptAddr | 0x3;
  for (uint64_t i = 0; i < 4; ++i) tables[512 + i] = (kPdAddr + i * kPage) | 0x3;
  for (uint64_t i = 0; i < 4 * 512; ++i) tables[1024 + i] = (i << 21) | 0x83;  // P, RW, PS
  if (!memory.CopyIn(kGdtAddr, gdt, sizeof gdt) ||
      !memory.CopyIn(kPml4Addr, tables.data(), tables.size() * sizeof(uint64_t))) {
    error = "no RAM below 64 KiB for the boot page tables";
    return false;
  }
  boot.entry = load + 0x200;  // startup_64 (boot.rst, "64-bit Boot Protocol")
  boot.boot_params = kBootParamsAddr;
  boot.cr3 = kPml4Addr;
  boot.gdt_base = kGdtAddr;
  boot.gdt_limit = sizeof gdt - 1;
  return true;
}

}  // namespace kiln::machine
