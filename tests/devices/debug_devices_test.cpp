// Tests of devices/isa_debug_exit and devices/debugcon: QEMU's exit-status and readback rules.
#include <gtest/gtest.h>

#include "devices/debugcon.h"
#include "devices/isa_debug_exit.h"
#include "tests/devices/fakes.h"

namespace kiln::devices {
namespace {

using testing::FakeCharBackend;
using testing::FakeMachineControl;

TEST(IsaDebugExit, Write_RequestsExitWithValueShiftedLeftPlusOne) {
  FakeMachineControl control;
  IsaDebugExit dev(control);
  dev.PortWrite(0xf4, 4, 0);
  dev.PortWrite(0xf4, 1, 0x10);
  dev.PortWrite(0xf5, 2, 0x1234);
  ASSERT_EQ(control.exits.size(), 3u);
  EXPECT_EQ(control.exits[0], 1);
  EXPECT_EQ(control.exits[1], 0x21);
  EXPECT_EQ(control.exits[2], 0x2469);
}

TEST(IsaDebugExit, Write_MasksValueToAccessSize) {
  FakeMachineControl control;
  IsaDebugExit dev(control);
  dev.PortWrite(0xf4, 1, 0xabcd12);
  dev.PortWrite(0xf4, 2, 0xabcd1234);
  ASSERT_EQ(control.exits.size(), 2u);
  EXPECT_EQ(control.exits[0], (0x12 << 1) | 1);
  EXPECT_EQ(control.exits[1], (0x1234 << 1) | 1);
}

TEST(IsaDebugExit, Read_ReturnsZeroAndDoesNotExit) {
  FakeMachineControl control;
  IsaDebugExit dev(control);
  EXPECT_EQ(dev.PortRead(0xf4, 4), 0u);
  EXPECT_EQ(dev.PortRead(0xf4, 1), 0u);
  EXPECT_TRUE(control.exits.empty());
}

TEST(IsaDebugExit, OddSize_TreatedAsByte) {
  FakeMachineControl control;
  IsaDebugExit dev(control);
  dev.PortWrite(0xf4, 3, 0x1ff);
  ASSERT_EQ(control.exits.size(), 1u);
  EXPECT_EQ(control.exits[0], 0x1ff);
}

TEST(DebugCon, Write_SendsByteToBackend) {
  FakeCharBackend backend;
  DebugCon con(backend);
  for (char c : std::string("hi\n")) con.PortWrite(0xe9, 1, static_cast<uint8_t>(c));
  EXPECT_EQ(backend.output, "hi\n");
}

TEST(DebugCon, Read_ReturnsReadbackE9) {
  FakeCharBackend backend;
  DebugCon con(backend);
  EXPECT_EQ(con.PortRead(0xe9, 1), 0xe9u);
  EXPECT_EQ(con.PortRead(0xe9, 2), 0xffe9u);  // the next port is not decoded
}

TEST(DebugCon, OtherBaseAndReadback) {
  FakeCharBackend backend;
  DebugCon con(backend, 0x402, 0x42);
  EXPECT_EQ(con.PortRead(0x402, 1), 0x42u);
  con.PortWrite(0x402, 4, 0x44434241);  // only the first byte reaches the one-port device
  EXPECT_EQ(backend.output, "A");
  con.PortWrite(0x403, 1, 'x');  // not ours
  EXPECT_EQ(backend.output, "A");
}

}  // namespace
}  // namespace kiln::devices
