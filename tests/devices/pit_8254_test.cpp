// Tests of devices/pit_8254: each mode's OUT and count against virtual time, access modes, latch
// and read-back, BCD, gates and port 0x61, re-programming, IRQ0 edges over a simulated second.
#include "devices/pit_8254.h"

#include <gtest/gtest.h>

#include "tests/devices/fakes.h"

namespace kiln::devices {
namespace {

using namespace pit;
using testing::FakeClock;
using testing::FakeIrqLine;

/// The first nanosecond of PIT tick `tick`.
uint64_t TickNs(uint64_t tick) {
  return static_cast<uint64_t>((static_cast<unsigned __int128>(tick) * 1'000'000'000u + kTickRate - 1) / kTickRate);
}

struct PitTest : ::testing::Test {
  FakeClock clock;
  FakeIrqLine irq0;
  Pit8254 pit{clock, irq0};

  void Out(uint16_t port, uint8_t v) { pit.PortWrite(port, 1, v); }
  uint8_t In(uint16_t port) { return static_cast<uint8_t>(pit.PortRead(port, 1)); }
  void AtTick(uint64_t tick) { clock.AdvanceTo(TickNs(tick)); }
  /// Control word for `ch` with LSB-then-MSB access, then the count.
  void Program(unsigned ch, unsigned mode, uint16_t count, bool bcd = false) {
    Out(kControl, static_cast<uint8_t>((ch << 6) | 0x30 | (mode << 1) | (bcd ? 1 : 0)));
    Out(static_cast<uint16_t>(kChannel0 + ch), static_cast<uint8_t>(count));
    Out(static_cast<uint16_t>(kChannel0 + ch), static_cast<uint8_t>(count >> 8));
  }
  uint16_t ReadCount(unsigned ch) {
    const uint8_t lo = In(static_cast<uint16_t>(kChannel0 + ch));
    return static_cast<uint16_t>(lo | (In(static_cast<uint16_t>(kChannel0 + ch)) << 8));
  }
  uint16_t LatchAndRead(unsigned ch) {
    Out(kControl, static_cast<uint8_t>(ch << 6));
    return ReadCount(ch);
  }
  bool Out2() { return (In(kPortB) & kPortBOut2) != 0; }
  // After reset counter 0 is in mode 0 with OUT low; a control word for another mode sets OUT
  // high, which is a rising edge on IRQ0 as on the chip. Edges() counts from Mark() on.
  int edges0 = 0;
  void Mark() { edges0 = irq0.rising_edges; }
  int Edges() const { return irq0.rising_edges - edges0; }
};

TEST_F(PitTest, Reset_Mode0NoCountOutLowPortBZero) {
  EXPECT_FALSE(pit.out(0));
  EXPECT_FALSE(irq0.level);
  EXPECT_EQ(In(kPortB), 0);
  EXPECT_EQ(In(kControl), 0xff);
  EXPECT_EQ(pit.mode(0), 0);
}

TEST_F(PitTest, Mode0_OutRisesAtTerminalCountAndCounterWraps) {
  Program(0, 0, 100);
  EXPECT_FALSE(pit.out(0));
  AtTick(40);
  EXPECT_EQ(LatchAndRead(0), 60);
  AtTick(99);
  EXPECT_FALSE(pit.out(0));
  EXPECT_EQ(LatchAndRead(0), 1);
  AtTick(100);
  EXPECT_TRUE(pit.out(0));
  EXPECT_TRUE(irq0.level);
  EXPECT_EQ(irq0.rising_edges, 1);
  AtTick(101);
  EXPECT_EQ(LatchAndRead(0), 0xffff);  // keeps counting down after terminal count
  AtTick(100000);
  EXPECT_TRUE(pit.out(0));  // stays high until re-programmed
  EXPECT_EQ(irq0.rising_edges, 1);
}

TEST_F(PitTest, ModeSet_OutHighInModes1To5IsOneIrqEdge) {
  Out(kControl, 0x34);
  EXPECT_TRUE(pit.out(0));
  EXPECT_EQ(irq0.rising_edges, 1);
  Out(kControl, 0x30);  // mode 0: OUT low again
  EXPECT_FALSE(irq0.level);
}

TEST_F(PitTest, Mode0_LiveReadWithoutLatch) {
  Program(0, 0, 1000);
  AtTick(250);
  EXPECT_EQ(ReadCount(0), 750);
}

TEST_F(PitTest, Mode1_OneShotStartsOnRisingGate) {
  Program(2, 1, 50);
  AtTick(200);
  EXPECT_TRUE(Out2());  // no trigger yet: OUT stays high
  Out(kPortB, kPortBGate2);
  EXPECT_FALSE(Out2());
  AtTick(249);
  EXPECT_FALSE(Out2());
  EXPECT_EQ(LatchAndRead(2), 1);
  AtTick(250);
  EXPECT_TRUE(Out2());
  // Retrigger: a new rising gate restarts the one-shot.
  Out(kPortB, 0);
  Out(kPortB, kPortBGate2);
  EXPECT_FALSE(Out2());
  AtTick(300);
  EXPECT_TRUE(Out2());
}

TEST_F(PitTest, Mode2_RateGeneratorLowForOneClockAtCountOne) {
  Program(0, 2, 10);
  Mark();
  EXPECT_TRUE(pit.out(0));
  AtTick(3);
  EXPECT_EQ(LatchAndRead(0), 7);
  AtTick(8);
  EXPECT_TRUE(pit.out(0));
  AtTick(9);
  EXPECT_FALSE(pit.out(0));
  EXPECT_EQ(LatchAndRead(0), 1);
  AtTick(10);
  EXPECT_TRUE(pit.out(0));
  EXPECT_EQ(LatchAndRead(0), 10);  // reloaded
  EXPECT_EQ(Edges(), 1);
  AtTick(35);
  EXPECT_EQ(Edges(), 3);
  EXPECT_EQ(irq0.falling_edges, 3);
}

TEST_F(PitTest, Mode3_SquareWaveEvenAndOddCounts) {
  Program(0, 3, 10);
  Mark();
  AtTick(4);
  EXPECT_TRUE(pit.out(0));
  EXPECT_EQ(LatchAndRead(0), 2);  // counts down by two
  AtTick(5);
  EXPECT_FALSE(pit.out(0));
  AtTick(9);
  EXPECT_FALSE(pit.out(0));
  AtTick(10);
  EXPECT_TRUE(pit.out(0));
  EXPECT_EQ(Edges(), 1);

  Program(0, 3, 11);  // odd: (N+1)/2 high, (N-1)/2 low
  const uint64_t t0 = 10;
  AtTick(t0 + 5);
  EXPECT_TRUE(pit.out(0));
  AtTick(t0 + 6);
  EXPECT_FALSE(pit.out(0));
  AtTick(t0 + 10);
  EXPECT_FALSE(pit.out(0));
  AtTick(t0 + 11);
  EXPECT_TRUE(pit.out(0));
}

TEST_F(PitTest, Mode4_SoftwareStrobeOneClockLow) {
  Program(0, 4, 10);
  Mark();
  EXPECT_TRUE(pit.out(0));
  AtTick(9);
  EXPECT_TRUE(pit.out(0));
  AtTick(10);
  EXPECT_FALSE(pit.out(0));
  EXPECT_EQ(Edges(), 0);
  AtTick(11);
  EXPECT_TRUE(pit.out(0));
  EXPECT_EQ(Edges(), 1);
  AtTick(70000);
  EXPECT_EQ(Edges(), 1);  // one-shot
}

TEST_F(PitTest, Mode5_HardwareStrobeAfterRisingGate) {
  Program(2, 5, 20);
  AtTick(100);
  EXPECT_TRUE(Out2());
  Out(kPortB, kPortBGate2);
  AtTick(119);
  EXPECT_TRUE(Out2());
  AtTick(120);
  EXPECT_FALSE(Out2());
  AtTick(121);
  EXPECT_TRUE(Out2());
}

TEST_F(PitTest, Mode1_NullCountUntilTriggeredAndNewCountWaitsForNextTrigger) {
  Program(2, 1, 50);
  Out(kControl, 0xe8);  // status of counter 2
  EXPECT_TRUE(In(kChannel2) & kStatusNullCount);
  Out(kPortB, kPortBGate2);
  AtTick(1);
  Out(kControl, 0xe8);
  EXPECT_FALSE(In(kChannel2) & kStatusNullCount);
  AtTick(10);
  Out(kChannel2, 20);  // a new count during the one-shot: this one runs on
  Out(kChannel2, 0);
  AtTick(49);
  EXPECT_FALSE(Out2());
  AtTick(50);
  EXPECT_TRUE(Out2());
  Out(kPortB, 0);
  Out(kPortB, kPortBGate2);  // the next trigger takes the new count
  AtTick(69);
  EXPECT_FALSE(Out2());
  AtTick(70);
  EXPECT_TRUE(Out2());
}

TEST_F(PitTest, Gate_LowPausesMode0) {
  Out(kPortB, kPortBGate2);
  Program(2, 0, 100);
  AtTick(30);
  Out(kPortB, 0);
  AtTick(500);
  EXPECT_EQ(LatchAndRead(2), 70);
  EXPECT_FALSE(Out2());
  Out(kPortB, kPortBGate2);
  AtTick(569);
  EXPECT_FALSE(Out2());
  AtTick(570);
  EXPECT_TRUE(Out2());
}

TEST_F(PitTest, Gate_LowStopsMode2WithOutHighAndRisingGateReloads) {
  Out(kPortB, kPortBGate2);
  Program(2, 2, 10);
  AtTick(9);
  EXPECT_FALSE(Out2());
  Out(kPortB, 0);
  EXPECT_TRUE(Out2());
  AtTick(100);
  Out(kPortB, kPortBGate2);
  EXPECT_EQ(LatchAndRead(2), 10);
  AtTick(109);
  EXPECT_FALSE(Out2());
}

TEST_F(PitTest, Gate_Mode3LowForcesOutHighAndRisingRestartsPeriod) {
  Out(kPortB, kPortBGate2);
  Program(2, 3, 100);
  AtTick(60);
  EXPECT_FALSE(Out2());
  Out(kPortB, 0);
  EXPECT_TRUE(Out2());
  AtTick(500);
  Out(kPortB, kPortBGate2);
  AtTick(549);
  EXPECT_TRUE(Out2());
  AtTick(550);
  EXPECT_FALSE(Out2());
  AtTick(600);
  EXPECT_TRUE(Out2());
}

TEST_F(PitTest, CountWrittenWithGateLow_Mode0WaitsForGate) {
  Program(2, 0, 10);
  AtTick(50);
  EXPECT_EQ(LatchAndRead(2), 10);
  Out(kPortB, kPortBGate2);
  AtTick(60);
  EXPECT_TRUE(Out2());
}

TEST_F(PitTest, Latch_HoldsValueUntilReadAndSecondLatchIgnored) {
  Program(0, 2, 1000);
  AtTick(100);
  Out(kControl, 0x00);
  AtTick(200);
  Out(kControl, 0x00);  // ignored: the first latch is still unread
  EXPECT_EQ(ReadCount(0), 900);
  EXPECT_EQ(ReadCount(0), 800);  // live again
}

TEST_F(PitTest, ReadBack_StatusThenCountAndNullCount) {
  Out(kControl, 0x34);  // counter 0, LSB/MSB, mode 2, binary
  Out(kControl, 0xe2);  // read-back status of counter 0 only
  const uint8_t status = In(kChannel0);
  EXPECT_EQ(status & 0x3f, 0x34);
  EXPECT_TRUE(status & kStatusNullCount);
  EXPECT_TRUE(status & kStatusOut);
  Out(kChannel0, 100);
  Out(kChannel0, 0);
  AtTick(1);
  AtTick(30);
  Out(kControl, 0xc2);  // count and status
  const uint8_t status2 = In(kChannel0);
  EXPECT_FALSE(status2 & kStatusNullCount);
  EXPECT_EQ(ReadCount(0), 70);
  // Read-back of several counters at once; counter 1 is untouched (mode 0, null count).
  Out(kControl, 0xe6);
  EXPECT_EQ(In(kChannel1) & 0x7f, 0x40 | 0x30);
  EXPECT_EQ(In(kChannel0) & 0x3f, 0x34);
}

TEST_F(PitTest, ReadBack_OutBitInMode0) {
  Program(0, 0, 5);
  Out(kControl, 0xe2);
  EXPECT_FALSE(In(kChannel0) & kStatusOut);
  AtTick(5);
  Out(kControl, 0xe2);
  EXPECT_TRUE(In(kChannel0) & kStatusOut);
}

TEST_F(PitTest, AccessModes_LsbOnlyMsbOnlyAndFlipFlop) {
  Out(kControl, 0x14);  // counter 0, LSB only, mode 2
  Out(kChannel0, 0x80);
  AtTick(0x10);
  EXPECT_EQ(In(kChannel0), 0x70);
  EXPECT_EQ(In(kChannel0), 0x70);  // no flip-flop in LSB-only access
  Out(kControl, 0x24);             // MSB only: count 0x0200
  Out(kChannel0, 0x02);
  EXPECT_EQ(In(kChannel0), 0x02);
  AtTick(0x10 + 0x100);
  EXPECT_EQ(In(kChannel0), 0x01);
  // LSB/MSB: the read and write flip-flops are separate.
  Out(kControl, 0x34);
  Out(kChannel0, 0x34);  // write flip-flop now at MSB
  In(kChannel0);         // a read moves only the read flip-flop (now at MSB)
  Out(kChannel0, 0x12);  // still taken as the MSB: count 0x1234
  const uint64_t t = 0x10 + 0x100;
  AtTick(t + 0x34);
  EXPECT_EQ(In(kChannel0), 0x12);  // MSB of 0x1200
  EXPECT_EQ(In(kChannel0), 0x00);  // then LSB
}

TEST_F(PitTest, Mode0_FirstByteOfTwoStopsCounting) {
  Program(0, 0, 100);
  AtTick(10);
  Out(kChannel0, 50);  // LSB only so far: the counter stops, OUT low
  AtTick(500);
  EXPECT_FALSE(pit.out(0));
  EXPECT_EQ(LatchAndRead(0), 90);
  Out(kChannel0, 0);  // MSB: count 50 from now
  AtTick(549);
  EXPECT_FALSE(pit.out(0));
  AtTick(550);
  EXPECT_TRUE(pit.out(0));
}

TEST_F(PitTest, Bcd_CountsAndReadsInDecimalDigits) {
  Program(0, 2, 0x0100, /*bcd=*/true);  // 100 decimal
  Mark();
  AtTick(1);
  EXPECT_EQ(LatchAndRead(0), 0x0099);
  AtTick(37);
  EXPECT_EQ(LatchAndRead(0), 0x0063);
  AtTick(100);
  EXPECT_EQ(Edges(), 1);
}

TEST_F(PitTest, CountZero_Is65536InBinaryAnd10000InBcd) {
  Program(0, 2, 0);
  Mark();
  AtTick(65535);
  EXPECT_FALSE(pit.out(0));
  AtTick(65536);
  EXPECT_EQ(Edges(), 1);
  EXPECT_EQ(LatchAndRead(0), 0);  // 65536 reads as 0

  Program(0, 0, 0, /*bcd=*/true);
  const uint64_t t0 = 65536;
  AtTick(t0 + 1);
  EXPECT_EQ(LatchAndRead(0), 0x9999);
  AtTick(t0 + 9999);
  EXPECT_FALSE(pit.out(0));
  AtTick(t0 + 10000);
  EXPECT_TRUE(pit.out(0));
}

// Linux's pit_calibrate_tsc(): gate 2 high, speaker off, counter 2 mode 0 with a latch of
// 11932 (10 ms), then poll port 0x61 bit 5 until OUT2 goes high. It must rise on the exact tick.
TEST_F(PitTest, Out2ViaPort61_ExactToTheTick) {
  Out(kPortB, static_cast<uint8_t>((In(kPortB) & ~kPortBSpeakerData) | kPortBGate2));
  AtTick(7);
  Out(kControl, 0xb0);
  Out(kChannel2, 11932 & 0xff);
  Out(kChannel2, 11932 >> 8);
  EXPECT_FALSE(Out2());
  clock.AdvanceTo(TickNs(7 + 11932) - 1);
  EXPECT_FALSE(Out2());
  clock.AdvanceTo(TickNs(7 + 11932));
  EXPECT_TRUE(Out2());
  EXPECT_EQ(In(kPortB) & (kPortBGate2 | kPortBSpeakerData), kPortBGate2);
}

TEST_F(PitTest, Port61_RefreshToggleEvery18Ticks) {
  int toggles = 0;
  bool last = (In(kPortB) & kPortBRefresh) != 0;
  for (uint64_t tick = 1; tick <= 18 * 10; ++tick) {
    AtTick(tick);
    const bool now = (In(kPortB) & kPortBRefresh) != 0;
    toggles += now != last;
    last = now;
  }
  EXPECT_EQ(toggles, 10);
  Out(kPortB, 0xff);  // read-only bits ignore writes
  EXPECT_EQ(In(kPortB) & 0x0f, 0x0f);
  EXPECT_EQ(In(kPortB) & 0xc0, 0);
}

TEST_F(PitTest, Reprogram_Mode2NewCountAtEndOfPeriod) {
  Program(0, 2, 100);
  Mark();
  AtTick(30);
  Out(kChannel0, 50);  // count only, no control word
  Out(kChannel0, 0);
  Out(kControl, 0xe2);
  EXPECT_TRUE(In(kChannel0) & kStatusNullCount);  // not yet in the counting element
  AtTick(60);
  EXPECT_EQ(LatchAndRead(0), 40);  // the old period runs on
  AtTick(100);
  EXPECT_EQ(Edges(), 1);
  EXPECT_EQ(LatchAndRead(0), 50);
  AtTick(150);
  EXPECT_EQ(Edges(), 2);
  AtTick(200);
  EXPECT_EQ(Edges(), 3);
}

TEST_F(PitTest, Reprogram_Mode4AndMode0RestartWithNewCount) {
  Program(0, 4, 100);
  Mark();
  AtTick(50);
  Out(kChannel0, 10);
  Out(kChannel0, 0);
  AtTick(60);
  EXPECT_FALSE(pit.out(0));
  AtTick(61);
  EXPECT_TRUE(pit.out(0));
  EXPECT_EQ(Edges(), 1);

  Program(0, 0, 100);
  AtTick(100);
  Program(0, 0, 100);  // new control word: OUT low, restart
  AtTick(199);
  EXPECT_FALSE(pit.out(0));
  AtTick(200);
  EXPECT_TRUE(pit.out(0));
}

// Linux's periodic tick: control word 0x34, LATCH = (PIT_TICK_RATE + HZ/2) / HZ.
uint64_t EdgesInOneSecond(unsigned hz) {
  FakeClock clock;
  FakeIrqLine irq0;
  Pit8254 pit(clock, irq0);
  const auto latch = static_cast<uint16_t>((kTickRate + hz / 2) / hz);
  pit.PortWrite(kControl, 1, 0x34);
  pit.PortWrite(kChannel0, 1, latch & 0xff);
  pit.PortWrite(kChannel0, 1, latch >> 8);
  const int at_mode_set = irq0.rising_edges;  // OUT went high with the control word
  clock.AdvanceTo(1'000'000'000);
  return static_cast<uint64_t>(irq0.rising_edges - at_mode_set);
}

TEST(PitIrq, Mode2_100HzAnd1000HzExactEdgeCountsOverOneSecond) {
  // 1,193,182 ticks in a second: 11932-tick periods give 99 complete ones (100 would need
  // 1,193,200), 1193-tick periods give exactly 1000 (1,193,000).
  EXPECT_EQ(EdgesInOneSecond(100), 99u);
  EXPECT_EQ(EdgesInOneSecond(1000), 1000u);
}

TEST_F(PitTest, IrqOutputDisabled_NoEdgesThenResumes) {
  Program(0, 2, 100);
  Mark();
  AtTick(250);
  EXPECT_EQ(Edges(), 2);
  pit.SetIrqOutputEnabled(false);
  EXPECT_FALSE(irq0.level);
  AtTick(1000);
  EXPECT_EQ(Edges(), 2);
  EXPECT_TRUE(pit.out(0));  // the counter keeps running
  pit.SetIrqOutputEnabled(true);
  EXPECT_EQ(Edges(), 3);  // the line follows OUT again: reconnecting a high OUT is an edge
  AtTick(1099);
  EXPECT_FALSE(irq0.level);
  AtTick(1100);
  EXPECT_EQ(Edges(), 4);
}

TEST_F(PitTest, LateTimer_MissedEdgesCoalesceIntoOne) {
  Program(0, 2, 10);
  Mark();
  clock.now = TickNs(95);  // the machine ran past several periods before checking timers
  clock.AdvanceTo(TickNs(95));
  EXPECT_EQ(Edges(), 1);  // nine periods elapsed; one edge, as a busy real PIC would latch
  EXPECT_TRUE(irq0.level);
  AtTick(100);
  EXPECT_EQ(Edges(), 2);  // and the next period is on time
}

TEST_F(PitTest, Hostile_RandomWritesNeverCrashOrHang) {
  uint32_t x = 12345;
  for (int i = 0; i < 20000; ++i) {
    x = x * 1103515245 + 12345;
    const uint16_t port = static_cast<uint16_t>(0x40 + (x >> 8) % 4);
    pit.PortWrite((x >> 20) & 1 ? port : kPortB, 1 + ((x >> 24) % 4), x >> 3);
    pit.PortRead(port, 1 + ((x >> 12) % 4));
    if ((i & 63) == 0) clock.Advance(x % 100000);
  }
  // Illegal values: count 1 in mode 2, invalid BCD digits, modes 6/7, read-back of nothing.
  Program(0, 2, 1);
  AtTick(NsToTicks(clock.now, kTickRate) + 10);
  Program(0, 2, 0xffff, /*bcd=*/true);
  Out(kControl, 0x3e);  // mode 7 = mode 3
  EXPECT_EQ(pit.mode(0), 3);
  Out(kControl, 0xc0);  // read-back selecting no counter
  EXPECT_EQ(pit.PortRead(0x44, 1), 0xffu);
  clock.Advance(2'000'000'000);
}

TEST_F(PitTest, WideAccess_SplitsPerPort) {
  Out(kControl, 0x34);
  pit.PortWrite(kChannel0, 1, 0x10);
  pit.PortWrite(kChannel0, 1, 0x00);
  // A 2-byte read at 0x42 reads counter 2 and the control port (0xff).
  EXPECT_EQ(pit.PortRead(kChannel2, 2) >> 8, 0xffu);
}

}  // namespace
}  // namespace kiln::devices
