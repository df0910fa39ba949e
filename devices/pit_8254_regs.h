// Intel 8254 programmable interval timer on a PC: ports, control-word fields, read-back and status
// bits (Intel 82C54 datasheet, "Control Word Format", "Read-Back Command", "Status Byte"), and
// system control port B at 0x61 (IBM PC/AT technical reference; QEMU hw/audio/pcspk.c).
#pragma once

#include <cstdint>

namespace kiln::devices::pit {

inline constexpr uint16_t kChannel0 = 0x40;  ///< counter 0: IRQ0 (the system timer)
inline constexpr uint16_t kChannel1 = 0x41;  ///< counter 1: DRAM refresh on the PC/AT
inline constexpr uint16_t kChannel2 = 0x42;  ///< counter 2: speaker, gated by port 0x61 bit 0
inline constexpr uint16_t kControl = 0x43;   ///< control word (write only; reads as 0xFF)
inline constexpr uint16_t kPortB = 0x61;     ///< system control port B
inline constexpr unsigned kChannels = 3;

/// The input clock of all three counters: 14.31818 MHz / 12 (Linux's PIT_TICK_RATE).
inline constexpr uint64_t kTickRate = 1'193'182;

// Control word (port 0x43): SC1 SC0 RW1 RW0 M2 M1 M0 BCD.
inline constexpr unsigned kCwSelectShift = 6;  ///< 0-2 = counter, 3 = read-back command
inline constexpr uint8_t kCwSelectReadBack = 3;
inline constexpr unsigned kCwAccessShift = 4;
inline constexpr uint8_t kCwAccessMask = 0x30;
inline constexpr unsigned kCwModeShift = 1;
inline constexpr uint8_t kCwModeMask = 0x0e;
inline constexpr uint8_t kCwBcd = 0x01;
/// RW1 RW0: how the count is read and written.
enum class Access : uint8_t {
  kLatch = 0,   ///< counter latch command (not a mode)
  kLsb = 1,     ///< least significant byte only
  kMsb = 2,     ///< most significant byte only
  kLsbMsb = 3,  ///< LSB then MSB, a flip-flop per direction
};

// Read-back command (SC = 3): bit 5 low = latch count, bit 4 low = latch status, bits 3-1 select
// counters 2, 1, 0.
inline constexpr uint8_t kRbNoCount = 0x20;
inline constexpr uint8_t kRbNoStatus = 0x10;
inline constexpr uint8_t kRbCounter0 = 0x02;
// Status byte: OUT, null count, then the counter's programmed RW, mode and BCD bits.
inline constexpr uint8_t kStatusOut = 0x80;
inline constexpr uint8_t kStatusNullCount = 0x40;

/// Count 0 means the largest count: 2^16 in binary, 10^4 in BCD.
inline constexpr uint32_t kBinaryModulus = 0x10000;
inline constexpr uint32_t kBcdModulus = 10000;

// Port 0x61.
inline constexpr uint8_t kPortBGate2 = 0x01;         ///< R/W: gate of counter 2
inline constexpr uint8_t kPortBSpeakerData = 0x02;   ///< R/W: speaker data enable
inline constexpr uint8_t kPortBParityCheck = 0x04;   ///< R/W: (disable) parity check, stored only
inline constexpr uint8_t kPortBChannelCheck = 0x08;  ///< R/W: (disable) I/O channel check, stored only
inline constexpr uint8_t kPortBWritable = 0x0f;
inline constexpr uint8_t kPortBRefresh = 0x10;  ///< R: toggles with each DRAM refresh request
inline constexpr uint8_t kPortBOut2 = 0x20;     ///< R: counter 2's OUT
/// The refresh request toggles every 18 PIT clocks (15.09 us): the BIOS programs counter 1 to 18.
inline constexpr uint64_t kRefreshTicks = 18;

}  // namespace kiln::devices::pit
