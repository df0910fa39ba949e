// Multiboot v1 loader: header search, ELF32 or a.out-kludge kernel, modules, information structure.
#include "machine/boot/multiboot.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "machine/elf_image.h"
#include "machine/host_file.h"

namespace kiln::machine {
namespace {

constexpr uint64_t kPage = 4096;
constexpr uint64_t k4G = 1ull << 32;
constexpr uint64_t kLowMemoryEnd = 0xA0000;   // 640 KiB
constexpr uint64_t kHighMemoryStart = 0x100000;  // 1 MiB
constexpr uint16_t kElfTypeExec = 2;

uint32_t Load32(std::span<const uint8_t> b, size_t off) {
  return static_cast<uint32_t>(b[off]) | static_cast<uint32_t>(b[off + 1]) << 8 |
         static_cast<uint32_t>(b[off + 2]) << 16 | static_cast<uint32_t>(b[off + 3]) << 24;
}
void Store32(std::vector<uint8_t>& b, size_t off, uint32_t v) {
  for (int i = 0; i < 4; ++i) b[off + i] = static_cast<uint8_t>(v >> (8 * i));
}
void Store64(std::vector<uint8_t>& b, size_t off, uint64_t v) {
  for (int i = 0; i < 8; ++i) b[off + i] = static_cast<uint8_t>(v >> (8 * i));
}
uint64_t PageAlign(uint64_t v) { return (v + kPage - 1) & ~(kPage - 1); }

std::string Hex(uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "%#llx", static_cast<unsigned long long>(v));
  return buf;
}

/// Whether [addr, addr + size) lies in one RAM range (an empty range: whether addr is in RAM or
/// at its end).
bool InRam(const std::vector<PhysicalMemory::Range>& ram, uint64_t addr, uint64_t size) {
  return std::any_of(ram.begin(), ram.end(), [&](const PhysicalMemory::Range& r) {
    return addr >= r.base && addr - r.base <= r.size && size <= r.size - (addr - r.base);
  });
}

struct Piece {  // one span of bytes to put in guest memory, zero-filled up to mem_size
  uint64_t addr;
  std::span<const uint8_t> bytes;
  uint64_t mem_size;
};

bool CheckPieceFits(const std::vector<PhysicalMemory::Range>& ram, const Piece& p, const char* what,
                    std::string& error) {
  if (p.addr >= k4G || p.mem_size > k4G - p.addr) {
    error = std::string(what) + " at " + Hex(p.addr) + " (" + Hex(p.mem_size) + " bytes) does not fit below 4 GiB";
    return false;
  }
  if (!InRam(ram, p.addr, p.mem_size)) {
    error = std::string(what) + " at " + Hex(p.addr) + "-" + Hex(p.addr + p.mem_size) +
            " is outside guest RAM (too large for guest memory?)";
    return false;
  }
  return true;
}

bool Place(PhysicalMemory& memory, const Piece& p, std::string& error) {
  if ((!p.bytes.empty() && !memory.CopyIn(p.addr, p.bytes.data(), p.bytes.size())) ||
      (p.mem_size > p.bytes.size() &&
       !memory.Fill(p.addr + p.bytes.size(), 0, static_cast<size_t>(p.mem_size - p.bytes.size())))) {
    error = "cannot write guest memory at " + Hex(p.addr);
    return false;
  }
  return true;
}

/// The kernel's pieces from its ELF program headers (PT_LOAD at p_paddr), and its entry point.
bool ElfPieces(std::span<const uint8_t> kernel, std::vector<Piece>& pieces, uint32_t& entry, std::string& error) {
  std::string elf_error;
  const std::optional<ElfImage> elf = ElfImage::Parse(kernel, elf_error);
  if (!elf) {
    error = "Multiboot kernel: bad ELF file: " + elf_error;
    return false;
  }
  if (elf->elf_class() == ElfClass::k64 || elf->machine() == kElfMachineX86_64) {
    error = "Multiboot kernel is an x86-64 ELF file: Multiboot loads 32-bit (ELF32 i386) kernels only";
    return false;
  }
  if (elf->machine() != kElfMachine386) {
    error = "Multiboot kernel is not an i386 ELF file (e_machine " + std::to_string(elf->machine()) + ")";
    return false;
  }
  if (elf->type() != kElfTypeExec) {
    error = "Multiboot kernel is not an ELF executable (e_type " + std::to_string(elf->type()) + ")";
    return false;
  }
  entry = static_cast<uint32_t>(elf->entry());
  for (const ElfSegment& s : elf->segments()) {
    if (s.type != kElfSegmentLoad || s.mem_size == 0) continue;
    if (s.file_size > s.mem_size) {
      error = "Multiboot kernel: a segment's file size exceeds its memory size";
      return false;
    }
    pieces.push_back({s.paddr, kernel.subspan(s.offset, s.file_size), s.mem_size});
    // The entry is a virtual address; where the executable segment holding it is loaded
    // elsewhere, enter at its physical address (as GRUB and QEMU do).
    if ((s.flags & 1) && s.vaddr != s.paddr && elf->entry() >= s.vaddr && elf->entry() - s.vaddr < s.mem_size) {
      entry = static_cast<uint32_t>(elf->entry() - s.vaddr + s.paddr);
    }
  }
  if (pieces.empty()) {
    error = "Multiboot kernel: the ELF file has no loadable segment";
    return false;
  }
  return true;
}

/// The kernel's one piece from the a.out kludge fields (spec 3.1.3).
bool AoutPieces(std::span<const uint8_t> kernel, const MultibootHeader& h, std::vector<Piece>& pieces,
                uint32_t& entry, std::string& error) {
  if (h.header_addr < h.load_addr || h.header_addr - h.load_addr > h.offset) {
    error = "Multiboot header: header_addr " + Hex(h.header_addr) + " and load_addr " + Hex(h.load_addr) +
            " do not match the header's file offset " + Hex(h.offset);
    return false;
  }
  const uint64_t file_offset = h.offset - (h.header_addr - h.load_addr);
  uint64_t load_size;
  if (h.load_end_addr != 0) {
    if (h.load_end_addr < h.load_addr) {
      error = "Multiboot header: load_end_addr " + Hex(h.load_end_addr) + " is below load_addr";
      return false;
    }
    load_size = h.load_end_addr - h.load_addr;
    if (load_size > kernel.size() - file_offset) {
      error = "Multiboot kernel is truncated: load_end_addr asks for " + Hex(load_size) + " bytes from offset " +
              Hex(file_offset) + ", the file has " + Hex(kernel.size() - file_offset);
      return false;
    }
  } else {
    load_size = kernel.size() - file_offset;  // to the end of the file
  }
  uint64_t mem_size = load_size;
  if (h.bss_end_addr != 0) {
    if (h.bss_end_addr < h.load_addr + load_size) {
      error = "Multiboot header: bss_end_addr " + Hex(h.bss_end_addr) + " is below the end of the loaded image";
      return false;
    }
    mem_size = h.bss_end_addr - h.load_addr;
  }
  pieces.push_back({h.load_addr, kernel.subspan(file_offset, load_size), mem_size});
  entry = h.entry_addr;
  return true;
}

/// The memory map: RAM as type 1 except 640 KiB-1 MiB, which is one type-2 entry.
struct MmapEntry {
  uint64_t base, length;
  uint32_t type;
};
std::vector<MmapEntry> MemoryMap(const std::vector<PhysicalMemory::Range>& ram) {
  std::vector<MmapEntry> map;
  for (const PhysicalMemory::Range& r : ram) {
    const uint64_t end = r.base + r.size;
    if (r.base < kLowMemoryEnd) map.push_back({r.base, std::min(end, kLowMemoryEnd) - r.base, kMbiMmapRam});
    if (end > kHighMemoryStart) {
      const uint64_t base = std::max(r.base, kHighMemoryStart);
      map.push_back({base, end - base, kMbiMmapRam});
    }
  }
  map.push_back({kLowMemoryEnd, kHighMemoryStart - kLowMemoryEnd, kMbiMmapReserved});
  std::sort(map.begin(), map.end(), [](const MmapEntry& a, const MmapEntry& b) { return a.base < b.base; });
  return map;
}

/// mem_lower / mem_upper in KiB: RAM from 0 (at most 640 KiB), and contiguous RAM from 1 MiB.
void MemorySizes(const std::vector<PhysicalMemory::Range>& ram, uint32_t& lower, uint32_t& upper) {
  uint64_t low_end = 0;
  uint64_t high_end = kHighMemoryStart;
  for (const PhysicalMemory::Range& r : ram) {  // address order: extend contiguous runs
    if (r.base <= low_end) low_end = std::max(low_end, r.base + r.size);
    if (r.base <= high_end && r.base + r.size > high_end) high_end = r.base + r.size;
  }
  lower = static_cast<uint32_t>(std::min(low_end, kLowMemoryEnd) / 1024);
  upper = static_cast<uint32_t>(std::min<uint64_t>((high_end - kHighMemoryStart) / 1024, UINT32_MAX));
}

}  // namespace

