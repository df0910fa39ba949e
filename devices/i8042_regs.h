// Intel 8042 keyboard controller on a PC: ports, status and command-byte bits, controller
// commands, output-port bits (IBM PS/2 technical reference, "Keyboard/Auxiliary Device
// Controller"; Linux drivers/input/serio/i8042.h; QEMU hw/input/pckbd.c).
#pragma once

#include <cstdint>

namespace kiln::devices::i8042 {

inline constexpr uint16_t kDataPort = 0x60;     ///< read: output buffer; write: data / parameter
inline constexpr uint16_t kCommandPort = 0x64;  ///< read: status; write: controller command

// Status register (port 0x64).
inline constexpr uint8_t kStatusObf = 0x01;       ///< output buffer full
inline constexpr uint8_t kStatusIbf = 0x02;       ///< input buffer full (never: writes complete at once)
inline constexpr uint8_t kStatusSys = 0x04;       ///< system flag (self test passed / CTR bit 2)
inline constexpr uint8_t kStatusCommand = 0x08;   ///< the last write was to port 0x64
inline constexpr uint8_t kStatusUnlocked = 0x10;  ///< keyboard not inhibited (no keylock)
inline constexpr uint8_t kStatusAuxData = 0x20;   ///< the output buffer holds a mouse byte
inline constexpr uint8_t kStatusTimeout = 0x40;   ///< always 0
inline constexpr uint8_t kStatusParity = 0x80;    ///< always 0

// Command byte (controller RAM byte 0).
inline constexpr uint8_t kCtrKbdInt = 0x01;   ///< IRQ1 on keyboard data
inline constexpr uint8_t kCtrAuxInt = 0x02;   ///< IRQ12 on mouse data
inline constexpr uint8_t kCtrSys = 0x04;      ///< system flag
inline constexpr uint8_t kCtrIgnKeylock = 0x08;
inline constexpr uint8_t kCtrKbdDis = 0x10;   ///< keyboard clock held low
inline constexpr uint8_t kCtrAuxDis = 0x20;   ///< mouse clock held low
inline constexpr uint8_t kCtrXlate = 0x40;    ///< translate set 2 to set 1
/// What the controller holds after power-on in QEMU (interrupts on): SeaBIOS then sets its own.
inline constexpr uint8_t kCtrPowerOn = kCtrKbdInt | kCtrAuxInt;

// Controller commands (port 0x64).
inline constexpr uint8_t kCmdReadRam = 0x20;   ///< 0x20-0x3f: RAM byte (cmd & 0x1f); 0x20 = CTR
inline constexpr uint8_t kCmdWriteRam = 0x60;  ///< 0x60-0x7f: the next data byte to RAM
inline constexpr uint8_t kCmdAuxDisable = 0xa7;
inline constexpr uint8_t kCmdAuxEnable = 0xa8;
inline constexpr uint8_t kCmdAuxTest = 0xa9;   ///< 0x00 = interface OK
inline constexpr uint8_t kCmdSelfTest = 0xaa;  ///< 0x55 = OK
inline constexpr uint8_t kCmdKbdTest = 0xab;   ///< 0x00 = interface OK
inline constexpr uint8_t kCmdKbdDisable = 0xad;
inline constexpr uint8_t kCmdKbdEnable = 0xae;
inline constexpr uint8_t kCmdReadInput = 0xc0;
inline constexpr uint8_t kCmdReadOutput = 0xd0;
inline constexpr uint8_t kCmdWriteOutput = 0xd1;
inline constexpr uint8_t kCmdWriteKbdBuffer = 0xd2;  ///< next byte appears as keyboard data
inline constexpr uint8_t kCmdWriteAuxBuffer = 0xd3;  ///< next byte appears as mouse data (loopback)
inline constexpr uint8_t kCmdWriteAux = 0xd4;        ///< next byte goes to the mouse
inline constexpr uint8_t kCmdDisableA20 = 0xdd;      ///< HP Vectra extension, as QEMU
inline constexpr uint8_t kCmdEnableA20 = 0xdf;
inline constexpr uint8_t kCmdPulseBase = 0xf0;  ///< 0xf0-0xff: pulse output bits 0-3 that are 0
inline constexpr uint8_t kSelfTestOk = 0x55;
inline constexpr uint8_t kInterfaceOk = 0x00;
inline constexpr unsigned kRamSize = 32;

// Output port (commands 0xd0/0xd1).
inline constexpr uint8_t kOutReset = 0x01;     ///< 0 = system reset
inline constexpr uint8_t kOutA20 = 0x02;       ///< A20 gate
inline constexpr uint8_t kOutKbdObf = 0x10;    ///< output buffer full with keyboard data (IRQ1)
inline constexpr uint8_t kOutAuxObf = 0x20;    ///< output buffer full with mouse data (IRQ12)
inline constexpr uint8_t kOutOnes = 0xcc;      ///< clock/data lines idle high
inline constexpr uint8_t kOutPowerOn = kOutOnes | kOutA20 | kOutReset;
/// Input port (command 0xc0): keyboard not inhibited.
inline constexpr uint8_t kInputPort = 0x80;

}  // namespace kiln::devices::i8042
