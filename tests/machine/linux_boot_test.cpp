// Tests of machine/boot/linux_boot: a hand-built bzImage (setup header per the boot protocol)
// loaded into PhysicalMemory: header checks, where the kernel, initrd and command line go, the
// zero page's fields and e820 map, the entry state's page tables and GDT, and every error.
#include "machine/boot/linux_boot.h"

#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

namespace kiln::machine {
namespace {

using namespace linux_boot;
constexpr uint64_t kMiB = 1u << 20;

template <typename T>
void Put(std::vector<uint8_t>& b, size_t off, T v) {
  std::memcpy(b.data() + off, &v, sizeof v);
}
template <typename T>
T Get(const PhysicalMemory& m, uint64_t addr) {
  T v{};
  EXPECT_TRUE(m.CopyOut(addr, &v, sizeof v));
  return v;
}

/// A bzImage: 4 setup sectors after the boot sector, then `kernel_bytes` of "kernel" (0xC3).
std::vector<uint8_t> MakeBzImage(uint32_t kernel_bytes = 64 * 1024, uint16_t version = 0x020F) {
  const uint32_t setup_sects = 4, setup_bytes = (setup_sects + 1) * 512;
  std::vector<uint8_t> b(setup_bytes + kernel_bytes, 0);
  b[kSetupSects] = setup_sects;
  Put<uint32_t>(b, kSyssize, kernel_bytes / 16);
  Put<uint16_t>(b, kBootFlag, kBootFlagMagic);
  b[0x201] = 0x66;  // the jump's offset: the header ends at 0x202 + 0x66 = 0x268
  Put<uint32_t>(b, kHeader, kHeaderMagic);
  Put<uint16_t>(b, kVersion, version);
  b[kLoadflags] = kLoadedHigh;
  Put<uint32_t>(b, kCode32Start, 0x100000);
  Put<uint32_t>(b, kInitrdAddrMax, 0x7FFFFFFF);
  Put<uint32_t>(b, kKernelAlignment, 0x200000);
  b[kRelocatable] = 1;
  Put<uint16_t>(b, kXloadflags, kXlfKernel64);
  Put<uint32_t>(b, kCmdlineSize, 2047);
  Put<uint64_t>(b, kPrefAddress, 0x1000000);
  Put<uint32_t>(b, kInitSize, 4 * kMiB);
  std::memset(b.data() + setup_bytes, 0xC3, kernel_bytes);
  return b;
}

struct Board {
  PhysicalMemory memory;
  std::vector<E820Entry> e820;
  explicit Board(uint64_t ram) {
    std::string error;
    EXPECT_TRUE(memory.AddRam(0, 0xA0000, error)) << error;
    EXPECT_TRUE(memory.AddRam(kMiB, ram - kMiB, error)) << error;
    e820 = {{0, 0x9FC00, E820Type::kRam}, {0x9FC00, 0x400, E820Type::kReserved},
            {0xF0000, 0x10000, E820Type::kReserved}, {kMiB, ram - kMiB, E820Type::kRam}};
  }
};

TEST(BzImageHeader, ParsesTheFieldsTheLoaderUses) {
  const auto image = MakeBzImage();
  BzImageHeader h;
  std::string error;
  ASSERT_TRUE(ParseBzImageHeader(image, h, error)) << error;
  EXPECT_EQ(h.version, 0x020F);
  EXPECT_EQ(h.setup_bytes, 5u * 512);
  EXPECT_EQ(h.kernel_bytes, 64u * 1024);
  EXPECT_EQ(h.pref_address, 0x1000000u);
  EXPECT_EQ(h.init_size, 4 * kMiB);
  EXPECT_TRUE(LooksLikeBzImage(image));
}

TEST(BzImageHeader, ZeroSetupSectorsMeansFour) {
  auto image = MakeBzImage();
  image[kSetupSects] = 0;
  BzImageHeader h;
  std::string error;
  ASSERT_TRUE(ParseBzImageHeader(image, h, error)) << error;
  EXPECT_EQ(h.setup_bytes, 5u * 512);
}

TEST(BzImageHeader, RejectsWhatKilnCannotBoot) {
  const auto expect_error = [](std::vector<uint8_t> image, const char* what) {
    BzImageHeader h;
    std::string error;
    EXPECT_FALSE(ParseBzImageHeader(image, h, error)) << what;
    EXPECT_NE(error.find(what), std::string::npos) << error;
  };
  auto no_magic = MakeBzImage();
  Put<uint32_t>(no_magic, kHeader, 0);
  expect_error(no_magic, "not a Linux bzImage");
  expect_error(std::vector<uint8_t>(100, 0), "not a Linux bzImage");
  expect_error(MakeBzImage(64 * 1024, 0x0202), "too old");
  auto zimage = MakeBzImage();
  zimage[kLoadflags] = 0;
  expect_error(zimage, "zImage");
  auto no64 = MakeBzImage();
  Put<uint16_t>(no64, kXloadflags, 0);
  expect_error(no64, "64-bit entry");
  auto truncated = MakeBzImage();
  truncated.resize(truncated.size() - 4096);
  expect_error(truncated, "truncated");
  auto bad_align = MakeBzImage();
  Put<uint32_t>(bad_align, kKernelAlignment, 3);
  expect_error(bad_align, "corrupt");
}

TEST(LinuxBoot, PlacesKernelCommandLineInitrdAndZeroPage) {
  Board board(256 * kMiB);
  const auto image = MakeBzImage();
  LinuxBootOptions options;
  options.cmdline = "console=ttyS0 quiet";
  options.initrd.assign(3 * 4096 + 5, 0x5A);
  options.e820 = board.e820;
  options.acpi_rsdp = 0xFFF0000;
  options.initrd_ceiling = 0xFFF0000;
  LinuxBoot boot;
  std::string error;
  ASSERT_TRUE(LoadLinux(board.memory, image, options, boot, error)) << error;

  // The kernel at its preferred address, its bss zeroed to init_size; the 64-bit entry at +0x200.
  EXPECT_EQ(boot.kernel_start, 0x1000000u);
  EXPECT_EQ(boot.kernel_end, 0x1000000u + 4 * kMiB);
  EXPECT_EQ(Get<uint8_t>(board.memory, 0x1000000), 0xC3);
  EXPECT_EQ(Get<uint8_t>(board.memory, 0x1000000 + 64 * 1024), 0);
  EXPECT_EQ(boot.entry, 0x1000200u);

  // The initrd page-aligned, as high as allowed below the ceiling.
  EXPECT_EQ(boot.initrd_start % 4096, 0u);
  EXPECT_LE(boot.initrd_start + options.initrd.size(), 0xFFF0000u);
  EXPECT_GT(boot.initrd_start + options.initrd.size() + 4096, 0xFFF0000u);
  EXPECT_EQ(Get<uint8_t>(board.memory, boot.initrd_start + options.initrd.size() - 1), 0x5A);

  // The zero page: the copied header and the loader's fields.
  const uint64_t bp = boot.boot_params;
  EXPECT_EQ(Get<uint32_t>(board.memory, bp + kHeader), kHeaderMagic);
  EXPECT_EQ(Get<uint8_t>(board.memory, bp + kTypeOfLoader), 0xFF);
  EXPECT_EQ(Get<uint32_t>(board.memory, bp + kRamdiskImage), boot.initrd_start);
  EXPECT_EQ(Get<uint32_t>(board.memory, bp + kRamdiskSize), options.initrd.size());
  EXPECT_EQ(Get<uint64_t>(board.memory, bp + kBpAcpiRsdpAddr), 0xFFF0000u);
  const uint32_t cmdline = Get<uint32_t>(board.memory, bp + kCmdLinePtr);
  char text[32] = {};
  ASSERT_TRUE(board.memory.CopyOut(cmdline, text, options.cmdline.size() + 1));
  EXPECT_STREQ(text, "console=ttyS0 quiet");
  ASSERT_EQ(Get<uint8_t>(board.memory, bp + kBpE820Entries), 4);
  EXPECT_EQ(Get<uint64_t>(board.memory, bp + kBpE820Table + 3 * 20), kMiB);
  EXPECT_EQ(Get<uint64_t>(board.memory, bp + kBpE820Table + 3 * 20 + 8), 255 * kMiB);
  EXPECT_EQ(Get<uint32_t>(board.memory, bp + kBpE820Table + 1 * 20 + 16), 2u);

  // The entry state: a 64-bit __BOOT_CS at 0x10, flat data at 0x18, and 2 MiB identity pages.
  EXPECT_EQ(Get<uint64_t>(board.memory, boot.gdt_base + 0x10), 0x00AF9B000000FFFFull);
  EXPECT_EQ(Get<uint64_t>(board.memory, boot.gdt_base + 0x18), 0x00CF93000000FFFFull);
  const uint64_t pml4 = Get<uint64_t>(board.memory, boot.cr3);
  const uint64_t pdpt3 = Get<uint64_t>(board.memory, (pml4 & ~0xFFFull) + 3 * 8);
  EXPECT_EQ(pdpt3 & 1, 1u);
  const uint64_t last_pde = Get<uint64_t>(board.memory, (pdpt3 & ~0xFFFull) + 511 * 8);
  EXPECT_EQ(last_pde, (uint64_t{4} * 1024 * kMiB - 2 * kMiB) | 0x83);
}

TEST(LinuxBoot, RelocatesWhenThePreferredAddressIsNotRam) {
  Board board(18 * kMiB);  // RAM ends below 0x1000000 + init_size
  LinuxBootOptions options;
  options.e820 = board.e820;
  LinuxBoot boot;
  std::string error;
  ASSERT_TRUE(LoadLinux(board.memory, MakeBzImage(), options, boot, error)) << error;
  EXPECT_EQ(boot.kernel_start, 2 * kMiB);  // the lowest 2 MiB-aligned RAM from 1 MiB up
}

TEST(LinuxBoot, ErrorsSayWhatDoesNotFit) {
  const auto fails = [](uint64_t ram, LinuxBootOptions options, const char* what) {
    Board board(ram);
    options.e820 = board.e820;
    LinuxBoot boot;
    std::string error;
    EXPECT_FALSE(LoadLinux(board.memory, MakeBzImage(), options, boot, error));
    EXPECT_NE(error.find(what), std::string::npos) << error;
  };
  fails(4 * kMiB, {}, "needs 4 MiB of RAM");
  LinuxBootOptions long_cmdline;
  long_cmdline.cmdline.assign(3000, 'x');
  fails(64 * kMiB, long_cmdline, "at most 2047");
  LinuxBootOptions huge_initrd;
  huge_initrd.initrd.assign(80 * kMiB, 1);
  fails(64 * kMiB, huge_initrd, "does not fit");
}

}  // namespace
}  // namespace kiln::machine
