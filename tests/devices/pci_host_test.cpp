// Tests of devices/pci_host, pci_device, i440fx and piix3: configuration mechanism #1 through
// ports 0xCF8/0xCFC-0xCFF, absent functions, BAR size probing, read-only and write-1-to-clear
// bits, INTx, the PIIX3's PIRQ routing registers and the 0xCF9 reset control register.
#include "devices/pci_host.h"

#include <gtest/gtest.h>

#include "devices/i440fx.h"
#include "devices/piix3.h"
#include "tests/devices/fakes.h"

namespace kiln::devices {
namespace {

using namespace pci;
using testing::FakeIrqLine;
using testing::FakeMachineControl;

/// A function with one BAR of each kind and INTA, as IDE or virtio will look.
class TestDevice final : public PciDevice {
 public:
  TestDevice() : PciDevice(0x1AF4, 0x1000, 0x020000, 0x01, 0x00) {
    DefineBar(0, BarKind::kIo, 0x20);
    DefineBar(1, BarKind::kMemory32, 0x1000);
    DefineBar(2, BarKind::kMemory64, 0x100000, true);
    SetInterruptPin(1);
  }
  using PciDevice::SetIntx;
  void ConfigWritten(unsigned offset, unsigned size) override { last_write = {offset, size}; }
  std::pair<unsigned, unsigned> last_write{~0u, 0};
};

uint32_t Address(unsigned bus, unsigned dev, unsigned fn, unsigned reg) {
  return kConfigEnable | bus << kBusShift | dev << kDeviceShift | fn << kFunctionShift | reg;
}

struct PciTest : ::testing::Test {
  FakeMachineControl control;
  PciHost host{control};
  I440fxHostBridge i440fx;
  Piix3IsaBridge piix3;
  TestDevice dev;
  void SetUp() override {
    ASSERT_TRUE(host.AddDevice(0, 0, &i440fx));
    ASSERT_TRUE(host.AddDevice(1, 0, &piix3));
    ASSERT_TRUE(host.AddDevice(3, 0, &dev));
  }
  uint32_t Read(unsigned dev_, unsigned fn, unsigned reg, unsigned size = 4, unsigned bus = 0) {
    host.PortWrite(kConfigAddressPort, 4, Address(bus, dev_, fn, reg & 0xFC));
    return host.PortRead(static_cast<uint16_t>(kConfigDataPort + (reg & 3)), size);
  }
  void Write(unsigned dev_, unsigned fn, unsigned reg, unsigned size, uint32_t v, unsigned bus = 0) {
    host.PortWrite(kConfigAddressPort, 4, Address(bus, dev_, fn, reg & 0xFC));
    host.PortWrite(static_cast<uint16_t>(kConfigDataPort + (reg & 3)), size, v);
  }
};

TEST_F(PciTest, ConfigAddress_DwordOnlyAndLowBitsReadZero) {
  host.PortWrite(kConfigAddressPort, 4, 0x80000000);
  EXPECT_EQ(host.PortRead(kConfigAddressPort, 4), 0x80000000u);  // Linux's pci_check_type1
  host.PortWrite(kConfigAddressPort, 4, 0x8000F8FF);
  EXPECT_EQ(host.PortRead(kConfigAddressPort, 4), 0x8000F8FCu);
  // Byte and word accesses to 0xCF8-0xCFB are ISA cycles, not CONFIG_ADDRESS.
  host.PortWrite(kConfigAddressPort, 1, 0x00);
  host.PortWrite(kConfigAddressPort, 2, 0x0000);
  host.PortWrite(kConfigAddressPort + 2, 2, 0x0000);
  EXPECT_EQ(host.PortRead(kConfigAddressPort, 4), 0x8000F8FCu);
  EXPECT_EQ(host.PortRead(kConfigAddressPort, 1), 0xFFu);
  EXPECT_EQ(host.PortRead(kConfigAddressPort + 3, 1), 0xFFu);
  EXPECT_EQ(control.resets, 0);
}

TEST_F(PciTest, HostBridgeAndIsaBridgeIdentity) {
  EXPECT_EQ(Read(0, 0, kVendorId), 0x12378086u);
  EXPECT_EQ(Read(0, 0, kRevisionId), 0x06000002u);  // class 06/00/00, revision 2
  EXPECT_EQ(Read(1, 0, kVendorId), 0x70008086u);
  EXPECT_EQ(Read(1, 0, kRevisionId) >> 8, 0x060100u);
  EXPECT_EQ(Read(1, 0, kHeaderType, 1), kHeaderMultiFunction);
  EXPECT_EQ(Read(1, 0, kCommand, 2), 0x0007u);
}

TEST_F(PciTest, DataPort_ByteAndWordLanes) {
  EXPECT_EQ(Read(0, 0, 0x00, 1), 0x86u);
  EXPECT_EQ(Read(0, 0, 0x01, 1), 0x80u);
  EXPECT_EQ(Read(0, 0, 0x02, 2), 0x1237u);
  EXPECT_EQ(Read(0, 0, 0x03, 1), 0x12u);
  Write(1, 0, 0x61, 1, 0x0B);  // PIRQB through lane 1
  EXPECT_EQ(Read(1, 0, 0x60, 4), 0x80800B80u);
}

TEST_F(PciTest, AbsentFunctionsReadAllOnes) {
  EXPECT_EQ(Read(2, 0, kVendorId), 0xFFFFFFFFu);
  EXPECT_EQ(Read(0, 1, kVendorId), 0xFFFFFFFFu);
  EXPECT_EQ(Read(31, 7, 0xFC), 0xFFFFFFFFu);
  EXPECT_EQ(Read(2, 0, kVendorId, 2), 0xFFFFu);
  EXPECT_EQ(Read(2, 0, kVendorId, 1), 0xFFu);
  Write(2, 0, kCommand, 2, 0xFFFF);  // dropped
  EXPECT_EQ(Read(2, 0, kCommand), 0xFFFFFFFFu);
}

TEST_F(PciTest, OtherBusesAndDisabledCyclesReadAllOnes) {
  EXPECT_EQ(Read(0, 0, kVendorId, 4, 1), 0xFFFFFFFFu);
  EXPECT_EQ(Read(0, 0, kVendorId, 4, 255), 0xFFFFFFFFu);
  host.PortWrite(kConfigAddressPort, 4, 0x00000000);  // enable bit clear
  EXPECT_EQ(host.PortRead(kConfigDataPort, 4), 0xFFFFFFFFu);
  host.PortWrite(kConfigAddressPort, 4, Address(0, 1, 0, 0x60) & ~kConfigEnable);
  host.PortWrite(kConfigDataPort, 4, 0x05050505);
  EXPECT_EQ(piix3.PirqIrq(0), -1);
  Write(1, 0, 0x60, 4, 0x05050505, 2);  // bus 2: nobody
  EXPECT_EQ(piix3.PirqIrq(0), -1);
}

TEST_F(PciTest, ReadOnlyHeaderFields) {
  Write(0, 0, kVendorId, 4, 0);
  Write(0, 0, kRevisionId, 4, 0);
  Write(0, 0, kHeaderType, 1, 0x7F);
  Write(3, 0, kInterruptPin, 1, 4);
  Write(3, 0, kExpansionRom, 4, 0xFFFFFFFF);
  EXPECT_EQ(Read(0, 0, kVendorId), 0x12378086u);
  EXPECT_EQ(Read(0, 0, kRevisionId), 0x06000002u);
  EXPECT_EQ(Read(0, 0, kHeaderType, 1), 0u);
  EXPECT_EQ(Read(3, 0, kInterruptPin, 1), 1u);
  EXPECT_EQ(Read(3, 0, kExpansionRom), 0u);  // no option ROM
  // The interrupt line register is the OS's scratch byte.
  Write(3, 0, kInterruptLine, 1, 11);
  EXPECT_EQ(Read(3, 0, kInterruptLine, 1), 11u);
}

TEST_F(PciTest, CommandMaskAndStatusWriteOneToClear) {
  Write(3, 0, kCommand, 2, 0xFFFF);
  EXPECT_EQ(Read(3, 0, kCommand, 2), kCommandWritable);
  Write(0, 0, kStatus, 2, 0xFFFF);  // nothing latched: clearing leaves the fixed bits
  EXPECT_EQ(Read(0, 0, kStatus, 2), 0x0280u);
}

TEST_F(PciTest, BarProbing_IoMemory32Memory64) {
  Write(3, 0, kBar0, 4, 0xFFFFFFFF);
  EXPECT_EQ(Read(3, 0, kBar0), 0xFFFFFFE1u);  // 32 bytes, I/O
  Write(3, 0, kBar0 + 4, 4, 0xFFFFFFFF);
  EXPECT_EQ(Read(3, 0, kBar0 + 4), 0xFFFFF000u);  // 4 KiB, 32-bit memory
  Write(3, 0, kBar0 + 8, 4, 0xFFFFFFFF);
  Write(3, 0, kBar0 + 12, 4, 0xFFFFFFFF);
  EXPECT_EQ(Read(3, 0, kBar0 + 8), 0xFFF0000Cu);  // 1 MiB, 64-bit, prefetchable
  EXPECT_EQ(Read(3, 0, kBar0 + 12), 0xFFFFFFFFu);
  EXPECT_EQ(Read(3, 0, kBar0 + 16), 0u);  // unimplemented BARs read 0 and stay 0
  Write(3, 0, kBar0 + 16, 4, 0xFFFFFFFF);
  EXPECT_EQ(Read(3, 0, kBar0 + 16), 0u);
  EXPECT_EQ(dev.BarSize(0), 0x20u);
  EXPECT_EQ(dev.BarSize(2), 0x100000u);
}

TEST_F(PciTest, BarAddress_FollowsCommandAndProgramming) {
  Write(3, 0, kBar0, 4, 0xC041);  // low type bit ignored, alignment forced
  Write(3, 0, kBar0 + 4, 4, 0xFEB00000);
  Write(3, 0, kBar0 + 8, 4, 0x00000000);
  Write(3, 0, kBar0 + 12, 4, 0x00000001);
  EXPECT_EQ(Read(3, 0, kBar0), 0xC041u);
  EXPECT_EQ(dev.BarAddress(0), PciDevice::kUnmapped);  // command: decoding off
  Write(3, 0, kCommand, 2, kCommandIo | kCommandMemory);
  EXPECT_EQ(dev.BarAddress(0), 0xC040u);
  EXPECT_EQ(dev.BarAddress(1), 0xFEB00000u);
  EXPECT_EQ(dev.BarAddress(2), 0x100000000u);
  EXPECT_EQ(dev.BarAddress(3), PciDevice::kUnmapped);  // the upper half of BAR 2
  EXPECT_EQ(dev.BarAddress(6), PciDevice::kUnmapped);
  Write(3, 0, kBar0, 4, 0xFFFFFFFF);  // probing leaves I/O that does not fit 64 KiB: not decoded
  EXPECT_EQ(dev.BarAddress(0), PciDevice::kUnmapped);
  Write(3, 0, kCommand, 2, kCommandIo);
  EXPECT_EQ(dev.BarAddress(1), PciDevice::kUnmapped);
}

TEST_F(PciTest, ConfigWrittenHookSeesTheAccess) {
  Write(3, 0, 0x42, 2, 0xBEEF);
  EXPECT_EQ(dev.last_write, std::make_pair(0x42u, 2u));
  EXPECT_EQ(Read(3, 0, 0x40), 0xBEEF0000u);  // device-specific registers are read/write
}

TEST_F(PciTest, Intx_LineStatusAndDisable) {
  FakeIrqLine line;
  dev.SetIntxLine(&line);
  dev.SetIntx(true);
  EXPECT_TRUE(line.level);
  EXPECT_EQ(Read(3, 0, kStatus, 2) & kStatusInterrupt, kStatusInterrupt);
  Write(3, 0, kCommand, 2, kCommandIntxDisable);
  EXPECT_FALSE(line.level);
  EXPECT_EQ(Read(3, 0, kStatus, 2) & kStatusInterrupt, kStatusInterrupt);  // still pending
  Write(3, 0, kCommand, 2, 0);
  EXPECT_TRUE(line.level);
  dev.SetIntx(false);
  EXPECT_FALSE(line.level);
  EXPECT_EQ(Read(3, 0, kStatus, 2) & kStatusInterrupt, 0u);
}

TEST_F(PciTest, Piix3Pirq_ResetDisabledThenRouted) {
  EXPECT_EQ(Read(1, 0, 0x60), 0x80808080u);
  for (unsigned i = 0; i < 4; ++i) EXPECT_EQ(piix3.PirqIrq(i), -1);
  int calls = 0;
  piix3.SetRouteChangedCallback([&] { ++calls; });
  Write(1, 0, 0x60, 4, 0x0B0A0B0A);  // Linux/SeaBIOS style: A,C -> 10, B,D -> 11
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(piix3.PirqIrq(0), 10);
  EXPECT_EQ(piix3.PirqIrq(1), 11);
  EXPECT_EQ(piix3.PirqIrq(3), 11);
  Write(1, 0, 0x60, 4, 0x0B0A0B0A);  // same values: no change to report
  EXPECT_EQ(calls, 1);
  Write(1, 0, 0x63, 1, 0xFF);  // reserved bits 6-4 stay 0; disabled
  EXPECT_EQ(Read(1, 0, 0x63, 1), 0x8Fu);
  EXPECT_EQ(piix3.PirqIrq(3), -1);
  EXPECT_EQ(calls, 2);
  Write(1, 0, 0x40, 4, 0);  // elsewhere: no callback
  EXPECT_EQ(calls, 2);
  EXPECT_EQ(piix3.PirqIrq(4), -1);
}

TEST_F(PciTest, Piix3Pirq_ReservedIrqsRouteNowhere) {
  for (uint8_t irq : {0, 1, 2, 8, 13}) {
    Write(1, 0, 0x62, 1, irq);
    EXPECT_EQ(piix3.PirqIrq(2), -1) << int(irq);
  }
  for (uint8_t irq : {3, 4, 5, 6, 7, 9, 10, 11, 12, 14, 15}) {
    Write(1, 0, 0x62, 1, irq);
    EXPECT_EQ(piix3.PirqIrq(2), irq);
  }
}

TEST_F(PciTest, Piix3PirqRotation) {
  EXPECT_EQ(Piix3IsaBridge::PirqOf(1, 0), 0u);
  EXPECT_EQ(Piix3IsaBridge::PirqOf(2, 0), 1u);
  EXPECT_EQ(Piix3IsaBridge::PirqOf(3, 1), 3u);
  EXPECT_EQ(Piix3IsaBridge::PirqOf(0, 0), 3u);
}

TEST_F(PciTest, ResetControlRegister) {
  host.PortWrite(kResetControlPort, 1, 0x02);  // select a hard reset: nothing yet
  EXPECT_EQ(control.resets, 0);
  EXPECT_EQ(host.PortRead(kResetControlPort, 1), 0x02u);
  host.PortWrite(kResetControlPort, 1, 0x06);  // the FADT's reset value
  EXPECT_EQ(control.resets, 1);
  host.PortWrite(kResetControlPort, 1, 0x04);  // soft reset: Kiln resets the whole machine too
  EXPECT_EQ(control.resets, 2);
  host.PortWrite(kResetControlPort, 1, 0x00);
  EXPECT_EQ(control.resets, 2);
  // A word write at 0xCF8 reaches RCR through lane 1 but is not a CONFIG_ADDRESS write.
  host.PortWrite(kConfigAddressPort, 2, 0x0600);
  EXPECT_EQ(control.resets, 3);
}

TEST_F(PciTest, Reset_RestoresPowerOnState) {
  Write(1, 0, 0x60, 4, 0x0B0A0B0A);
  Write(3, 0, kCommand, 2, kCommandIo);
  Write(3, 0, kBar0, 4, 0xC000);
  host.PortWrite(kResetControlPort, 1, 0x02);
  int calls = 0;
  piix3.SetRouteChangedCallback([&] { ++calls; });
  host.Reset();
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(host.config_address(), 0u);
  EXPECT_EQ(host.PortRead(kResetControlPort, 1), 0u);
  EXPECT_EQ(Read(1, 0, 0x60), 0x80808080u);
  EXPECT_EQ(Read(3, 0, kCommand, 2), 0u);
  EXPECT_EQ(Read(3, 0, kBar0), 0x1u);
}

TEST_F(PciTest, Hostile_UnalignedAndOverlongAccesses) {
  // A dword at 0xCFD: bytes 1-3 of the register, then port 0xD00 which nobody here decodes.
  host.PortWrite(kConfigAddressPort, 4, Address(0, 0, 0, 0));
  EXPECT_EQ(host.PortRead(kConfigDataPort + 1, 4), 0xFF123780u);
  EXPECT_EQ(host.PortRead(kConfigDataPort + 3, 2), 0xFF12u);
  host.PortWrite(kConfigAddressPort, 4, Address(0, 1, 0, 0x60));
  host.PortWrite(kConfigDataPort + 2, 4, 0xAAAA0A0B);  // writes PIRQC/D only
  EXPECT_EQ(Read(1, 0, 0x60), 0x0A0B8080u);
  // Register offsets are dword-aligned: bits 1-0 of CONFIG_ADDRESS never add to the lane.
  host.PortWrite(kConfigAddressPort, 4, Address(0, 0, 0, 0) | 3);
  EXPECT_EQ(host.PortRead(kConfigDataPort, 4), 0x12378086u);
  // The last dword of config space, every lane.
  EXPECT_EQ(Read(3, 0, 0xFF, 1), 0u);
  Write(3, 0, 0xFC, 4, 0xDEADBEEF);
  EXPECT_EQ(Read(3, 0, 0xFE, 2), 0xDEADu);
  // Sizes the bus never makes are treated as bytes.
  host.PortWrite(kConfigAddressPort, 4, Address(0, 0, 0, 0));
  EXPECT_EQ(host.PortRead(kConfigDataPort, 3), 0x86u);
  EXPECT_EQ(host.PortRead(kConfigDataPort, 0), 0x86u);
  // Ports around the range that are not ours.
  EXPECT_EQ(host.PortRead(kConfigAddressPort + 2, 2), 0xFFFFu);
  EXPECT_EQ(control.resets, 0);
}

TEST_F(PciTest, AddDevice_RejectsTakenAndOutOfRangePlaces) {
  TestDevice other;
  EXPECT_FALSE(host.AddDevice(0, 0, &other));
  EXPECT_FALSE(host.AddDevice(32, 0, &other));
  EXPECT_FALSE(host.AddDevice(4, 8, &other));
  EXPECT_FALSE(host.AddDevice(4, 0, nullptr));
  EXPECT_TRUE(host.AddDevice(4, 2, &other));
  EXPECT_EQ(host.Device(4, 2), &other);
  EXPECT_EQ(host.Device(40, 0), nullptr);
  EXPECT_EQ(Read(4, 2, kVendorId), 0x10001AF4u);
}

}  // namespace
}  // namespace kiln::devices
