// Port 0x92 (devices/port92.h): A20 reads as set after power-on, firmware's read-modify-write
// keeps it, a rising bit 0 resets the machine once, and the snapshot restores the register.
#include "devices/port92.h"

#include <gtest/gtest.h>

#include "tests/devices/fakes.h"

namespace kiln::devices {
namespace {

using testing::FakeMachineControl;

TEST(Port92, PowerOn_A20SetNoReset) {
  FakeMachineControl control;
  SystemControlPortA port(control);
  port.Reset();
  EXPECT_EQ(port.PortRead(0x92, 1), SystemControlPortA::kA20);
  // SeaBIOS's enable-A20: read, or in bit 1, write back.
  port.PortWrite(0x92, 1, port.PortRead(0x92, 1) | SystemControlPortA::kA20);
  EXPECT_EQ(control.resets, 0);
  EXPECT_EQ(port.PortRead(0x92, 1), SystemControlPortA::kA20);
}

TEST(Port92, FastReset_OnARisingBitZeroOnly) {
  FakeMachineControl control;
  SystemControlPortA port(control);
  port.Reset();
  port.PortWrite(0x92, 1, 0x03);
  EXPECT_EQ(control.resets, 1);
  port.PortWrite(0x92, 1, 0x03);  // still set: no new edge
  EXPECT_EQ(control.resets, 1);
  port.PortWrite(0x92, 1, 0x02);
  port.PortWrite(0x92, 1, 0x01);
  EXPECT_EQ(control.resets, 2);
  port.Reset();
  EXPECT_EQ(port.PortRead(0x92, 1) & SystemControlPortA::kFastReset, 0u);
}

TEST(Port92, WideReads_OtherBytesUnclaimed) {
  FakeMachineControl control;
  SystemControlPortA port(control);
  port.Reset();
  EXPECT_EQ(port.PortRead(0x92, 2), 0xFF02u);
  EXPECT_EQ(port.PortRead(0x92, 4), 0xFFFFFF02u);
}

TEST(Port92, Snapshot_RestoresTheRegister) {
  FakeMachineControl control;
  SystemControlPortA port(control);
  port.Reset();
  port.PortWrite(0x92, 1, 0x00);  // A20 bit cleared by the guest
  SnapshotWriter w;
  port.Save(w);
  SystemControlPortA other(control);
  other.Reset();
  SnapshotReader r(w.data());
  std::string error;
  ASSERT_TRUE(other.Load(r, error)) << error;
  EXPECT_EQ(other.PortRead(0x92, 1), 0x00u);
  EXPECT_EQ(control.resets, 0);  // a restore does not reset
}

}  // namespace
}  // namespace kiln::devices
