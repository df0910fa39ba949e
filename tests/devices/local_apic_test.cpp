// Tests of devices/local_apic and devices/apic_bus: registers and reset state, priorities,
// EOI, the timer in its three modes against the FakeClock, IPIs on a two-APIC bus, LINT pins,
// IA32_APIC_BASE, and hostile accesses.
#include "devices/local_apic.h"

#include <gtest/gtest.h>

#include <vector>

#include "tests/devices/fakes.h"

namespace kiln::devices {
namespace {

using namespace lapic;
using apic::DeliveryMode;
using testing::FakeClock;

constexpr uint64_t kTscHz = 2'000'000'000;

struct LocalApicTest : ::testing::Test {
  FakeClock clock;
  ApicBus bus;
  LocalApic apic{clock, &bus, 0, /*bsp=*/true, kTscHz};

  uint32_t Read(uint32_t offset) { return static_cast<uint32_t>(apic.MmioRead(offset, 4)); }
  void Write(uint32_t offset, uint32_t value) { apic.MmioWrite(offset, 4, value); }
  void Enable() { Write(kRegSvr, kSvrEnable | 0xff); }
  uint32_t Esr() {
    Write(kRegEsr, 0);
    return Read(kRegEsr);
  }
  /// Acknowledges and EOIs everything pending; returns the vectors in delivery order.
  std::vector<int> Drain() {
    std::vector<int> got;
    while (apic.InterruptPending()) {
      got.push_back(apic.Acknowledge());
      Write(kRegEoi, 0);
    }
    return got;
  }
};

TEST_F(LocalApicTest, Reset_RegisterValuesOfTheBsp) {
  EXPECT_EQ(apic.apic_base_msr(), 0xfee00900u);
  EXPECT_EQ(apic.base_address(), 0xfee00000u);
  EXPECT_EQ(Read(kRegId), 0u);
  EXPECT_EQ(Read(kRegVersion), 0x00050014u);
  EXPECT_EQ(Read(kRegTpr), 0u);
  EXPECT_EQ(Read(kRegPpr), 0u);
  EXPECT_EQ(Read(kRegLdr), 0u);
  EXPECT_EQ(Read(kRegDfr), 0xffffffffu);
  EXPECT_EQ(Read(kRegSvr), 0xffu);
  EXPECT_FALSE(apic.software_enabled());
  for (uint32_t offset : {kRegLvtCmci, kRegLvtTimer, kRegLvtThermal, kRegLvtPerf, kRegLvtError})
    EXPECT_EQ(Read(offset), kLvtMasked) << std::hex << offset;
  EXPECT_EQ(Read(kRegLvtLint0), 0x700u);  // ExtINT, unmasked (QEMU's BSP reset)
  EXPECT_EQ(Read(kRegLvtLint1), 0x400u);  // NMI
  EXPECT_EQ(Read(kRegTimerInitial), 0u);
  EXPECT_EQ(Read(kRegTimerCurrent), 0u);
  EXPECT_EQ(Read(kRegTimerDivide), 0u);
  for (uint32_t i = 0; i < 8; ++i) {
    EXPECT_EQ(Read(kRegIsr + i * 16), 0u);
    EXPECT_EQ(Read(kRegTmr + i * 16), 0u);
    EXPECT_EQ(Read(kRegIrr + i * 16), 0u);
  }
  EXPECT_TRUE(apic.AcceptsPicInterrupts());
}

TEST_F(LocalApicTest, Reset_ApHasMaskedLintsAndWaitsForSipi) {
  LocalApic ap(clock, &bus, 3, /*bsp=*/false, kTscHz);
  EXPECT_EQ(ap.apic_base_msr(), 0xfee00800u);
  EXPECT_EQ(ap.MmioRead(kRegId, 4), 3u << 24);
  EXPECT_EQ(ap.MmioRead(kRegLvtLint0, 4), kLvtMasked);
  EXPECT_EQ(ap.MmioRead(kRegLvtLint1, 4), kLvtMasked);
  EXPECT_FALSE(ap.AcceptsPicInterrupts());
}

TEST_F(LocalApicTest, Registers_WritableBitsOnly) {
  Enable();
  Write(kRegId, 0x05123456);
  EXPECT_EQ(Read(kRegId), 0x05000000u);
  Write(kRegId, 0);
  Write(kRegVersion, 0);
  EXPECT_EQ(Read(kRegVersion), 0x00050014u);
  Write(kRegLdr, 0x12345678);
  EXPECT_EQ(Read(kRegLdr), 0x12000000u);
  Write(kRegDfr, 0);
  EXPECT_EQ(Read(kRegDfr), 0x0fffffffu);
  Write(kRegSvr, 0xffffffff);
  EXPECT_EQ(Read(kRegSvr), 0x3ffu);
  Write(kRegLvtTimer, 0xffffffff);
  EXPECT_EQ(Read(kRegLvtTimer), 0x700ffu);
  Write(kRegLvtLint0, 0xffffffff);
  EXPECT_EQ(Read(kRegLvtLint0), 0x1a7ffu);  // delivery status and remote IRR are read-only
  Write(kRegLvtError, 0xffffffff);
  EXPECT_EQ(Read(kRegLvtError), 0x100ffu);
  Write(kRegIcrHigh, 0xffffffff);
  EXPECT_EQ(Read(kRegIcrHigh), 0xff000000u);
  Write(kRegTimerDivide, 0xffffffff);
  EXPECT_EQ(Read(kRegTimerDivide), 0xbu);
  Write(kRegIrr, 0xffffffff);  // read-only
  EXPECT_EQ(Read(kRegIrr), 0u);
}

TEST_F(LocalApicTest, SoftwareDisabled_KeepsLvtsMasked) {
  Write(kRegLvtTimer, 0x30);
  EXPECT_EQ(Read(kRegLvtTimer), 0x10030u);
  Enable();
  Write(kRegLvtTimer, 0x30);
  Write(kRegLvtLint0, 0x700);
  EXPECT_EQ(Read(kRegLvtTimer), 0x30u);
  Write(kRegSvr, 0xff);  // software disable masks every entry
  EXPECT_EQ(Read(kRegLvtTimer), 0x10030u);
  EXPECT_EQ(Read(kRegLvtLint0), 0x10700u);
  EXPECT_FALSE(apic.AcceptsPicInterrupts());
}

TEST_F(LocalApicTest, FixedInterrupt_IrrToIsrToEoi) {
  Enable();
  int notified = 0;
  apic.SetInterruptNotify([&] { ++notified; });
  apic.Deliver(0x40, DeliveryMode::kFixed, false);
  EXPECT_GT(notified, 0);
  EXPECT_EQ(Read(kRegIrr + 0x20), 1u);  // vector 0x40 is bit 0 of IRR word 2
  EXPECT_TRUE(apic.InterruptPending());
  EXPECT_EQ(apic.Acknowledge(), 0x40);
  EXPECT_FALSE(apic.irr(0x40));
  EXPECT_TRUE(apic.isr(0x40));
  EXPECT_EQ(Read(kRegIsr + 0x20), 1u);
  EXPECT_EQ(Read(kRegPpr), 0x40u);
  EXPECT_FALSE(apic.InterruptPending());
  Write(kRegEoi, 0);
  EXPECT_FALSE(apic.isr(0x40));
  EXPECT_EQ(Read(kRegPpr), 0u);
}

TEST_F(LocalApicTest, NestedPriorities_HigherClassPreempts) {
  Enable();
  apic.Deliver(0x40, DeliveryMode::kFixed, false);
  EXPECT_EQ(apic.Acknowledge(), 0x40);
  apic.Deliver(0x45, DeliveryMode::kFixed, false);  // same class as in service: waits
  apic.Deliver(0x35, DeliveryMode::kFixed, false);  // lower class: waits
  EXPECT_FALSE(apic.InterruptPending());
  apic.Deliver(0x51, DeliveryMode::kFixed, false);
  EXPECT_TRUE(apic.InterruptPending());
  EXPECT_EQ(apic.Acknowledge(), 0x51);
  EXPECT_EQ(Read(kRegPpr), 0x50u);
  Write(kRegEoi, 0);  // EOIs the highest in service: 0x51
  EXPECT_FALSE(apic.isr(0x51));
  EXPECT_TRUE(apic.isr(0x40));
  EXPECT_FALSE(apic.InterruptPending());
  Write(kRegEoi, 0);
  EXPECT_EQ(Drain(), (std::vector<int>{0x45, 0x35}));
}

TEST_F(LocalApicTest, Tpr_MasksClassesAndFollowsCr8) {
  Enable();
  Write(kRegTpr, 0x55);
  EXPECT_EQ(Read(kRegPpr), 0x55u);
  apic.Deliver(0x5f, DeliveryMode::kFixed, false);
  EXPECT_FALSE(apic.InterruptPending());  // same class as the TPR
  EXPECT_EQ(Read(kRegApr), 0x55u);
  apic.Deliver(0x60, DeliveryMode::kFixed, false);
  EXPECT_TRUE(apic.InterruptPending());
  EXPECT_EQ(Read(kRegApr), 0x60u);  // the IRR's class is above the TPR's
  EXPECT_EQ(apic.GetCr8(), 5u);
  apic.SetCr8(0x7);
  EXPECT_EQ(Read(kRegTpr), 0x70u);
  EXPECT_FALSE(apic.InterruptPending());
  apic.SetCr8(0);
  EXPECT_EQ(Drain(), (std::vector<int>{0x60, 0x5f}));
  // The PPR is the ISR class when that is higher than the TPR's.
  apic.SetCr8(2);
  apic.Deliver(0x91, DeliveryMode::kFixed, false);
  apic.Acknowledge();
  EXPECT_EQ(Read(kRegPpr), 0x90u);
}

TEST_F(LocalApicTest, Acknowledge_NothingDeliverableGivesSpuriousVector) {
  Write(kRegSvr, kSvrEnable | 0xef);
  EXPECT_EQ(apic.Acknowledge(), 0xef);
  apic.Deliver(0x40, DeliveryMode::kFixed, false);
  apic.SetCr8(0xf);
  EXPECT_EQ(apic.Acknowledge(), 0xef);
  EXPECT_FALSE(apic.isr(0xef));
  EXPECT_TRUE(apic.irr(0x40));
}

TEST_F(LocalApicTest, SoftwareDisabled_HoldsInterrupts) {
  apic.Deliver(0x40, DeliveryMode::kFixed, false);
  EXPECT_FALSE(apic.InterruptPending());
  Enable();
  EXPECT_TRUE(apic.InterruptPending());
}

TEST_F(LocalApicTest, LevelTriggered_EoiCallsBackWithVector) {
  Enable();
  std::vector<int> eois;
  apic.SetEoiCallback([&](uint8_t v) { eois.push_back(v); });
  apic.Deliver(0x61, DeliveryMode::kFixed, true);
  EXPECT_TRUE(apic.tmr(0x61));
  EXPECT_EQ(Read(kRegTmr + 0x30), 2u);
  EXPECT_EQ(apic.Acknowledge(), 0x61);
  Write(kRegEoi, 0);
  EXPECT_EQ(eois, (std::vector<int>{0x61}));
  apic.Deliver(0x61, DeliveryMode::kFixed, false);  // edge now: TMR clears, no callback
  EXPECT_FALSE(apic.tmr(0x61));
  apic.Acknowledge();
  Write(kRegEoi, 0);
  EXPECT_EQ(eois.size(), 1u);
  Write(kRegEoi, 0);  // nothing in service: nothing happens
  EXPECT_EQ(eois.size(), 1u);
}

TEST_F(LocalApicTest, Esr_WriteThenReadAndErrorInterrupt) {
  Enable();
  apic.Deliver(0x05, DeliveryMode::kFixed, false);  // receive illegal vector
  EXPECT_EQ(Read(kRegEsr), 0u);                     // not latched until written
  EXPECT_EQ(Esr(), kEsrReceiveIllegalVector);
  EXPECT_EQ(Esr(), 0u);
  Write(kRegLvtError, 0xfe);
  Write(kRegIcrLow, 0x4003);  // fixed IPI with vector 3: send illegal vector, not sent
  EXPECT_TRUE(apic.irr(0xfe));
  EXPECT_FALSE(apic.irr(3));
  EXPECT_EQ(Esr(), kEsrSendIllegalVector);
  Read(0x040);  // a reserved register
  EXPECT_EQ(Esr(), kEsrIllegalRegister);
  // An illegal vector in the error entry itself records the error without looping.
  Write(kRegLvtError, 0x02);
  apic.Deliver(0x01, DeliveryMode::kFixed, false);
  EXPECT_EQ(Esr(), kEsrReceiveIllegalVector);
}

// --- timer ---

TEST_F(LocalApicTest, TimerOneShot_CountsDownAndFiresOnce) {
  Enable();
  Write(kRegTimerDivide, 0xb);  // divide by 1
  Write(kRegLvtTimer, 0x20);
  Write(kRegTimerInitial, 1000);
  EXPECT_EQ(Read(kRegTimerCurrent), 1000u);
  clock.AdvanceTo(400);
  EXPECT_EQ(Read(kRegTimerCurrent), 600u);
  clock.AdvanceTo(999);
  EXPECT_FALSE(apic.irr(0x20));
  clock.AdvanceTo(1000);
  EXPECT_TRUE(apic.irr(0x20));
  EXPECT_EQ(Read(kRegTimerCurrent), 0u);
  EXPECT_EQ(Drain(), (std::vector<int>{0x20}));
  clock.AdvanceTo(100000);
  EXPECT_FALSE(apic.InterruptPending());
  EXPECT_EQ(Read(kRegTimerInitial), 1000u);
}

TEST_F(LocalApicTest, TimerOneShot_DivideSettings) {
  Enable();
  Write(kRegLvtTimer, 0x20);
  struct Case {
    uint32_t code;
    uint64_t divisor;
  };
  for (Case c : {Case{0x0, 2}, Case{0x1, 4}, Case{0x2, 8}, Case{0x3, 16}, Case{0x8, 32}, Case{0x9, 64},
                 Case{0xa, 128}, Case{0xb, 1}}) {
    Write(kRegTimerDivide, c.code);
    const uint64_t start = clock.now;
    Write(kRegTimerInitial, 100);
    clock.AdvanceTo(start + 10 * c.divisor);
    EXPECT_EQ(Read(kRegTimerCurrent), 90u) << c.divisor;
    clock.AdvanceTo(start + 100 * c.divisor - 1);
    EXPECT_FALSE(apic.irr(0x20)) << c.divisor;
    clock.AdvanceTo(start + 100 * c.divisor);
    EXPECT_TRUE(apic.irr(0x20)) << c.divisor;
    Drain();
  }
}

TEST_F(LocalApicTest, TimerPeriodic_ReloadsAndFiresEachPeriod) {
  Enable();
  Write(kRegTimerDivide, 0x1);  // divide by 4
  Write(kRegLvtTimer, 0x20000 | 0x30);
  Write(kRegTimerInitial, 250);  // 1000 ns period
  int fired = 0;
  for (uint64_t t = 1000; t <= 5000; t += 1000) {
    clock.AdvanceTo(t - 1);
    EXPECT_FALSE(apic.irr(0x30)) << t;
    clock.AdvanceTo(t);
    EXPECT_TRUE(apic.irr(0x30)) << t;
    fired += static_cast<int>(Drain().size());
  }
  EXPECT_EQ(fired, 5);
  clock.AdvanceTo(5500);
  EXPECT_EQ(Read(kRegTimerCurrent), 125u);
  // Masked: no interrupts, the count still runs.
  Write(kRegLvtTimer, 0x30000 | 0x30);
  clock.AdvanceTo(9000);
  EXPECT_FALSE(apic.irr(0x30));
  EXPECT_EQ(Read(kRegTimerCurrent), 250u);
  Write(kRegLvtTimer, 0x20000 | 0x30);
  clock.AdvanceTo(10000);
  EXPECT_TRUE(apic.irr(0x30));
  // Initial count 0 stops it.
  Drain();
  Write(kRegTimerInitial, 0);
  clock.AdvanceTo(20000);
  EXPECT_FALSE(apic.irr(0x30));
}

TEST_F(LocalApicTest, TimerPeriodic_TinyPeriodCoalesces) {
  Enable();
  Write(kRegTimerDivide, 0xb);
  Write(kRegLvtTimer, 0x20000 | 0x30);
  Write(kRegTimerInitial, 1);  // a 1 ns period
  clock.AdvanceTo(1'000'000);  // returns: at most one callback per kMinPeriodNs
  EXPECT_TRUE(apic.irr(0x30));
}

TEST_F(LocalApicTest, TimerMasked_OneShotDeliversNothing) {
  Enable();
  Write(kRegTimerDivide, 0xb);
  Write(kRegLvtTimer, kLvtMasked | 0x20);
  Write(kRegTimerInitial, 100);
  clock.AdvanceTo(200);
  EXPECT_FALSE(apic.irr(0x20));
  EXPECT_EQ(Read(kRegTimerCurrent), 0u);
}

TEST_F(LocalApicTest, TimerTscDeadline_FiresAtTheDeadline) {
  Enable();
  EXPECT_EQ(apic.tsc_deadline(), 0u);
  apic.set_tsc_deadline(1234);  // not in TSC-deadline mode: ignored
  EXPECT_EQ(apic.tsc_deadline(), 0u);
  Write(kRegLvtTimer, 0x40000 | 0x40);
  clock.AdvanceTo(100);
  EXPECT_EQ(apic.Tsc(), 200u);  // 2 GHz
  apic.set_tsc_deadline(2200);  // 1100 ns
  EXPECT_EQ(apic.tsc_deadline(), 2200u);
  Write(kRegTimerInitial, 5);  // ignored in this mode
  EXPECT_EQ(Read(kRegTimerInitial), 0u);
  EXPECT_EQ(Read(kRegTimerCurrent), 0u);
  clock.AdvanceTo(1099);
  EXPECT_FALSE(apic.irr(0x40));
  clock.AdvanceTo(1100);
  EXPECT_TRUE(apic.irr(0x40));
  EXPECT_EQ(apic.tsc_deadline(), 0u);  // cleared when it fires
  Drain();
  // A deadline in the past fires at once; 0 disarms.
  apic.set_tsc_deadline(1);
  clock.AdvanceTo(1101);
  EXPECT_TRUE(apic.irr(0x40));
  Drain();
  apic.set_tsc_deadline(10000);
  apic.set_tsc_deadline(0);
  clock.AdvanceTo(20000);
  EXPECT_FALSE(apic.irr(0x40));
  // A deadline beyond the nanosecond range never fires (it must not wrap into the past).
  apic.set_tsc_deadline(~uint64_t{0});
  clock.AdvanceTo(30000);
  EXPECT_FALSE(apic.irr(0x40));
  EXPECT_EQ(apic.tsc_deadline(), ~uint64_t{0});
  // Leaving TSC-deadline mode disarms the timer.
  apic.set_tsc_deadline(50000);
  Write(kRegLvtTimer, 0x40);
  EXPECT_EQ(apic.tsc_deadline(), 0u);
  Write(kRegLvtTimer, 0x40000 | 0x40);
  clock.AdvanceTo(40000);
  EXPECT_FALSE(apic.irr(0x40));
  EXPECT_EQ(apic.tsc_deadline(), 0u);
}

// --- IPIs and the bus ---

struct TwoApicTest : LocalApicTest {
  LocalApic ap{clock, &bus, 1, /*bsp=*/false, kTscHz};
  void SetUp() override {
    Enable();
    ap.MmioWrite(kRegSvr, 4, kSvrEnable | 0xff);
  }
  void Ipi(uint8_t dest, uint32_t low) {
    Write(kRegIcrHigh, uint32_t{dest} << 24);
    Write(kRegIcrLow, low);
  }
};

TEST_F(TwoApicTest, Ipi_PhysicalAndShorthands) {
  Ipi(1, 0x50);  // fixed, physical, APIC 1
  EXPECT_TRUE(ap.irr(0x50));
  EXPECT_FALSE(apic.irr(0x50));
  EXPECT_EQ(Read(kRegIcrLow) & kIcrDeliveryStatus, 0u);
  Ipi(0, 0x40000 | 0x51);  // self
  EXPECT_TRUE(apic.irr(0x51));
  EXPECT_FALSE(ap.irr(0x51));
  Ipi(0, 0x80000 | 0x52);  // all including self
  EXPECT_TRUE(apic.irr(0x52));
  EXPECT_TRUE(ap.irr(0x52));
  Ipi(0, 0xc0000 | 0x53);  // all excluding self
  EXPECT_FALSE(apic.irr(0x53));
  EXPECT_TRUE(ap.irr(0x53));
  Ipi(0xff, 0x54);  // physical broadcast
  EXPECT_TRUE(apic.irr(0x54));
  EXPECT_TRUE(ap.irr(0x54));
  Ipi(7, 0x55);  // nobody
  EXPECT_FALSE(apic.irr(0x55));
  EXPECT_FALSE(ap.irr(0x55));
}

TEST_F(TwoApicTest, Ipi_LogicalFlatAndCluster) {
  Write(kRegLdr, 0x01000000);
  ap.MmioWrite(kRegLdr, 4, 0x02000000);
  Ipi(0x02, kIcrLogical | 0x60);
  EXPECT_FALSE(apic.irr(0x60));
  EXPECT_TRUE(ap.irr(0x60));
  Ipi(0x03, kIcrLogical | 0x61);
  EXPECT_TRUE(apic.irr(0x61));
  EXPECT_TRUE(ap.irr(0x61));
  // Cluster model: cluster 1 members 1 and 2.
  Write(kRegDfr, 0x0fffffff);
  ap.MmioWrite(kRegDfr, 4, 0x0fffffff);
  Write(kRegLdr, 0x11000000);
  ap.MmioWrite(kRegLdr, 4, 0x12000000);
  Ipi(0x12, kIcrLogical | 0x62);
  EXPECT_FALSE(apic.irr(0x62));
  EXPECT_TRUE(ap.irr(0x62));
  Ipi(0x22, kIcrLogical | 0x63);  // another cluster
  EXPECT_FALSE(ap.irr(0x63));
  Ipi(0xf3, kIcrLogical | 0x64);  // every cluster, members 1 and 2
  EXPECT_TRUE(apic.irr(0x64));
  EXPECT_TRUE(ap.irr(0x64));
}

TEST_F(TwoApicTest, Ipi_LowestPriorityGoesToLowestTpr) {
  Write(kRegTpr, 0x20);
  ap.MmioWrite(kRegTpr, 4, 0x10);
  Ipi(0, 0x80000 | 0x100 | 0x70);  // lowest priority to all
  EXPECT_FALSE(apic.irr(0x70));
  EXPECT_TRUE(ap.irr(0x70));
}

TEST_F(TwoApicTest, Ipi_NmiInitSipi) {
  Ipi(1, 0x400);  // NMI
  EXPECT_TRUE(ap.TakeNmi());
  EXPECT_FALSE(ap.TakeNmi());
  EXPECT_FALSE(apic.TakeNmi());
  Ipi(1, 0x200);  // SMI
  EXPECT_TRUE(ap.TakeSmi());
  Ipi(1, 0x8000 | 0x500);  // INIT level de-assert: no INIT
  EXPECT_FALSE(ap.TakeInit());
  Ipi(1, 0x4500);  // INIT assert
  EXPECT_TRUE(ap.TakeInit());
  ap.InitReset();
  EXPECT_EQ(ap.MmioRead(kRegSvr, 4), 0xffu);
  EXPECT_EQ(ap.MmioRead(kRegId, 4), 1u << 24);
  Ipi(1, 0x4600 | 0x9a);  // STARTUP, vector 0x9a
  auto sipi = ap.TakeSipi();
  ASSERT_TRUE(sipi.has_value());
  EXPECT_EQ(*sipi, 0x9a);
  Ipi(1, 0x4600 | 0x9b);  // running now: a second SIPI is ignored
  EXPECT_FALSE(ap.TakeSipi().has_value());
  Ipi(0, 0x40000 | 0x4600 | 0x10);  // self with a non-fixed mode: invalid
  EXPECT_FALSE(apic.TakeSipi().has_value());
  Ipi(0, 0x4600 | 0x10);  // the BSP does not wait for a SIPI
  EXPECT_FALSE(apic.TakeSipi().has_value());
}

TEST_F(TwoApicTest, IoApicStyleMessage_ByDestination) {
  ApicMessage m;
  m.vector = 0x41;
  m.destination = 1;
  m.level_triggered = true;
  bus.Send(m);
  EXPECT_TRUE(ap.irr(0x41));
  EXPECT_TRUE(ap.tmr(0x41));
  m = MsiMessage(0xfee00000 | (0u << 12), 0x4042);
  bus.Send(m);
  EXPECT_TRUE(apic.irr(0x42));
  EXPECT_FALSE(apic.tmr(0x42));
}

// --- LINT pins and APIC base ---

TEST_F(LocalApicTest, Lint0ExtInt_AcceptsPicInterrupts) {
  EXPECT_TRUE(apic.AcceptsPicInterrupts());  // globally enabled, LINT0 ExtINT at reset
  Enable();
  EXPECT_TRUE(apic.AcceptsPicInterrupts());
  apic.Lint(0).Raise();  // ExtINT: the CPU asks the PIC, nothing lands in IRR
  EXPECT_FALSE(apic.InterruptPending());
  apic.Lint(0).Lower();
  Write(kRegLvtLint0, kLvtMasked | 0x700);
  EXPECT_FALSE(apic.AcceptsPicInterrupts());
  Write(kRegLvtLint0, 0x31);  // fixed, edge
  EXPECT_FALSE(apic.AcceptsPicInterrupts());
  apic.SetLint(0, true);
  EXPECT_TRUE(apic.irr(0x31));
  Drain();
  apic.SetLint(0, true);  // no new edge
  EXPECT_FALSE(apic.irr(0x31));
  apic.SetLint(1, false);
  apic.SetLint(1, true);  // LINT1: NMI
  EXPECT_TRUE(apic.TakeNmi());
  apic.SetLint(7, true);  // no such pin
  // Globally disabled: the PIC reaches the CPU directly.
  apic.WriteApicBaseMsr(0xfee00000);
  EXPECT_TRUE(apic.AcceptsPicInterrupts());
}

TEST_F(LocalApicTest, Lint0LevelFixed_RemoteIrrAndRedeliveryAfterEoi) {
  Enable();
  Write(kRegLvtLint0, kLvtLevelTriggered | 0x41);
  apic.SetLint(0, true);
  EXPECT_TRUE(apic.irr(0x41));
  EXPECT_TRUE(apic.tmr(0x41));
  EXPECT_TRUE(Read(kRegLvtLint0) & kLvtRemoteIrr);
  EXPECT_EQ(apic.Acknowledge(), 0x41);
  apic.SetLint(0, true);  // still high, not yet EOId: nothing new
  EXPECT_FALSE(apic.irr(0x41));
  Write(kRegEoi, 0);  // still asserted: delivered again
  EXPECT_TRUE(apic.irr(0x41));
  apic.SetLint(0, false);  // withdrawn before it was taken
  EXPECT_FALSE(apic.irr(0x41));
  EXPECT_FALSE(Read(kRegLvtLint0) & kLvtRemoteIrr);
  EXPECT_FALSE(apic.InterruptPending());
  apic.Lint(5).Raise();  // a line that goes nowhere
  EXPECT_FALSE(apic.InterruptPending());
}

TEST_F(LocalApicTest, ApicBase_ValidityRelocationAndDisable) {
  EXPECT_TRUE(apic.ApicBaseWriteValid(0xfee00900, 36));
  EXPECT_TRUE(apic.ApicBaseWriteValid(0xfee00000, 36));
  EXPECT_FALSE(apic.ApicBaseWriteValid(0xfee00c00, 36));       // x2APIC
  EXPECT_FALSE(apic.ApicBaseWriteValid(0xfee00a00, 36));       // reserved bit 9
  EXPECT_FALSE(apic.ApicBaseWriteValid(0xfee00801, 36));       // reserved low bits
  EXPECT_FALSE(apic.ApicBaseWriteValid(0x10fee00800ull, 36));  // beyond MAXPHYADDR
  EXPECT_TRUE(apic.ApicBaseWriteValid(0x10fee00800ull, 40));
  apic.WriteApicBaseMsr(0xfed00800);  // relocate; the BSP bit stays
  EXPECT_EQ(apic.apic_base_msr(), 0xfed00900u);
  EXPECT_EQ(apic.base_address(), 0xfed00000u);
  Enable();
  Write(kRegTpr, 0x20);
  apic.Deliver(0x40, DeliveryMode::kFixed, false);
  apic.WriteApicBaseMsr(0xfed00000);  // global disable: back to the disabled state
  EXPECT_FALSE(apic.global_enabled());
  EXPECT_EQ(apic.apic_base_msr(), 0xfed00100u);
  EXPECT_FALSE(apic.InterruptPending());
  EXPECT_FALSE(apic.irr(0x40));
  apic.Deliver(0x41, DeliveryMode::kFixed, false);  // a disabled APIC takes no messages
  EXPECT_FALSE(apic.irr(0x41));
  apic.WriteApicBaseMsr(0xfee00800);  // enable again: software-disabled, LVTs masked
  EXPECT_TRUE(apic.global_enabled());
  EXPECT_EQ(Read(kRegSvr), 0xffu);
  EXPECT_EQ(Read(kRegTpr), 0u);
  EXPECT_EQ(Read(kRegLvtLint0), kLvtMasked);
  EXPECT_FALSE(apic.AcceptsPicInterrupts());
  apic.Reset();
  EXPECT_EQ(apic.apic_base_msr(), 0xfee00900u);
  EXPECT_EQ(Read(kRegLvtLint0), 0x700u);
}

TEST_F(LocalApicTest, Hostile_SizesOffsetsAndValues) {
  Enable();
  Write(kRegTpr, 0x42);
  EXPECT_EQ(apic.MmioRead(kRegTpr, 1), 0u);  // byte and word accesses are not decoded
  EXPECT_EQ(apic.MmioRead(kRegTpr, 2), 0u);
  EXPECT_EQ(apic.MmioRead(kRegTpr, 8), 0x42u);
  apic.MmioWrite(kRegTpr, 1, 0x10);
  apic.MmioWrite(kRegTpr + 4, 4, 0x10);  // misaligned
  EXPECT_EQ(Read(kRegTpr), 0x42u);
  apic.MmioWrite(kRegTpr, 8, 0xffffffff00000033ull);
  EXPECT_EQ(Read(kRegTpr), 0x33u);
  EXPECT_EQ(apic.MmioRead(0x1000, 4), 0u);
  EXPECT_EQ(apic.MmioRead(~uint64_t{0}, 4), 0u);
  apic.MmioWrite(~uint64_t{0} & ~uint64_t{0xf}, 4, 0xffffffff);
  for (uint32_t offset = 0; offset < 0x1000; offset += 16) {
    if (offset == kRegEoi || offset == kRegIcrLow) continue;
    Write(offset, 0xffffffff);
    Read(offset);
  }
  // Every delivery mode and shorthand through the ICR, with hostile bits everywhere.
  for (uint32_t mode = 0; mode < 8; ++mode)
    for (uint32_t shorthand = 0; shorthand < 4; ++shorthand) Write(kRegIcrLow, 0xfff3f0ff | (mode << 8) | (shorthand << 18));
  EXPECT_EQ(Read(kRegVersion), 0x00050014u);
}

}  // namespace
}  // namespace kiln::devices
