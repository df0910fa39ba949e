// Tests of devices/pic_8259: initialisation, masking, priorities, EOI kinds, cascade, triggering.
#include "devices/pic_8259.h"

#include <gtest/gtest.h>

#include "tests/devices/fakes.h"

namespace kiln::devices {
namespace {

using namespace pic;
using testing::FakeIrqLine;

struct PicTest : ::testing::Test {
  Pic8259Pair pic;
  FakeIrqLine intr;
  void SetUp() override {
    pic.SetIntrOutput(&intr);
    // The BIOS/Linux sequence: ICW1 (edge, cascade, ICW4), ICW2 base, ICW3 wiring, ICW4 8086.
    Out(kMasterCommand, 0x11);
    Out(kSlaveCommand, 0x11);
    Out(kMasterData, 0x20);
    Out(kSlaveData, 0x28);
    Out(kMasterData, 0x04);
    Out(kSlaveData, 0x02);
    Out(kMasterData, 0x01);
    Out(kSlaveData, 0x01);
    Out(kMasterData, 0x00);
    Out(kSlaveData, 0x00);
  }
  void Out(uint16_t port, uint8_t v) { pic.PortWrite(port, 1, v); }
  uint8_t In(uint16_t port) { return static_cast<uint8_t>(pic.PortRead(port, 1)); }
  void Eoi(uint16_t port = kMasterCommand) { Out(port, 0x20); }
};

TEST_F(PicTest, Init_SetsVectorBasesAndClearsMasks) {
  EXPECT_EQ(pic.vector_base(0), 0x20);
  EXPECT_EQ(pic.vector_base(1), 0x28);
  EXPECT_EQ(In(kMasterData), 0);
  EXPECT_EQ(In(kSlaveData), 0);
  EXPECT_FALSE(pic.InterruptPending());
}

TEST_F(PicTest, EdgeIrq_PendingThenAcknowledged) {
  pic.Line(0).Pulse();
  EXPECT_TRUE(pic.InterruptPending());
  EXPECT_TRUE(intr.level);
  EXPECT_EQ(pic.Acknowledge(), 0x20);
  EXPECT_EQ(pic.isr(0), 0x01);
  EXPECT_EQ(pic.irr(0), 0x00);
  EXPECT_FALSE(intr.level);
  Eoi();
  EXPECT_EQ(pic.isr(0), 0x00);
}

TEST_F(PicTest, Mask_BlocksAndUnmaskDelivers) {
  Out(kMasterData, 0x02);
  pic.Line(1).Pulse();
  EXPECT_FALSE(pic.InterruptPending());
  EXPECT_EQ(pic.irr(0), 0x02);
  Out(kMasterData, 0x00);
  EXPECT_TRUE(pic.InterruptPending());
  EXPECT_EQ(pic.Acknowledge(), 0x21);
}

TEST_F(PicTest, Priority_LowerNumberFirst_InServiceBlocksLower) {
  pic.Line(4).Pulse();
  pic.Line(1).Pulse();
  EXPECT_EQ(pic.Acknowledge(), 0x21);
  EXPECT_FALSE(pic.InterruptPending());  // IRQ4 waits behind IRQ1 in service
  pic.Line(0).Pulse();
  EXPECT_TRUE(pic.InterruptPending());  // IRQ0 has higher priority: nests
  EXPECT_EQ(pic.Acknowledge(), 0x20);
  Eoi();  // non-specific: clears IRQ0, the highest in service
  EXPECT_EQ(pic.isr(0), 0x02);
  Eoi();
  EXPECT_EQ(pic.Acknowledge(), 0x24);
}

TEST_F(PicTest, SpecificEoi) {
  pic.Line(3).Pulse();
  EXPECT_EQ(pic.Acknowledge(), 0x23);
  Out(kMasterCommand, 0x60 | 3);
  EXPECT_EQ(pic.isr(0), 0);
}

TEST_F(PicTest, Cascade_SlaveIrqThroughIrq2) {
  pic.Line(12).Pulse();
  EXPECT_TRUE(pic.InterruptPending());
  EXPECT_EQ(pic.irr(0), 0x04);
  EXPECT_EQ(pic.Acknowledge(), 0x2c);
  EXPECT_EQ(pic.isr(1), 0x10);
  EXPECT_EQ(pic.isr(0), 0x04);
  Eoi(kSlaveCommand);
  Eoi(kMasterCommand);
  EXPECT_EQ(pic.isr(0), 0);
  EXPECT_EQ(pic.isr(1), 0);
}

TEST_F(PicTest, Cascade_SecondSlaveIrqAfterEoi) {
  pic.Line(8).Pulse();
  pic.Line(14).Pulse();
  EXPECT_EQ(pic.Acknowledge(), 0x28);
  EXPECT_FALSE(pic.InterruptPending());
  Eoi(kSlaveCommand);
  Eoi(kMasterCommand);
  EXPECT_TRUE(pic.InterruptPending());
  EXPECT_EQ(pic.Acknowledge(), 0x2e);
}

TEST_F(PicTest, Irq2Line_IsCascadeNotADevice) {
  pic.Line(2).Pulse();
  EXPECT_FALSE(pic.InterruptPending());
  pic.Line(99).Pulse();  // out of range: goes nowhere
  EXPECT_FALSE(pic.InterruptPending());
}

TEST_F(PicTest, SpuriousIrq7_WhenRequestVanishes) {
  Out(kElcrMaster, 0x20);  // IRQ5 level-triggered
  pic.Line(5).Raise();
  EXPECT_TRUE(pic.InterruptPending());
  pic.Line(5).Lower();  // gone before INTA
  EXPECT_FALSE(pic.InterruptPending());
  EXPECT_EQ(pic.Acknowledge(), 0x27);
  EXPECT_EQ(pic.isr(0), 0);  // a spurious IRQ7 sets no ISR bit
}

TEST_F(PicTest, SpuriousIrq15_SetsOnlyMasterCascadeIsr) {
  Out(kElcrSlave, 0x08);  // IRQ11 level
  pic.Line(11).Raise();
  EXPECT_TRUE(pic.InterruptPending());
  // The slave request vanishes after the master latched IRQ2 (edge) but before INTA.
  Out(kSlaveData, 0x08);
  EXPECT_EQ(pic.Acknowledge(), 0x2f);
  EXPECT_EQ(pic.isr(1), 0);
  EXPECT_EQ(pic.isr(0), 0x04);
}

TEST_F(PicTest, LevelTriggered_StaysPendingWhileHigh) {
  Out(kElcrSlave, 0x02);  // IRQ9 level
  EXPECT_EQ(In(kElcrSlave), 0x02);
  pic.Line(9).Raise();
  EXPECT_EQ(pic.Acknowledge(), 0x29);
  EXPECT_EQ(pic.irr(1), 0x02);  // not cleared by INTA
  Eoi(kSlaveCommand);
  Eoi();
  EXPECT_TRUE(pic.InterruptPending());  // still high: again
  pic.Line(9).Lower();
  EXPECT_EQ(pic.irr(1), 0);
  // The master latched the slave's INT on IRQ2 (edge): the INTA finds nothing on the slave.
  EXPECT_EQ(pic.Acknowledge(), 0x2f);
}

TEST_F(PicTest, Icw1Ltim_MakesWholeChipLevelTriggered) {
  Out(kMasterCommand, 0x19);  // ICW1 with LTIM
  Out(kMasterData, 0x20);
  Out(kMasterData, 0x04);
  Out(kMasterData, 0x01);
  pic.Line(1).Raise();
  EXPECT_EQ(pic.Acknowledge(), 0x21);
  EXPECT_EQ(pic.irr(0), 0x02);  // level: stays requested
  pic.Line(1).Lower();
  EXPECT_EQ(pic.irr(0), 0x00);
  pic.Reset();  // a full reset returns to edge mode
  pic.Line(1).Raise();
  pic.Line(1).Lower();
  EXPECT_EQ(pic.irr(0), 0x02);
}

TEST_F(PicTest, EdgeTriggered_NeedsNewEdge) {
  pic.Line(3).Raise();
  EXPECT_EQ(pic.Acknowledge(), 0x23);
  Eoi();
  EXPECT_FALSE(pic.InterruptPending());  // still high, no new edge
  pic.Line(3).Lower();
  pic.Line(3).Raise();
  EXPECT_TRUE(pic.InterruptPending());
}

TEST_F(PicTest, Elcr_MaskedBitsStayEdge) {
  Out(kElcrMaster, 0xff);
  Out(kElcrSlave, 0xff);
  EXPECT_EQ(In(kElcrMaster), kElcrMasterMask);
  EXPECT_EQ(In(kElcrSlave), kElcrSlaveMask);
}

TEST_F(PicTest, Ocw3_ReadIrrAndIsr) {
  Out(kMasterData, 0xff);
  pic.Line(6).Pulse();
  Out(kMasterCommand, 0x0a);  // read IRR
  EXPECT_EQ(In(kMasterCommand), 0x40);
  Out(kMasterData, 0x00);
  pic.Acknowledge();
  Out(kMasterCommand, 0x0b);  // read ISR
  EXPECT_EQ(In(kMasterCommand), 0x40);
  EXPECT_EQ(In(kMasterCommand), 0x40);  // the selection sticks
}

TEST_F(PicTest, PollMode_ReadActsAsAcknowledge) {
  pic.Line(5).Pulse();
  Out(kMasterCommand, 0x0c);  // OCW3 poll
  EXPECT_EQ(In(kMasterCommand), 0x85);
  EXPECT_EQ(pic.isr(0), 0x20);
  EXPECT_EQ(pic.irr(0), 0x00);
  Out(kMasterCommand, 0x0c);
  EXPECT_EQ(In(kMasterData), 0x00);  // nothing pending
  EXPECT_EQ(In(kMasterData), 0x00);  // poll is over: IMR again
}

TEST_F(PicTest, AutoEoi_NoIsrBit) {
  Out(kMasterCommand, 0x11);
  Out(kMasterData, 0x08);
  Out(kMasterData, 0x04);
  Out(kMasterData, 0x03);  // 8086 + AEOI
  pic.Line(1).Pulse();
  EXPECT_EQ(pic.Acknowledge(), 0x09);
  EXPECT_EQ(pic.isr(0), 0);
  pic.Line(4).Pulse();
  EXPECT_TRUE(pic.InterruptPending());
}

TEST_F(PicTest, AutoEoiRotate) {
  Out(kMasterCommand, 0x11);
  Out(kMasterData, 0x08);
  Out(kMasterData, 0x04);
  Out(kMasterData, 0x03);
  Out(kMasterCommand, 0x80);  // rotate in AEOI mode: set
  pic.Line(3).Pulse();
  EXPECT_EQ(pic.Acknowledge(), 0x0b);
  pic.Line(1).Pulse();
  pic.Line(4).Pulse();
  EXPECT_EQ(pic.Acknowledge(), 0x0c);  // IRQ3 became lowest: IRQ4 is now highest
  EXPECT_EQ(pic.Acknowledge(), 0x09);
}

TEST_F(PicTest, RotateOnNonSpecificEoi) {
  pic.Line(0).Pulse();
  EXPECT_EQ(pic.Acknowledge(), 0x20);
  Out(kMasterCommand, 0xa0);  // rotate on non-specific EOI: IRQ0 lowest
  pic.Line(0).Pulse();
  pic.Line(7).Pulse();
  EXPECT_EQ(pic.Acknowledge(), 0x27);  // IRQ7 before IRQ0
}

TEST_F(PicTest, SetPriority) {
  Out(kMasterCommand, 0xc0 | 4);  // IRQ4 lowest, IRQ5 highest
  pic.Line(3).Pulse();
  pic.Line(6).Pulse();
  EXPECT_EQ(pic.Acknowledge(), 0x26);
  Out(kMasterCommand, 0xe0 | 6);  // rotate on specific EOI 6: IRQ7 highest
  pic.Line(0).Pulse();
  EXPECT_EQ(pic.Acknowledge(), 0x20);  // 7 is not pending; 0 comes before 3
}

TEST_F(PicTest, SpecialMaskMode_LetsLowerPrioritiesThrough) {
  pic.Line(1).Pulse();
  EXPECT_EQ(pic.Acknowledge(), 0x21);
  pic.Line(4).Pulse();
  EXPECT_FALSE(pic.InterruptPending());
  Out(kMasterData, 0x02);      // mask the level in service
  Out(kMasterCommand, 0x68);   // OCW3: special mask mode on
  EXPECT_TRUE(pic.InterruptPending());
  EXPECT_EQ(pic.Acknowledge(), 0x24);
  Out(kMasterCommand, 0x48);   // off
}

TEST_F(PicTest, SpecialFullyNested_SlaveNestsOnItself) {
  Out(kMasterCommand, 0x11);
  Out(kMasterData, 0x20);
  Out(kMasterData, 0x04);
  Out(kMasterData, 0x11);  // 8086 + SFNM
  pic.Line(13).Pulse();
  EXPECT_EQ(pic.Acknowledge(), 0x2d);
  pic.Line(9).Pulse();  // higher priority on the slave while IRQ2 is in service on the master
  EXPECT_TRUE(pic.InterruptPending());
  EXPECT_EQ(pic.Acknowledge(), 0x29);
}

TEST_F(PicTest, Icw1_ClearsStateAndMasks) {
  Out(kMasterData, 0xff);
  pic.Line(3).Pulse();
  Out(kMasterCommand, 0x11);
  EXPECT_EQ(pic.irr(0), 0);
  EXPECT_EQ(pic.imr(0), 0);
}

TEST_F(PicTest, SingleModeWithoutIcw4) {
  Out(kMasterCommand, 0x12);  // single, no ICW4
  Out(kMasterData, 0x40);     // ICW2, then straight to OCW1
  Out(kMasterData, 0xfe);
  EXPECT_EQ(pic.vector_base(0), 0x40);
  EXPECT_EQ(In(kMasterData), 0xfe);
}

TEST_F(PicTest, IntrOutput_FollowsPending) {
  pic.Line(0).Pulse();
  EXPECT_EQ(intr.rising_edges, 1);
  pic.Acknowledge();
  EXPECT_FALSE(intr.level);
  pic.Reset();
  EXPECT_FALSE(pic.InterruptPending());
}

TEST_F(PicTest, WideAccess_SplitsPerPort) {
  pic.PortWrite(kMasterCommand, 2, 0xf00a);  // OCW3 read IRR, then IMR = f0
  EXPECT_EQ(In(kMasterData), 0xf0);
  EXPECT_EQ(pic.PortRead(kMasterData, 2), 0xfff0u);  // 0x22 is not ours
}

TEST_F(PicTest, RandomAccesses_NeverCrash) {
  uint32_t x = 7;
  const uint16_t ports[] = {0x20, 0x21, 0xa0, 0xa1, 0x4d0, 0x4d1, 0x22};
  for (int i = 0; i < 50000; ++i) {
    x = x * 1664525 + 1013904223;
    const uint16_t port = ports[(x >> 8) % 7];
    if (x & 1) {
      pic.PortWrite(port, 1, x >> 16);
    } else {
      (void)pic.PortRead(port, 1);
    }
    pic.Line((x >> 20) % 20).SetLevel((x >> 27) & 1);
    if (pic.InterruptPending()) (void)pic.Acknowledge();
  }
}

}  // namespace
}  // namespace kiln::devices
