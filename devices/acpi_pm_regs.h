// ACPI fixed hardware registers as Kiln's PM block implements them (ACPI 6.5 section 4.8
// "ACPI Hardware Features": tables 4.13-4.16 for PM1 status/enable/control, 4.8.3.3 for the
// power management timer, 4.8.4.1 for GPE blocks). The addresses are the Kiln PC's; the FADT
// the machine builds (machine/boot/acpi_tables) must carry the same ones.
#pragma once

#include <cstdint>

namespace kiln::devices::acpi_pm {

// Kiln PC port blocks (the FADT's PM1a_EVT_BLK, PM1a_CNT_BLK, PM_TMR_BLK, GPE0_BLK).
inline constexpr uint16_t kPm1EvtPort = 0x600;  ///< 4 bytes: PM1_STS (2), PM1_EN (2)
inline constexpr uint16_t kPm1CntPort = 0x604;  ///< 2 bytes: PM1_CNT
inline constexpr uint16_t kPmTmrPort = 0x608;   ///< 4 bytes: PM_TMR
inline constexpr uint16_t kGpe0Port = 0x620;    ///< 4 bytes: GPE0_STS (2), GPE0_EN (2)
inline constexpr unsigned kPm1EvtLength = 4;
inline constexpr unsigned kPm1CntLength = 2;
inline constexpr unsigned kPmTmrLength = 4;
inline constexpr unsigned kGpe0Length = 4;
inline constexpr unsigned kGpe0Bits = kGpe0Length / 2 * 8;  ///< GPEs 0-15

/// The PM1_CNT.SLP_TYP value that means S5 (soft off): what the DSDT's \_S5 package holds.
inline constexpr uint8_t kSlpTypS5 = 7;

// PM1_STS (write 1 to clear) and PM1_EN: the same bit positions.
inline constexpr uint16_t kTmrSts = 1u << 0;     ///< PM timer bit 23 changed
inline constexpr uint16_t kBmSts = 1u << 4;      ///< bus master activity (status only)
inline constexpr uint16_t kGblSts = 1u << 5;     ///< BIOS released the global lock
inline constexpr uint16_t kPwrBtnSts = 1u << 8;  ///< power button pressed
inline constexpr uint16_t kSlpBtnSts = 1u << 9;  ///< sleep button pressed
inline constexpr uint16_t kRtcSts = 1u << 10;    ///< RTC alarm
inline constexpr uint16_t kWakSts = 1u << 15;    ///< woken from a sleeping state
inline constexpr uint16_t kPm1StsBits = kTmrSts | kBmSts | kGblSts | kPwrBtnSts | kSlpBtnSts | kRtcSts | kWakSts;
/// Status bits that raise the SCI when their enable bit is set.
inline constexpr uint16_t kPm1EnBits = kTmrSts | kGblSts | kPwrBtnSts | kSlpBtnSts | kRtcSts;

// PM1_CNT.
inline constexpr uint16_t kSciEn = 1u << 0;   ///< always 1: no SMI_CMD, the board is always in ACPI mode
inline constexpr uint16_t kBmRld = 1u << 1;   ///< bus master wakes from C3 (stored)
inline constexpr uint16_t kGblRls = 1u << 2;  ///< write-only: release the global lock to the BIOS
inline constexpr unsigned kSlpTypShift = 10;
inline constexpr uint16_t kSlpTypMask = 7u << kSlpTypShift;
inline constexpr uint16_t kSlpEn = 1u << 13;  ///< write-only: enter the SLP_TYP state

// PM_TMR: a free-running 24-bit counter at 3.579545 MHz (the FADT leaves TMR_VAL_EXT clear).
inline constexpr uint64_t kPmTimerHz = 3'579'545;
inline constexpr unsigned kPmTimerBits = 24;
inline constexpr uint32_t kPmTimerMask = (1u << kPmTimerBits) - 1;

}  // namespace kiln::devices::acpi_pm
