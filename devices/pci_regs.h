// PCI configuration space (PCI Local Bus Specification 3.0, section 6.1 "Configuration Space
// Organization", 6.2 "Configuration Space Functions", 6.2.5 "Base Addresses") and configuration
// mechanism #1 (section 3.2.2.3.2) as a PC chipset decodes it at ports 0xCF8 and 0xCFC-0xCFF.
#pragma once

#include <cstdint>

namespace kiln::devices::pci {

// Configuration mechanism #1.
inline constexpr uint16_t kConfigAddressPort = 0xCF8;  ///< 32-bit CONFIG_ADDRESS (dword accesses only)
inline constexpr uint16_t kConfigDataPort = 0xCFC;     ///< CONFIG_DATA, 0xCFC-0xCFF: any width, byte lanes
inline constexpr uint16_t kResetControlPort = 0xCF9;   ///< PIIX3 reset control register (byte)
inline constexpr uint16_t kPorts = 8;                  ///< 0xCF8-0xCFF, registered as one range
inline constexpr uint32_t kConfigEnable = 1u << 31;
inline constexpr unsigned kBusShift = 16, kDeviceShift = 11, kFunctionShift = 8;
inline constexpr uint32_t kRegisterMask = 0xFC;  ///< bits 7-2: the dword; bits 1-0 read as 0

inline constexpr unsigned kSlots = 32;
inline constexpr unsigned kFunctions = 8;
inline constexpr unsigned kConfigSize = 256;

// Type 0 header.
inline constexpr unsigned kVendorId = 0x00;
inline constexpr unsigned kDeviceId = 0x02;
inline constexpr unsigned kCommand = 0x04;
inline constexpr unsigned kStatus = 0x06;
inline constexpr unsigned kRevisionId = 0x08;
inline constexpr unsigned kClassCode = 0x09;  ///< 3 bytes: programming interface, subclass, class
inline constexpr unsigned kCacheLineSize = 0x0C;
inline constexpr unsigned kLatencyTimer = 0x0D;
inline constexpr unsigned kHeaderType = 0x0E;
inline constexpr unsigned kBar0 = 0x10;
inline constexpr unsigned kBars = 6;
inline constexpr unsigned kSubsystemVendorId = 0x2C;
inline constexpr unsigned kSubsystemId = 0x2E;
inline constexpr unsigned kExpansionRom = 0x30;
inline constexpr unsigned kCapabilities = 0x34;
inline constexpr unsigned kInterruptLine = 0x3C;
inline constexpr unsigned kInterruptPin = 0x3D;  ///< 0 none, 1-4 INTA-INTD
inline constexpr unsigned kDeviceSpecific = 0x40;

inline constexpr uint8_t kHeaderMultiFunction = 0x80;

// Command register.
inline constexpr uint16_t kCommandIo = 1u << 0;
inline constexpr uint16_t kCommandMemory = 1u << 1;
inline constexpr uint16_t kCommandMaster = 1u << 2;
inline constexpr uint16_t kCommandParity = 1u << 6;
inline constexpr uint16_t kCommandSerr = 1u << 8;
inline constexpr uint16_t kCommandIntxDisable = 1u << 10;
inline constexpr uint16_t kCommandWritable =
    kCommandIo | kCommandMemory | kCommandMaster | kCommandParity | kCommandSerr | kCommandIntxDisable;

// Status register.
inline constexpr uint16_t kStatusInterrupt = 1u << 3;       ///< INTx asserted (read-only)
inline constexpr uint16_t kStatusDevselMedium = 1u << 9;
inline constexpr uint16_t kStatusWriteOneToClear = 0xF900;  ///< parity, aborts, SERR: write 1 to clear

// Base address registers.
inline constexpr uint32_t kBarIo = 1u << 0;
inline constexpr uint32_t kBarMem64 = 2u << 1;
inline constexpr uint32_t kBarPrefetchable = 1u << 3;

}  // namespace kiln::devices::pci
