// Tests of devices/pc_testdev: QEMU pc-testdev's scratch register, flush port, IRQ lines, iomem.
#include "devices/pc_testdev.h"

#include <gtest/gtest.h>

#include <array>

#include "tests/devices/fakes.h"

namespace kiln::devices {
namespace {

using namespace pc_testdev;
using testing::FakeIrqLine;

TEST(PcTestdev, Scratch_ReadsBackAnySizeAndOffset) {
  PcTestdev dev;
  EXPECT_EQ(dev.PortRead(kScratchPort, 4), 0u);
  dev.PortWrite(kScratchPort, 4, 0x12345678);
  EXPECT_EQ(dev.PortRead(kScratchPort, 4), 0x12345678u);
  EXPECT_EQ(dev.PortRead(kScratchPort + 1, 1), 0x56u);
  EXPECT_EQ(dev.PortRead(kScratchPort + 2, 2), 0x1234u);
  dev.PortWrite(kScratchPort + 3, 1, 0xab);
  EXPECT_EQ(dev.PortRead(kScratchPort, 4), 0xab345678u);
  dev.PortWrite(kScratchPort + 1, 2, 0xcdef);
  EXPECT_EQ(dev.PortRead(kScratchPort, 4), 0xabcdef78u);
}

TEST(PcTestdev, Scratch_AccessPastTheEnd_IsBoundsChecked) {
  PcTestdev dev;
  dev.PortWrite(kScratchPort, 4, 0x11223344);
  dev.PortWrite(kScratchPort + 3, 4, 0xaabbccdd);  // only the first byte is inside
  EXPECT_EQ(dev.PortRead(kScratchPort, 4), 0xdd223344u);
  EXPECT_EQ(dev.PortRead(kScratchPort + 2, 4), 0xffffdd22u);
}

TEST(PcTestdev, ByteWindow_SharesScratchRegister) {
  PcTestdev dev;
  dev.PortWrite(kScratchBytePort, 4, 0xcafef00d);
  EXPECT_EQ(dev.PortRead(kScratchPort, 4), 0xcafef00du);
  EXPECT_EQ(dev.PortRead(kScratchBytePort + 2, 1), 0xfeu);
}

TEST(PcTestdev, Flush_FourByteWriteReportsPage) {
  PcTestdev dev;
  std::vector<uint64_t> pages;
  dev.SetFlushHandler([&](uint64_t page) { pages.push_back(page); });
  dev.PortWrite(kFlushPort, 4, 0x12345);
  dev.PortWrite(kFlushPort, 1, 0x1000);  // QEMU accepts 4-byte writes only
  ASSERT_EQ(pages.size(), 1u);
  EXPECT_EQ(pages[0], 0x12000u);
  EXPECT_EQ(dev.PortRead(kFlushPort, 4), 0u);
}

TEST(PcTestdev, Flush_WithoutHandler_IsIgnored) {
  PcTestdev dev;
  dev.PortWrite(kFlushPort, 4, 0x12345);
}

TEST(PcTestdev, IrqPorts_DriveLines) {
  std::array<FakeIrqLine, 24> lines;
  std::array<IrqLine*, 24> ptrs{};
  for (unsigned i = 0; i < 24; ++i) ptrs[i] = i == 5 ? nullptr : &lines[i];
  PcTestdev dev(ptrs);
  dev.PortWrite(kIrqLinePort + 3, 1, 1);
  EXPECT_TRUE(lines[3].level);
  dev.PortWrite(kIrqLinePort + 3, 1, 0);
  EXPECT_FALSE(lines[3].level);
  dev.PortWrite(kIrqLinePort + 23, 1, 0x80);
  EXPECT_TRUE(lines[23].level);
  dev.PortWrite(kIrqLinePort + 5, 1, 1);   // not connected
  dev.PortWrite(kIrqLinePort + 24, 1, 1);  // past the 24 lines
  dev.PortWrite(kIrqLinePort + 4, 2, 1);   // byte writes only
  EXPECT_FALSE(lines[4].level);
  EXPECT_EQ(dev.PortRead(kIrqLinePort + 3, 1), 0u);
}

TEST(PcTestdev, Iomem_ReadsBackAllSizes) {
  PcTestdev dev;
  dev.MmioWrite(0x100, 8, 0x0102030405060708ull);
  EXPECT_EQ(dev.MmioRead(0x100, 8), 0x0102030405060708ull);
  EXPECT_EQ(dev.MmioRead(0x100, 1), 0x08u);
  EXPECT_EQ(dev.MmioRead(0x102, 2), 0x0506u);
  EXPECT_EQ(dev.MmioRead(0x104, 4), 0x01020304u);
  dev.MmioWrite(kIomemSize - 1, 1, 0x5a);
  EXPECT_EQ(dev.MmioRead(kIomemSize - 1, 1), 0x5au);
}

TEST(PcTestdev, Iomem_OutOfRange_IsIgnored) {
  PcTestdev dev;
  dev.MmioWrite(kIomemSize - 2, 4, 0xffffffff);
  dev.MmioWrite(~0ull, 8, 1);
  EXPECT_EQ(dev.MmioRead(kIomemSize - 2, 2), 0u);
  EXPECT_EQ(dev.MmioRead(kIomemSize, 1), ~0ull);
  EXPECT_EQ(dev.MmioRead(~0ull - 2, 8), ~0ull);
  dev.Reset();
}

TEST(PcTestdev, RandomAccesses_NeverCrash) {
  FakeIrqLine line;
  std::array<IrqLine*, 1> ptrs{&line};
  PcTestdev dev(ptrs);
  uint32_t x = 12345;
  for (int i = 0; i < 20000; ++i) {
    x = x * 1103515245 + 12345;
    const uint16_t port = static_cast<uint16_t>(x >> 8);
    const unsigned size = 1u + (x >> 29);
    if (x & 1) {
      dev.PortWrite(port, size, x);
    } else {
      (void)dev.PortRead(port, size);
    }
    dev.MmioWrite(x >> 12, size, x);
    (void)dev.MmioRead(x >> 14, size + 4);
  }
}

}  // namespace
}  // namespace kiln::devices
