// Tests of machine/boot/multiboot: hand-built ELF32 and a.out-kludge kernels loaded into
// PhysicalMemory; memory contents, information structure, memory map, modules, and every error.
#include "machine/boot/multiboot.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

namespace kiln::machine {
namespace {

constexpr uint32_t kMiB = 1u << 20;

void Put16(std::vector<uint8_t>& b, size_t off, uint16_t v) {
  for (int i = 0; i < 2; ++i) b[off + i] = static_cast<uint8_t>(v >> (8 * i));
}
void Put32(std::vector<uint8_t>& b, size_t off, uint32_t v) {
  for (int i = 0; i < 4; ++i) b[off + i] = static_cast<uint8_t>(v >> (8 * i));
}
void Put64(std::vector<uint8_t>& b, size_t off, uint64_t v) {
  for (int i = 0; i < 8; ++i) b[off + i] = static_cast<uint8_t>(v >> (8 * i));
}

void PutHeader(std::vector<uint8_t>& b, size_t off, uint32_t flags) {
  Put32(b, off, kMultibootHeaderMagic);
  Put32(b, off + 4, flags);
  Put32(b, off + 8, 0u - kMultibootHeaderMagic - flags);
}

// ELF32 i386 executable: ehdr (52), one PT_LOAD phdr at 52, the Multiboot header at 96, "code"
// at 108..128 (bytes 0x10..0x23). The segment covers the whole file plus `bss` bytes.
constexpr size_t kElfHeaderOffset = 96;
constexpr size_t kElfCodeOffset = 108;
constexpr size_t kElfFileSize = 128;
std::vector<uint8_t> MakeElfKernel(uint32_t paddr, uint32_t vaddr, uint32_t bss, uint32_t flags = 0) {
  std::vector<uint8_t> b(kElfFileSize, 0);
  const uint8_t ident[] = {0x7f, 'E', 'L', 'F', 1, 1, 1};
  std::memcpy(b.data(), ident, sizeof ident);
  Put16(b, 16, 2);   // ET_EXEC
  Put16(b, 18, 3);   // EM_386
  Put32(b, 20, 1);
  Put32(b, 24, vaddr + kElfCodeOffset);  // e_entry
  Put32(b, 28, 52);  // e_phoff
  Put16(b, 40, 52);
  Put16(b, 42, 32);
  Put16(b, 44, 1);
  Put32(b, 52 + 0, 1);  // PT_LOAD
  Put32(b, 52 + 4, 0);
  Put32(b, 52 + 8, vaddr);
  Put32(b, 52 + 12, paddr);
  Put32(b, 52 + 16, kElfFileSize);
  Put32(b, 52 + 20, kElfFileSize + bss);
  Put32(b, 52 + 24, 5);  // R+X
  PutHeader(b, kElfHeaderOffset, flags);
  for (size_t i = kElfCodeOffset; i < kElfFileSize; ++i) b[i] = static_cast<uint8_t>(0x10 + i - kElfCodeOffset);
  return b;
}

// ELF64 x86-64 executable with one PT_LOAD and a Multiboot header at 128.
std::vector<uint8_t> MakeElf64Kernel() {
  std::vector<uint8_t> b(160, 0);
  const uint8_t ident[] = {0x7f, 'E', 'L', 'F', 2, 1, 1};
  std::memcpy(b.data(), ident, sizeof ident);
  Put16(b, 16, 2);
  Put16(b, 18, 62);
  Put32(b, 20, 1);
  Put64(b, 24, 0x100000);
  Put64(b, 32, 64);  // e_phoff
  Put16(b, 52, 64);
  Put16(b, 54, 56);
  Put16(b, 56, 1);
  Put32(b, 64 + 0, 1);
  Put32(b, 64 + 4, 5);
  Put64(b, 64 + 16, 0x100000);
  Put64(b, 64 + 24, 0x100000);
  Put64(b, 64 + 32, 160);
  Put64(b, 64 + 40, 160);
  PutHeader(b, 128, 0);
  return b;
}

// An a.out-kludge kernel: 64 bytes of "text" before the header at offset 64, then code.
struct AoutLayout {
  uint32_t load_addr = 0x200000;
  uint32_t header_offset = 64;
  uint32_t file_size = 256;
  uint32_t load_end_addr = 0;  // 0: to the end of the file
  uint32_t bss_end_addr = 0;
  uint32_t entry = 0x200060;
  int32_t header_addr_delta = 0;  // header_addr = load_addr + header_offset + delta
};
std::vector<uint8_t> MakeAoutKernel(const AoutLayout& l) {
  std::vector<uint8_t> b(l.file_size);
  for (size_t i = 0; i < b.size(); ++i) b[i] = static_cast<uint8_t>(i * 7 + 1);
  PutHeader(b, l.header_offset, kMultibootAoutKludge);
  Put32(b, l.header_offset + 12, static_cast<uint32_t>(l.load_addr + l.header_offset + l.header_addr_delta));
  Put32(b, l.header_offset + 16, l.load_addr);
  Put32(b, l.header_offset + 20, l.load_end_addr);
  Put32(b, l.header_offset + 24, l.bss_end_addr);
  Put32(b, l.header_offset + 28, l.entry);
  return b;
}

struct MultibootTest : ::testing::Test {
  PhysicalMemory memory;
  MultibootBoot boot;
  std::string error;
  void SetUp() override {
    ASSERT_TRUE(memory.AddRam(0, 0xA0000, error)) << error;
    ASSERT_TRUE(memory.AddRam(kMiB, 31 * kMiB, error)) << error;
    ASSERT_TRUE(memory.Fill(kMiB, 0xAA, 4 * kMiB));  // so that zeroed .bss shows
  }
  uint32_t R32(uint64_t addr) {
    uint8_t b[4];
    EXPECT_TRUE(memory.CopyOut(addr, b, 4));
    return b[0] | b[1] << 8 | b[2] << 16 | static_cast<uint32_t>(b[3]) << 24;
  }
  uint64_t R64(uint64_t addr) { return R32(addr) | static_cast<uint64_t>(R32(addr + 4)) << 32; }
  std::string Str(uint64_t addr) {
    std::string s;
    char c;
    while (memory.CopyOut(addr++, &c, 1) && c != 0 && s.size() < 4096) s.push_back(c);
    return s;
  }
  std::vector<uint8_t> Bytes(uint64_t addr, size_t n) {
    std::vector<uint8_t> v(n);
    EXPECT_TRUE(memory.CopyOut(addr, v.data(), n));
    return v;
  }
  bool Load(const std::vector<uint8_t>& kernel, const MultibootOptions& options = {}) {
    return LoadMultiboot(memory, kernel, options, boot, error);
  }
};

TEST_F(MultibootTest, FindHeader_AlignedWithinFirst8K) {
  std::vector<uint8_t> image(9000, 0);
  PutHeader(image, 8192 - 12, 0);
  std::string err;
  const auto h = FindMultibootHeader(image, err);
  ASSERT_TRUE(h.has_value()) << err;
  EXPECT_EQ(h->offset, 8192u - 12);
  EXPECT_TRUE(HasMultibootHeader(image));
}

TEST_F(MultibootTest, FindHeader_MissingBeyond8KOrUnaligned) {
  std::vector<uint8_t> image(12000, 0);
  PutHeader(image, 8192, 0);
  EXPECT_FALSE(Load(image));
  EXPECT_NE(error.find("no Multiboot header"), std::string::npos) << error;
  std::vector<uint8_t> unaligned(200, 0);
  PutHeader(unaligned, 42, 0);
  EXPECT_FALSE(HasMultibootHeader(unaligned));
  EXPECT_FALSE(HasMultibootHeader({}));
}

TEST_F(MultibootTest, BadChecksum_IsReported) {
  std::vector<uint8_t> kernel = MakeElfKernel(kMiB, kMiB, 0);
  Put32(kernel, kElfHeaderOffset + 8, 0x12345678);
  EXPECT_FALSE(Load(kernel));
  EXPECT_NE(error.find("bad checksum"), std::string::npos) << error;
}

TEST_F(MultibootTest, Elf_LoadsSegmentZeroesBssAndEnters) {
  const std::vector<uint8_t> kernel = MakeElfKernel(kMiB, kMiB, 0x3000);
  ASSERT_TRUE(Load(kernel)) << error;
  EXPECT_EQ(boot.entry, kMiB + kElfCodeOffset);
  EXPECT_EQ(boot.kernel_start, kMiB);
  EXPECT_EQ(boot.kernel_end, kMiB + kElfFileSize + 0x3000);
  EXPECT_EQ(Bytes(kMiB, kElfFileSize), kernel);
  for (uint8_t b : Bytes(kMiB + kElfFileSize, 0x3000)) ASSERT_EQ(b, 0);
  EXPECT_EQ(Bytes(kMiB + kElfFileSize + 0x3000, 1)[0], 0xAA);  // past .bss: untouched
  EXPECT_TRUE(boot.warnings.empty());
}

TEST_F(MultibootTest, Elf_EntryTranslatedToPhysical) {
  ASSERT_TRUE(Load(MakeElfKernel(kMiB, 0xC0100000, 0))) << error;
  EXPECT_EQ(boot.entry, kMiB + kElfCodeOffset);
}

TEST_F(MultibootTest, Info_FieldsAndStrings) {
  MultibootOptions options;
  options.kernel_name = "/path/kernel.elf";
  options.append = "console=ttyS0 quiet";
  ASSERT_TRUE(Load(MakeElfKernel(kMiB, kMiB, 0x100), options)) << error;
  const uint32_t mbi = boot.info_addr;
  EXPECT_EQ(mbi, kMultibootLowInfoAddr);
  EXPECT_EQ(R32(mbi + kMbiOffsetFlags), kMbiMemory | kMbiCmdline | kMbiModules | kMbiMemoryMap | kMbiBootLoaderName);
  EXPECT_EQ(R32(mbi + kMbiOffsetMemLower), 640u);
  EXPECT_EQ(R32(mbi + kMbiOffsetMemUpper), 31u * 1024);
  EXPECT_EQ(Str(R32(mbi + kMbiOffsetCmdline)), "/path/kernel.elf console=ttyS0 quiet");
  EXPECT_EQ(Str(R32(mbi + kMbiOffsetBootLoaderName)), "kiln");
  EXPECT_EQ(R32(mbi + kMbiOffsetModsCount), 0u);
  // Strings live after the kernel, not over it.
  EXPECT_GE(R32(mbi + kMbiOffsetCmdline), boot.kernel_end);
}

TEST_F(MultibootTest, Info_EmptyAppendKeepsQemuSpace) {
  MultibootOptions options;
  options.kernel_name = "k";
  ASSERT_TRUE(Load(MakeElfKernel(kMiB, kMiB, 0), options)) << error;
  EXPECT_EQ(Str(R32(boot.info_addr + kMbiOffsetCmdline)), "k ");
}

TEST_F(MultibootTest, MemoryMap_RamAndReservedHole) {
  ASSERT_TRUE(Load(MakeElfKernel(kMiB, kMiB, 0))) << error;
  const uint32_t mmap = R32(boot.info_addr + kMbiOffsetMmapAddr);
  EXPECT_EQ(mmap, kMultibootLowMmapAddr);
  ASSERT_EQ(R32(boot.info_addr + kMbiOffsetMmapLength), 3 * kMbiMmapEntrySize);
  struct E {
    uint64_t base, len;
    uint32_t type;
  };
  const E want[3] = {{0, 0xA0000, 1}, {0xA0000, 0x60000, 2}, {kMiB, 31ull * kMiB, 1}};
  for (int i = 0; i < 3; ++i) {
    const uint32_t e = mmap + i * kMbiMmapEntrySize;
    EXPECT_EQ(R32(e), 20u);
    EXPECT_EQ(R64(e + 4), want[i].base) << i;
    EXPECT_EQ(R64(e + 12), want[i].len) << i;
    EXPECT_EQ(R32(e + 20), want[i].type) << i;
  }
}

TEST(MultibootMemory, ContiguousRamFromZero_SplitsAroundHole) {
  PhysicalMemory memory;
  std::string error;
  ASSERT_TRUE(memory.AddRam(0, 16 * kMiB, error));
  std::vector<uint8_t> kernel = MakeElfKernel(2 * kMiB, 2 * kMiB, 0);
  MultibootBoot boot;
  ASSERT_TRUE(LoadMultiboot(memory, kernel, {}, boot, error)) << error;
  uint8_t raw[4 * 24];
  ASSERT_TRUE(memory.CopyOut(kMultibootLowMmapAddr, raw, sizeof raw));
  auto r64 = [&](size_t off) {
    uint64_t v = 0;
    for (int i = 7; i >= 0; --i) v = v << 8 | raw[off + i];
    return v;
  };
  EXPECT_EQ(r64(4), 0u);
  EXPECT_EQ(r64(12), 0xA0000u);
  EXPECT_EQ(r64(24 + 4), 0xA0000u);
  EXPECT_EQ(raw[24 + 20], 2);
  EXPECT_EQ(r64(48 + 4), kMiB);
  EXPECT_EQ(r64(48 + 12), 15ull * kMiB);
  uint8_t upper[4];
  ASSERT_TRUE(memory.CopyOut(boot.info_addr + kMbiOffsetMemUpper, upper, 4));
  EXPECT_EQ(upper[0] | upper[1] << 8, 15 * 1024);
}

TEST_F(MultibootTest, Modules_PageAlignedAfterKernelWithStrings) {
  MultibootOptions options;
  options.kernel_name = "kernel";
  MultibootModule a{std::vector<uint8_t>(5000, 0x5a), "initrd.img root=/dev/ram"};
  MultibootModule b{{1, 2, 3}, "second"};
  options.modules = {a, b};
  ASSERT_TRUE(Load(MakeElfKernel(kMiB, kMiB, 0x2345), options)) << error;
  ASSERT_EQ(boot.modules.size(), 2u);
  const uint32_t mbi = boot.info_addr;
  EXPECT_EQ(R32(mbi + kMbiOffsetModsCount), 2u);
  const uint32_t mods = R32(mbi + kMbiOffsetModsAddr);
  EXPECT_GE(mods, boot.kernel_end);
  for (int i = 0; i < 2; ++i) {
    const uint32_t start = R32(mods + 16 * i), end = R32(mods + 16 * i + 4);
    EXPECT_EQ(start % 4096, 0u);
    EXPECT_GE(start, boot.kernel_end);
    EXPECT_EQ(start, boot.modules[i].start);
    EXPECT_EQ(end, boot.modules[i].end);
    EXPECT_EQ(end - start, options.modules[i].data.size());
    EXPECT_EQ(Bytes(start, end - start), options.modules[i].data);
    EXPECT_EQ(Str(R32(mods + 16 * i + 8)), options.modules[i].string);
  }
  EXPECT_GE(boot.modules[1].start, boot.modules[0].end);
  // Nothing of the kernel was overwritten.
  EXPECT_EQ(Bytes(kMiB + kElfCodeOffset, 4), (std::vector<uint8_t>{0x10, 0x11, 0x12, 0x13}));
}

TEST_F(MultibootTest, Modules_TooLargeForRam) {
  MultibootOptions options;
  options.modules.push_back({std::vector<uint8_t>(40 * kMiB, 1), "huge"});
  EXPECT_FALSE(Load(MakeElfKernel(kMiB, kMiB, 0), options));
  EXPECT_NE(error.find("outside guest RAM"), std::string::npos) << error;
}

TEST_F(MultibootTest, KernelInLowMemory_InfoGoesAfterIt) {
  ASSERT_TRUE(Load(MakeElfKernel(0x1000, 0x1000, 0))) << error;
  EXPECT_GE(boot.info_addr, boot.kernel_end);
  EXPECT_EQ(boot.info_addr % 4, 0u);
  EXPECT_EQ(R32(boot.info_addr + kMbiOffsetMemLower), 640u);
  const uint32_t mmap = R32(boot.info_addr + kMbiOffsetMmapAddr);
  EXPECT_GE(mmap, boot.kernel_end);
  EXPECT_EQ(R64(mmap + 24 + 4), 0xA0000u);
}

TEST_F(MultibootTest, Elf64_Rejected) {
  EXPECT_FALSE(Load(MakeElf64Kernel()));
  EXPECT_NE(error.find("x86-64"), std::string::npos) << error;
}

TEST_F(MultibootTest, Elf_WrongMachineOrType) {
  std::vector<uint8_t> kernel = MakeElfKernel(kMiB, kMiB, 0);
  Put16(kernel, 18, 40);  // ARM
  EXPECT_FALSE(Load(kernel));
  EXPECT_NE(error.find("not an i386"), std::string::npos) << error;
  kernel = MakeElfKernel(kMiB, kMiB, 0);
  Put16(kernel, 16, 3);  // ET_DYN
  EXPECT_FALSE(Load(kernel));
  EXPECT_NE(error.find("not an ELF executable"), std::string::npos) << error;
}

TEST_F(MultibootTest, Elf_SegmentOutsideRam) {
  EXPECT_FALSE(Load(MakeElfKernel(0xA0000, 0xA0000, 0)));  // the hole
  EXPECT_NE(error.find("outside guest RAM"), std::string::npos) << error;
  EXPECT_FALSE(Load(MakeElfKernel(31 * kMiB + 0xFF000, kMiB, 0x2000)));  // runs off the end
  EXPECT_NE(error.find("outside guest RAM"), std::string::npos) << error;
  EXPECT_FALSE(Load(MakeElfKernel(0xFFFFF000, kMiB, 0x2000)));  // past 4 GiB
  EXPECT_NE(error.find("4 GiB"), std::string::npos) << error;
}

TEST_F(MultibootTest, Elf_SegmentOutsideFile) {
  std::vector<uint8_t> kernel = MakeElfKernel(kMiB, kMiB, 0);
  Put32(kernel, 52 + 16, 4096);  // p_filesz past the end of the file
  Put32(kernel, 52 + 20, 4096);
  EXPECT_FALSE(Load(kernel));
  EXPECT_NE(error.find("bad ELF"), std::string::npos) << error;
}

TEST_F(MultibootTest, Elf_TruncatedFile) {
  std::vector<uint8_t> kernel = MakeElfKernel(kMiB, kMiB, 0);
  kernel.resize(kElfHeaderOffset + 12);
  EXPECT_FALSE(Load(kernel));
  EXPECT_FALSE(error.empty());
}

TEST_F(MultibootTest, UnsupportedRequiredFlag_Rejected) {
  EXPECT_FALSE(Load(MakeElfKernel(kMiB, kMiB, 0, 1u << 3)));
  EXPECT_NE(error.find("0x8"), std::string::npos) << error;
}

TEST_F(MultibootTest, KnownFlags_Accepted_VideoWarns) {
  ASSERT_TRUE(Load(MakeElfKernel(kMiB, kMiB, 0, kMultibootPageAlignModules | kMultibootWantMemoryInfo | (1u << 20))))
      << error;
  EXPECT_TRUE(boot.warnings.empty());
  ASSERT_TRUE(Load(MakeElfKernel(kMiB, kMiB, 0, kMultibootWantVideoMode))) << error;
  EXPECT_EQ(boot.warnings.size(), 1u);
}

TEST_F(MultibootTest, Aout_LoadsToEndOfFileWithBss) {
  AoutLayout l;
  l.bss_end_addr = l.load_addr + l.file_size + 0x1000;
  const std::vector<uint8_t> kernel = MakeAoutKernel(l);
  ASSERT_TRUE(Load(kernel)) << error;
  EXPECT_EQ(boot.entry, l.entry);
  EXPECT_EQ(boot.kernel_start, l.load_addr);
  EXPECT_EQ(boot.kernel_end, l.bss_end_addr);
  EXPECT_EQ(Bytes(l.load_addr, kernel.size()), kernel);
  for (uint8_t b : Bytes(l.load_addr + l.file_size, 0x1000)) ASSERT_EQ(b, 0);
}

TEST_F(MultibootTest, Aout_HeaderNotAtStartOfText) {
  // The file starts 32 bytes before load_addr's content: header_addr - load_addr = 32, offset 64.
  AoutLayout l;
  l.header_addr_delta = -32;
  l.load_end_addr = l.load_addr + 100;
  const std::vector<uint8_t> kernel = MakeAoutKernel(l);
  ASSERT_TRUE(Load(kernel)) << error;
  EXPECT_EQ(Bytes(l.load_addr, 100), std::vector<uint8_t>(kernel.begin() + 32, kernel.begin() + 132));
  EXPECT_EQ(boot.kernel_end, l.load_addr + 100);
}

TEST_F(MultibootTest, Aout_Errors) {
  AoutLayout l;
  l.header_addr_delta = 8;  // header_addr - load_addr > header offset
  EXPECT_FALSE(Load(MakeAoutKernel(l)));
  EXPECT_NE(error.find("header_addr"), std::string::npos) << error;

  l = {};
  l.header_addr_delta = -1000;  // header_addr below load_addr
  EXPECT_FALSE(Load(MakeAoutKernel(l)));
  EXPECT_NE(error.find("header_addr"), std::string::npos) << error;

  l = {};
  l.load_end_addr = l.load_addr + l.file_size + 1;  // past the end of the file
  EXPECT_FALSE(Load(MakeAoutKernel(l)));
  EXPECT_NE(error.find("truncated"), std::string::npos) << error;

  l = {};
  l.load_end_addr = l.load_addr - 1;
  EXPECT_FALSE(Load(MakeAoutKernel(l)));
  EXPECT_NE(error.find("load_end_addr"), std::string::npos) << error;

  l = {};
  l.bss_end_addr = l.load_addr + 10;  // below the end of the loaded bytes
  EXPECT_FALSE(Load(MakeAoutKernel(l)));
  EXPECT_NE(error.find("bss_end_addr"), std::string::npos) << error;

  l = {};
  l.load_addr = 0x1f000000;
  l.entry = l.load_addr;
  l.bss_end_addr = 0x21000000;  // beyond RAM
  EXPECT_FALSE(Load(MakeAoutKernel(l)));
  EXPECT_NE(error.find("outside guest RAM"), std::string::npos) << error;

  l = {};
  l.entry = 0xA0000;  // not RAM
  EXPECT_FALSE(Load(MakeAoutKernel(l)));
  EXPECT_NE(error.find("entry"), std::string::npos) << error;

  std::vector<uint8_t> cut = MakeAoutKernel(AoutLayout{});
  cut.resize(64 + 20);  // the header's address fields are cut off
  EXPECT_FALSE(Load(cut));
  EXPECT_NE(error.find("truncated"), std::string::npos) << error;
}

TEST_F(MultibootTest, CorruptedKernels_FailCleanlyOrLoad) {
  // Random byte flips in the headers of both formats: every outcome is a load or a message.
  uint32_t x = 2024;
  AoutLayout aout;
  aout.bss_end_addr = aout.load_addr + 0x10000;
  const std::vector<uint8_t> originals[2] = {MakeElfKernel(kMiB, kMiB, 0x1000), MakeAoutKernel(aout)};
  for (int i = 0; i < 4000; ++i) {
    std::vector<uint8_t> kernel = originals[i & 1];
    for (int flips = 0; flips < 3; ++flips) {
      x = x * 1664525 + 1013904223;
      kernel[(x >> 8) % 100] = static_cast<uint8_t>(x >> 24);
    }
    MultibootOptions options;
    options.modules.push_back({{1, 2, 3}, "m"});
    error.clear();
    if (!Load(kernel, options)) EXPECT_FALSE(error.empty());
  }
}

// Kernels made by nasm and ld at build time (tests/machine/programs/multiboot_*.asm).
#if defined(KILN_TEST_MULTIBOOT_ELF) && defined(KILN_TEST_MULTIBOOT_AOUT)
bool Contains(const std::vector<uint8_t>& hay, const std::string& needle) {
  return std::search(hay.begin(), hay.end(), needle.begin(), needle.end()) != hay.end();
}

TEST_F(MultibootTest, ToolchainElfKernel_Loads) {
  ASSERT_TRUE(LoadMultibootFiles(memory, KILN_TEST_MULTIBOOT_ELF, "a=b", "", boot, error)) << error;
  EXPECT_EQ(boot.kernel_start, kMiB);
  EXPECT_GT(boot.entry, kMiB);  // _start follows the 12-byte header (aligned by nasm)
  EXPECT_LT(boot.entry, kMiB + 32);
  EXPECT_EQ(Bytes(boot.entry, 1)[0], 0xbc);  // mov esp, imm32
  const std::vector<uint8_t> image = Bytes(boot.kernel_start, boot.kernel_end - boot.kernel_start);
  EXPECT_TRUE(Contains(image, "kiln multiboot ELF kernel"));
  EXPECT_EQ(Bytes(boot.kernel_end - 16, 16), std::vector<uint8_t>(16, 0));  // the .bss stack
  EXPECT_EQ(Str(R32(boot.info_addr + kMbiOffsetCmdline)), std::string(KILN_TEST_MULTIBOOT_ELF) + " a=b");
}

TEST_F(MultibootTest, ToolchainAoutKernel_Loads) {
  ASSERT_TRUE(LoadMultibootFiles(memory, KILN_TEST_MULTIBOOT_AOUT, "", "", boot, error)) << error;
  EXPECT_EQ(boot.kernel_start, 0x200000u);
  EXPECT_EQ(boot.entry, 0x200020u);  // after the 32-byte header
  EXPECT_EQ(boot.kernel_end - boot.kernel_start, std::filesystem::file_size(KILN_TEST_MULTIBOOT_AOUT) + 0x2000);
  const std::vector<uint8_t> image = Bytes(boot.kernel_start, boot.kernel_end - boot.kernel_start);
  EXPECT_TRUE(Contains(image, "kiln multiboot a.out kernel"));
  EXPECT_EQ(Bytes(boot.kernel_end - 0x2000, 0x2000), std::vector<uint8_t>(0x2000, 0));
}
#endif

TEST(MultibootModules, SplitModuleList_QemuSyntax) {
  EXPECT_TRUE(SplitModuleList("").empty());
  EXPECT_EQ(SplitModuleList("a"), (std::vector<std::string>{"a"}));
  EXPECT_EQ(SplitModuleList("a arg,b"), (std::vector<std::string>{"a arg", "b"}));
  EXPECT_EQ(SplitModuleList("a x=1,,2,b"), (std::vector<std::string>{"a x=1,2", "b"}));
}

TEST(MultibootFiles, LoadsKernelAndModulesFromFiles) {
  const std::string dir = ::testing::TempDir();
  const std::string kernel_path = dir + "/kiln_mb_kernel.elf";
  const std::string module_path = dir + "/kiln_mb_module.bin";
  const std::vector<uint8_t> kernel = MakeElfKernel(kMiB, kMiB, 0);
  std::FILE* f = std::fopen(kernel_path.c_str(), "wb");
  ASSERT_NE(f, nullptr);
  std::fwrite(kernel.data(), 1, kernel.size(), f);
  std::fclose(f);
  f = std::fopen(module_path.c_str(), "wb");
  ASSERT_NE(f, nullptr);
  std::fputs("module!", f);
  std::fclose(f);

  PhysicalMemory memory;
  std::string error;
  ASSERT_TRUE(memory.AddRam(0, 0xA0000, error));
  ASSERT_TRUE(memory.AddRam(kMiB, 8 * kMiB, error));
  MultibootBoot boot;
  ASSERT_TRUE(LoadMultibootFiles(memory, kernel_path, "x=1", module_path + " arg", boot, error)) << error;
  ASSERT_EQ(boot.modules.size(), 1u);
  EXPECT_EQ(boot.modules[0].end - boot.modules[0].start, 7u);

  EXPECT_FALSE(LoadMultibootFiles(memory, dir + "/no_such_kernel", "", "", boot, error));
  EXPECT_NE(error.find("no_such_kernel"), std::string::npos) << error;
  EXPECT_FALSE(LoadMultibootFiles(memory, kernel_path, "", dir + "/no_such_module", boot, error));
  EXPECT_NE(error.find("no_such_module"), std::string::npos) << error;
  std::remove(kernel_path.c_str());
  std::remove(module_path.c_str());
}

}  // namespace
}  // namespace kiln::machine
