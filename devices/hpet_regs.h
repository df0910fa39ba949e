// HPET (IA-PC HPET specification 1.0a, section 2.3): register offsets and bits, with the
// values QEMU's hw/timer/hpet.c presents (Intel vendor ID, 3 timers, 100 MHz counter).
#pragma once

#include <cstdint>

namespace kiln::devices::hpet {

inline constexpr uint64_t kDefaultBase = 0xfed00000;
inline constexpr uint64_t kMmioSize = 0x400;
inline constexpr unsigned kTimers = 3;
inline constexpr uint64_t kPeriodFs = 10'000'000;  ///< 10 ns per tick
inline constexpr uint64_t kFrequencyHz = 100'000'000;

// General registers (64 bits)
inline constexpr uint64_t kRegCapabilities = 0x000;  ///< GCAP_ID, read-only
inline constexpr uint64_t kRegConfig = 0x010;        ///< GEN_CONF
inline constexpr uint64_t kRegIntStatus = 0x020;     ///< GINTR_STA, write 1 to clear
inline constexpr uint64_t kRegCounter = 0x0f0;       ///< MAIN_CNT
// Timer n at 0x100 + 0x20 * n
inline constexpr uint64_t kRegTimerBase = 0x100;
inline constexpr uint64_t kTimerStride = 0x20;
inline constexpr uint64_t kTimerConfig = 0x00;      ///< Tn_CONF_CAP
inline constexpr uint64_t kTimerComparator = 0x08;  ///< Tn_COMPARATOR
inline constexpr uint64_t kTimerFsbRoute = 0x10;    ///< Tn_FSB_INT_ROUTE (FSB not supported: 0)

// GCAP_ID: revision 1, NUM_TIM_CAP = timers - 1, COUNT_SIZE_CAP (64-bit), LEG_RT_CAP,
// vendor 0x8086, COUNTER_CLK_PERIOD in femtoseconds.
inline constexpr uint64_t kCapRevision = 0x01;
inline constexpr uint64_t kCapCount64 = 1u << 13;
inline constexpr uint64_t kCapLegacyRoute = 1u << 15;
inline constexpr uint64_t kCapVendor = uint64_t{0x8086} << 16;
inline constexpr uint64_t kCapabilities =
    (kPeriodFs << 32) | kCapVendor | kCapLegacyRoute | kCapCount64 | (uint64_t{kTimers - 1} << 8) | kCapRevision;

// GEN_CONF
inline constexpr uint64_t kConfigEnable = 1u << 0;
inline constexpr uint64_t kConfigLegacyRoute = 1u << 1;
inline constexpr uint64_t kConfigWritable = kConfigEnable | kConfigLegacyRoute;

// Tn_CONF_CAP
inline constexpr uint64_t kTnLevel = 1u << 1;     ///< Tn_INT_TYPE_CNF: 1 = level
inline constexpr uint64_t kTnEnable = 1u << 2;    ///< Tn_INT_ENB_CNF
inline constexpr uint64_t kTnPeriodic = 1u << 3;  ///< Tn_TYPE_CNF
inline constexpr uint64_t kTnPeriodicCap = 1u << 4;
inline constexpr uint64_t kTnSize64Cap = 1u << 5;
inline constexpr uint64_t kTnValSet = 1u << 6;  ///< next comparator write sets the accumulator
inline constexpr uint64_t kTn32Bit = 1u << 8;   ///< Tn_32MODE_CNF
inline constexpr unsigned kTnRouteShift = 9;    ///< Tn_INT_ROUTE_CNF, bits 13:9
inline constexpr uint64_t kTnRouteMask = 0x1fu << kTnRouteShift;
inline constexpr uint64_t kTnFsbEnable = 1u << 14;  ///< not supported: never set
/// Tn_INT_ROUTE_CAP (bits 63:32): IOAPIC pins 2, 8 and 16-23, QEMU's choice on q35.
inline constexpr uint64_t kTnRouteCap = 0x00ff0104;
inline constexpr uint64_t kTnWritable = kTnLevel | kTnEnable | kTnPeriodic | kTnValSet | kTn32Bit | kTnRouteMask;
/// Every timer can be periodic and is 64 bits wide (as QEMU's).
inline constexpr uint64_t kTnResetConfig = (kTnRouteCap << 32) | kTnPeriodicCap | kTnSize64Cap;

inline constexpr unsigned kLegacyIrqTimer0 = 0;  ///< ISA IRQ0 in legacy replacement
inline constexpr unsigned kLegacyIrqTimer1 = 8;  ///< ISA IRQ8

}  // namespace kiln::devices::hpet
