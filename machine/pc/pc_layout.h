// The physical layout of Kiln's PC board (QEMU's `pc` machine has the same): where RAM, the
// legacy holes, the PCI hole and the chipset's fixed MMIO windows are.
#pragma once

#include <cstdint>

namespace kiln::machine::pc_layout {

inline constexpr uint64_t kLowRamEnd = 0xA0000;        ///< 640 KiB of conventional memory
inline constexpr uint64_t kEbdaStart = 0x9FC00;        ///< the top 1 KiB of it, reserved as a BIOS leaves it
inline constexpr uint64_t kBiosAreaStart = 0xF0000;    ///< the BIOS ROM window, reserved in e820
inline constexpr uint64_t kHighRamStart = 0x100000;    ///< 1 MiB
inline constexpr uint64_t kPciHoleStart = 0xE0000000;  ///< RAM above this goes above 4 GiB
inline constexpr uint64_t kFourGiB = 0x100000000;
inline constexpr uint64_t kBiosAliasSize = 128 * 1024;
inline constexpr uint64_t kIoApicBase = 0xFEC00000, kIoApicSize = 0x1000;
inline constexpr uint64_t kHpetBase = 0xFED00000, kHpetSize = 0x400;
inline constexpr uint64_t kLocalApicBase = 0xFEE00000, kLocalApicSize = 0x1000;
/// The ACPI tables: the top of the RAM below 4 GiB (a few KiB; 64 KiB reserved).
inline constexpr uint64_t kAcpiReserve = 64 * 1024;

}  // namespace kiln::machine::pc_layout
