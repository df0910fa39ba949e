// Tests of devices/uart_16550: registers, FIFOs, interrupt priorities and clearing, loopback.
#include "devices/uart_16550.h"

#include <gtest/gtest.h>

#include "tests/devices/fakes.h"

namespace kiln::devices {
namespace {

using namespace uart;
using testing::FakeCharBackend;
using testing::FakeIrqLine;

constexpr uint16_t kBase = kCom1.base;

struct UartTest : ::testing::Test {
  FakeIrqLine irq;
  FakeCharBackend backend;
  Uart16550 uart{kBase, irq, backend};
  uint8_t In(unsigned reg) { return static_cast<uint8_t>(uart.PortRead(static_cast<uint16_t>(kBase + reg), 1)); }
  void Out(unsigned reg, uint8_t v) { uart.PortWrite(static_cast<uint16_t>(kBase + reg), 1, v); }
};

TEST_F(UartTest, Reset_RegisterValues) {
  EXPECT_EQ(In(kIer), 0);
  EXPECT_EQ(In(kIirFcr), kIirNoInt);
  EXPECT_EQ(In(kLcr), 0);
  EXPECT_EQ(In(kMcr), kMcrOut2);
  EXPECT_EQ(In(kLsr), kLsrThre | kLsrTemt);
  EXPECT_EQ(In(kMsr), kMsrDcd | kMsrDsr | kMsrCts);
  EXPECT_EQ(In(kScr), 0);
  EXPECT_EQ(uart.divisor(), 12);
  EXPECT_FALSE(irq.level);
}

TEST_F(UartTest, ComPortConstants) {
  EXPECT_EQ(kCom1.base, 0x3f8);
  EXPECT_EQ(kCom1.irq, 4);
  EXPECT_EQ(kCom2.base, 0x2f8);
  EXPECT_EQ(kCom2.irq, 3);
  EXPECT_EQ(kCom3.base, 0x3e8);
  EXPECT_EQ(kCom3.irq, 4);
  EXPECT_EQ(kCom4.base, 0x2e8);
  EXPECT_EQ(kCom4.irq, 3);
}

TEST_F(UartTest, Transmit_GoesToBackend) {
  for (char c : std::string("Linux")) Out(kRbrThr, static_cast<uint8_t>(c));
  EXPECT_EQ(backend.output, "Linux");
  EXPECT_EQ(In(kLsr) & (kLsrThre | kLsrTemt), kLsrThre | kLsrTemt);
}

TEST_F(UartTest, DivisorLatch_BehindDlab) {
  Out(kLcr, kLcrDlab | 0x03);
  Out(kRbrThr, 0x01);
  Out(kIer, 0x00);
  EXPECT_EQ(uart.divisor(), 1);
  EXPECT_EQ(In(kRbrThr), 0x01);
  EXPECT_EQ(In(kIer), 0x00);
  EXPECT_TRUE(backend.output.empty());
  Out(kLcr, 0x03);
  EXPECT_EQ(In(kLcr), 0x03);
  Out(kIer, 0xff);
  EXPECT_EQ(In(kIer), kIerMask);
}

TEST_F(UartTest, Scratch_ReadsBack) {
  Out(kScr, 0x5a);
  EXPECT_EQ(In(kScr), 0x5a);
}

TEST_F(UartTest, Receive_WithoutFifo_DataReadyAndOverrun) {
  backend.Feed("ab");
  uart.Poll();
  EXPECT_EQ(In(kLsr) & kLsrDr, kLsrDr);
  uart.Poll();  // no room: RBR still full, the byte stays in the backend
  EXPECT_EQ(backend.input.size(), 1u);
  EXPECT_EQ(In(kRbrThr), 'a');
  EXPECT_EQ(In(kLsr) & kLsrDr, 0);
  uart.Poll();
  EXPECT_EQ(In(kRbrThr), 'b');
  EXPECT_EQ(In(kLsr) & kLsrOe, 0);
}

TEST_F(UartTest, RxInterrupt_WithoutFifo_OnEveryByte) {
  Out(kIer, kIerRdi);
  EXPECT_FALSE(irq.level);
  backend.Feed("x");
  uart.Poll();
  EXPECT_TRUE(irq.level);
  EXPECT_EQ(In(kIirFcr), kIirRdi);
  EXPECT_EQ(In(kRbrThr), 'x');
  EXPECT_FALSE(irq.level);
  EXPECT_EQ(In(kIirFcr), kIirNoInt);
}

TEST_F(UartTest, Out2Clear_GatesIrq) {
  Out(kMcr, 0);
  Out(kIer, kIerRdi);
  backend.Feed("x");
  uart.Poll();
  EXPECT_EQ(In(kIirFcr), kIirRdi);  // pending inside the UART
  EXPECT_FALSE(irq.level);          // but not driven onto the bus
  Out(kMcr, kMcrOut2);
  EXPECT_TRUE(irq.level);
}

TEST_F(UartTest, Fifo_EnableShowsInIirAndTriggerLevels) {
  Out(kIirFcr, kFcrEnable | 0x80);  // trigger 8
  EXPECT_EQ(In(kIirFcr), kIirFifoEnabled | kIirNoInt);
  Out(kIer, kIerRdi);
  backend.Feed("1234567");
  uart.Poll();
  EXPECT_FALSE(irq.level);  // 7 < 8
  EXPECT_EQ(In(kLsr) & kLsrDr, kLsrDr);
  backend.Feed("8");
  uart.Poll();
  EXPECT_TRUE(irq.level);
  EXPECT_EQ(In(kIirFcr), kIirFifoEnabled | kIirRdi);
  std::string got;
  while (In(kLsr) & kLsrDr) got.push_back(static_cast<char>(In(kRbrThr)));
  EXPECT_EQ(got, "12345678");
  EXPECT_FALSE(irq.level);
}

TEST_F(UartTest, Fifo_TriggerLevels) {
  const unsigned levels[4] = {1, 4, 8, 14};
  for (unsigned t = 0; t < 4; ++t) {
    Out(kIirFcr, static_cast<uint8_t>(kFcrEnable | kFcrRxReset | (t << 6)));
    Out(kIer, kIerRdi);
    for (unsigned i = 1; i <= levels[t]; ++i) {
      backend.Feed("z");
      uart.Poll();
      EXPECT_EQ(irq.level, i >= levels[t]) << "trigger " << levels[t] << " bytes " << i;
    }
  }
}

TEST_F(UartTest, Fifo_PollRespectsSpace) {
  Out(kIirFcr, kFcrEnable);
  backend.Feed(std::string(20, 'q'));
  uart.Poll();
  EXPECT_EQ(backend.input.size(), 4u);
  EXPECT_EQ(In(kLsr) & kLsrOe, 0);
  In(kRbrThr);
  uart.Poll();
  EXPECT_EQ(backend.input.size(), 3u);
}

TEST_F(UartTest, Fifo_CharacterTimeout_AfterQuietPoll) {
  Out(kIirFcr, kFcrEnable | 0xC0);  // trigger 14
  Out(kIer, kIerRdi);
  backend.Feed("ab");
  uart.Poll();
  EXPECT_FALSE(irq.level);
  uart.Poll();  // no activity for one poll period
  EXPECT_TRUE(irq.level);
  EXPECT_EQ(In(kIirFcr), kIirFifoEnabled | kIirCti);
  EXPECT_EQ(In(kRbrThr), 'a');  // reading clears the timeout
  EXPECT_FALSE(irq.level);
  uart.Poll();  // the read was activity in this period
  EXPECT_FALSE(irq.level);
  uart.Poll();
  EXPECT_TRUE(irq.level);  // 'b' still waiting
  EXPECT_EQ(In(kRbrThr), 'b');
  uart.Poll();
  EXPECT_FALSE(irq.level);
}

TEST_F(UartTest, Fifo_RxReset_DropsData) {
  Out(kIirFcr, kFcrEnable);
  backend.Feed("abc");
  uart.Poll();
  Out(kIirFcr, kFcrEnable | kFcrRxReset);
  EXPECT_EQ(In(kLsr) & kLsrDr, 0);
  EXPECT_EQ(In(kRbrThr), 0);
}

TEST_F(UartTest, Fifo_DisableFlushes) {
  Out(kIirFcr, kFcrEnable);
  backend.Feed("abc");
  uart.Poll();
  Out(kIirFcr, 0);
  EXPECT_EQ(In(kLsr) & kLsrDr, 0);
  EXPECT_EQ(In(kIirFcr), kIirNoInt);
}

TEST_F(UartTest, ThreInterrupt_ArmedByIerClearedByIirRead) {
  Out(kIer, kIerThri);
  EXPECT_TRUE(irq.level);
  EXPECT_EQ(In(kIirFcr), kIirThri);  // reading IIR reporting THRE clears it
  EXPECT_FALSE(irq.level);
  EXPECT_EQ(In(kIirFcr), kIirNoInt);
  Out(kIer, 0);
  Out(kIer, kIerThri);  // re-enabling with THR empty re-arms it
  EXPECT_TRUE(irq.level);
}

TEST_F(UartTest, ThreInterrupt_WriteThrGivesNewEdge) {
  Out(kIer, kIerThri);
  const int edges = irq.rising_edges;
  Out(kRbrThr, 'a');  // clears THRE, the byte leaves at once, THRE rises again
  EXPECT_TRUE(irq.level);
  EXPECT_EQ(irq.rising_edges, edges + 1);
  EXPECT_EQ(In(kIirFcr), kIirThri);
}

TEST_F(UartTest, Priority_LineStatusOverRxOverThreOverModem) {
  Out(kMcr, kMcrOut2 | kMcrLoop);
  Out(kIer, kIerRdi | kIerThri | kIerRlsi | kIerMsi);
  In(kMsr);   // clear the deltas of entering loopback
  Out(kIirFcr, 0);
  Out(kRbrThr, 'a');  // loopback: received
  Out(kRbrThr, 'b');  // overrun: OE
  Out(kMcr, kMcrOut2 | kMcrLoop | kMcrDtr);  // DSR changes: DDSR
  EXPECT_EQ(In(kIirFcr), kIirRlsi);
  EXPECT_EQ(In(kLsr) & kLsrOe, kLsrOe);  // reading LSR clears OE
  EXPECT_EQ(In(kLsr) & kLsrOe, 0);
  EXPECT_EQ(In(kIirFcr), kIirRdi);
  EXPECT_EQ(In(kRbrThr), 'b');
  EXPECT_EQ(In(kIirFcr), kIirThri);  // and this read clears it
  EXPECT_EQ(In(kIirFcr), kIirMsi);
  EXPECT_EQ(In(kMsr) & kMsrDeltas, kMsrDdsr);
  EXPECT_EQ(In(kIirFcr), kIirNoInt);
}

TEST_F(UartTest, Loopback_TransmitsIntoReceiverNotBackend) {
  Out(kMcr, kMcrLoop);
  Out(kRbrThr, 'L');
  EXPECT_TRUE(backend.output.empty());
  EXPECT_EQ(In(kLsr) & kLsrDr, kLsrDr);
  EXPECT_EQ(In(kRbrThr), 'L');
  backend.Feed("x");
  uart.Poll();  // the line is disconnected in loopback
  EXPECT_EQ(In(kLsr) & kLsrDr, 0);
}

TEST_F(UartTest, Loopback_FifoOverflowSetsOe) {
  Out(kMcr, kMcrLoop);
  Out(kIirFcr, kFcrEnable);
  for (int i = 0; i < 17; ++i) Out(kRbrThr, static_cast<uint8_t>('a' + i));
  EXPECT_EQ(In(kLsr) & (kLsrOe | kLsrDr), kLsrOe | kLsrDr);
  std::string got;
  while (In(kLsr) & kLsrDr) got.push_back(static_cast<char>(In(kRbrThr)));
  EXPECT_EQ(got, "abcdefghijklmnop");
}

TEST_F(UartTest, Loopback_ModemLinesFollowMcr) {
  Out(kMcr, kMcrLoop);
  EXPECT_EQ(In(kMsr) & 0xF0, 0);
  Out(kMcr, kMcrLoop | kMcrDtr | kMcrRts | kMcrOut1 | kMcrOut2);
  EXPECT_EQ(In(kMsr), kMsrDsr | kMsrCts | kMsrRi | kMsrDcd | kMsrDdsr | kMsrDcts | kMsrDdcd);
  EXPECT_EQ(In(kMsr), kMsrDsr | kMsrCts | kMsrRi | kMsrDcd);  // deltas cleared by the read
  Out(kMcr, kMcrLoop | kMcrDtr | kMcrRts | kMcrOut2);  // RI falls: trailing edge
  EXPECT_EQ(In(kMsr), kMsrDsr | kMsrCts | kMsrDcd | kMsrTeri);
  Out(kMcr, kMcrLoop | kMcrDtr | kMcrRts | kMcrOut1 | kMcrOut2);  // RI rises: no delta
  EXPECT_EQ(In(kMsr) & kMsrDeltas, 0);
}

TEST_F(UartTest, ModemStatusInterrupt) {
  Out(kIer, kIerMsi);
  Out(kMcr, kMcrOut2 | kMcrLoop);  // the inputs change from the terminal's to MCR's
  EXPECT_TRUE(irq.level);
  EXPECT_EQ(In(kIirFcr), kIirMsi);
  In(kMsr);
  EXPECT_FALSE(irq.level);
}

TEST_F(UartTest, WideAccess_SplitsIntoBytes) {
  uart.PortWrite(kBase + kLcr, 2, 0x0b03);  // LCR = 03, MCR = 0b
  EXPECT_EQ(In(kLcr), 0x03);
  EXPECT_EQ(In(kMcr), 0x0b);
  EXPECT_EQ(uart.PortRead(kBase + kScr, 2) >> 8, 0xffu);  // base + 8 is not ours
}

TEST_F(UartTest, Reset_LowersIrq) {
  Out(kIer, kIerThri);
  EXPECT_TRUE(irq.level);
  uart.Reset();
  EXPECT_FALSE(irq.level);
}

TEST_F(UartTest, RandomAccesses_NeverCrash) {
  uint32_t x = 99;
  for (int i = 0; i < 50000; ++i) {
    x = x * 1664525 + 1013904223;
    const uint16_t port = static_cast<uint16_t>(kBase - 4 + ((x >> 8) % 16));
    if (x & 1) {
      uart.PortWrite(port, 1u << ((x >> 4) % 4), x >> 16);
    } else {
      (void)uart.PortRead(port, 1u << ((x >> 4) % 4));
    }
    if ((x & 0xf0) == 0) {
      backend.Feed("r");
      uart.Poll();
    }
  }
}

}  // namespace
}  // namespace kiln::devices
