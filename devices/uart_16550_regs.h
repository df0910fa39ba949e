// 16550A UART registers and bits (National Semiconductor PC16550D datasheet, Table II "Summary of
// Registers"), as offsets from the port base.
#pragma once

#include <cstdint>

namespace kiln::devices::uart {

// Register offsets. With LCR.DLAB = 1, offsets 0 and 1 are the divisor latch.
inline constexpr unsigned kRbrThr = 0;  ///< receive buffer (read) / transmit holding (write); DLL
inline constexpr unsigned kIer = 1;     ///< interrupt enable; DLM
inline constexpr unsigned kIirFcr = 2;  ///< interrupt identification (read) / FIFO control (write)
inline constexpr unsigned kLcr = 3;     ///< line control
inline constexpr unsigned kMcr = 4;     ///< modem control
inline constexpr unsigned kLsr = 5;     ///< line status
inline constexpr unsigned kMsr = 6;     ///< modem status
inline constexpr unsigned kScr = 7;     ///< scratch
inline constexpr unsigned kPorts = 8;

// IER
inline constexpr uint8_t kIerRdi = 0x01;   ///< received data available (and character timeout)
inline constexpr uint8_t kIerThri = 0x02;  ///< transmitter holding register empty
inline constexpr uint8_t kIerRlsi = 0x04;  ///< receiver line status
inline constexpr uint8_t kIerMsi = 0x08;   ///< modem status
inline constexpr uint8_t kIerMask = 0x0F;

// IIR: bit 0 = no interrupt pending, bits 1-3 the source, bits 6-7 set when the FIFOs are on.
inline constexpr uint8_t kIirNoInt = 0x01;
inline constexpr uint8_t kIirMsi = 0x00;   ///< priority 4: modem status
inline constexpr uint8_t kIirThri = 0x02;  ///< priority 3: THR empty
inline constexpr uint8_t kIirRdi = 0x04;   ///< priority 2: received data at trigger level
inline constexpr uint8_t kIirRlsi = 0x06;  ///< priority 1: receiver line status
inline constexpr uint8_t kIirCti = 0x0C;   ///< priority 2: character timeout (FIFO mode)
inline constexpr uint8_t kIirIdMask = 0x0F;
inline constexpr uint8_t kIirFifoEnabled = 0xC0;

// FCR
inline constexpr uint8_t kFcrEnable = 0x01;
inline constexpr uint8_t kFcrRxReset = 0x02;
inline constexpr uint8_t kFcrTxReset = 0x04;
inline constexpr uint8_t kFcrDmaMode = 0x08;
inline constexpr uint8_t kFcrTriggerMask = 0xC0;  ///< RX trigger level: 00=1, 01=4, 10=8, 11=14 bytes
inline constexpr unsigned kFifoSize = 16;

// LCR
inline constexpr uint8_t kLcrDlab = 0x80;  ///< divisor latch access
inline constexpr uint8_t kLcrBreak = 0x40;

// MCR
inline constexpr uint8_t kMcrDtr = 0x01;
inline constexpr uint8_t kMcrRts = 0x02;
inline constexpr uint8_t kMcrOut1 = 0x04;
inline constexpr uint8_t kMcrOut2 = 0x08;  ///< on a PC: enables the UART's IRQ driver onto the bus
inline constexpr uint8_t kMcrLoop = 0x10;
inline constexpr uint8_t kMcrMask = 0x1F;

// LSR
inline constexpr uint8_t kLsrDr = 0x01;    ///< data ready
inline constexpr uint8_t kLsrOe = 0x02;    ///< overrun error
inline constexpr uint8_t kLsrPe = 0x04;    ///< parity error
inline constexpr uint8_t kLsrFe = 0x08;    ///< framing error
inline constexpr uint8_t kLsrBi = 0x10;    ///< break interrupt
inline constexpr uint8_t kLsrThre = 0x20;  ///< transmitter holding register (or TX FIFO) empty
inline constexpr uint8_t kLsrTemt = 0x40;  ///< transmitter empty (THR and shift register)
inline constexpr uint8_t kLsrFifoError = 0x80;
inline constexpr uint8_t kLsrErrors = kLsrOe | kLsrPe | kLsrFe | kLsrBi;  ///< line-status interrupt sources

// MSR: low nibble = deltas (cleared by reading MSR), high nibble = the modem input lines.
inline constexpr uint8_t kMsrDcts = 0x01;
inline constexpr uint8_t kMsrDdsr = 0x02;
inline constexpr uint8_t kMsrTeri = 0x04;  ///< trailing edge of RI
inline constexpr uint8_t kMsrDdcd = 0x08;
inline constexpr uint8_t kMsrDeltas = 0x0F;
inline constexpr uint8_t kMsrCts = 0x10;
inline constexpr uint8_t kMsrDsr = 0x20;
inline constexpr uint8_t kMsrRi = 0x40;
inline constexpr uint8_t kMsrDcd = 0x80;

}  // namespace kiln::devices::uart
