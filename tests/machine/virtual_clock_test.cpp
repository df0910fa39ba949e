// Tests of machine/virtual_clock: deterministic time from the instruction count, timers firing in
// deadline order with re-arming from callbacks, idling, and real time never going backwards.
#include "machine/virtual_clock.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace kiln::machine {
namespace {

TEST(VirtualClock, DeterministicTimeIsInstructionsTimesPeriodPlusIdle) {
  uint64_t retired = 0;
  VirtualClock clock(&retired, 4);
  EXPECT_TRUE(clock.deterministic());
  EXPECT_EQ(clock.NowNs(), 0u);
  retired = 1000;
  EXPECT_EQ(clock.NowNs(), 4000u);
  clock.Idle(10000, std::chrono::milliseconds(1));  // jumps to the deadline
  EXPECT_EQ(clock.NowNs(), 10000u);
  clock.Idle(5000, std::chrono::milliseconds(1));   // in the past: nothing
  EXPECT_EQ(clock.NowNs(), 10000u);
  clock.Idle(VirtualClock::kNever, std::chrono::milliseconds(1));  // nothing to wait for
  EXPECT_EQ(clock.NowNs(), 10000u);
}

TEST(VirtualClock, TimersFireOnceInDeadlineOrderAndMayRearm) {
  uint64_t retired = 0;
  VirtualClock clock(&retired, 1);
  std::vector<std::string> fired;
  auto a = clock.NewTimer([&] { fired.push_back("a"); });
  std::unique_ptr<devices::Timer> b;
  int b_count = 0;
  b = clock.NewTimer([&] {
    fired.push_back("b");
    if (++b_count < 3) b->Arm(clock.NowNs() + 100);  // periodic, re-armed from its callback
  });
  a->Arm(250);
  b->Arm(100);
  EXPECT_EQ(clock.NextDeadline(), 100u);
  retired = 99;
  clock.RunDue();
  EXPECT_TRUE(fired.empty());
  retired = 400;
  clock.RunDue();  // b at 100 re-arms for 500; a at 250
  EXPECT_EQ(fired, (std::vector<std::string>{"b", "a"}));
  EXPECT_FALSE(a->armed());
  EXPECT_TRUE(b->armed());
  retired = 1000;
  clock.RunDue();  // b at 500 re-arms for 1100 (its callback reads the time it runs at)
  EXPECT_EQ(fired, (std::vector<std::string>{"b", "a", "b"}));
  retired = 1200;
  clock.RunDue();  // the third time it does not re-arm
  EXPECT_EQ(fired, (std::vector<std::string>{"b", "a", "b", "b"}));
  EXPECT_EQ(clock.NextDeadline(), VirtualClock::kNever);
}

TEST(VirtualClock, CancelledAndDestroyedTimersDoNotFire) {
  uint64_t retired = 0;
  VirtualClock clock(&retired, 1);
  int fired = 0;
  auto a = clock.NewTimer([&] { ++fired; });
  auto b = clock.NewTimer([&] { ++fired; });
  a->Arm(10);
  b->Arm(20);
  a->Cancel();
  b.reset();
  auto c = clock.NewTimer([&] { fired += 10; });  // reuses the destroyed timer's slot
  retired = 100;
  clock.RunDue();
  EXPECT_EQ(fired, 0);
  c->Arm(50);
  clock.RunDue();
  EXPECT_EQ(fired, 10);
}

TEST(VirtualClock, ATimerRearmingInThePastCannotHoldTheCpu) {
  uint64_t retired = 0;
  VirtualClock clock(&retired, 1);
  int fired = 0;
  std::unique_ptr<devices::Timer> t;
  t = clock.NewTimer([&] {
    ++fired;
    t->Arm(0);  // always due: a guest programming a zero period
  });
  t->Arm(0);
  clock.RunDue();
  EXPECT_GT(fired, 0);
  EXPECT_LE(fired, 64);
}

TEST(VirtualClock, RealTimeAdvancesAndNeverGoesBack) {
  VirtualClock clock;
  EXPECT_FALSE(clock.deterministic());
  const uint64_t t0 = clock.NowNs();
  clock.Idle(t0 + 2'000'000, std::chrono::milliseconds(1));  // sleeps at most 1 ms
  const uint64_t t1 = clock.NowNs();
  EXPECT_GE(t1, t0 + 900'000);
  EXPECT_GE(clock.NowNs(), t1);
}

}  // namespace
}  // namespace kiln::machine
