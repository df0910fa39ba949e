// MC146818 real-time clock and CMOS RAM on a PC: ports, register indexes and bits (Motorola
// MC146818A datasheet; the PC NVRAM layout as QEMU's hw/rtc/mc146818rtc.c and SeaBIOS use it).
#pragma once

#include <cstdint>

namespace kiln::devices::rtc {

inline constexpr uint16_t kIndexPort = 0x70;      ///< write: bit 7 = NMI disable, bits 6-0 = index
inline constexpr uint16_t kDataPort = 0x71;       ///< the register / NVRAM byte at the index
inline constexpr uint16_t kHighIndexPort = 0x72;  ///< index of the upper 128 bytes (QEMU)
inline constexpr uint16_t kHighDataPort = 0x73;
inline constexpr uint8_t kNmiDisable = 0x80;
inline constexpr unsigned kNvramSize = 256;

// Clock and control registers.
inline constexpr uint8_t kSeconds = 0x00;
inline constexpr uint8_t kSecondsAlarm = 0x01;
inline constexpr uint8_t kMinutes = 0x02;
inline constexpr uint8_t kMinutesAlarm = 0x03;
inline constexpr uint8_t kHours = 0x04;
inline constexpr uint8_t kHoursAlarm = 0x05;
inline constexpr uint8_t kDayOfWeek = 0x06;  ///< 1 = Sunday
inline constexpr uint8_t kDayOfMonth = 0x07;
inline constexpr uint8_t kMonth = 0x08;
inline constexpr uint8_t kYear = 0x09;  ///< 0-99 within the century
inline constexpr uint8_t kRegA = 0x0a;
inline constexpr uint8_t kRegB = 0x0b;
inline constexpr uint8_t kRegC = 0x0c;
inline constexpr uint8_t kRegD = 0x0d;
inline constexpr uint8_t kCentury = 0x32;  ///< IBM PC/AT century byte (QEMU, SeaBIOS, ACPI FADT)

// PC configuration bytes the machine fills (SetNvram); the RTC itself only stores them.
inline constexpr uint8_t kShutdownStatus = 0x0f;
inline constexpr uint8_t kEquipment = 0x14;
inline constexpr uint8_t kBaseMemLow = 0x15;  ///< KiB below 1 MiB (640)
inline constexpr uint8_t kBaseMemHigh = 0x16;
inline constexpr uint8_t kExtMemLow = 0x17;  ///< KiB above 1 MiB, up to 64 MiB
inline constexpr uint8_t kExtMemHigh = 0x18;
inline constexpr uint8_t kExtMem2Low = 0x30;  ///< the same, second copy
inline constexpr uint8_t kExtMem2High = 0x31;
inline constexpr uint8_t kMemAbove16MLow = 0x34;  ///< 64 KiB units above 16 MiB, below 4 GiB
inline constexpr uint8_t kMemAbove16MHigh = 0x35;
inline constexpr uint8_t kMemAbove4G = 0x5b;  ///< 0x5b-0x5d: 64 KiB units above 4 GiB (24 bits)

// Register A.
inline constexpr uint8_t kAUip = 0x80;  ///< update in progress (read-only)
inline constexpr uint8_t kADividerMask = 0x70;
inline constexpr unsigned kADividerShift = 4;
inline constexpr uint8_t kADivider32k = 0x20;  ///< 010: 32.768 kHz time base, running
inline constexpr uint8_t kARateMask = 0x0f;
// Register B.
inline constexpr uint8_t kBSet = 0x80;   ///< inhibit updates while the time is written
inline constexpr uint8_t kBPie = 0x40;   ///< periodic interrupt enable
inline constexpr uint8_t kBAie = 0x20;   ///< alarm interrupt enable
inline constexpr uint8_t kBUie = 0x10;   ///< update-ended interrupt enable
inline constexpr uint8_t kBSqwe = 0x08;  ///< square-wave output (no pin on a PC: stored only)
inline constexpr uint8_t kBDm = 0x04;    ///< data mode: 1 = binary, 0 = BCD
inline constexpr uint8_t k24Hour = 0x02;
inline constexpr uint8_t kBDse = 0x01;  ///< daylight saving enable: stored, ignored (as QEMU)
// Register C (read-only; reading clears it).
inline constexpr uint8_t kCIrqf = 0x80;
inline constexpr uint8_t kCPf = 0x40;
inline constexpr uint8_t kCAf = 0x20;
inline constexpr uint8_t kCUf = 0x10;
// Register D.
inline constexpr uint8_t kDVrt = 0x80;  ///< valid RAM and time: the battery is good

inline constexpr uint8_t kHourPm = 0x80;           ///< 12-hour mode: PM
inline constexpr uint8_t kAlarmDontCare = 0xc0;    ///< an alarm byte of 0xC0-0xFF matches any value
inline constexpr uint64_t kUipNs = 244'000;        ///< UIP is set this long before each update
inline constexpr uint64_t kTimeBaseHz = 32768;     ///< the divider's input

}  // namespace kiln::devices::rtc