std::optional<MultibootHeader> FindMultibootHeader(std::span<const uint8_t> image, std::string& error) {
  const size_t limit = std::min<size_t>(image.size(), kMultibootSearchBytes);
  bool bad_checksum = false;
  for (size_t off = 0; off + 12 <= limit; off += 4) {
    if (Load32(image, off) != kMultibootHeaderMagic) continue;
    const uint32_t flags = Load32(image, off + 4);
    if (kMultibootHeaderMagic + flags + Load32(image, off + 8) != 0) {
      bad_checksum = true;
      continue;
    }
    MultibootHeader h;
    h.offset = static_cast<uint32_t>(off);
    h.flags = flags;
    if (flags & kMultibootAoutKludge) {
      if (off + 32 > image.size()) {
        error = "Multiboot header at offset " + Hex(off) + " is truncated (the a.out kludge fields are missing)";
        return std::nullopt;
      }
      h.header_addr = Load32(image, off + 12);
      h.load_addr = Load32(image, off + 16);
      h.load_end_addr = Load32(image, off + 20);
      h.bss_end_addr = Load32(image, off + 24);
      h.entry_addr = Load32(image, off + 28);
    }
    return h;
  }
  error = bad_checksum ? "Multiboot header has a bad checksum (magic + flags + checksum must be 0)"
                       : "no Multiboot header (magic 0x1BADB002) in the first 8192 bytes";
  return std::nullopt;
}

