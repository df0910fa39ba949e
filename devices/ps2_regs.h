// PS/2 keyboard and mouse protocol: commands and replies (IBM PS/2 Hardware Interface Technical
// Reference, "Keyboard and Auxiliary Device Controller"; QEMU hw/input/ps2.c; Linux libps2,
// atkbd and psmouse for what a driver sends and expects).
#pragma once

#include <cstdint>

namespace kiln::devices::ps2 {

// Replies shared by both devices.
inline constexpr uint8_t kAck = 0xfa;
inline constexpr uint8_t kResend = 0xfe;      ///< "resend": also the answer to an unknown command
inline constexpr uint8_t kSelfTestOk = 0xaa;  ///< BAT completion code after a reset

// Keyboard commands.
inline constexpr uint8_t kKbdSetLeds = 0xed;     ///< + LED byte (bit 0 scroll, 1 num, 2 caps)
inline constexpr uint8_t kKbdEcho = 0xee;        ///< answered with 0xee, no ACK
inline constexpr uint8_t kKbdScanCodeSet = 0xf0; ///< + 0 = get (ACK, set), 1-3 = set
inline constexpr uint8_t kKbdIdentify = 0xf2;    ///< ACK, 0xab, 0x83
inline constexpr uint8_t kKbdTypematic = 0xf3;   ///< + rate/delay byte
inline constexpr uint8_t kKbdEnable = 0xf4;
inline constexpr uint8_t kKbdDisable = 0xf5;     ///< defaults, scanning off
inline constexpr uint8_t kKbdDefaults = 0xf6;    ///< defaults, scanning on
inline constexpr uint8_t kKbdResend = 0xfe;
inline constexpr uint8_t kKbdReset = 0xff;
inline constexpr uint8_t kKbdId0 = 0xab;  ///< MF2 keyboard identification
inline constexpr uint8_t kKbdId1 = 0x83;
inline constexpr uint8_t kKbdBreakPrefix = 0xf0;  ///< set 2: the key-up prefix
inline constexpr uint8_t kKbdDefaultTypematic = 0x2b;  ///< 10.9 characters/s, 500 ms delay

// Mouse commands.
inline constexpr uint8_t kMouseScaling11 = 0xe6;
inline constexpr uint8_t kMouseScaling21 = 0xe7;
inline constexpr uint8_t kMouseSetResolution = 0xe8;  ///< + 0-3 (1, 2, 4, 8 counts/mm)
inline constexpr uint8_t kMouseStatus = 0xe9;         ///< ACK + 3 status bytes
inline constexpr uint8_t kMouseStreamMode = 0xea;
inline constexpr uint8_t kMouseReadData = 0xeb;       ///< ACK + one packet (remote mode)
inline constexpr uint8_t kMouseRemoteMode = 0xf0;
inline constexpr uint8_t kMouseGetId = 0xf2;
inline constexpr uint8_t kMouseSampleRate = 0xf3;     ///< + samples/s
inline constexpr uint8_t kMouseEnable = 0xf4;         ///< data reporting on (stream mode)
inline constexpr uint8_t kMouseDisable = 0xf5;
inline constexpr uint8_t kMouseDefaults = 0xf6;
inline constexpr uint8_t kMouseResend = 0xfe;
inline constexpr uint8_t kMouseReset = 0xff;
inline constexpr uint8_t kMouseIdStandard = 0x00;
inline constexpr uint8_t kMouseIdWheel = 0x03;  ///< IntelliMouse: 4-byte packets with a wheel

// Mouse packet byte 0 and status byte 0.
inline constexpr uint8_t kPacketLeft = 0x01;
inline constexpr uint8_t kPacketRight = 0x02;
inline constexpr uint8_t kPacketMiddle = 0x04;
inline constexpr uint8_t kPacketAlways1 = 0x08;
inline constexpr uint8_t kPacketXSign = 0x10;
inline constexpr uint8_t kPacketYSign = 0x20;
inline constexpr uint8_t kPacketXOverflow = 0x40;
inline constexpr uint8_t kPacketYOverflow = 0x80;
inline constexpr uint8_t kStatusRemote = 0x40;
inline constexpr uint8_t kStatusEnabled = 0x20;
inline constexpr uint8_t kStatusScaling21 = 0x10;
inline constexpr uint8_t kStatusLeft = 0x04;
inline constexpr uint8_t kStatusMiddle = 0x02;
inline constexpr uint8_t kStatusRight = 0x01;

/// Bytes a device buffers for its host (real keyboards hold 16); replies to commands may use a
/// little more so that an ACK is never lost behind a full queue of key events.
inline constexpr unsigned kEventQueueBytes = 16;
inline constexpr unsigned kQueueBytes = 24;

}  // namespace kiln::devices::ps2
