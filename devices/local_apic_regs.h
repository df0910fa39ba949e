// Local APIC (xAPIC mode): MMIO register offsets, LVT/ICR/SVR fields, ESR bits and the
// IA32_APIC_BASE MSR layout (Intel SDM Vol. 3A, chapter 10 "Advanced Programmable Interrupt
// Controller", Table 10-1 and Figures 10-5, 10-8, 10-12, 10-13, 10-23).
#pragma once

#include <cstdint>

namespace kiln::devices::lapic {

inline constexpr uint64_t kDefaultBase = 0xfee00000;  ///< reset value of the APIC base
inline constexpr uint64_t kMmioSize = 0x1000;

// --- IA32_APIC_BASE (MSR 0x1b) ---
inline constexpr uint32_t kMsrApicBase = 0x1b;
inline constexpr uint64_t kBaseBsp = 1u << 8;      ///< this is the bootstrap processor (read-only)
inline constexpr uint64_t kBaseX2Apic = 1u << 10;  ///< x2APIC enable: not supported here
inline constexpr uint64_t kBaseEnable = 1u << 11;  ///< APIC global enable
inline constexpr uint64_t kBaseAddressMask = 0x000ffffffffff000;  ///< bits 51:12
inline constexpr uint32_t kMsrTscDeadline = 0x6e0;

// --- register offsets (16-byte aligned, 32 bits wide) ---
inline constexpr uint32_t kRegId = 0x020;       ///< APIC ID in bits 31:24
inline constexpr uint32_t kRegVersion = 0x030;  ///< read-only
inline constexpr uint32_t kRegTpr = 0x080;      ///< task priority
inline constexpr uint32_t kRegApr = 0x090;      ///< arbitration priority (read-only)
inline constexpr uint32_t kRegPpr = 0x0a0;      ///< processor priority (read-only)
inline constexpr uint32_t kRegEoi = 0x0b0;      ///< write-only
inline constexpr uint32_t kRegRrd = 0x0c0;      ///< remote read (read-only, reads 0)
inline constexpr uint32_t kRegLdr = 0x0d0;      ///< logical destination, bits 31:24
inline constexpr uint32_t kRegDfr = 0x0e0;      ///< destination format, model in bits 31:28
inline constexpr uint32_t kRegSvr = 0x0f0;      ///< spurious-interrupt vector
inline constexpr uint32_t kRegIsr = 0x100;      ///< 8 registers, 0x100-0x170
inline constexpr uint32_t kRegTmr = 0x180;      ///< 8 registers, 0x180-0x1f0
inline constexpr uint32_t kRegIrr = 0x200;      ///< 8 registers, 0x200-0x270
inline constexpr uint32_t kRegEsr = 0x280;      ///< error status
inline constexpr uint32_t kRegLvtCmci = 0x2f0;
inline constexpr uint32_t kRegIcrLow = 0x300;
inline constexpr uint32_t kRegIcrHigh = 0x310;
inline constexpr uint32_t kRegLvtTimer = 0x320;
inline constexpr uint32_t kRegLvtThermal = 0x330;
inline constexpr uint32_t kRegLvtPerf = 0x340;
inline constexpr uint32_t kRegLvtLint0 = 0x350;
inline constexpr uint32_t kRegLvtLint1 = 0x360;
inline constexpr uint32_t kRegLvtError = 0x370;
inline constexpr uint32_t kRegTimerInitial = 0x380;
inline constexpr uint32_t kRegTimerCurrent = 0x390;  ///< read-only
inline constexpr uint32_t kRegTimerDivide = 0x3e0;

/// Version register as QEMU's: version 0x14 (integrated APIC), max LVT entry 5 in bits 23:16.
inline constexpr uint32_t kVersion = 0x00050014;

// --- the local vector table, in the order of the enum below ---
enum Lvt : unsigned { kLvtCmci, kLvtTimer, kLvtThermal, kLvtPerf, kLvtLint0, kLvtLint1, kLvtError, kLvtCount };
inline constexpr uint32_t kLvtOffsets[kLvtCount] = {kRegLvtCmci,  kRegLvtTimer, kRegLvtThermal, kRegLvtPerf,
                                                    kRegLvtLint0, kRegLvtLint1, kRegLvtError};

// LVT fields (Figure 10-8)
inline constexpr uint32_t kLvtVectorMask = 0xff;
inline constexpr uint32_t kLvtDeliveryModeMask = 0x700;  ///< bits 10:8 (not in timer/error)
inline constexpr uint32_t kLvtDeliveryStatus = 1u << 12;  ///< read-only
inline constexpr uint32_t kLvtPolarityLow = 1u << 13;    ///< LINT0/1 only
inline constexpr uint32_t kLvtRemoteIrr = 1u << 14;      ///< LINT0/1 only, read-only
inline constexpr uint32_t kLvtLevelTriggered = 1u << 15;  ///< LINT0/1 only
inline constexpr uint32_t kLvtMasked = 1u << 16;
inline constexpr unsigned kLvtTimerModeShift = 17;  ///< timer only: bits 18:17
inline constexpr uint32_t kLvtTimerModeMask = 3u << kLvtTimerModeShift;
enum class TimerMode : uint32_t { kOneShot = 0, kPeriodic = 1, kTscDeadline = 2 };

/// The bits software may write in each LVT entry (the rest read 0 or are status).
inline constexpr uint32_t kLvtWritable[kLvtCount] = {
    0x107ff,  // CMCI: vector, delivery mode, mask
    0x700ff,  // timer: vector, mask, mode
    0x107ff,  // thermal
    0x107ff,  // performance counters
    0x1a7ff,  // LINT0: vector, delivery mode, polarity, trigger, mask
    0x1a7ff,  // LINT1 (the SDM says LINT1 is always edge-triggered; the bit still reads back)
    0x100ff,  // error: vector, mask
};

// --- spurious-interrupt vector register ---
inline constexpr uint32_t kSvrVectorMask = 0xff;
inline constexpr uint32_t kSvrEnable = 1u << 8;  ///< APIC software enable
inline constexpr uint32_t kSvrFocus = 1u << 9;   ///< focus processor checking (stored only)
inline constexpr uint32_t kSvrWritable = 0x3ff;  ///< no EOI-broadcast suppression (bit 12)

// --- interrupt command register (Figure 10-12) ---
inline constexpr uint32_t kIcrVectorMask = 0xff;
inline constexpr unsigned kIcrDeliveryModeShift = 8;
inline constexpr uint32_t kIcrLogical = 1u << 11;
inline constexpr uint32_t kIcrDeliveryStatus = 1u << 12;  ///< always 0 here: delivery is instant
inline constexpr uint32_t kIcrLevelAssert = 1u << 14;
inline constexpr uint32_t kIcrLevelTriggered = 1u << 15;
inline constexpr unsigned kIcrShorthandShift = 18;
inline constexpr uint32_t kIcrLowWritable = 0x000ccfff;
inline constexpr unsigned kIcrDestinationShift = 24;  ///< in ICR high

// --- error status register bits (Figure 10-9) ---
inline constexpr uint32_t kEsrSendIllegalVector = 1u << 5;
inline constexpr uint32_t kEsrReceiveIllegalVector = 1u << 6;
inline constexpr uint32_t kEsrIllegalRegister = 1u << 7;

// --- destination format ---
inline constexpr uint32_t kDfrFlat = 0xf;     ///< model in bits 31:28
inline constexpr uint32_t kDfrCluster = 0x0;
inline constexpr uint32_t kDfrReadAsOnes = 0x0fffffff;

/// Divide configuration: bits 0, 1 and 3 are the divider code (Figure 10-10).
inline constexpr uint32_t kDivideWritable = 0xb;

}  // namespace kiln::devices::lapic