bool LoadMultiboot(PhysicalMemory& memory, std::span<const uint8_t> kernel, const MultibootOptions& options,
                   MultibootBoot& boot, std::string& error) {
  boot = MultibootBoot{};
  const std::optional<MultibootHeader> header = FindMultibootHeader(kernel, error);
  if (!header) return false;
  const uint32_t required = header->flags & 0xFFFF;
  const uint32_t unsupported = required & ~(kMultibootPageAlignModules | kMultibootWantMemoryInfo | kMultibootWantVideoMode);
  if (unsupported != 0) {
    error = "Multiboot header requires features Kiln does not know (flags " + Hex(unsupported) + ")";
    return false;
  }
  if (required & kMultibootWantVideoMode) {
    // QEMU boots such kernels without video information; so does Kiln, and says so.
    boot.warnings.push_back("Multiboot kernel asks for a video mode; Kiln provides no video information");
  }

  // The kernel image.
  std::vector<Piece> pieces;
  const bool ok = (header->flags & kMultibootAoutKludge) ? AoutPieces(kernel, *header, pieces, boot.entry, error)
                                                          : ElfPieces(kernel, pieces, boot.entry, error);
  if (!ok) return false;
  const std::vector<PhysicalMemory::Range> ram = memory.RamRanges();
  uint64_t kernel_start = UINT64_MAX, kernel_end = 0;
  for (const Piece& p : pieces) {
    if (!CheckPieceFits(ram, p, "Multiboot kernel segment", error)) return false;
    kernel_start = std::min(kernel_start, p.addr);
    kernel_end = std::max(kernel_end, p.addr + p.mem_size);
  }
  if (!InRam(ram, boot.entry, 1)) {
    error = "Multiboot kernel entry point " + Hex(boot.entry) + " is outside guest RAM";
    return false;
  }
  boot.kernel_start = static_cast<uint32_t>(kernel_start);
  boot.kernel_end = static_cast<uint32_t>(kernel_end);

  // The memory map and information structure go at QEMU's addresses when that page is free RAM,
  // else into the block after the kernel.
  const std::vector<MmapEntry> map = MemoryMap(ram);
  const uint32_t mmap_bytes = static_cast<uint32_t>(map.size() * kMbiMmapEntrySize);
  // (Only with the kernel above that page: everything else goes after the kernel.)
  const bool low = mmap_bytes <= kMultibootLowInfoAddr - kMultibootLowMmapAddr &&
                   InRam(ram, kMultibootLowMmapAddr, kPage) && kernel_start >= kMultibootLowMmapAddr + kPage;

  // The block after the kernel: module list, strings, [info structure, memory map], then the
  // modules, each page-aligned.
  const uint64_t block = PageAlign(kernel_end);
  std::vector<uint8_t> data;
  auto append_string = [&](const std::string& s) {
    const uint64_t addr = block + data.size();
    data.insert(data.end(), s.begin(), s.end());
    data.push_back(0);
    return addr;
  };
  const size_t mods_offset = 0;
  data.resize(options.modules.size() * kMbiModuleSize, 0);
  std::vector<uint64_t> module_strings;
  for (const MultibootModule& m : options.modules) module_strings.push_back(append_string(m.string));
  const uint64_t cmdline_addr = append_string(options.kernel_name + " " + options.append);
  const uint64_t loader_name_addr = append_string(options.boot_loader_name);
  uint64_t info_addr = kMultibootLowInfoAddr, mmap_addr = kMultibootLowMmapAddr;
  if (!low) {
    data.resize((data.size() + 7) & ~size_t{7}, 0);
    info_addr = block + data.size();
    data.resize(data.size() + kMbiSize, 0);
    mmap_addr = block + data.size();
    data.resize(data.size() + mmap_bytes, 0);
  }
  uint64_t next = PageAlign(block + data.size());
  std::vector<Piece> module_pieces;
  for (size_t i = 0; i < options.modules.size(); ++i) {
    const MultibootModule& m = options.modules[i];
    module_pieces.push_back({next, m.data, m.data.size()});
    if (!CheckPieceFits(ram, module_pieces.back(), "Multiboot module", error)) return false;
    Store32(data, mods_offset + i * kMbiModuleSize + 0, static_cast<uint32_t>(next));
    Store32(data, mods_offset + i * kMbiModuleSize + 4, static_cast<uint32_t>(next + m.data.size()));
    Store32(data, mods_offset + i * kMbiModuleSize + 8, static_cast<uint32_t>(module_strings[i]));
    boot.modules.push_back({static_cast<uint32_t>(next), static_cast<uint32_t>(next + m.data.size())});
    next = PageAlign(next + m.data.size());
  }
  if (!CheckPieceFits(ram, {block, {}, data.size()}, "Multiboot information", error)) return false;

  // The information structure and the memory map.
  std::vector<uint8_t> info(kMbiSize, 0);
  uint32_t mem_lower = 0, mem_upper = 0;
  MemorySizes(ram, mem_lower, mem_upper);
  Store32(info, kMbiOffsetFlags, kMbiMemory | kMbiCmdline | kMbiModules | kMbiMemoryMap | kMbiBootLoaderName);
  Store32(info, kMbiOffsetMemLower, mem_lower);
  Store32(info, kMbiOffsetMemUpper, mem_upper);
  Store32(info, kMbiOffsetCmdline, static_cast<uint32_t>(cmdline_addr));
  Store32(info, kMbiOffsetModsCount, static_cast<uint32_t>(options.modules.size()));
  Store32(info, kMbiOffsetModsAddr, static_cast<uint32_t>(block + mods_offset));
  Store32(info, kMbiOffsetMmapLength, mmap_bytes);
  Store32(info, kMbiOffsetMmapAddr, static_cast<uint32_t>(mmap_addr));
  Store32(info, kMbiOffsetBootLoaderName, static_cast<uint32_t>(loader_name_addr));
  std::vector<uint8_t> mmap(mmap_bytes, 0);
  for (size_t i = 0; i < map.size(); ++i) {
    Store32(mmap, i * kMbiMmapEntrySize, kMbiMmapEntrySize - 4);
    Store64(mmap, i * kMbiMmapEntrySize + 4, map[i].base);
    Store64(mmap, i * kMbiMmapEntrySize + 12, map[i].length);
    Store32(mmap, i * kMbiMmapEntrySize + 20, map[i].type);
  }
  if (!low) {
    std::copy(info.begin(), info.end(), data.begin() + static_cast<ptrdiff_t>(info_addr - block));
    std::copy(mmap.begin(), mmap.end(), data.begin() + static_cast<ptrdiff_t>(mmap_addr - block));
  }

  // Everything checked: write guest memory.
  for (const Piece& p : pieces) {
    if (!Place(memory, p, error)) return false;
  }
  if (!Place(memory, {block, data, data.size()}, error)) return false;
  for (const Piece& p : module_pieces) {
    if (!Place(memory, p, error)) return false;
  }
  if (low && (!Place(memory, {kMultibootLowMmapAddr, mmap, mmap.size()}, error) ||
              !Place(memory, {kMultibootLowInfoAddr, info, info.size()}, error))) {
    return false;
  }
  boot.info_addr = static_cast<uint32_t>(info_addr);
  return true;
}

