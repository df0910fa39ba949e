// Save/restore of the register devices (PIC, IOAPIC, UART, i8042 with keyboard and mouse, PCI
// host with the i440FX and PIIX3, pc-testdev): driven into a busy state, saved, loaded into a new
// instance, and compared by what a guest then sees; corrupted snapshots fail cleanly or give a
// device that still works.
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <string>
#include <vector>

#include "devices/i440fx.h"
#include "devices/i8042.h"
#include "devices/io_apic.h"
#include "devices/local_apic.h"
#include "devices/pc_testdev.h"
#include "devices/pci_host.h"
#include "devices/pic_8259.h"
#include "devices/piix3.h"
#include "devices/uart_16550.h"
#include "tests/devices/snapshot_support.h"

namespace kiln::devices {
namespace {

using testing::ClockAt;
using testing::ExpectSameFuture;
using testing::FakeCharBackend;
using testing::FakeIrqLine;
using testing::FakeMachineControl;
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

// --- PIC ---

struct PicRig : ClockAt {
  explicit PicRig(uint64_t now = 0) : ClockAt(now) { pic.SetIntrOutput(&intr); }
  Pic8259Pair pic;
  FakeIrqLine intr;
  void ZeroEdges() { testing::ZeroEdges(intr); }
  void Save(SnapshotWriter& w) const { pic.Save(w); }
  bool Load(SnapshotReader& r, std::string& e) { return pic.Load(r, e); }
  void Out(uint16_t port, uint8_t v) { pic.PortWrite(port, 1, v); }
  uint8_t In(uint16_t port) { return static_cast<uint8_t>(pic.PortRead(port, 1)); }
  std::string Observe() {
    using namespace pic;
    std::string s;
    for (uint16_t command : {kMasterCommand, kSlaveCommand}) {
      Out(command, 0x0a);  // OCW3: read IRR
      s += "irr=" + Hex(In(command));
      Out(command, 0x0b);  // OCW3: read ISR
      s += " isr=" + Hex(In(command)) + " imr=" + Hex(In(command + 1)) + " ";
    }
    s += "elcr=" + Hex(In(kElcrMaster)) + Hex(In(kElcrSlave)) + " intr=" + Line(intr) + " ack=";
    // Take and EOI everything deliverable, as a CPU would.
    for (int i = 0; i < 4 && pic.InterruptPending(); ++i) {
      s += Hex(pic.Acknowledge()) + ",";
      Out(kSlaveCommand, 0x20), Out(kMasterCommand, 0x20);
    }
    return s;
  }
  void Exercise() {
    for (unsigned irq = 0; irq < 16; ++irq) pic.Line(irq).Raise();
    for (uint16_t port : {0x20, 0x21, 0xa0, 0xa1, 0x4d0, 0x4d1}) In(static_cast<uint16_t>(port));
    for (int i = 0; i < 20; ++i) {
      if (pic.InterruptPending()) pic.Acknowledge();
      Out(0x20, 0x20), Out(0xa0, 0x20);
    }
    Out(0x20, 0x0c), In(0x20);  // poll
    for (unsigned irq = 0; irq < 16; ++irq) pic.Line(irq).Lower();
  }
};

PicRig& BusyPic(PicRig& rig) {
  using namespace pic;
  rig.Out(kMasterCommand, 0x11), rig.Out(kSlaveCommand, 0x11);
  rig.Out(kMasterData, 0x20), rig.Out(kSlaveData, 0x28);
  rig.Out(kMasterData, 0x04), rig.Out(kSlaveData, 0x02);
  rig.Out(kMasterData, 0x01), rig.Out(kSlaveData, 0x01);
  rig.Out(kMasterData, 0x10);  // IRQ4 masked
  rig.pic.PortWrite(kElcrSlave, 1, 0x08);  // IRQ11 level-triggered
  rig.pic.Line(3).Raise();
  EXPECT_EQ(rig.pic.Acknowledge(), 0x23);  // IRQ3 in service
  rig.pic.Line(4).Pulse();                 // masked: stays in IRR
  rig.pic.Line(11).Raise();                // level, behind the slave's cascade
  rig.pic.Line(5).Pulse();                 // lower priority than IRQ3: waits
  rig.Out(kMasterCommand, 0x0b);           // OCW3: the next read of 0x20 is the ISR
  return rig;
}

TEST(SnapshotPic, RestoredPairDeliversIdentically) {
  PicRig a;
  BusyPic(a);
  auto b = RestoredCopy(a);
  EXPECT_EQ(a.In(0x20), b->In(0x20));  // the ISR read mode survived
  EXPECT_EQ(b->pic.isr(0), 0x08);
  const auto seen = ExpectSameFuture(a, *b, 1000, 3);
  EXPECT_NE(seen.front().find("ack=2b,"), std::string::npos) << seen.front();  // IRQ11 (level: again after EOI)
  a.Out(0x21, 0x00), b->Out(0x21, 0x00);  // unmask IRQ4
  EXPECT_EQ(a.Observe(), b->Observe());
}

TEST(SnapshotPic, CorruptedSnapshotsFailCleanly) {
  PicRig a;
  BusyPic(a);
  FuzzLoad(a, 3000);
}

// --- IOAPIC (with a local APIC on its bus, to see the messages) ---

struct IoApicRig : ClockAt {
  explicit IoApicRig(uint64_t now = 0) : ClockAt(now) {
    apic.SetEoiCallback([this](uint8_t vector) { ioapic.Eoi(vector); });
    apic.MmioWrite(lapic::kRegSvr, 4, lapic::kSvrEnable | 0xff);
  }
  ApicBus bus;
  LocalApic apic{clock, &bus, 0, true, 1'000'000'000};
  IoApic ioapic{bus};
  void ZeroEdges() {}  // no IRQ lines of its own
  void Save(SnapshotWriter& w) const { ioapic.Save(w), apic.Save(w); }
  bool Load(SnapshotReader& r, std::string& e) {
    SnapshotWriter undo;  // both or neither
    ioapic.Save(undo);
    if (!ioapic.Load(r, e)) return false;
    if (apic.Load(r, e)) return true;
    SnapshotReader back(undo.data());
    std::string ignored;
    ioapic.Load(back, ignored);
    return false;
  }
  uint32_t Reg(uint8_t index) {
    ioapic.MmioWrite(ioapic::kIoRegSel, 4, index);
    return static_cast<uint32_t>(ioapic.MmioRead(ioapic::kIoWin, 4));
  }
  void SetReg(uint8_t index, uint32_t value) {
    ioapic.MmioWrite(ioapic::kIoRegSel, 4, index);
    ioapic.MmioWrite(ioapic::kIoWin, 4, value);
  }
  std::string Observe() {
    std::string s = "sel=" + Hex(ioapic.MmioRead(ioapic::kIoRegSel, 4)) + " id=" + Hex(Reg(0));
    for (uint8_t i = 0; i < 2 * ioapic::kPins; ++i) s += "," + Hex(Reg(static_cast<uint8_t>(0x10 + i)));
    s += " got=";
    for (int i = 0; i < 6 && apic.InterruptPending(); ++i) {  // an asserted level pin re-sends after each EOI
      s += Hex(apic.Acknowledge()) + ",";
      apic.MmioWrite(lapic::kRegEoi, 4, 0);
    }
    return s;
  }
  void Exercise() {
    for (unsigned pin = 0; pin < ioapic::kPins; ++pin) ioapic.Line(pin).Raise();
    for (unsigned index = 0; index < 0x40; ++index) SetReg(static_cast<uint8_t>(index), Reg(static_cast<uint8_t>(index)) & ~0x10000u);
    for (int i = 0; i < 300 && apic.InterruptPending(); ++i) apic.Acknowledge(), apic.MmioWrite(lapic::kRegEoi, 4, 0);
    for (unsigned v = 0; v < 256; ++v) ioapic.Eoi(static_cast<uint8_t>(v));
    ioapic.MmioWrite(ioapic::kEoi, 4, 0x55);
  }
};

IoApicRig& BusyIoApic(IoApicRig& rig) {
  rig.SetReg(0x10 + 2 * 5, 0x8055);        // pin 5: level, vector 0x55, unmasked
  rig.SetReg(0x10 + 2 * 6, 0x18066);       // pin 6: level, vector 0x66, masked
  rig.SetReg(0x10 + 2 * 9, 0x0049);        // pin 9: edge, vector 0x49
  rig.ioapic.Line(5).Raise();              // sent: Remote IRR set, vector 0x55 in the APIC's IRR
  EXPECT_EQ(rig.apic.Acknowledge(), 0x55);  // in service, no EOI yet
  rig.ioapic.Line(6).Raise();              // masked: held as a request
  rig.ioapic.MmioWrite(ioapic::kIoRegSel, 4, 0x1c);
  return rig;
}

TEST(SnapshotIoApic, RestoredRedirectionAndRemoteIrrBehaveIdentically) {
  IoApicRig a;
  BusyIoApic(a);
  auto b = RestoredCopy(a);
  EXPECT_TRUE(b->ioapic.pin_level(6));
  // The EOI of 0x55 re-sends pin 5 (still asserted); unmasking pin 6 sends its request.
  a.apic.MmioWrite(lapic::kRegEoi, 4, 0), b->apic.MmioWrite(lapic::kRegEoi, 4, 0);
  a.SetReg(0x10 + 2 * 6, 0x8066), b->SetReg(0x10 + 2 * 6, 0x8066);
  a.ioapic.Line(9).Pulse(), b->ioapic.Line(9).Pulse();
  const auto seen = ExpectSameFuture(a, *b, 1000, 2);
  EXPECT_NE(seen.front().find("got=66,"), std::string::npos) << seen.front();
}

TEST(SnapshotIoApic, CorruptedSnapshotsFailCleanly) {
  IoApicRig a;
  BusyIoApic(a);
  FuzzLoad(a, 3000);
}

// --- UART ---

struct UartRig : ClockAt {
  explicit UartRig(uint64_t now = 0) : ClockAt(now) {}
  FakeIrqLine irq;
  FakeCharBackend backend;
  Uart16550 uart{kCom1.base, irq, backend};
  void ZeroEdges() { testing::ZeroEdges(irq); }
  void Save(SnapshotWriter& w) const { uart.Save(w); }
  bool Load(SnapshotReader& r, std::string& e) { return uart.Load(r, e); }
  uint8_t In(unsigned reg) { return static_cast<uint8_t>(uart.PortRead(static_cast<uint16_t>(kCom1.base + reg), 1)); }
  void Out(unsigned reg, uint8_t v) { uart.PortWrite(static_cast<uint16_t>(kCom1.base + reg), 1, v); }
  std::string Observe() {
    std::string s = "iir=" + Hex(In(2)) + " lsr=" + Hex(In(5)) + " msr=" + Hex(In(6)) + " irq=" + Line(irq) + " rx=";
    if (In(5) & uart::kLsrDr) s += Hex(In(0));  // one byte per observation
    uart.Poll();
    return s + " out=" + backend.output;
  }
  void Exercise() {
    for (unsigned reg = 0; reg < 8; ++reg) In(reg);
    backend.Feed("0123456789abcdefghij");
    for (int i = 0; i < 5; ++i) uart.Poll();
    for (int i = 0; i < 40; ++i) In(0), In(2), In(5);
    Out(0, 'x');
    Out(2, 0x07);
  }
};

UartRig& BusyUart(UartRig& rig) {
  rig.Out(2, uart::kFcrEnable | 0x80);  // FIFOs on, RX trigger at 8 bytes
  rig.Out(1, 0x07);                     // RX data, THR empty, line status interrupts
  rig.Out(7, 0x5a);                     // scratch
  rig.Out(3, 0x80), rig.Out(0, 0x01), rig.Out(1, 0x00), rig.Out(3, 0x03);  // 115200 8N1
  rig.backend.Feed("hello, snapshot");
  rig.uart.Poll();  // 15 bytes in the RX FIFO
  rig.Out(0, 'A');  // transmitted: THR empty interrupt pending
  return rig;
}

TEST(SnapshotUart, RestoredFifoAndInterruptsBehaveIdentically) {
  UartRig a;
  BusyUart(a);
  auto b = RestoredCopy(a);
  EXPECT_TRUE(b->irq.level);
  EXPECT_EQ(a.uart.divisor(), b->uart.divisor());
  b->backend.output = a.backend.output;  // what was sent before the snapshot is not the UART's
  const auto seen = ExpectSameFuture(a, *b, 1000, 20);
  std::string received;
  for (const std::string& s : seen) {
    const size_t at = s.find(" rx=") + 4;
    if (s[at] != ' ') received += static_cast<char>(std::stoul(s.substr(at, s.find(' ', at) - at), nullptr, 16));
  }
  EXPECT_EQ(received, "hello, snapshot");
}

TEST(SnapshotUart, CorruptedSnapshotsFailCleanly) {
  UartRig a;
  BusyUart(a);
  FuzzLoad(a, 3000);
}

// --- i8042 with keyboard and mouse ---

struct I8042Rig : ClockAt {
  explicit I8042Rig(uint64_t now = 0) : ClockAt(now) {}
  FakeIrqLine irq1, irq12;
  FakeMachineControl control;
  I8042 kbc{irq1, irq12, control};
  void ZeroEdges() { testing::ZeroEdges(irq1), testing::ZeroEdges(irq12); }
  void Save(SnapshotWriter& w) const { kbc.Save(w); }
  bool Load(SnapshotReader& r, std::string& e) { return kbc.Load(r, e); }
  uint8_t In(uint16_t port) { return static_cast<uint8_t>(kbc.PortRead(port, 1)); }
  void Out(uint16_t port, uint8_t v) { kbc.PortWrite(port, 1, v); }
  std::string Observe() {
    std::string s = "st=" + Hex(In(0x64)) + " irq1=" + Line(irq1) + " irq12=" + Line(irq12) + " data=";
    if (In(0x64) & i8042::kStatusObf) s += Hex(In(0x60));
    return s + " a20=" + std::to_string(kbc.a20()) + " resets=" + std::to_string(control.resets);
  }
  void Exercise() {
    for (int i = 0; i < 40; ++i) In(0x64), In(0x60);
    const uint8_t a[] = {0x1c};
    kbc.KeyDown(a, 1);
    kbc.MouseMove(300, -300, 2, 1);
    Out(0x60, 0xf4);
    Out(0x64, 0xd4), Out(0x60, 0xeb);  // mouse: read data
    for (int i = 0; i < 40; ++i) In(0x60);
  }
};

I8042Rig& BusyI8042(I8042Rig& rig) {
  rig.Out(0x64, 0x60), rig.Out(0x60, 0x47);  // command byte: XLAT, SYS, both interrupts
  rig.Out(0x64, 0xd4), rig.Out(0x60, 0xf3);  // mouse: set sample rate ...
  rig.Out(0x64, 0xd4), rig.Out(0x60, 200);   // ... 200 (the first knock)
  rig.Out(0x64, 0xd4), rig.Out(0x60, 0xf4);  // mouse: enable reporting
  const uint8_t a[] = {0x1c}, up[] = {0xe0, 0x75};
  rig.kbc.KeyDown(a, 1);
  rig.kbc.KeyUp(a, 1);
  rig.kbc.KeyDown(up, 2);
  rig.kbc.MouseMove(5, -3, 0, ps2::kPacketLeft);
  rig.Out(0x60, 0xf0);  // keyboard: scan code set ... (parameter pending)
  rig.Out(0x64, 0xd1);  // controller: write output port (data pending)
  return rig;
}

TEST(SnapshotI8042, RestoredQueuesAndModesBehaveIdentically) {
  I8042Rig a;
  BusyI8042(a);
  auto b = RestoredCopy(a);
  EXPECT_EQ(b->kbc.command_byte(), 0x47);
  EXPECT_TRUE(b->kbc.mouse().reporting());
  a.Out(0x60, 0xdd), b->Out(0x60, 0xdd);  // the pending 0xD1 takes this byte: A20 off
  const auto seen = ExpectSameFuture(a, *b, 1000, 30);
  EXPECT_FALSE(b->kbc.a20());
  std::string data;
  for (const std::string& s : seen) data += s.substr(s.find("data="), s.find(" a20") - s.find("data=")) + ";";
  // Mouse ACKs, the translated keyboard bytes and the mouse packet all came out, on both.
  EXPECT_NE(data.find("data=1e;"), std::string::npos) << data;  // A, translated to set 1
  EXPECT_NE(data.find("data=29;"), std::string::npos) << data;  // the mouse packet: left button, dy < 0
  EXPECT_GE(a.irq12.rising_edges, 4);
}

TEST(SnapshotI8042, CorruptedSnapshotsFailCleanly) {
  I8042Rig a;
  BusyI8042(a);
  FuzzLoad(a, 3000);
}

// --- PCI host, i440FX, PIIX3 ---

struct PciRig : ClockAt {
  explicit PciRig(uint64_t now = 0) : ClockAt(now) {
    host.AddDevice(0, 0, &i440fx);
    host.AddDevice(1, 0, &piix3);
    piix3.SetRouteChangedCallback([this] { ++route_changes; });
  }
  FakeMachineControl control;
  PciHost host{control};
  I440fxHostBridge i440fx;
  Piix3IsaBridge piix3;
  int route_changes = 0;
  void ZeroEdges() {}  // no IRQ lines of its own
  void Save(SnapshotWriter& w) const { host.Save(w); }
  bool Load(SnapshotReader& r, std::string& e) { return host.Load(r, e); }
  uint32_t Config(unsigned slot, unsigned reg) {
    host.PortWrite(0xcf8, 4, 0x80000000u | (slot << 11) | reg);
    return host.PortRead(0xcfc, 4);
  }
  std::string Observe() {
    std::string s = "addr=" + Hex(host.PortRead(0xcf8, 4)) + " rcr=" + Hex(host.PortRead(0xcf9, 1)) + " pirq=";
    for (unsigned p = 0; p < 4; ++p) s += std::to_string(piix3.PirqIrq(p)) + ",";
    for (unsigned slot : {0u, 1u})
      for (unsigned reg = 0; reg < 256; reg += 4) s += Hex(Config(slot, reg)) + ",";
    return s;
  }
  void Exercise() {
    for (unsigned slot = 0; slot < 3; ++slot)
      for (unsigned reg = 0; reg < 256; reg += 4) {
        host.PortWrite(0xcf8, 4, 0x80000000u | (slot << 11) | reg);
        host.PortWrite(0xcfc, 4, ~host.PortRead(0xcfc, 4));
      }
    host.PortWrite(0xcf9, 1, 0x02);
  }
};

PciRig& BusyPci(PciRig& rig) {
  auto write = [&](unsigned slot, unsigned reg, unsigned size, uint32_t v) {
    rig.host.PortWrite(0xcf8, 4, 0x80000000u | (slot << 11) | (reg & ~3u));
    rig.host.PortWrite(static_cast<uint16_t>(0xcfc + (reg & 3)), size, v);
  };
  write(0, 0x59, 1, 0x30);        // i440FX PAM0
  write(0, 0x0d, 1, 0x40);        // latency timer
  write(1, 0x60, 4, 0x0b0a800b);  // PIIX3: PIRQA 11, PIRQB off, PIRQC 10, PIRQD 11
  write(1, 0x04, 2, 0x0007);      // command
  rig.host.PortWrite(0xcf9, 1, 0x02);  // RCR: SYS_RST kept
  rig.host.PortWrite(0xcf8, 4, 0x80000860);
  return rig;
}

TEST(SnapshotPci, RestoredConfigSpacesAndRoutesMatch) {
  PciRig a;
  BusyPci(a);
  auto b = RestoredCopy(a);
  EXPECT_GE(b->route_changes, 1);  // the machine re-wires PIRQs after a restore
  EXPECT_EQ(b->piix3.PirqIrq(0), 11);
  EXPECT_EQ(b->piix3.PirqIrq(1), -1);
  const auto seen = ExpectSameFuture(a, *b, 1000, 1);
  EXPECT_NE(seen.front().find("addr=80000860 rcr=2 pirq=11,-1,10,11,"), std::string::npos) << seen.front();
}

TEST(SnapshotPci, AReadOnlyByteOrAMissingFunctionIsRejected) {
  PciRig a;
  BusyPci(a);
  std::vector<uint8_t> bytes = testing::SaveOf(a);
  // The i440FX's vendor ID is the first byte of its config space: after the host's section
  // header (1 + 8 + 4 + 4) and fields (4 + 1 + 1), slot and function (2), the function's
  // section header (1 + 12 + 4 + 4) and the byte string's length (4).
  const size_t vendor = 17 + 6 + 2 + 21 + 4;
  ASSERT_EQ(bytes[vendor], 0x86);
  bytes[vendor] = 0x87;
  PciRig b(a.clock.now);
  const std::vector<uint8_t> before = testing::SaveOf(b);
  SnapshotReader r(bytes);
  std::string error;
  EXPECT_FALSE(b.Load(r, error));
  EXPECT_EQ(error, "snapshot section 'pci-function': configuration byte 0 differs in read-only bits");
  EXPECT_EQ(testing::SaveOf(b), before);

  FakeMachineControl control;
  PciHost lone(control);  // no functions
  const std::vector<uint8_t> good = testing::SaveOf(a);
  SnapshotReader r2(good);
  EXPECT_FALSE(lone.Load(r2, error));
  EXPECT_EQ(error, "snapshot section 'pci-host': 2 PCI functions saved, this board has 0");
}

TEST(SnapshotPci, CorruptedSnapshotsFailCleanly) {
  PciRig a;
  BusyPci(a);
  FuzzLoad(a, 2000);
}

// --- pc-testdev ---

struct TestdevRig : ClockAt {
  explicit TestdevRig(uint64_t now = 0) : ClockAt(now) {}
  PcTestdev dev;
  void ZeroEdges() {}  // no IRQ lines of its own
  void Save(SnapshotWriter& w) const { dev.Save(w); }
  bool Load(SnapshotReader& r, std::string& e) { return dev.Load(r, e); }
  std::string Observe() {
    return Hex(dev.PortRead(pc_testdev::kScratchPort, 4)) + " " + Hex(dev.MmioRead(0x1234, 8)) + " " +
           Hex(dev.MmioRead(0xfff8, 8));
  }
  void Exercise() {
    dev.PortWrite(pc_testdev::kScratchPort, 4, 1);
    dev.MmioWrite(0, 8, dev.MmioRead(8, 8));
  }
};

TEST(SnapshotPcTestdev, ScratchAndMemorySurvive) {
  TestdevRig a;
  a.dev.PortWrite(pc_testdev::kScratchPort, 4, 0xdeadbeef);
  a.dev.MmioWrite(0x1234, 8, 0x0123456789abcdef);
  a.dev.MmioWrite(0xfff8, 8, 0x55aa);
  auto b = RestoredCopy(a);
  const auto seen = ExpectSameFuture(a, *b, 1000, 1);
  EXPECT_EQ(seen.front(), "deadbeef 123456789abcdef 55aa");
}

TEST(SnapshotPcTestdev, CorruptedSnapshotsFailCleanly) {
  TestdevRig a;
  a.dev.PortWrite(pc_testdev::kScratchPort, 4, 0xdeadbeef);
  FuzzLoad(a, 300);
}

}  // namespace
}  // namespace kiln::devices
