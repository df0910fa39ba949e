// I/O APIC: MMIO layout, indirect register indexes and redirection-entry fields (Intel 82093AA
// I/O APIC datasheet, sections 3.0-3.2; the EOI register of version 0x20 as in QEMU's
// hw/intc/ioapic.c and the ICH datasheets).
#pragma once

#include <cstdint>

namespace kiln::devices::ioapic {

inline constexpr uint64_t kDefaultBase = 0xfec00000;
inline constexpr uint64_t kMmioSize = 0x1000;
inline constexpr unsigned kPins = 24;

// MMIO offsets
inline constexpr uint64_t kIoRegSel = 0x00;  ///< index of the register IOWIN accesses (8 bits)
inline constexpr uint64_t kIoWin = 0x10;     ///< the selected 32-bit register
inline constexpr uint64_t kEoi = 0x40;       ///< write a vector: EOI of level-triggered entries

// Indirect registers (IOREGSEL values)
inline constexpr uint8_t kRegId = 0x00;       ///< ID in bits 27:24
inline constexpr uint8_t kRegVersion = 0x01;  ///< version, max redirection entry in 23:16
inline constexpr uint8_t kRegArb = 0x02;      ///< arbitration ID (reads 0, as QEMU)
inline constexpr uint8_t kRegRedirBase = 0x10;  ///< entry n: low dword 0x10 + 2n, high 0x11 + 2n

inline constexpr uint32_t kVersion = 0x20;  ///< QEMU's default, with the EOI register
inline constexpr uint32_t kVersionValue = kVersion | ((kPins - 1) << 16);  ///< 0x00170020
inline constexpr unsigned kIdShift = 24;
inline constexpr uint32_t kIdMask = 0xf;

// Redirection entry (64 bits)
inline constexpr uint64_t kVectorMask = 0xff;
inline constexpr unsigned kDeliveryModeShift = 8;  ///< bits 10:8
inline constexpr uint64_t kDestLogical = 1u << 11;
inline constexpr uint64_t kDeliveryStatus = 1u << 12;  ///< read-only (always 0: delivery is instant)
inline constexpr uint64_t kPolarityLow = 1u << 13;
inline constexpr uint64_t kRemoteIrr = 1u << 14;  ///< read-only: level interrupt accepted, no EOI yet
inline constexpr uint64_t kLevelTriggered = 1u << 15;
inline constexpr uint64_t kMasked = 1u << 16;
inline constexpr unsigned kDestinationShift = 56;
/// Bits software writes: vector, delivery mode, destination mode, polarity, trigger, mask,
/// destination. Delivery status and remote IRR are kept.
inline constexpr uint64_t kWritable = 0xff00'0000'0001'afffull;
inline constexpr uint64_t kResetEntry = kMasked;

}  // namespace kiln::devices::ioapic