std::vector<std::string> SplitModuleList(const std::string& initrd) {
  std::vector<std::string> entries;
  std::string current;
  for (size_t i = 0; i < initrd.size(); ++i) {
    if (initrd[i] == ',') {
      if (i + 1 < initrd.size() && initrd[i + 1] == ',') {
        current.push_back(',');
        ++i;
        continue;
      }
      entries.push_back(current);
      current.clear();
      continue;
    }
    current.push_back(initrd[i]);
  }
  if (!initrd.empty()) entries.push_back(current);
  return entries;
}

bool LoadMultibootFiles(PhysicalMemory& memory, const std::string& kernel_path, const std::string& append,
                        const std::string& initrd, MultibootBoot& boot, std::string& error) {
  std::vector<uint8_t> kernel;
  if (!ReadHostFile(kernel_path, "kernel", k4G, "4 GiB", kernel, error)) return false;
  MultibootOptions options;
  options.kernel_name = kernel_path;
  options.append = append;
  for (const std::string& entry : SplitModuleList(initrd)) {
    MultibootModule m;
    m.string = entry;
    const std::string path = entry.substr(0, entry.find(' '));
    if (!ReadHostFile(path, "Multiboot module", k4G, "4 GiB", m.data, error)) return false;
    options.modules.push_back(std::move(m));
  }
  return LoadMultiboot(memory, kernel, options, boot, error);
}

}  // namespace kiln::machine
