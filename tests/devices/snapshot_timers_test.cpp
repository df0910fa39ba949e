// Save/restore of the devices that run on virtual time (PIT, RTC, local APIC, HPET, ACPI PM):
// each is driven into a busy state, saved, loaded into a new instance at the same virtual time,
// and both must then show the same registers, IRQ edges and timer firings; corrupted snapshots
// must fail cleanly or give a device that still works.
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <string>
#include <vector>

#include "devices/acpi_pm.h"
#include "devices/hpet.h"
#include "devices/local_apic.h"
#include "devices/pit_8254.h"
#include "devices/rtc_cmos.h"
#include "tests/devices/snapshot_support.h"

namespace kiln::devices {
namespace {

using testing::ClockAt;
using testing::ExpectSameFuture;
using testing::FakeIrqLine;
using testing::FuzzLoad;
using testing::RestoredCopy;

std::string Hex(uint64_t v) {
  char buffer[24];
  std::snprintf(buffer, sizeof buffer, "%llx", static_cast<unsigned long long>(v));
  return buffer;
}

std::string Line(const FakeIrqLine& line) {
  return std::to_string(line.level) + "/" + std::to_string(line.rising_edges) + "/" + std::to_string(line.falling_edges);
}

// --- PIT ---

struct PitRig : ClockAt {
  explicit PitRig(uint64_t now = 0) : ClockAt(now) {}
  FakeIrqLine irq0;
  Pit8254 pit{clock, irq0};
  void ZeroEdges() { testing::ZeroEdges(irq0); }
  void Save(SnapshotWriter& w) const { pit.Save(w); }
  bool Load(SnapshotReader& r, std::string& e) { return pit.Load(r, e); }
  uint8_t In(uint16_t port) { return static_cast<uint8_t>(pit.PortRead(port, 1)); }
  void Out(uint16_t port, uint8_t v) { pit.PortWrite(port, 1, v); }
  std::string Observe() {
    // Counter 0's live count (both bytes), counter 1's status, port B, IRQ0.
    std::string s = "c0=" + Hex(In(0x40)) + Hex(In(0x40));
    Out(0x43, 0xe4);  // read-back: status of counter 1
    s += " st1=" + Hex(In(0x41)) + " b=" + Hex(In(0x61) & ~0x10) + " irq0=" + Line(irq0);
    return s;
  }
  void Exercise() {
    for (uint16_t port : {0x40, 0x41, 0x42, 0x43, 0x61}) In(port), In(port);
    Out(0x43, 0xce);  // read-back of everything
    for (uint16_t port : {0x40, 0x41, 0x42}) In(port), In(port), In(port);
    for (int i = 0; i < 10; ++i) clock.Advance(1'000'000);
    Out(0x61, 0x01);
    Out(0x42, 0x10);
    clock.Advance(5'000'000);
  }
};

PitRig& BusyPit(PitRig& rig) {
  rig.Out(0x43, 0x34);  // counter 0: LSB/MSB, mode 2 (rate generator)
  rig.Out(0x40, 0xa9), rig.Out(0x40, 0x04);  // 1193: 1 kHz
  rig.Out(0x43, 0x72);  // counter 1: LSB/MSB, mode 1, waits for a gate that never rises
  rig.Out(0x41, 0x34), rig.Out(0x41, 0x12);
  rig.Out(0x61, 0x01);  // counter 2's gate on
  rig.Out(0x43, 0xb6);  // counter 2: LSB/MSB, mode 3
  rig.Out(0x42, 0x00), rig.Out(0x42, 0x10);
  rig.clock.Advance(3'456'789);
  rig.Out(0x43, 0x00);    // latch counter 0
  (void)rig.In(0x40);     // ... and read only its LSB
  rig.Out(0x43, 0xb6);    // counter 2 reprogrammed, mode 3
  rig.Out(0x42, 0x55);    // half-written: LSB only (counting stopped until the MSB)
  rig.Out(0x43, 0xe8);    // read-back: status of counter 2, latched, not read
  return rig;
}

TEST(SnapshotPit, RestoredCounterBehavesIdentically) {
  PitRig a;
  BusyPit(a);
  auto b = RestoredCopy(a);
  // The half-read latch, the latched status and the half-written count go on where they were.
  EXPECT_EQ(a.In(0x40), b->In(0x40));  // latched MSB
  EXPECT_EQ(a.In(0x42), b->In(0x42));  // the latched status of counter 2
  a.Out(0x42, 0x01), b->Out(0x42, 0x01);  // the MSB completes the count on both
  const auto seen = ExpectSameFuture(a, *b, 37'000, 300);  // 11 ms, in steps that do not divide the period
  EXPECT_NE(seen.front(), seen.back());
  EXPECT_GE(a.irq0.rising_edges, 10);  // counter 0 kept interrupting at 1 kHz
}

TEST(SnapshotPit, CorruptedSnapshotsFailCleanly) {
  PitRig a;
  BusyPit(a);
  FuzzLoad(a, 3000);
}

// --- RTC ---

constexpr int64_t k2024Mar01_120000 = 1709294400;

struct RtcRig : ClockAt {
  explicit RtcRig(uint64_t now = 0) : ClockAt(now) {}
  FakeIrqLine irq8;
  RtcCmos rtc{clock, irq8, k2024Mar01_120000};
  void ZeroEdges() { testing::ZeroEdges(irq8); }
  void Save(SnapshotWriter& w) const { rtc.Save(w); }
  bool Load(SnapshotReader& r, std::string& e) { return rtc.Load(r, e); }
  uint8_t Read(uint8_t index) {
    rtc.PortWrite(rtc::kIndexPort, 1, index);
    return static_cast<uint8_t>(rtc.PortRead(rtc::kDataPort, 1));
  }
  void Write(uint8_t index, uint8_t value) {
    rtc.PortWrite(rtc::kIndexPort, 1, index);
    rtc.PortWrite(rtc::kDataPort, 1, value);
  }
  std::string Observe() {
    std::string s = "irq8=" + Line(irq8) + " c=" + Hex(Read(rtc::kRegC)) + " t=";
    for (uint8_t index : {rtc::kSeconds, rtc::kMinutes, rtc::kHours, rtc::kDayOfMonth, rtc::kRegA})
      s += Hex(Read(index)) + ":";
    return s;
  }
  void Exercise() {
    for (unsigned i = 0; i < 0x80; ++i) Read(static_cast<uint8_t>(i));
    rtc.PortWrite(rtc::kHighIndexPort, 1, 0x90);
    (void)rtc.PortRead(rtc::kHighDataPort, 1);
    for (int i = 0; i < 30; ++i) {
      clock.Advance(50'000'000);
      Read(rtc::kRegC);
    }
  }
};

RtcRig& BusyRtc(RtcRig& rig) {
  rig.clock.Advance(300'000'000);
  rig.Write(rtc::kRegA, 0x2a);  // 32 kHz divider, rate 10: 64 Hz periodic interrupt
  rig.Write(rtc::kSecondsAlarm, 0x02);  // alarm at 12:00:02 (BCD)
  rig.Write(rtc::kMinutesAlarm, 0x00);
  rig.Write(rtc::kHoursAlarm, 0x12);
  rig.Write(rtc::kRegB, rtc::kBPie | rtc::kBAie | rtc::k24Hour);
  rig.Write(0x40, 0x5a);  // an NVRAM byte
  rig.clock.Advance(123'456'789);
  return rig;
}

TEST(SnapshotRtc, RestoredClockInterruptsIdentically) {
  RtcRig a;
  BusyRtc(a);
  auto b = RestoredCopy(a);
  EXPECT_EQ(a.Read(0x40), 0x5a);
  EXPECT_EQ(b->Read(0x40), 0x5a);
  const auto seen = ExpectSameFuture(a, *b, 7'000'000, 400);  // 2.8 s: the alarm at 12:00:02 rings
  bool alarm = false;
  for (const std::string& s : seen) alarm |= (std::stoul(s.substr(s.find(" c=") + 3, 2), nullptr, 16) & rtc::kCAf) != 0;
  EXPECT_TRUE(alarm);
  EXPECT_GT(a.irq8.rising_edges, 100);  // the 64 Hz periodic interrupt, register C read each step
}

TEST(SnapshotRtc, CorruptedSnapshotsFailCleanly) {
  RtcRig a;
  BusyRtc(a);
  FuzzLoad(a, 2000);
}

// --- local APIC ---

constexpr uint64_t kTscHz = 2'000'000'000;

struct LapicRig : ClockAt {
  explicit LapicRig(uint64_t now = 0) : ClockAt(now) {}
  ApicBus bus;
  LocalApic apic{clock, &bus, 0, /*bsp=*/true, kTscHz};
  void ZeroEdges() {}  // no IRQ lines of its own
  void Save(SnapshotWriter& w) const { apic.Save(w); }
  bool Load(SnapshotReader& r, std::string& e) { return apic.Load(r, e); }
  uint32_t Read(uint32_t offset) { return static_cast<uint32_t>(apic.MmioRead(offset, 4)); }
  void Write(uint32_t offset, uint32_t value) { apic.MmioWrite(offset, 4, value); }
  std::string Observe() {
    std::string s;
    for (uint32_t offset = 0x20; offset < 0x400; offset += 0x10)
      if (offset != lapic::kRegEoi) s += Hex(Read(offset)) + ",";
    s += " nmi=" + std::to_string(apic.TakeNmi()) + " tsc-deadline=" + Hex(apic.tsc_deadline()) + " got=";
    while (apic.InterruptPending()) {
      s += Hex(apic.Acknowledge()) + ",";
      Write(lapic::kRegEoi, 0);
    }
    return s;
  }
  void Exercise() {
    for (uint32_t offset = 0; offset < 0x1000; offset += 0x10) Read(offset);
    Write(lapic::kRegEsr, 0);
    for (int i = 0; i < 20; ++i) {
      clock.Advance(100'000);
      while (apic.InterruptPending()) apic.Acknowledge(), Write(lapic::kRegEoi, 0);
    }
    apic.TakeNmi(), apic.TakeSmi(), apic.TakeInit(), apic.TakeSipi(), apic.TakeExtInt();
    Write(lapic::kRegTimerInitial, 1000);
    clock.Advance(1'000'000);
  }
};

LapicRig& BusyLapic(LapicRig& rig) {
  using apic::DeliveryMode;
  rig.Write(lapic::kRegSvr, lapic::kSvrEnable | 0xff);
  rig.Write(lapic::kRegTimerDivide, 0x3);  // divide by 16
  rig.Write(lapic::kRegLvtTimer, (1u << lapic::kLvtTimerModeShift) | 0x40);  // periodic, vector 0x40
  rig.Write(lapic::kRegTimerInitial, 12'345);  // 197.52 us
  rig.clock.Advance(1'000'000);
  rig.apic.Deliver(0x90, DeliveryMode::kFixed, /*level_triggered=*/true);  // IRR + TMR
  EXPECT_EQ(rig.apic.Acknowledge(), 0x90);                                // ... now in ISR
  rig.apic.Deliver(0x50, DeliveryMode::kFixed, false);  // IRR, below the vector in service
  rig.apic.Deliver(0x31, DeliveryMode::kFixed, false);
  rig.apic.Deliver(0, DeliveryMode::kNmi, false);        // a pending NMI
  rig.Write(lapic::kRegTpr, 0x20);
  rig.Write(lapic::kRegLdr, 0x04000000);
  rig.Write(lapic::kRegIcrHigh, 0x03000000);
  rig.apic.SetLint(1, true);
  rig.clock.Advance(33'333);
  return rig;
}

TEST(SnapshotLapic, RestoredApicInterruptsIdentically) {
  LapicRig a;
  BusyLapic(a);
  auto b = RestoredCopy(a);
  EXPECT_TRUE(b->apic.isr(0x90));
  EXPECT_TRUE(b->apic.tmr(0x90));
  EXPECT_TRUE(b->apic.irr(0x50));
  a.Write(lapic::kRegEoi, 0), b->Write(lapic::kRegEoi, 0);  // 0x90 done: lower classes may go
  const auto seen = ExpectSameFuture(a, *b, 61'000, 100);  // 6.1 ms: about 30 periods
  EXPECT_NE(seen.front().find("nmi=1"), std::string::npos);
  int timer_interrupts = 0;
  for (const std::string& s : seen)
    for (size_t at = s.find("40,", s.find("got=")); at != std::string::npos; at = s.find("40,", at + 1)) ++timer_interrupts;
  EXPECT_GE(timer_interrupts, 25);
}

TEST(SnapshotLapic, TscDeadlineFiresAtTheSameTime) {
  LapicRig a;
  a.Write(lapic::kRegSvr, lapic::kSvrEnable | 0xff);
  a.Write(lapic::kRegLvtTimer, (2u << lapic::kLvtTimerModeShift) | 0x41);
  a.apic.set_tsc_deadline(a.apic.Tsc() + 1'000'000);  // 500 us ahead
  auto b = RestoredCopy(a);
  a.clock.Advance(499'000), b->clock.Advance(499'000);
  EXPECT_FALSE(a.apic.InterruptPending());
  EXPECT_FALSE(b->apic.InterruptPending());
  a.clock.Advance(2'000), b->clock.Advance(2'000);
  EXPECT_TRUE(a.apic.InterruptPending());
  EXPECT_TRUE(b->apic.InterruptPending());
}

TEST(SnapshotLapic, SnapshotOfAnotherCpuKindIsRejected) {
  LapicRig a;
  BusyLapic(a);
  const auto bytes = testing::SaveOf(a);
  ClockAt at(a.clock.now);
  LocalApic ap(at.clock, nullptr, 1, /*bsp=*/false, kTscHz);
  SnapshotReader r(bytes);
  std::string error;
  EXPECT_FALSE(ap.Load(r, error));
  EXPECT_EQ(error, "snapshot section 'lapic': IA32_APIC_BASE.BSP differs from this CPU's");
}

TEST(SnapshotLapic, CorruptedSnapshotsFailCleanly) {
  LapicRig a;
  BusyLapic(a);
  FuzzLoad(a, 3000);
}

// --- HPET ---

struct HpetRig : ClockAt {
  explicit HpetRig(uint64_t now = 0) : ClockAt(now) {
    std::vector<IrqLine*> lines;
    for (auto& line : gsi) lines.push_back(&line);
    hpet = std::make_unique<Hpet>(clock, lines, &irq0, &irq8);
    hpet->SetLegacyOutputsCallback([this](bool on) { pit_rtc_enabled = on; });
  }
  std::array<FakeIrqLine, 24> gsi;
  FakeIrqLine irq0, irq8;
  std::unique_ptr<Hpet> hpet;
  bool pit_rtc_enabled = true;
  void ZeroEdges() { testing::ZeroEdges(irq0), testing::ZeroEdges(irq8), testing::ZeroEdges(gsi[11]); }
  void Save(SnapshotWriter& w) const { hpet->Save(w); }
  bool Load(SnapshotReader& r, std::string& e) { return hpet->Load(r, e); }
  static constexpr uint64_t Tn(unsigned n, uint64_t reg) { return hpet::kRegTimerBase + hpet::kTimerStride * n + reg; }
  std::string Observe() {
    std::string s = "cnt=" + Hex(hpet->MmioRead(hpet::kRegCounter, 8)) +
                    " sts=" + Hex(hpet->MmioRead(hpet::kRegIntStatus, 8)) + " pit_rtc=" + std::to_string(pit_rtc_enabled);
    for (unsigned n = 0; n < hpet::kTimers; ++n) s += " cmp" + std::to_string(n) + "=" + Hex(hpet->MmioRead(Tn(n, 8), 8));
    s += " irq0=" + Line(irq0) + " irq8=" + Line(irq8) + " gsi11=" + Line(gsi[11]);
    return s;
  }
  void Exercise() {
    for (uint64_t offset = 0; offset < hpet::kMmioSize; offset += 8) hpet->MmioRead(offset, 8);
    hpet->MmioWrite(hpet::kRegIntStatus, 8, ~uint64_t{0});
    for (int i = 0; i < 10; ++i) clock.Advance(1'000'000);
    hpet->MmioWrite(hpet::kRegConfig, 8, 0);
    hpet->MmioWrite(hpet::kRegConfig, 8, hpet::kConfigEnable);
    clock.Advance(1'000'000);
  }
};

HpetRig& BusyHpet(HpetRig& rig) {
  using namespace hpet;
  auto write = [&](uint64_t offset, uint64_t v) { rig.hpet->MmioWrite(offset, 8, v); };
  write(kRegConfig, kConfigEnable | kConfigLegacyRoute);
  // Timer 0: periodic, 100 us, edge (legacy: IRQ0).
  write(HpetRig::Tn(0, kTimerConfig), kTnEnable | kTnPeriodic | kTnValSet);
  write(HpetRig::Tn(0, kTimerComparator), 10'000);
  write(HpetRig::Tn(0, kTimerComparator), 10'000);
  // Timer 2: one-shot, level, 32-bit, GSI 11, 2.5 ms ahead.
  write(HpetRig::Tn(2, kTimerConfig), kTnEnable | kTnLevel | kTn32Bit | (uint64_t{11} << kTnRouteShift));
  write(HpetRig::Tn(2, kTimerComparator), rig.hpet->counter() + 250'000);
  rig.clock.Advance(777'777);
  return rig;
}

TEST(SnapshotHpet, RestoredTimersFireIdentically) {
  HpetRig a;
  BusyHpet(a);
  auto b = RestoredCopy(a);
  EXPECT_FALSE(b->pit_rtc_enabled);  // legacy replacement still owns IRQ0 and IRQ8
  const auto seen = ExpectSameFuture(a, *b, 23'000, 150);  // 3.45 ms
  EXPECT_GE(a.irq0.rising_edges, 30);
  EXPECT_TRUE(a.gsi[11].level);  // the level one-shot fired after the restore, on both
  EXPECT_TRUE(b->gsi[11].level);
}

TEST(SnapshotHpet, CorruptedSnapshotsFailCleanly) {
  HpetRig a;
  BusyHpet(a);
  FuzzLoad(a, 3000);
}

// --- ACPI PM ---

struct AcpiPmRig : ClockAt {
  explicit AcpiPmRig(uint64_t now = 0) : ClockAt(now) {}
  FakeIrqLine sci;
  testing::FakeMachineControl control;
  AcpiPm pm{AcpiPmConfig{}, clock, sci, control};
  void ZeroEdges() { testing::ZeroEdges(sci); }
  void Save(SnapshotWriter& w) const { pm.Save(w); }
  bool Load(SnapshotReader& r, std::string& e) { return pm.Load(r, e); }
  std::string Observe() {
    std::string s = "sts=" + Hex(pm.PortRead(acpi_pm::kPm1EvtPort, 2)) + " en=" + Hex(pm.PortRead(acpi_pm::kPm1EvtPort + 2, 2)) +
                    " cnt=" + Hex(pm.PortRead(acpi_pm::kPm1CntPort, 2)) + " tmr=" + Hex(pm.PortRead(acpi_pm::kPmTmrPort, 4)) +
                    " gpe=" + Hex(pm.PortRead(acpi_pm::kGpe0Port, 4)) + " sci=" + Line(sci);
    return s;
  }
  void Exercise() {
    for (int i = 0; i < 4; ++i) {
      Observe();
      clock.Advance(1'500'000'000);
    }
    pm.PortWrite(acpi_pm::kPm1EvtPort, 2, 0xffff);
    pm.PortWrite(acpi_pm::kGpe0Port, 2, 0xffff);
  }
};

AcpiPmRig& BusyAcpiPm(AcpiPmRig& rig) {
  rig.pm.PortWrite(acpi_pm::kPm1EvtPort + 2, 2, acpi_pm::kTmrSts | acpi_pm::kPwrBtnSts);  // PM1_EN
  rig.pm.PortWrite(acpi_pm::kPm1CntPort, 2, acpi_pm::kSciEn | (5u << acpi_pm::kSlpTypShift));
  rig.pm.PortWrite(acpi_pm::kGpe0Port + 2, 1, 0x04);  // GPE 2 enabled
  rig.pm.RaiseGpe(2);
  rig.pm.RaiseGpe(9);  // status without enable
  rig.clock.Advance(1'000'000'000);
  return rig;
}

TEST(SnapshotAcpiPm, RestoredTimerOverflowAndSciMatch) {
  AcpiPmRig a;
  BusyAcpiPm(a);
  auto b = RestoredCopy(a);
  EXPECT_TRUE(b->sci.level);  // GPE 2
  a.pm.PortWrite(acpi_pm::kGpe0Port, 1, 0x04), b->pm.PortWrite(acpi_pm::kGpe0Port, 1, 0x04);  // clear it
  const auto seen = ExpectSameFuture(a, *b, 100'000'000, 30);  // 3 s: bit 23 flips at 2.34 s
  EXPECT_NE(seen.back().find("sts=1"), std::string::npos);  // TMR_STS set by the overflow
  EXPECT_TRUE(a.sci.level);
}

TEST(SnapshotAcpiPm, CorruptedSnapshotsFailCleanly) {
  AcpiPmRig a;
  BusyAcpiPm(a);
  FuzzLoad(a, 2000);
}

}  // namespace
}  // namespace kiln::devices
