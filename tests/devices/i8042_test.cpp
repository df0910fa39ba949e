// Tests of devices/i8042 with its PS/2 keyboard and mouse: controller commands, translation,
// output-buffer arbitration and IRQs, reset and A20, queue bounds, Linux's probe sequence and
// hostile command streams.
#include "devices/i8042.h"

#include <gtest/gtest.h>

#include <vector>

#include "tests/devices/fakes.h"

namespace kiln::devices {
namespace {

using namespace i8042;
using testing::FakeIrqLine;
using testing::FakeMachineControl;

struct I8042Test : ::testing::Test {
  FakeIrqLine irq1, irq12;
  FakeMachineControl control;
  I8042 kbc{irq1, irq12, control};

  uint8_t Status() { return static_cast<uint8_t>(kbc.PortRead(kCommandPort, 1)); }
  uint8_t Data() { return static_cast<uint8_t>(kbc.PortRead(kDataPort, 1)); }
  void Command(uint8_t c) { kbc.PortWrite(kCommandPort, 1, c); }
  void Out(uint8_t v) { kbc.PortWrite(kDataPort, 1, v); }
  void Command(uint8_t c, uint8_t v) { Command(c), Out(v); }
  /// Every byte in the output buffer, reading 0x60 while OBF is set (bounded, as Linux's flush).
  std::vector<uint8_t> Drain() {
    std::vector<uint8_t> bytes;
    for (int i = 0; i < 64 && (Status() & kStatusObf); ++i) bytes.push_back(Data());
    return bytes;
  }
  void SetCtr(uint8_t ctr) { Command(kCmdWriteRam, ctr); }
  void Key(std::initializer_list<uint8_t> make, bool down = true) {
    down ? kbc.KeyDown(make.begin(), make.size()) : kbc.KeyUp(make.begin(), make.size());
  }
};

using Bytes = std::vector<uint8_t>;

TEST_F(I8042Test, PowerOnState) {
  EXPECT_EQ(Status(), kStatusUnlocked | kStatusCommand);
  EXPECT_TRUE(kbc.a20());
  Command(kCmdReadRam);
  EXPECT_EQ(Drain(), Bytes{kCtrPowerOn});
  EXPECT_FALSE(irq1.level);
  EXPECT_FALSE(irq12.level);
}

TEST_F(I8042Test, SelfTestSetsSysFlag) {
  Command(kCmdSelfTest);
  EXPECT_TRUE(Status() & kStatusSys);
  EXPECT_EQ(Drain(), Bytes{kSelfTestOk});
}

TEST_F(I8042Test, CommandByteAndRamReadWrite) {
  SetCtr(0x65);
  EXPECT_FALSE(Status() & kStatusCommand);  // the last write went to the data port
  EXPECT_TRUE(Status() & kStatusSys);       // CTR bit 2
  Command(kCmdReadRam);
  EXPECT_EQ(Drain(), Bytes{0x65});
  Command(0x7f, 0x99);  // RAM byte 31
  Command(0x3f);
  EXPECT_EQ(Drain(), Bytes{0x99});
  SetCtr(0x61);
  EXPECT_FALSE(Status() & kStatusSys);
}

TEST_F(I8042Test, InterfaceEnableDisableCommands) {
  SetCtr(0);
  Command(kCmdAuxDisable);
  Command(kCmdKbdDisable);
  EXPECT_EQ(kbc.command_byte(), kCtrAuxDis | kCtrKbdDis);
  Command(kCmdAuxEnable);
  Command(kCmdKbdEnable);
  EXPECT_EQ(kbc.command_byte(), 0);
}

TEST_F(I8042Test, InterfaceTestsInputAndOutputPort) {
  SetCtr(0);
  Command(kCmdAuxTest);
  EXPECT_EQ(Drain(), Bytes{kInterfaceOk});
  Command(kCmdKbdTest);
  EXPECT_EQ(Drain(), Bytes{kInterfaceOk});
  Command(kCmdReadInput);
  EXPECT_EQ(Drain(), Bytes{kInputPort});
  Command(kCmdReadOutput);
  // The output port reads with its own OBF bit, as the reply itself fills the buffer afterwards.
  EXPECT_EQ(Drain(), Bytes{kOutPowerOn});
}

TEST_F(I8042Test, ReadOutputPort_ShowsWhichDeviceFilledTheBuffer) {
  SetCtr(0);
  Key({0x1c});
  Command(kCmdReadOutput);  // queued behind the keyboard byte in the buffer
  EXPECT_EQ(Drain(), (Bytes{0x1c, static_cast<uint8_t>(kOutPowerOn | kOutKbdObf)}));
  Command(kCmdWriteAuxBuffer, 0x01);
  Command(kCmdReadOutput);
  EXPECT_EQ(Drain(), (Bytes{0x01, static_cast<uint8_t>(kOutPowerOn | kOutAuxObf)}));
}

TEST_F(I8042Test, WriteOutputPort_ResetAndA20) {
  Command(kCmdWriteOutput, kOutOnes | kOutReset);  // A20 off, not in reset
  EXPECT_FALSE(kbc.a20());
  EXPECT_EQ(control.resets, 0);
  Command(kCmdWriteOutput, kOutOnes | kOutA20);  // bit 0 low: reset
  EXPECT_TRUE(kbc.a20());
  EXPECT_EQ(control.resets, 1);
  Command(kCmdDisableA20);
  EXPECT_FALSE(kbc.a20());
  Command(kCmdEnableA20);
  EXPECT_TRUE(kbc.a20());
}

TEST_F(I8042Test, PulseOutputLines_FeResetsFfDoesNot) {
  Command(0xff);
  EXPECT_EQ(control.resets, 0);
  Command(0xfe);
  EXPECT_EQ(control.resets, 1);
  Command(0xf0);  // pulses bits 0-3
  EXPECT_EQ(control.resets, 2);
  Command(0xf1);  // bit 0 not pulsed
  EXPECT_EQ(control.resets, 2);
}

TEST_F(I8042Test, WriteKbdAndAuxOutputBuffers) {
  SetCtr(kCtrKbdInt | kCtrAuxInt);
  Command(kCmdWriteKbdBuffer, 0x12);
  EXPECT_EQ(Status() & (kStatusObf | kStatusAuxData), kStatusObf);
  EXPECT_TRUE(irq1.level);
  EXPECT_EQ(Data(), 0x12);
  EXPECT_FALSE(irq1.level);
  Command(kCmdWriteAuxBuffer, 0x5a);
  EXPECT_EQ(Status() & (kStatusObf | kStatusAuxData), kStatusObf | kStatusAuxData);
  EXPECT_TRUE(irq12.level);
  EXPECT_FALSE(irq1.level);
  EXPECT_EQ(Data(), 0x5a);
  EXPECT_FALSE(irq12.level);
  EXPECT_EQ(Data(), 0x5a);  // an empty buffer reads the last byte again
}

TEST_F(I8042Test, Keyboard_ResetIdentifyEchoUnknownResend) {
  SetCtr(0);  // no translation
  Out(0xff);
  EXPECT_EQ(Drain(), (Bytes{0xfa, 0xaa}));
  Out(0xf2);
  EXPECT_EQ(Drain(), (Bytes{0xfa, 0xab, 0x83}));
  Out(0xee);
  EXPECT_EQ(Drain(), Bytes{0xee});
  Out(0x42);
  EXPECT_EQ(Drain(), Bytes{0xfe});
  Out(0xfe);
  EXPECT_EQ(Drain(), Bytes{0xfe});  // resend repeats the last byte sent
}

TEST_F(I8042Test, Keyboard_IdentifyTranslatedAsLinuxExpects) {
  SetCtr(kCtrXlate | kCtrKbdInt);
  Out(0xf2);
  EXPECT_EQ(Drain(), (Bytes{0xfa, 0xab, 0x41}));
}

TEST_F(I8042Test, Keyboard_LedsTypematicScanSetEnableDisable) {
  SetCtr(0);
  Out(0xed);
  Out(0x07);
  EXPECT_EQ(Drain(), (Bytes{0xfa, 0xfa}));
  EXPECT_EQ(kbc.keyboard().leds(), 7);
  Out(0xf3);
  Out(0x20);
  EXPECT_EQ(Drain(), (Bytes{0xfa, 0xfa}));
  EXPECT_EQ(kbc.keyboard().typematic(), 0x20);
  Out(0xf0);
  Out(0x00);
  EXPECT_EQ(Drain(), (Bytes{0xfa, 0xfa, 0x02}));
  Out(0xf0);
  Out(0x09);  // no such set
  EXPECT_EQ(Drain(), (Bytes{0xfa, 0xfe}));
  Out(0xf5);  // disable: defaults, no scanning
  EXPECT_EQ(Drain(), Bytes{0xfa});
  EXPECT_EQ(kbc.keyboard().leds(), 0);
  Key({0x1c});
  EXPECT_TRUE(Drain().empty());
  Out(0xf4);
  Key({0x1c});
  EXPECT_EQ(Drain(), (Bytes{0xfa, 0x1c}));
  Out(0xf6);
  EXPECT_EQ(Drain(), Bytes{0xfa});
  EXPECT_TRUE(kbc.keyboard().scanning());
}

TEST_F(I8042Test, Keyboard_ScanSet1WithoutTranslation) {
  SetCtr(0);
  Out(0xf0);
  Out(0x01);
  Drain();
  Key({0x1c});
  Key({0x1c}, false);
  Key({0xe0, 0x75});
  Key({0xe0, 0x75}, false);
  EXPECT_EQ(Drain(), (Bytes{0x1e, 0x9e, 0xe0, 0x48, 0xe0, 0xc8}));
}

TEST_F(I8042Test, Translation_Set2ToSet1WithBreakPrefix) {
  SetCtr(kCtrXlate);
  Key({0x1c});  // A
  Key({0x1c}, false);
  Key({0xe0, 0x75});  // Up
  Key({0xe0, 0x75}, false);
  EXPECT_EQ(Drain(), (Bytes{0x1e, 0x9e, 0xe0, 0x48, 0xe0, 0xc8}));
  SetCtr(0);
  Key({0x1c});
  Key({0x1c}, false);
  EXPECT_EQ(Drain(), (Bytes{0x1c, 0xf0, 0x1c}));
}

TEST_F(I8042Test, Arbitration_OneByteAtATimeReplyKeyboardMouse) {
  SetCtr(kCtrKbdInt | kCtrAuxInt);
  Command(kCmdWriteAux, 0xf4);  // mouse: ACK now in the output buffer
  Key({0x1c});                 // keyboard byte waits behind it
  Command(kCmdReadRam);        // controller reply waits too
  EXPECT_EQ(irq12.rising_edges, 1);
  EXPECT_EQ(Status() & kStatusAuxData, kStatusAuxData);
  EXPECT_EQ(Data(), 0xfa);
  // Next: the controller's reply beats the keyboard's byte.
  EXPECT_EQ(Status() & kStatusAuxData, 0);
  EXPECT_EQ(Data(), kCtrKbdInt | kCtrAuxInt);
  EXPECT_EQ(Data(), 0x1c);
  EXPECT_EQ(irq1.rising_edges, 2);  // one edge per byte
  EXPECT_FALSE(Status() & kStatusObf);
  // Keyboard before mouse when both wait.
  kbc.MouseMove(1, 0, 0, 0);
  EXPECT_EQ(Status() & kStatusAuxData, kStatusAuxData);
  Key({0x1c});
  EXPECT_EQ(Drain(), (Bytes{0x08, 0x1c, 0x01, 0x00}));
}

TEST_F(I8042Test, Irq_DisabledByCommandByteButStatusShowsData) {
  SetCtr(0);
  Key({0x1c});
  EXPECT_TRUE(Status() & kStatusObf);
  EXPECT_FALSE(irq1.level);
  SetCtr(kCtrKbdInt);  // enabling the interrupt with a byte waiting raises it
  EXPECT_TRUE(irq1.level);
  Data();
  EXPECT_FALSE(irq1.level);
}

TEST_F(I8042Test, DisabledInterfacesHoldTheirDevicesBytes) {
  SetCtr(kCtrKbdDis | kCtrAuxDis);
  Key({0x1c});
  kbc.MouseMove(0, 0, 0, ps2::kPacketLeft);  // reporting is off: nothing
  EXPECT_FALSE(Status() & kStatusObf);
  Command(kCmdKbdEnable);
  EXPECT_EQ(Drain(), Bytes{0x1c});
}

TEST_F(I8042Test, QueueBounds_NewestEventsDropped) {
  SetCtr(kCtrKbdDis);
  for (int i = 0; i < 100; ++i) {
    const uint8_t code = static_cast<uint8_t>(0x10 + i);
    kbc.KeyDown(&code, 1);
  }
  Command(kCmdKbdEnable);
  const Bytes bytes = Drain();
  ASSERT_EQ(bytes.size(), ps2::kEventQueueBytes);
  EXPECT_EQ(bytes.front(), 0x10);
  EXPECT_EQ(bytes.back(), 0x10 + ps2::kEventQueueBytes - 1);
  // A full queue still takes a command's reply.
  SetCtr(kCtrKbdDis);
  for (int i = 0; i < 100; ++i) Key({0x1c});
  Out(0xee);  // writing to the keyboard enables its interface again
  EXPECT_EQ(Drain().size(), ps2::kEventQueueBytes + 1);
}

TEST_F(I8042Test, Mouse_ResetIdKnockStatusResolutionRate) {
  SetCtr(0);
  Command(kCmdWriteAux, 0xff);
  EXPECT_EQ(Drain(), (Bytes{0xfa, 0xaa, 0x00}));
  Command(kCmdWriteAux, 0xf2);
  EXPECT_EQ(Drain(), (Bytes{0xfa, 0x00}));
  for (uint8_t rate : {200, 100, 80}) {
    Command(kCmdWriteAux, 0xf3);
    Command(kCmdWriteAux, rate);
  }
  EXPECT_EQ(Drain(), (Bytes{0xfa, 0xfa, 0xfa, 0xfa, 0xfa, 0xfa}));
  Command(kCmdWriteAux, 0xf2);
  EXPECT_EQ(Drain(), (Bytes{0xfa, 0x03}));
  Command(kCmdWriteAux, 0xe8);
  Command(kCmdWriteAux, 0x03);
  Command(kCmdWriteAux, 0xe7);
  Command(kCmdWriteAux, 0xe9);
  EXPECT_EQ(Drain(), (Bytes{0xfa, 0xfa, 0xfa, 0xfa, ps2::kStatusScaling21, 0x03, 80}));
  Command(kCmdWriteAux, 0xe6);
  Command(kCmdWriteAux, 0xf6);  // defaults keep the ID
  Command(kCmdWriteAux, 0xe9);
  EXPECT_EQ(Drain(), (Bytes{0xfa, 0xfa, 0xfa, 0x00, 0x02, 100}));
  Command(kCmdWriteAux, 0xf2);
  EXPECT_EQ(Drain(), (Bytes{0xfa, 0x03}));
  Command(kCmdWriteAux, 0x55);  // unknown
  EXPECT_EQ(Drain(), Bytes{0xfe});
}

TEST_F(I8042Test, Mouse_StreamPacketsThreeAndFourBytes) {
  SetCtr(kCtrAuxInt);
  Command(kCmdWriteAux, 0xf4);
  EXPECT_EQ(Drain(), Bytes{0xfa});
  kbc.MouseMove(5, -3, 0, ps2::kPacketLeft);
  EXPECT_EQ(Drain(), (Bytes{0x08 | 0x01 | 0x20, 0x05, 0xfd}));
  EXPECT_EQ(irq12.rising_edges, 4);
  for (uint8_t rate : {200, 100, 80}) {
    Command(kCmdWriteAux, 0xf3);
    Command(kCmdWriteAux, rate);
  }
  Drain();
  kbc.MouseMove(-2, 4, 1, ps2::kPacketRight);
  EXPECT_EQ(Drain(), (Bytes{0x08 | 0x02 | 0x10, 0xfe, 0x04, 0x01}));
  kbc.MouseMove(0, 0, 0, ps2::kPacketRight);  // no change: no packet
  EXPECT_TRUE(Drain().empty());
  kbc.MouseMove(0, 0, 0, 0);  // button release alone is reported
  EXPECT_EQ(Drain(), (Bytes{0x08, 0x00, 0x00, 0x00}));
}

TEST_F(I8042Test, Mouse_LargeMoveSplitAndDisabledReportingSendsNothing) {
  SetCtr(0);
  Command(kCmdWriteAux, 0xf4);
  Drain();
  kbc.MouseMove(600, 0, 0, 0);
  EXPECT_EQ(Drain(), (Bytes{0x08, 0xff, 0x00, 0x08, 0xff, 0x00, 0x08, 90, 0x00}));
  Command(kCmdWriteAux, 0xf5);
  Drain();
  kbc.MouseMove(10, 10, 0, ps2::kPacketLeft);
  EXPECT_TRUE(Drain().empty());
}

TEST_F(I8042Test, Mouse_RemoteModeReadData) {
  SetCtr(0);
  Command(kCmdWriteAux, 0xf0);
  EXPECT_EQ(Drain(), Bytes{0xfa});
  kbc.MouseMove(3, 0, 0, 0);
  kbc.MouseMove(4, 1, 0, ps2::kPacketMiddle);
  EXPECT_TRUE(Drain().empty());
  Command(kCmdWriteAux, 0xeb);
  EXPECT_EQ(Drain(), (Bytes{0xfa, 0x08 | 0x04, 7, 1}));
  Command(kCmdWriteAux, 0xe9);
  EXPECT_EQ(Drain(), (Bytes{0xfa, ps2::kStatusRemote | ps2::kStatusMiddle, 0x02, 100}));
  Command(kCmdWriteAux, 0xea);  // back to stream
  EXPECT_EQ(Drain(), Bytes{0xfa});
}

// Linux 6.1 at boot: i8042_controller_check (flush), _init (CTR read twice, write), selftest,
// check_aux (AUX_LOOP 0x5a with AUXB, toggle AUX, IRQ12 test with 0xa5), check_mux (loop f0 56
// a4: a plain controller echoes them), then atkbd's reset and GETID through the translation.
TEST_F(I8042Test, LinuxProbeSequence) {
  EXPECT_TRUE(Drain().empty());
  Command(kCmdReadRam);
  const uint8_t ctr = Drain().at(0);
  Command(kCmdReadRam);
  EXPECT_EQ(Drain().at(0), ctr);
  uint8_t linux_ctr = static_cast<uint8_t>((ctr | kCtrKbdDis | kCtrXlate) & ~kCtrKbdInt);
  SetCtr(linux_ctr);
  EXPECT_TRUE(Drain().empty());
  Command(kCmdSelfTest);
  EXPECT_EQ(Drain(), Bytes{0x55});
  // check_aux: loopback through the aux output buffer, marked as aux data.
  Command(kCmdWriteAuxBuffer, 0x5a);
  ASSERT_TRUE(Status() & kStatusObf);
  EXPECT_TRUE(Status() & kStatusAuxData);
  EXPECT_EQ(Data(), 0x5a);
  Command(kCmdAuxDisable);
  Command(kCmdReadRam);
  EXPECT_TRUE(Drain().at(0) & kCtrAuxDis);
  Command(kCmdAuxEnable);
  Command(kCmdReadRam);
  EXPECT_FALSE(Drain().at(0) & kCtrAuxDis);
  linux_ctr = static_cast<uint8_t>((linux_ctr & ~kCtrAuxDis) | kCtrAuxInt);
  SetCtr(linux_ctr);
  const int edges = irq12.rising_edges;
  Command(kCmdWriteAuxBuffer, 0xa5);
  EXPECT_EQ(irq12.rising_edges, edges + 1);  // the IRQ test
  EXPECT_EQ(Data(), 0xa5);
  for (uint8_t v : {0xf0, 0x56, 0xa4}) {  // not a multiplexer: plain echoes
    Command(kCmdWriteAuxBuffer, v);
    EXPECT_EQ(Drain(), Bytes{v});
  }
  // Keyboard port enabled with interrupts, then atkbd.
  SetCtr(static_cast<uint8_t>((linux_ctr & ~kCtrKbdDis) | kCtrKbdInt));
  Out(0xf2);
  EXPECT_EQ(Drain(), (Bytes{0xfa, 0xab, 0x41}));
  Out(0xff);
  EXPECT_EQ(Drain(), (Bytes{0xfa, 0xaa}));
  Out(0xf0);
  Out(0x02);
  EXPECT_EQ(Drain(), (Bytes{0xfa, 0xfa}));
  // psmouse: reset and GETID through 0xD4.
  Command(kCmdWriteAux, 0xff);
  EXPECT_EQ(Drain(), (Bytes{0xfa, 0xaa, 0x00}));
}

TEST_F(I8042Test, ResetReturnsToPowerOn) {
  SetCtr(kCtrKbdInt);
  Command(kCmdDisableA20);
  Key({0x1c});
  EXPECT_TRUE(irq1.level);
  kbc.Reset();
  EXPECT_FALSE(irq1.level);
  EXPECT_TRUE(kbc.a20());
  EXPECT_EQ(kbc.command_byte(), kCtrPowerOn);
  EXPECT_TRUE(Drain().empty());
}

TEST_F(I8042Test, Hostile_RandomCommandAndDataStreams) {
  uint32_t x = 7;
  for (int i = 0; i < 50000; ++i) {
    x = x * 1103515245 + 12345;
    const uint8_t v = static_cast<uint8_t>(x >> 16);
    switch ((x >> 8) % 5) {
      case 0: Command(v); break;
      case 1: Out(v); break;
      case 2: Data(); break;
      case 3: kbc.MouseMove(static_cast<int>(x) >> 8, static_cast<int>(x) >> 12, static_cast<int>(x) >> 28, v); break;
      default: kbc.PortWrite(kDataPort, 4, x); kbc.PortRead(kDataPort, 4); break;
    }
  }
  const uint8_t big[32] = {};
  kbc.KeyDown(big, sizeof big);  // over-long event: ignored
  kbc.KeyDown(nullptr, 3);
  EXPECT_LE(Drain().size(), 64u);
  kbc.Reset();
  SetCtr(0);
  Out(0xff);
  EXPECT_EQ(Drain(), (Bytes{0xfa, 0xaa}));
}

}  // namespace
}  // namespace kiln::devices
