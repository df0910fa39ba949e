// Tests of devices/hpet: capabilities, the main counter against virtual time, one-shot and
// periodic comparators (64- and 32-bit), level status bits, routing and legacy replacement,
// hostile offsets and values.
#include "devices/hpet.h"

#include <gtest/gtest.h>

#include <array>
#include <vector>

#include "tests/devices/fakes.h"

namespace kiln::devices {
namespace {

using namespace hpet;
using testing::FakeClock;
using testing::FakeIrqLine;

constexpr uint64_t Tn(unsigned n, uint64_t reg) { return kRegTimerBase + kTimerStride * n + reg; }
constexpr uint64_t Route(unsigned pin) { return uint64_t{pin} << kTnRouteShift; }

struct HpetTest : ::testing::Test {
  FakeClock clock;
  std::array<FakeIrqLine, 24> gsi;
  FakeIrqLine irq0, irq8;
  std::unique_ptr<Hpet> hpet;
  std::vector<bool> pit_rtc_enabled;

  void SetUp() override {
    std::vector<IrqLine*> lines;
    for (auto& line : gsi) lines.push_back(&line);
    hpet = std::make_unique<Hpet>(clock, lines, &irq0, &irq8);
    hpet->SetLegacyOutputsCallback([this](bool on) { pit_rtc_enabled.push_back(on); });
  }
  uint64_t Read(uint64_t offset) { return hpet->MmioRead(offset, 8); }
  uint32_t Read32(uint64_t offset) { return static_cast<uint32_t>(hpet->MmioRead(offset, 4)); }
  void Write(uint64_t offset, uint64_t value) { hpet->MmioWrite(offset, 8, value); }
  void Write32(uint64_t offset, uint32_t value) { hpet->MmioWrite(offset, 4, value); }
  void Start() { Write(kRegConfig, Read(kRegConfig) | kConfigEnable); }
};

TEST_F(HpetTest, Reset_CapabilitiesAndRegisters) {
  EXPECT_EQ(Read(kRegCapabilities), 0x009896808086a201ull);
  EXPECT_EQ(Read32(kRegCapabilities), 0x8086a201u);
  EXPECT_EQ(Read32(kRegCapabilities + 4), 10'000'000u);  // period in fs
  EXPECT_EQ(Read(kRegConfig), 0u);
  EXPECT_EQ(Read(kRegIntStatus), 0u);
  EXPECT_EQ(Read(kRegCounter), 0u);
  for (unsigned n = 0; n < kTimers; ++n) {
    EXPECT_EQ(Read(Tn(n, kTimerConfig)), 0x00ff010400000030ull);
    EXPECT_EQ(Read(Tn(n, kTimerComparator)), ~uint64_t{0});
    EXPECT_EQ(Read(Tn(n, kTimerFsbRoute)), 0u);
  }
  Write(kRegCapabilities, 0);  // read-only
  EXPECT_EQ(Read(kRegCapabilities), 0x009896808086a201ull);
}

TEST_F(HpetTest, Counter_RunsOnlyWhileEnabledAndIsWritableWhileHalted) {
  clock.AdvanceTo(10'000);
  EXPECT_EQ(Read(kRegCounter), 0u);
  Write(kRegCounter, 1000);
  Start();
  EXPECT_EQ(Read(kRegCounter), 1000u);
  clock.AdvanceTo(11'000);  // 1 us = 100 ticks
  EXPECT_EQ(Read(kRegCounter), 1100u);
  EXPECT_EQ(Read32(kRegCounter), 1100u);
  EXPECT_EQ(Read32(kRegCounter + 4), 0u);
  Write(kRegCounter, 5);  // ignored while running
  EXPECT_EQ(Read(kRegCounter), 1100u);
  Write(kRegConfig, 0);
  clock.AdvanceTo(50'000);
  EXPECT_EQ(Read(kRegCounter), 1100u);
  Write32(kRegCounter + 4, 1);  // halves are writable
  EXPECT_EQ(Read(kRegCounter), 0x100000000ull + 1100);
}

TEST_F(HpetTest, OneShot_EdgeFiresOnceAtTheComparator) {
  Write(Tn(2, kTimerConfig), kTnEnable | Route(20));
  Write(Tn(2, kTimerComparator), 500);
  Start();
  clock.AdvanceTo(4999);
  EXPECT_EQ(gsi[20].rising_edges, 0);
  clock.AdvanceTo(5000);
  EXPECT_EQ(gsi[20].rising_edges, 1);
  EXPECT_FALSE(gsi[20].level);
  EXPECT_EQ(Read(kRegIntStatus), 0u);  // edge interrupts leave no status
  clock.AdvanceTo(10'000'000);
  EXPECT_EQ(gsi[20].rising_edges, 1);
  // Re-writing the timer's configuration does not fire it again.
  Write(Tn(2, kTimerConfig), kTnEnable | Route(21));
  clock.AdvanceTo(20'000'000);
  EXPECT_EQ(gsi[21].rising_edges, 0);
}

TEST_F(HpetTest, OneShot_DisabledInterruptOrHaltedCounterDeliversNothing) {
  Write(Tn(2, kTimerConfig), Route(20));  // INT_ENB clear
  Write(Tn(2, kTimerComparator), 10);
  Start();
  clock.AdvanceTo(1000);
  EXPECT_EQ(gsi[20].rising_edges, 0);
  Write(kRegConfig, 0);
  Write(Tn(2, kTimerConfig), kTnEnable | Route(20));
  Write(Tn(2, kTimerComparator), 200);
  clock.AdvanceTo(100'000);
  EXPECT_EQ(gsi[20].rising_edges, 0);
  Start();  // the counter resumes at 100: fires 100 ticks later
  clock.AdvanceTo(100'999);
  EXPECT_EQ(gsi[20].rising_edges, 0);
  clock.AdvanceTo(101'000);
  EXPECT_EQ(gsi[20].rising_edges, 1);
}

TEST_F(HpetTest, OneShot_ComparatorBehindTheCounterFiresAtOnce) {
  Write(Tn(2, kTimerConfig), kTnEnable | Route(20));
  Start();
  clock.AdvanceTo(10'000);  // counter 1000
  Write(Tn(2, kTimerComparator), 990);
  clock.AdvanceTo(10'001);
  EXPECT_EQ(gsi[20].rising_edges, 1);
}

TEST_F(HpetTest, OneShot_FarComparatorNeverWraps) {
  Write(Tn(2, kTimerConfig), kTnEnable | Route(20));
  Write(kRegCounter, 0x10);
  Write(Tn(2, kTimerComparator), 0x3fffffffffffffffull);  // ~1460 years of ticks ahead
  Start();
  clock.AdvanceTo(1'000'000'000);
  EXPECT_EQ(gsi[20].rising_edges, 0);
}

TEST_F(HpetTest, Periodic_LinuxSequenceFiresEveryPeriod) {
  // hpet_clkevt_set_state_periodic: stop, cfg |= ENABLE|PERIODIC|SETVAL|32BIT, cmp = now + delta,
  // then delta again (sets the period), start.
  Write(kRegConfig, kConfigLegacyRoute);
  Write32(Tn(0, kTimerConfig), static_cast<uint32_t>(kTnEnable | kTnPeriodic | kTnValSet | kTn32Bit));
  const uint32_t delta = 1000;  // 10 us
  Write32(Tn(0, kTimerComparator), 0 + delta);
  EXPECT_FALSE(Read(Tn(0, kTimerConfig)) & kTnValSet);  // cleared by the write
  Write32(Tn(0, kTimerComparator), delta);
  Write(kRegConfig, kConfigLegacyRoute | kConfigEnable);
  for (int k = 1; k <= 4; ++k) {
    clock.AdvanceTo(k * 10'000 - 1);
    EXPECT_EQ(irq0.rising_edges, k - 1);
    clock.AdvanceTo(k * 10'000);
    EXPECT_EQ(irq0.rising_edges, k);
    EXPECT_EQ(Read(Tn(0, kTimerComparator)), uint64_t(k + 1) * delta);
  }
}

TEST_F(HpetTest, Periodic_64BitWithoutValSetKeepsComparator) {
  Write(Tn(1, kTimerConfig), kTnEnable | kTnPeriodic | kTnValSet | Route(22));
  Write(Tn(1, kTimerComparator), 300);  // comparator and period 300
  Write(Tn(1, kTimerComparator), 200);  // period only
  EXPECT_EQ(Read(Tn(1, kTimerComparator)), 300u);
  Start();
  clock.AdvanceTo(3000);
  EXPECT_EQ(gsi[22].rising_edges, 1);
  clock.AdvanceTo(5000);
  EXPECT_EQ(gsi[22].rising_edges, 2);
  EXPECT_EQ(Read(Tn(1, kTimerComparator)), 700u);
  // Missed periods (the counter halted past them is not possible, so jump the clock): coalesce.
  clock.AdvanceTo(1'000'000);
  EXPECT_GE(gsi[22].rising_edges, 3);
  EXPECT_GT(Read(Tn(1, kTimerComparator)), Read(kRegCounter));
}

TEST_F(HpetTest, Periodic_TinyOrZeroPeriodDoesNotHang) {
  Write(Tn(0, kTimerConfig), kTnEnable | kTnPeriodic | kTnValSet | Route(16));
  Write(Tn(0, kTimerComparator), 1);
  Write(Tn(0, kTimerComparator), 1);  // a 10 ns period
  Start();
  clock.AdvanceTo(1'000'000);
  EXPECT_LE(gsi[16].rising_edges, 1'000'000 / static_cast<int>(Hpet::kMinPeriodNs) + 1);
  EXPECT_GT(gsi[16].rising_edges, 0);
  Write(Tn(0, kTimerConfig), kTnEnable | kTnPeriodic | kTnValSet | Route(16));
  Write(Tn(0, kTimerComparator), Read(kRegCounter) + 5);
  Write(Tn(0, kTimerComparator), 0);  // period 0: fires once
  const int before = gsi[16].rising_edges;
  clock.AdvanceTo(2'000'000);
  EXPECT_EQ(gsi[16].rising_edges, before + 1);
}

TEST_F(HpetTest, Mode32Bit_TruncatesAndFiresAtWrapAndMatch) {
  Write(kRegCounter, 0xffffff00);
  Write(Tn(2, kTimerConfig), kTnEnable | kTn32Bit | Route(20));
  Write(Tn(2, kTimerComparator), 0x1234500000080ull);
  EXPECT_EQ(Read(Tn(2, kTimerComparator)), 0x80u);
  Write32(Tn(2, kTimerComparator + 4), 0xffffffff);  // no upper half in 32-bit mode
  EXPECT_EQ(Read(Tn(2, kTimerComparator)), 0x80u);
  Start();
  clock.AdvanceTo(0x100 * 10 - 1);
  EXPECT_EQ(gsi[20].rising_edges, 0);
  clock.AdvanceTo(0x100 * 10);  // the low 32 bits wrap
  EXPECT_EQ(gsi[20].rising_edges, 1);
  clock.AdvanceTo(0x180 * 10);  // the match
  EXPECT_EQ(gsi[20].rising_edges, 2);
  EXPECT_EQ(Read(kRegCounter), 0x100000080ull);  // the main counter itself is 64 bits
  clock.AdvanceTo(0x200000000ull * 10);             // past the next wraps: once per write
  EXPECT_EQ(gsi[20].rising_edges, 2);
  // Leaving 32-bit mode keeps the truncated comparator.
  Write(Tn(2, kTimerConfig), kTnEnable | Route(20));
  EXPECT_EQ(Read(Tn(2, kTimerComparator)), 0x80u);
}

TEST_F(HpetTest, Level_StatusBitHoldsLineUntilCleared) {
  Write(Tn(1, kTimerConfig), kTnEnable | kTnLevel | Route(21));
  Write(Tn(1, kTimerComparator), 100);
  Start();
  clock.AdvanceTo(1000);
  EXPECT_TRUE(gsi[21].level);
  EXPECT_EQ(Read(kRegIntStatus), 0x2u);
  Write(kRegIntStatus, 0x1);  // another timer's bit: no effect
  EXPECT_TRUE(gsi[21].level);
  Write32(kRegIntStatus, 0x2);
  EXPECT_FALSE(gsi[21].level);
  EXPECT_EQ(Read(kRegIntStatus), 0u);
  // Disabling the interrupt or switching to edge releases the line too.
  Write(Tn(1, kTimerComparator), Read(kRegCounter) + 10);
  clock.Advance(100);
  EXPECT_TRUE(gsi[21].level);
  Write(Tn(1, kTimerConfig), kTnLevel | Route(21));
  EXPECT_FALSE(gsi[21].level);
  Write(Tn(1, kTimerConfig), kTnEnable | kTnLevel | Route(21));  // status still set: raised again
  EXPECT_TRUE(gsi[21].level);
  Write(Tn(1, kTimerConfig), kTnEnable | Route(21));
  EXPECT_FALSE(gsi[21].level);
  EXPECT_EQ(Read(kRegIntStatus), 0u);
  // Halting the counter releases a level interrupt as well.
  Write(Tn(1, kTimerConfig), kTnEnable | kTnLevel | Route(21));
  Write(Tn(1, kTimerComparator), Read(kRegCounter) + 10);
  clock.Advance(100);
  EXPECT_TRUE(gsi[21].level);
  Write(kRegConfig, 0);
  EXPECT_FALSE(gsi[21].level);
  EXPECT_EQ(Read(kRegIntStatus), 0u);
}

TEST_F(HpetTest, LegacyReplacement_RoutesTimers0And1AndDisconnectsPitRtc) {
  Write(Tn(0, kTimerConfig), kTnEnable | Route(16));
  Write(Tn(1, kTimerConfig), kTnEnable | Route(17));
  Write(Tn(2, kTimerConfig), kTnEnable | Route(18));
  Write(kRegConfig, kConfigLegacyRoute);
  EXPECT_EQ(pit_rtc_enabled, (std::vector<bool>{false}));
  EXPECT_TRUE(hpet->legacy_route());
  Write(Tn(0, kTimerComparator), 100);
  Write(Tn(1, kTimerComparator), 200);
  Write(Tn(2, kTimerComparator), 300);
  Start();
  clock.AdvanceTo(5000);
  EXPECT_EQ(irq0.rising_edges, 1);
  EXPECT_EQ(irq8.rising_edges, 1);
  EXPECT_EQ(gsi[18].rising_edges, 1);  // timer 2 keeps its route
  EXPECT_EQ(gsi[16].rising_edges + gsi[17].rising_edges, 0);
  Write(kRegConfig, kConfigEnable);  // legacy off: the PIT and RTC are back
  EXPECT_EQ(pit_rtc_enabled, (std::vector<bool>{false, true}));
  Write(Tn(0, kTimerComparator), Read(kRegCounter) + 10);
  clock.Advance(100);
  EXPECT_EQ(gsi[16].rising_edges, 1);
  EXPECT_EQ(irq0.rising_edges, 1);
  Write(kRegConfig, kConfigLegacyRoute);
  hpet->Reset();  // reset reconnects them
  EXPECT_EQ(pit_rtc_enabled, (std::vector<bool>{false, true, false, true}));
  EXPECT_FALSE(hpet->legacy_route());
}

TEST_F(HpetTest, LegacyReplacement_MovesAnAssertedLevelLine) {
  Write(Tn(0, kTimerConfig), kTnEnable | kTnLevel | Route(16));
  Write(Tn(0, kTimerComparator), 10);
  Start();
  clock.AdvanceTo(1000);
  EXPECT_TRUE(gsi[16].level);
  Write(kRegConfig, kConfigEnable | kConfigLegacyRoute);
  EXPECT_FALSE(gsi[16].level);
  EXPECT_TRUE(irq0.level);
  hpet->Reset();
  EXPECT_FALSE(irq0.level);
}

TEST_F(HpetTest, Hostile_OffsetsSizesAndValues) {
  EXPECT_EQ(hpet->MmioRead(kRegCapabilities, 1), 0u);
  EXPECT_EQ(hpet->MmioRead(kRegCapabilities, 2), 0u);
  EXPECT_EQ(hpet->MmioRead(kRegCapabilities + 2, 4), 0u);
  EXPECT_EQ(hpet->MmioRead(kRegCapabilities + 4, 8), 0u);
  EXPECT_EQ(hpet->MmioRead(0x400, 4), 0u);
  EXPECT_EQ(hpet->MmioRead(~uint64_t{0} & ~uint64_t{7}, 8), 0u);
  EXPECT_EQ(Read(Tn(3, kTimerConfig)), 0u);  // no fourth timer
  EXPECT_EQ(Read(Tn(2, 0x18)), 0u);
  hpet->MmioWrite(kRegConfig, 1, 0xff);
  hpet->MmioWrite(kRegConfig + 1, 4, 0xff);
  EXPECT_EQ(Read(kRegConfig), 0u);
  Write(kRegConfig, ~uint64_t{0});
  EXPECT_EQ(Read(kRegConfig), kConfigEnable | kConfigLegacyRoute);
  Write(kRegConfig, 0);
  // Capability bits and FSB enable cannot be written; any route is harmless.
  Write(Tn(2, kTimerConfig), ~uint64_t{0});
  const uint64_t all = 0x00ff010400000030ull | kTnLevel | kTnEnable | kTnPeriodic | kTn32Bit | kTnRouteMask;
  EXPECT_EQ(Read(Tn(2, kTimerConfig)), all | kTnValSet);
  Write(Tn(2, kTimerComparator), 3);
  EXPECT_EQ(Read(Tn(2, kTimerConfig)), all);  // VAL_SET lasts one comparator write
  Write(Tn(2, kTimerFsbRoute), ~uint64_t{0});
  EXPECT_EQ(Read(Tn(2, kTimerFsbRoute)), 0u);
  for (uint64_t offset = 0; offset < 0x400; offset += 4) hpet->MmioWrite(offset, 4, 0xffffffff);
  for (uint64_t offset = 0; offset < 0x400; offset += 8) hpet->MmioWrite(offset, 8, ~uint64_t{0});
  clock.AdvanceTo(10'000'000);  // routes 31 go nowhere; every timer periodic at worst
  for (uint64_t offset = 0; offset < 0x400; offset += 4) Read32(offset);
  EXPECT_EQ(Read(kRegCapabilities), 0x009896808086a201ull);
}

}  // namespace
}  // namespace kiln::devices
