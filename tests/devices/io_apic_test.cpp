// Tests of devices/io_apic: registers, edge and level delivery through the ApicBus to a local
// APIC, masking, Remote IRR and re-delivery after EOI, polarity, destinations, hostile indexes.
#include "devices/io_apic.h"

#include <gtest/gtest.h>

#include <vector>

#include "devices/local_apic.h"
#include "tests/devices/fakes.h"

namespace kiln::devices {
namespace {

using namespace ioapic;
using testing::FakeClock;

struct IoApicTest : ::testing::Test {
  FakeClock clock;
  ApicBus bus;
  LocalApic cpu{clock, &bus, 0, /*bsp=*/true, 1'000'000'000};
  IoApic ioapic{bus};

  void SetUp() override {
    cpu.MmioWrite(lapic::kRegSvr, 4, lapic::kSvrEnable | 0xff);
    cpu.SetEoiCallback([this](uint8_t v) { ioapic.Eoi(v); });
  }
  uint32_t ReadReg(uint8_t index) {
    ioapic.MmioWrite(kIoRegSel, 4, index);
    return static_cast<uint32_t>(ioapic.MmioRead(kIoWin, 4));
  }
  void WriteReg(uint8_t index, uint32_t value) {
    ioapic.MmioWrite(kIoRegSel, 4, index);
    ioapic.MmioWrite(kIoWin, 4, value);
  }
  void Route(unsigned pin, uint32_t low, uint8_t dest = 0) {
    WriteReg(static_cast<uint8_t>(kRegRedirBase + 2 * pin + 1), uint32_t{dest} << 24);
    WriteReg(static_cast<uint8_t>(kRegRedirBase + 2 * pin), low);
  }
  uint32_t Low(unsigned pin) { return ReadReg(static_cast<uint8_t>(kRegRedirBase + 2 * pin)); }
  /// Acknowledges and EOIs everything pending at the CPU; returns the vectors.
  std::vector<int> Drain() {
    std::vector<int> got;
    while (cpu.InterruptPending()) {
      got.push_back(cpu.Acknowledge());
      cpu.MmioWrite(lapic::kRegEoi, 4, 0);
    }
    return got;
  }
};

TEST_F(IoApicTest, Reset_IdVersionAndMaskedEntries) {
  EXPECT_EQ(ReadReg(kRegId), 0u);
  EXPECT_EQ(ReadReg(kRegVersion), 0x00170020u);
  EXPECT_EQ(ReadReg(kRegArb), 0u);
  for (unsigned pin = 0; pin < kPins; ++pin) {
    EXPECT_EQ(Low(pin), 0x10000u);
    EXPECT_EQ(ReadReg(static_cast<uint8_t>(kRegRedirBase + 2 * pin + 1)), 0u);
  }
  WriteReg(kRegId, 0xffffffff);
  EXPECT_EQ(ReadReg(kRegId), 0x0f000000u);
  WriteReg(kRegVersion, 0);
  EXPECT_EQ(ReadReg(kRegVersion), 0x00170020u);
  ioapic.MmioWrite(kIoRegSel, 4, 0x1234);
  EXPECT_EQ(ioapic.MmioRead(kIoRegSel, 4), 0x34u);
  IoApic other(bus, 2);
  other.MmioWrite(kIoRegSel, 4, kRegId);
  EXPECT_EQ(other.MmioRead(kIoWin, 4), 0x02000000u);
}

TEST_F(IoApicTest, Entry_WritableBitsAndReadOnlyStatus) {
  WriteReg(kRegRedirBase + 2, 0xffffffff);
  EXPECT_EQ(Low(1), 0x0001afffu);  // delivery status and remote IRR stay 0
  WriteReg(kRegRedirBase + 3, 0xffffffff);
  EXPECT_EQ(ReadReg(kRegRedirBase + 3), 0xff000000u);
  EXPECT_EQ(ioapic.entry(1), 0xff0000000001afffull);
}

TEST_F(IoApicTest, Edge_DeliversOnRisingEdgeOnly) {
  Route(1, 0x31);
  ioapic.Line(1).Raise();
  EXPECT_TRUE(cpu.irr(0x31));
  EXPECT_EQ(Drain(), (std::vector<int>{0x31}));
  ioapic.Line(1).Raise();  // still high: no edge
  EXPECT_FALSE(cpu.InterruptPending());
  ioapic.Line(1).Lower();
  ioapic.Line(1).Raise();
  EXPECT_EQ(Drain(), (std::vector<int>{0x31}));
  EXPECT_FALSE(cpu.tmr(0x31));
}

TEST_F(IoApicTest, Edge_LostWhileMasked) {
  Route(4, kMasked | 0x34);
  ioapic.Line(4).Pulse();
  Route(4, 0x34);
  EXPECT_FALSE(cpu.InterruptPending());
  ioapic.Line(4).Pulse();
  EXPECT_EQ(Drain(), (std::vector<int>{0x34}));
}

TEST_F(IoApicTest, Level_RemoteIrrAndRedeliveryAfterEoi) {
  Route(16, kLevelTriggered | 0x50);
  ioapic.Line(16).Raise();
  EXPECT_TRUE(cpu.irr(0x50));
  EXPECT_TRUE(cpu.tmr(0x50));
  EXPECT_TRUE(Low(16) & kRemoteIrr);
  EXPECT_EQ(cpu.Acknowledge(), 0x50);
  ioapic.Line(16).Raise();  // still asserted: nothing more until the EOI
  EXPECT_FALSE(cpu.irr(0x50));
  cpu.MmioWrite(lapic::kRegEoi, 4, 0);  // EOI: remote IRR clears, the pin is still high
  EXPECT_TRUE(cpu.irr(0x50));
  EXPECT_TRUE(Low(16) & kRemoteIrr);
  EXPECT_EQ(cpu.Acknowledge(), 0x50);
  ioapic.Line(16).Lower();  // the device is serviced
  cpu.MmioWrite(lapic::kRegEoi, 4, 0);
  EXPECT_FALSE(Low(16) & kRemoteIrr);
  EXPECT_FALSE(cpu.InterruptPending());
}

TEST_F(IoApicTest, Level_MaskedThenUnmaskedDelivers) {
  Route(17, kMasked | kLevelTriggered | 0x51);
  ioapic.Line(17).Raise();
  EXPECT_FALSE(cpu.irr(0x51));
  EXPECT_TRUE(ioapic.pin_level(17));
  Route(17, kLevelTriggered | 0x51);
  EXPECT_TRUE(cpu.irr(0x51));
  cpu.Acknowledge();
  ioapic.Line(17).Lower();
  cpu.MmioWrite(lapic::kRegEoi, 4, 0);
  // A level request that goes away while masked is not delivered.
  Route(17, kMasked | kLevelTriggered | 0x51);
  ioapic.Line(17).Pulse();
  Route(17, kLevelTriggered | 0x51);
  EXPECT_FALSE(cpu.InterruptPending());
}

TEST_F(IoApicTest, EoiRegisterAndEdgeSwitchClearRemoteIrr) {
  Route(18, kLevelTriggered | 0x52);
  ioapic.Line(18).Raise();
  EXPECT_TRUE(Low(18) & kRemoteIrr);
  ioapic.MmioWrite(kEoi, 4, 0x99);  // another vector: no effect
  EXPECT_TRUE(Low(18) & kRemoteIrr);
  ioapic.Line(18).Lower();
  ioapic.MmioWrite(kEoi, 4, 0x52);
  EXPECT_FALSE(Low(18) & kRemoteIrr);
  ioapic.Line(18).Raise();
  EXPECT_TRUE(Low(18) & kRemoteIrr);
  Route(18, 0x52);  // to edge: Linux's way of clearing a stuck Remote IRR
  EXPECT_FALSE(Low(18) & kRemoteIrr);
}

TEST_F(IoApicTest, ActiveLow_LevelsAreLogicalAsInQemu) {
  Route(19, kPolarityLow | kLevelTriggered | 0x53);
  EXPECT_TRUE(Low(19) & kPolarityLow);
  EXPECT_FALSE(cpu.InterruptPending());  // a low (deasserted) line does not request
  ioapic.Line(19).Raise();                // asserted
  EXPECT_EQ(cpu.Acknowledge(), 0x53);
}

TEST_F(IoApicTest, Destination_PhysicalLogicalAndModes) {
  LocalApic ap(clock, &bus, 1, /*bsp=*/false, 1'000'000'000);
  ap.MmioWrite(lapic::kRegSvr, 4, lapic::kSvrEnable | 0xff);
  ap.MmioWrite(lapic::kRegLdr, 4, 0x04000000);
  Route(5, 0x35, 1);
  ioapic.Line(5).Pulse();
  EXPECT_TRUE(ap.irr(0x35));
  EXPECT_FALSE(cpu.irr(0x35));
  Route(6, kDestLogical | 0x36, 0x04);
  ioapic.Line(6).Pulse();
  EXPECT_TRUE(ap.irr(0x36));
  EXPECT_FALSE(cpu.irr(0x36));
  Route(7, 0x400, 0);  // NMI
  ioapic.Line(7).Pulse();
  EXPECT_TRUE(cpu.TakeNmi());
  Route(0, 0x700, 0);  // ExtINT (virtual wire through the IOAPIC)
  ioapic.Line(0).Pulse();
  EXPECT_TRUE(cpu.TakeExtInt());
  Route(8, 0x100 | 0x38, 0xff);  // lowest priority, broadcast: one CPU takes it
  ap.MmioWrite(lapic::kRegTpr, 4, 0x40);
  ioapic.Line(8).Pulse();
  EXPECT_TRUE(cpu.irr(0x38));
  EXPECT_FALSE(ap.irr(0x38));
}

TEST_F(IoApicTest, Reset_MasksEverything) {
  Route(3, 0x33);
  ioapic.Reset();
  EXPECT_EQ(Low(3), 0x10000u);
  ioapic.Line(3).Pulse();
  EXPECT_FALSE(cpu.InterruptPending());
}

TEST_F(IoApicTest, Hostile_IndexesOffsetsAndSizes) {
  for (unsigned index = 0x03; index < 0x10; ++index) {
    WriteReg(static_cast<uint8_t>(index), 0xffffffff);
    EXPECT_EQ(ReadReg(static_cast<uint8_t>(index)), 0u);
  }
  for (unsigned index = kRegRedirBase + 2 * kPins; index < 0x100; ++index) {
    WriteReg(static_cast<uint8_t>(index), 0xffffffff);
    EXPECT_EQ(ReadReg(static_cast<uint8_t>(index)), 0u) << index;
  }
  ioapic.MmioWrite(kIoRegSel, 4, kRegVersion);
  EXPECT_EQ(ioapic.MmioRead(kIoWin, 1), 0u);
  EXPECT_EQ(ioapic.MmioRead(kIoWin, 8), 0x00170020u);
  EXPECT_EQ(ioapic.MmioRead(0x20, 4), 0u);
  EXPECT_EQ(ioapic.MmioRead(0x1000, 4), 0u);
  EXPECT_EQ(ioapic.MmioRead(~uint64_t{0}, 4), 0u);
  ioapic.MmioWrite(0x20, 4, 0xffffffff);
  ioapic.MmioWrite(kEoi, 2, 0xffff);
  ioapic.MmioWrite(kIoRegSel, 4, kRegRedirBase);
  ioapic.MmioWrite(kIoWin, 2, 0x31);  // a 2-byte IOWIN write is not decoded
  EXPECT_EQ(Low(0), 0x10000u);
  ioapic.Line(24).Raise();
  ioapic.Line(1000).Pulse();
  EXPECT_FALSE(ioapic.pin_level(24));
  EXPECT_EQ(ioapic.entry(1000), 0u);
  // A level-triggered pin whose vector is illegal: the CPU's APIC reports an error, no loop.
  Route(20, kLevelTriggered | 0x02);
  ioapic.Line(20).Raise();
  ioapic.Eoi(0x02);
  EXPECT_FALSE(cpu.InterruptPending());
}

}  // namespace
}  // namespace kiln::devices
