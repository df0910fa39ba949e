// Tests of devices/acpi_pm: PM1 status/enable (write 1 to clear), PM1 control and S5 power-off,
// the PM timer and its bit-23 status from the virtual clock, GPE0 and the SCI level.
#include "devices/acpi_pm.h"

#include <gtest/gtest.h>

#include "tests/devices/fakes.h"

namespace kiln::devices {
namespace {

using namespace acpi_pm;
using testing::FakeClock;
using testing::FakeIrqLine;
using testing::FakeMachineControl;

/// Nanoseconds for `ticks` of the 3.579545 MHz timer, rounded up.
uint64_t NsFor(uint64_t ticks) { return (ticks * 1'000'000'000u + kPmTimerHz - 1) / kPmTimerHz; }

struct AcpiPmTest : ::testing::Test {
  FakeClock clock;
  FakeIrqLine sci;
  FakeMachineControl control;
  AcpiPm pm{AcpiPmConfig(), clock, sci, control};
  uint32_t In(uint16_t port, unsigned size) { return pm.PortRead(port, size); }
  void Out(uint16_t port, unsigned size, uint32_t v) { pm.PortWrite(port, size, v); }
  uint16_t Sts() { return static_cast<uint16_t>(In(kPm1EvtPort, 2)); }
};

TEST_F(AcpiPmTest, Reset_State) {
  EXPECT_EQ(Sts(), 0);
  EXPECT_EQ(In(kPm1EvtPort + 2, 2), 0u);
  EXPECT_EQ(In(kPm1CntPort, 2), kSciEn);  // always in ACPI mode
  EXPECT_EQ(In(kGpe0Port, 4), 0u);
  EXPECT_FALSE(sci.level);
}

TEST_F(AcpiPmTest, Timer_CountsVirtualTimeAt3579545Hz) {
  EXPECT_EQ(In(kPmTmrPort, 4), 0u);
  clock.AdvanceTo(1'000'000'000);  // one second
  EXPECT_EQ(In(kPmTmrPort, 4), 3'579'545u);
  clock.AdvanceTo(NsFor(1000) + 1'000'000'000);
  EXPECT_EQ(In(kPmTmrPort, 4), 3'580'545u);
  // Bytes of the counter through byte lanes.
  EXPECT_EQ(In(kPmTmrPort, 1), 3'580'545u & 0xFF);
  EXPECT_EQ(In(kPmTmrPort + 2, 1), (3'580'545u >> 16) & 0xFF);
  EXPECT_EQ(In(kPmTmrPort + 3, 1), 0u);  // 24-bit counter: the top byte reads 0
  Out(kPmTmrPort, 4, 0x12345678);        // read-only
  EXPECT_EQ(In(kPmTmrPort, 4), 3'580'545u);
}

TEST_F(AcpiPmTest, Timer_AWideReadSamplesOnce) {
  // Just before the low byte carries, with a tick passing at every clock reading: a 32-bit read
  // must be one sample (a read per byte gave 0x0002FF then 0x000201 - time going backwards).
  clock.AdvanceTo(NsFor(0x2FF));
  clock.step_per_read = NsFor(1) + 1;
  uint32_t previous = In(kPmTmrPort, 4);
  for (int i = 0; i < 600; ++i) {
    const uint32_t now = In(kPmTmrPort, 4);
    EXPECT_GT(now, previous) << std::hex << previous << " then " << now;
    previous = now;
  }
}

TEST_F(AcpiPmTest, Timer_WrapsAt24Bits) {
  clock.AdvanceTo(NsFor((1u << 24) + 5));
  EXPECT_EQ(In(kPmTmrPort, 4), 5u);
}

TEST_F(AcpiPmTest, TimerStatus_SetWhenBit23ChangesAndRaisesSciWhenEnabled) {
  clock.AdvanceTo(NsFor(1u << 23) - 1);
  EXPECT_EQ(Sts() & kTmrSts, 0);
  clock.AdvanceTo(NsFor(1u << 23));  // 0 -> 1 of bit 23: the timer fires
  EXPECT_EQ(Sts() & kTmrSts, kTmrSts);
  EXPECT_FALSE(sci.level);  // TMR_EN clear: status only
  Out(kPm1EvtPort + 2, 2, kTmrSts);  // TMR_EN
  EXPECT_TRUE(sci.level);
  Out(kPm1EvtPort, 2, kTmrSts);  // write 1 to clear
  EXPECT_EQ(Sts() & kTmrSts, 0);
  EXPECT_FALSE(sci.level);
  clock.AdvanceTo(NsFor(1u << 24));  // 1 -> 0 of bit 23 (the wrap) sets it again
  EXPECT_EQ(Sts() & kTmrSts, kTmrSts);
  EXPECT_TRUE(sci.level);
  EXPECT_EQ(sci.rising_edges, 2);
}

TEST_F(AcpiPmTest, TimerStatus_SeenByAReadBeforeTheTimerRuns) {
  // The machine runs due timers between instructions; a read at the deadline must not miss it.
  clock.now = NsFor(1u << 23) + 10;  // time moved without firing timers
  EXPECT_EQ(Sts() & kTmrSts, kTmrSts);
}

TEST_F(AcpiPmTest, TimerStatus_OneEventPerChangeNotPerRead) {
  clock.AdvanceTo(NsFor(1u << 23));
  Out(kPm1EvtPort, 2, kTmrSts);
  clock.AdvanceTo(NsFor((1u << 23) + 1000));
  EXPECT_EQ(Sts() & kTmrSts, 0);
}

TEST_F(AcpiPmTest, PowerButton_StatusEnableAndClear) {
  pm.PowerButton();
  EXPECT_EQ(Sts(), kPwrBtnSts);
  EXPECT_FALSE(sci.level);
  Out(kPm1EvtPort + 2, 2, kPwrBtnSts);
  EXPECT_TRUE(sci.level);
  EXPECT_EQ(In(kPm1EvtPort + 2, 2), kPwrBtnSts);
  Out(kPm1EvtPort, 2, 0xFFFF & ~kPwrBtnSts);  // other bits: nothing to clear
  EXPECT_EQ(Sts(), kPwrBtnSts);
  Out(kPm1EvtPort + 1, 1, kPwrBtnSts >> 8);  // the high byte alone
  EXPECT_EQ(Sts(), 0);
  EXPECT_FALSE(sci.level);
}

TEST_F(AcpiPmTest, RtcAlarm_FixedEvent) {
  Out(kPm1EvtPort + 2, 2, kRtcSts);
  pm.RtcAlarm();
  EXPECT_EQ(Sts(), kRtcSts);
  EXPECT_TRUE(sci.level);
  Out(kPm1EvtPort, 2, kRtcSts);
  EXPECT_FALSE(sci.level);
}

TEST_F(AcpiPmTest, ClearingWithNothingPending_RaisesNoSci) {
  Out(kPm1EvtPort + 2, 2, 0xFFFF);
  Out(kPm1EvtPort, 2, 0xFFFF);  // nothing set: nothing happens
  EXPECT_EQ(Sts(), 0);
  EXPECT_FALSE(sci.level);
}

TEST_F(AcpiPmTest, Pm1Enable_OnlyImplementedBitsStick) {
  Out(kPm1EvtPort + 2, 2, 0xFFFF);
  EXPECT_EQ(In(kPm1EvtPort + 2, 2), kPm1EnBits);
  Out(kPm1EvtPort + 3, 1, 0x00);  // high byte only
  EXPECT_EQ(In(kPm1EvtPort + 2, 2), kPm1EnBits & 0xFF);
}

TEST_F(AcpiPmTest, Pm1EventBlock_As32BitAccess) {
  pm.PowerButton();
  Out(kPm1EvtPort, 4, static_cast<uint32_t>(kPwrBtnSts) << 16);  // enable via the upper half
  EXPECT_EQ(In(kPm1EvtPort, 4), (static_cast<uint32_t>(kPwrBtnSts) << 16) | kPwrBtnSts);
  EXPECT_TRUE(sci.level);
}

TEST_F(AcpiPmTest, SleepS5_PowersOff) {
  Out(kPm1CntPort, 2, static_cast<uint32_t>(kSlpTypS5 << kSlpTypShift) | kSlpEn | kSciEn);
  EXPECT_EQ(control.power_offs, 1);
  EXPECT_EQ(In(kPm1CntPort, 2) & kSlpEn, 0u);  // write-only
}

TEST_F(AcpiPmTest, SleepS5_ByteWriteOfTheHighByte) {
  Out(kPm1CntPort + 1, 1, ((kSlpTypS5 << kSlpTypShift) | kSlpEn) >> 8);
  EXPECT_EQ(control.power_offs, 1);
}

TEST_F(AcpiPmTest, SleepTypeWithoutSlpEn_OnlyStored) {
  Out(kPm1CntPort, 2, kSlpTypS5 << kSlpTypShift);
  EXPECT_EQ(control.power_offs, 0);
  EXPECT_EQ(In(kPm1CntPort, 2), static_cast<uint32_t>(kSlpTypS5 << kSlpTypShift) | kSciEn);
}

TEST_F(AcpiPmTest, OtherSleepTypes_Ignored) {
  for (unsigned typ = 0; typ < 8; ++typ) {
    if (typ == kSlpTypS5) continue;
    Out(kPm1CntPort, 2, (typ << kSlpTypShift) | kSlpEn);
  }
  EXPECT_EQ(control.power_offs, 0);
  EXPECT_EQ(control.resets, 0);
  EXPECT_TRUE(control.exits.empty());
}

TEST_F(AcpiPmTest, SciEnable_AlwaysReadsOne) {
  Out(kPm1CntPort, 2, 0);
  EXPECT_EQ(In(kPm1CntPort, 2) & kSciEn, kSciEn);
  Out(kPm1CntPort, 2, kBmRld | kGblRls);
  EXPECT_EQ(In(kPm1CntPort, 2), static_cast<uint32_t>(kSciEn | kBmRld));  // GBL_RLS is write-only
}

TEST_F(AcpiPmTest, Gpe0_StatusEnableAndSci) {
  pm.RaiseGpe(9);
  EXPECT_EQ(In(kGpe0Port, 2), 1u << 9);
  EXPECT_FALSE(sci.level);
  Out(kGpe0Port + 3, 1, 0x02);  // GPE0_EN byte 1, bit 1 = GPE 9
  EXPECT_TRUE(sci.level);
  EXPECT_EQ(In(kGpe0Port + 2, 2), 1u << 9);
  Out(kGpe0Port, 2, 1u << 9);
  EXPECT_EQ(In(kGpe0Port, 2), 0u);
  EXPECT_FALSE(sci.level);
  pm.RaiseGpe(16);  // out of range: ignored
  pm.RaiseGpe(~0u);
  EXPECT_EQ(In(kGpe0Port, 4), 0x0200u << 16);
}

TEST_F(AcpiPmTest, Reset_ClearsEverythingAndLowersSci) {
  Out(kPm1EvtPort + 2, 2, kPwrBtnSts);
  pm.PowerButton();
  pm.RaiseGpe(0);
  Out(kGpe0Port + 2, 1, 1);
  Out(kPm1CntPort, 2, 3u << kSlpTypShift);
  ASSERT_TRUE(sci.level);
  pm.Reset();
  EXPECT_FALSE(sci.level);
  EXPECT_EQ(In(kPm1EvtPort, 4), 0u);
  EXPECT_EQ(In(kPm1CntPort, 2), kSciEn);
  EXPECT_EQ(In(kGpe0Port, 4), 0u);
}

TEST_F(AcpiPmTest, Hostile_PortsOutsideTheBlocksAndOddSizes) {
  EXPECT_EQ(In(kPm1CntPort + 2, 2), 0xFFFFu);  // 0x606-0x607: not decoded
  // 0x605 (PM1_CNT high, 0), 0x606-0x607 (nobody), 0x608 (the timer, 0 at time 0).
  EXPECT_EQ(In(kPm1CntPort + 1, 4), 0x00FFFF00u);
  EXPECT_EQ(In(kGpe0Port + 3, 4), 0xFFFFFF00u);
  EXPECT_EQ(In(0xFFFF, 4), 0xFFFFFFFFu);  // wraps to port 0: never ours
  Out(0x0000, 4, 0xFFFFFFFF);
  Out(kPm1CntPort + 2, 2, 0xFFFF);
  Out(kPm1EvtPort, 3, 0xFFFFFFFF);  // a size the bus never makes: treated as a byte
  Out(kPm1EvtPort, 0, 0xFFFFFFFF);
  EXPECT_EQ(control.power_offs, 0);
  EXPECT_FALSE(sci.level);
}

TEST_F(AcpiPmTest, CustomPortsAndSleepType) {
  FakeClock c;
  FakeIrqLine line;
  FakeMachineControl mc;
  AcpiPm other({.pm1_evt = 0xB000, .pm1_cnt = 0xB004, .pm_tmr = 0xB008, .gpe0 = 0xAFE0, .s5_slp_typ = 0}, c, line, mc);
  EXPECT_EQ(other.PortRead(0xB004, 2), kSciEn);
  EXPECT_EQ(other.PortRead(kPm1CntPort, 2), 0xFFFFu);
  other.PortWrite(0xB004, 2, kSlpEn);  // SLP_TYP 0 is S5 here
  EXPECT_EQ(mc.power_offs, 1);
}

}  // namespace
}  // namespace kiln::devices
