// Tests of devices/rtc_cmos: time in BCD/binary/12-hour, rollovers, UIP, the periodic, alarm and
// update interrupts, register C, setting the time, the divider, NVRAM and hostile accesses.
#include "devices/rtc_cmos.h"

#include <gtest/gtest.h>

#include "tests/devices/fakes.h"

namespace kiln::devices {
namespace {

using namespace rtc;
using testing::FakeClock;
using testing::FakeIrqLine;

constexpr uint64_t kMs = 1'000'000;
constexpr uint64_t kSec = 1'000'000'000;
constexpr int64_t k2024Feb28_235958 = 1709164798;  // a Wednesday, in a leap year

struct RtcTest : ::testing::Test {
  FakeClock clock;
  FakeIrqLine irq8;
  std::unique_ptr<RtcCmos> rtc = std::make_unique<RtcCmos>(clock, irq8, k2024Feb28_235958);

  void Start(int64_t unix_seconds) { rtc = std::make_unique<RtcCmos>(clock, irq8, unix_seconds); }
  uint8_t Read(uint8_t index) {
    rtc->PortWrite(kIndexPort, 1, index);
    return static_cast<uint8_t>(rtc->PortRead(kDataPort, 1));
  }
  void Write(uint8_t index, uint8_t value) {
    rtc->PortWrite(kIndexPort, 1, index);
    rtc->PortWrite(kDataPort, 1, value);
  }
  struct Date {
    uint8_t century, year, month, day, dow, hour, minute, second;
    bool operator==(const Date&) const = default;
  };
  Date Now() {
    return {Read(kCentury), Read(kYear), Read(kMonth), Read(kDayOfMonth), Read(kDayOfWeek),
            Read(kHours), Read(kMinutes), Read(kSeconds)};
  }
};

void PrintTo(const RtcTest::Date& d, std::ostream* os) {
  *os << std::hex << int(d.century) << int(d.year) << "-" << int(d.month) << "-" << int(d.day) << " dow "
      << int(d.dow) << " " << int(d.hour) << ":" << int(d.minute) << ":" << int(d.second);
}

TEST_F(RtcTest, PowerOnRegisters) {
  EXPECT_EQ(Read(kRegA), 0x26);
  EXPECT_EQ(Read(kRegB), k24Hour);
  EXPECT_EQ(Read(kRegC), 0);
  EXPECT_EQ(Read(kRegD), kDVrt);
  EXPECT_FALSE(irq8.level);
}

TEST_F(RtcTest, BcdTimeOfStart) {
  EXPECT_EQ(Now(), (Date{0x20, 0x24, 0x02, 0x28, 4, 0x23, 0x59, 0x58}));
}

TEST_F(RtcTest, BinaryMode) {
  Write(kRegB, k24Hour | kBDm);
  EXPECT_EQ(Now(), (Date{20, 24, 2, 28, 4, 23, 59, 58}));
}

TEST_F(RtcTest, TwelveHourModeWithPmBit) {
  Write(kRegB, 0);  // 12-hour, BCD
  EXPECT_EQ(Read(kHours), 0x11 | kHourPm);  // 23:xx = 11 PM
  clock.AdvanceTo(2 * kSec);                 // midnight
  EXPECT_EQ(Read(kHours), 0x12);             // 12 AM
  Start(1704023999);                         // 2023-12-31 11:59:59
  Write(kRegB, kBDm);                        // 12-hour, binary
  EXPECT_EQ(Read(kHours), 11);
  clock.Advance(kSec);
  EXPECT_EQ(Read(kHours), 12 | kHourPm);  // noon is 12 PM
}

TEST_F(RtcTest, Rollover_LeapDayThenMarch) {
  clock.AdvanceTo(kSec);
  EXPECT_EQ(Now(), (Date{0x20, 0x24, 0x02, 0x28, 4, 0x23, 0x59, 0x59}));
  clock.AdvanceTo(2 * kSec);
  EXPECT_EQ(Now(), (Date{0x20, 0x24, 0x02, 0x29, 5, 0x00, 0x00, 0x00}));
  clock.AdvanceTo(2 * kSec + 86400 * kSec);
  EXPECT_EQ(Now(), (Date{0x20, 0x24, 0x03, 0x01, 6, 0x00, 0x00, 0x00}));
  clock.AdvanceTo(2 * kSec + 86400 * kSec + 3661 * kSec);
  EXPECT_EQ(Now(), (Date{0x20, 0x24, 0x03, 0x01, 6, 0x01, 0x01, 0x01}));
}

TEST_F(RtcTest, Rollover_YearAndCenturyAnd2100NotLeap) {
  Start(4102444799);  // 2099-12-31 23:59:59, a Thursday
  EXPECT_EQ(Now(), (Date{0x20, 0x99, 0x12, 0x31, 5, 0x23, 0x59, 0x59}));
  clock.Advance(kSec);
  EXPECT_EQ(Now(), (Date{0x21, 0x00, 0x01, 0x01, 6, 0x00, 0x00, 0x00}));
  Start(4107542399);  // 2100-02-28 23:59:59: 2100 is not a leap year
  clock.Advance(kSec);
  EXPECT_EQ(Now(), (Date{0x21, 0x00, 0x03, 0x01, 2, 0x00, 0x00, 0x00}));
}

TEST_F(RtcTest, UipSetFor244usBeforeEachUpdate) {
  clock.AdvanceTo(kSec - 244'001);
  EXPECT_FALSE(Read(kRegA) & kAUip);
  clock.AdvanceTo(kSec - 244'000);
  EXPECT_TRUE(Read(kRegA) & kAUip);
  EXPECT_EQ(Read(kSeconds), 0x58);  // the update has not happened yet
  clock.AdvanceTo(kSec - 1);
  EXPECT_TRUE(Read(kRegA) & kAUip);
  clock.AdvanceTo(kSec);
  EXPECT_FALSE(Read(kRegA) & kAUip);
  EXPECT_EQ(Read(kSeconds), 0x59);
  Write(kRegA, 0xff);  // UIP is read-only
  Write(kRegA, 0x26);
  EXPECT_FALSE(Read(kRegA) & kAUip);
}

// Counts PF over one second with PIE set, reading C (as an interrupt handler does) every 25 us.
int PeriodicFlagsInOneSecond(uint8_t rate, int* irq_edges) {
  FakeClock clock;
  FakeIrqLine irq8;
  RtcCmos rtc(clock, irq8, 0);
  rtc.PortWrite(kIndexPort, 1, kRegA);
  rtc.PortWrite(kDataPort, 1, kADivider32k | rate);
  rtc.PortWrite(kIndexPort, 1, kRegB);
  rtc.PortWrite(kDataPort, 1, k24Hour | kBPie);
  int flags = 0;
  for (uint64_t t = 25'000; t <= kSec; t += 25'000) {
    clock.AdvanceTo(t);
    rtc.PortWrite(kIndexPort, 1, kRegC);
    const uint32_t c = rtc.PortRead(kDataPort, 1);
    if (c & kCPf) {
      ++flags;
      EXPECT_TRUE(c & kCIrqf);
    }
  }
  *irq_edges = irq8.rising_edges;
  return flags;
}

TEST(RtcPeriodic, EveryRateCountedOverOneSecond) {
  for (uint8_t rate = 1; rate <= 15; ++rate) {
    const int expected = rate == 1 ? 256 : rate == 2 ? 128 : 32768 >> (rate - 1);
    int edges = 0;
    EXPECT_EQ(PeriodicFlagsInOneSecond(rate, &edges), expected) << "rate " << int(rate);
    EXPECT_EQ(edges, expected) << "rate " << int(rate);
  }
  int edges = 0;
  EXPECT_EQ(PeriodicFlagsInOneSecond(0, &edges), 0);
  EXPECT_EQ(edges, 0);
}

TEST_F(RtcTest, PeriodicFlagWithoutPieRaisesNoIrq) {
  clock.AdvanceTo(10 * kMs);
  EXPECT_EQ(Read(kRegC), kCPf);  // 1024 Hz: PF set, no IRQF
  EXPECT_EQ(irq8.rising_edges, 0);
  EXPECT_EQ(Read(kRegC), 0);
  Write(kRegA, kADivider32k);  // rate 0: no periodic flag at all
  clock.AdvanceTo(20 * kMs);
  EXPECT_EQ(Read(kRegC), 0);
}

TEST_F(RtcTest, IrqStaysHighUntilCIsRead) {
  Write(kRegB, k24Hour | kBPie);
  clock.AdvanceTo(5 * kMs);
  EXPECT_TRUE(irq8.level);
  EXPECT_EQ(irq8.rising_edges, 1);  // later periods do not make new edges
  EXPECT_EQ(Read(kRegC), kCIrqf | kCPf);
  EXPECT_FALSE(irq8.level);
  EXPECT_EQ(Read(kRegC) & kCIrqf, 0);
}

TEST_F(RtcTest, UpdateEndedInterruptEverySecond) {
  Write(kRegA, kADivider32k);  // no periodic flag
  Write(kRegB, k24Hour | kBUie);
  int updates = 0;
  for (uint64_t t = 100 * kMs; t <= 10 * kSec; t += 100 * kMs) {
    clock.AdvanceTo(t);
    const uint8_t c = Read(kRegC);
    if (c & kCUf) {
      ++updates;
      EXPECT_EQ(c & kCIrqf, kCIrqf);
    }
  }
  EXPECT_EQ(updates, 10);
  EXPECT_EQ(irq8.rising_edges, 10);
}

TEST_F(RtcTest, AlarmAtExactTimeAndWithDontCare) {
  Write(kRegA, kADivider32k);
  Write(kSecondsAlarm, 0x02);
  Write(kMinutesAlarm, 0x00);
  Write(kHoursAlarm, 0x00);
  Write(kRegB, k24Hour | kBAie);
  clock.AdvanceTo(3 * kSec);  // 00:00:01
  EXPECT_FALSE(irq8.level);
  EXPECT_EQ(Read(kRegC) & kCAf, 0);
  clock.AdvanceTo(4 * kSec);  // 00:00:02
  EXPECT_TRUE(irq8.level);
  EXPECT_EQ(Read(kRegC), kCIrqf | kCAf | kCUf);
  // 0xC0-0xFF match anything: second 0x30 of every minute and hour.
  Write(kSecondsAlarm, 0x30);
  Write(kMinutesAlarm, 0xc0);
  Write(kHoursAlarm, 0xff);
  int alarms = 0;
  for (uint64_t s = 5; s <= 4 + 180; ++s) {
    clock.AdvanceTo(s * kSec);
    if (Read(kRegC) & kCAf) ++alarms;
  }
  EXPECT_EQ(alarms, 3);
}

TEST_F(RtcTest, SetTime_WithSetBitThenClear) {
  clock.AdvanceTo(300 * kMs);
  Write(kRegB, k24Hour | kBSet | kBUie);
  EXPECT_EQ(Read(kRegB), k24Hour | kBSet);  // SET clears UIE
  // 2001-09-09 01:46:40 (a Sunday), written field by field as Linux's mc146818_set_time does.
  Write(kSeconds, 0x40);
  Write(kMinutes, 0x46);
  Write(kHours, 0x01);
  Write(kDayOfMonth, 0x09);
  Write(kMonth, 0x09);
  Write(kYear, 0x01);
  Write(kCentury, 0x20);
  clock.AdvanceTo(5 * kSec);  // the time does not run while SET is set
  EXPECT_EQ(Read(kSeconds), 0x40);
  EXPECT_FALSE(Read(kRegA) & kAUip);
  EXPECT_EQ(Read(kRegC) & kCUf, 0);  // no updates while SET
  Write(kRegB, k24Hour);
  EXPECT_EQ(Now(), (Date{0x20, 0x01, 0x09, 0x09, 1, 0x01, 0x46, 0x40}));
  clock.AdvanceTo(6 * kSec);  // the divider's phase is kept: the next update is on the second
  EXPECT_EQ(Read(kSeconds), 0x41);
  clock.AdvanceTo(6 * kSec + 59 * kSec + 20 * kSec);
  EXPECT_EQ(Read(kMinutes), 0x48);
}

// Linux's mc146818_set_time(): SET, divider reset, the registers, B restored (SET clear, divider
// still in reset), then A restored: the time starts from what was written, first update 500 ms on.
TEST_F(RtcTest, SetTime_LinuxSequenceWithDividerReset) {
  clock.AdvanceTo(700 * kMs);
  const uint8_t control = Read(kRegB);
  Write(kRegB, control | kBSet);
  const uint8_t freq_select = Read(kRegA);
  Write(kRegA, freq_select | 0x70);
  Write(kYear, 0x01);
  Write(kMonth, 0x09);
  Write(kDayOfMonth, 0x09);
  Write(kHours, 0x01);
  Write(kMinutes, 0x46);
  Write(kSeconds, 0x40);
  Write(kCentury, 0x20);
  Write(kRegB, control);
  clock.AdvanceTo(3 * kSec);  // the divider is still in reset: the time stands
  EXPECT_EQ(Read(kSeconds), 0x40);
  Write(kRegA, freq_select);
  EXPECT_EQ(Now(), (Date{0x20, 0x01, 0x09, 0x09, 1, 0x01, 0x46, 0x40}));
  clock.AdvanceTo(3 * kSec + 499 * kMs);
  EXPECT_EQ(Read(kSeconds), 0x40);
  clock.AdvanceTo(3 * kSec + 500 * kMs);
  EXPECT_EQ(Read(kSeconds), 0x41);
}

TEST_F(RtcTest, SetTime_DirectWriteWithSetClear) {
  Write(kMinutes, 0x10);
  EXPECT_EQ(Now(), (Date{0x20, 0x24, 0x02, 0x28, 4, 0x23, 0x10, 0x58}));
  clock.AdvanceTo(2 * kSec);
  EXPECT_EQ(Read(kMinutes), 0x11);
  EXPECT_EQ(Read(kSeconds), 0x00);
}

TEST_F(RtcTest, Divider_ResetStopsAndReleaseUpdatesAfterHalfSecond) {
  clock.AdvanceTo(200 * kMs);
  Write(kRegA, 0x70);  // divider in reset
  Read(kRegC);         // PF from the 1024 Hz rate before the reset
  clock.AdvanceTo(10 * kSec);
  EXPECT_EQ(Read(kSeconds), 0x58);
  EXPECT_EQ(Read(kRegC), 0);  // no periodic or update flags either
  Write(kRegA, 0x26);
  clock.AdvanceTo(10 * kSec + 499 * kMs);
  EXPECT_EQ(Read(kSeconds), 0x58);
  clock.AdvanceTo(10 * kSec + 500 * kMs);
  EXPECT_EQ(Read(kSeconds), 0x59);
}

TEST_F(RtcTest, FormatChangeWhileRunningKeepsTheTime) {
  Write(kRegB, k24Hour | kBDm);
  EXPECT_EQ(Read(kMinutes), 59);
  Write(kRegB, k24Hour);
  EXPECT_EQ(Read(kMinutes), 0x59);
}

TEST_F(RtcTest, Nvram_LowAndHighBanksAndSetNvram) {
  Write(0x40, 0xa5);
  EXPECT_EQ(Read(0x40), 0xa5);
  rtc->PortWrite(kHighIndexPort, 1, 0x40);  // byte 0xc0
  rtc->PortWrite(kHighDataPort, 1, 0x5a);
  EXPECT_EQ(rtc->nvram(0xc0), 0x5a);
  EXPECT_EQ(Read(0x40), 0xa5);  // the lower bank is untouched
  rtc->SetNvram(kExtMemLow, 0x00);
  rtc->SetNvram(kExtMemHigh, 0xfc);
  rtc->SetNvram(kShutdownStatus, 0x0a);
  rtc->SetNvram(0xff, 0x77);
  EXPECT_EQ(Read(kExtMemHigh), 0xfc);
  EXPECT_EQ(Read(kShutdownStatus), 0x0a);
  rtc->PortWrite(kHighIndexPort, 1, 0x7f);
  EXPECT_EQ(rtc->PortRead(kHighDataPort, 1), 0x77u);
  rtc->SetNvram(kSeconds, 0x00);  // clock registers belong to the RTC
  rtc->SetNvram(kRegB, 0xff);
  EXPECT_EQ(Read(kSeconds), 0x58);
  EXPECT_EQ(Read(kRegB), k24Hour);
  rtc->Reset();  // the battery keeps the NVRAM
  EXPECT_EQ(Read(kShutdownStatus), 0x0a);
}

TEST_F(RtcTest, IndexPortNmiMaskAndWriteOnlyReads) {
  rtc->PortWrite(kIndexPort, 1, kNmiDisable | kRegD);
  EXPECT_TRUE(rtc->nmi_disabled());
  EXPECT_EQ(rtc->PortRead(kDataPort, 1), kDVrt);  // bit 7 is not part of the index
  rtc->PortWrite(kIndexPort, 1, kRegD);
  EXPECT_FALSE(rtc->nmi_disabled());
  EXPECT_EQ(rtc->PortRead(kIndexPort, 1), 0xffu);
  EXPECT_EQ(rtc->PortRead(0x74, 1), 0xffu);
}

TEST_F(RtcTest, ResetClearsInterruptEnablesAndFlags) {
  Write(kRegB, k24Hour | kBPie | kBAie | kBUie | kBSqwe);
  clock.AdvanceTo(kSec);
  EXPECT_TRUE(irq8.level);
  rtc->Reset();
  EXPECT_FALSE(irq8.level);
  EXPECT_EQ(Read(kRegB), k24Hour);
  EXPECT_EQ(Read(kRegC), 0);
  EXPECT_EQ(Read(kSeconds), 0x59);  // time survives
}

TEST_F(RtcTest, IrqOutputDisabledKeepsFlags) {
  rtc->SetIrqOutputEnabled(false);
  Write(kRegB, k24Hour | kBPie);
  clock.AdvanceTo(5 * kMs);
  EXPECT_FALSE(irq8.level);
  rtc->SetIrqOutputEnabled(true);  // IRQF still set: the line comes up
  EXPECT_TRUE(irq8.level);
  EXPECT_EQ(Read(kRegC), kCIrqf | kCPf);
  EXPECT_FALSE(irq8.level);
}

TEST_F(RtcTest, Hostile_GarbageTimeIndexesAndDividers) {
  Write(kRegB, k24Hour | kBSet);
  for (uint8_t index : {kSeconds, kMinutes, kHours, kDayOfMonth, kMonth, kYear, kCentury}) Write(index, 0xff);
  Write(kRegB, k24Hour);  // garbage BCD becomes some date; nothing crashes
  clock.Advance(3 * kSec);
  Now();
  uint32_t x = 99;
  for (int i = 0; i < 20000; ++i) {
    x = x * 1103515245 + 12345;
    const uint16_t port = static_cast<uint16_t>(0x70 + (x >> 8) % 4);
    rtc->PortWrite(port, 1 + (x >> 16) % 4, x >> 5);
    rtc->PortRead(port, 1 + (x >> 20) % 4);
    if ((i & 255) == 0) clock.Advance(x % (3 * kSec));
  }
  Write(kRegA, 0x26);
  Write(kRegB, k24Hour);
  clock.Advance(10 * kSec);
  EXPECT_EQ(Read(kRegD), kDVrt);
}

}  // namespace
}  // namespace kiln::devices
