// The SMBIOS tables (DMTF DSP0134 3.x, the 2.8 entry point) of Kiln's PC for a kernel booted
// without a BIOS: what `dmesg`'s "DMI:" line, /sys/class/dmi/id and dmidecode show. A BIOS puts
// them in the F-segment, where an OS without EFI finds the entry point by scanning 0xF0000-
// 0xFFFFF on 16-byte boundaries for "_SM_"; Kiln does the same.
//
// Structures: BIOS (type 0), system (1), chassis (3), one processor per CPU (4), the physical
// memory array (16), one memory device per 16 GiB or part of RAM (17), one mapped address range
// per RAM range (19), system boot information (32), end of table (127). As with the ACPI
// tables, the builder knows nothing of its own: the machine fills SmbiosBoard.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace kiln::machine {

struct SmbiosBoard {
  std::string bios_vendor = "Kiln";
  std::string bios_version;       ///< Kiln's version
  std::string bios_date = "11/23/2026";  ///< mm/dd/yyyy, as DSP0134 asks
  uint8_t bios_major = 0, bios_minor = 1;
  std::string manufacturer = "Kiln";
  std::string product = "Kiln PC (i440FX + PIIX3)";
  std::string version;            ///< the machine's version (Kiln's)
  std::string family = "Kiln";
  /// The system UUID in RFC 4122 byte order (QEMU's -uuid); all zero: not set. The table holds
  /// it with its first three fields little-endian (DSP0134 7.2.1).
  std::array<uint8_t, 16> uuid{};
  unsigned cpu_count = 1;
  std::string cpu_manufacturer;   ///< CPUID's vendor string
  std::string cpu_version;        ///< CPUID's brand string
  uint32_t cpu_signature = 0;     ///< CPUID.1:EAX
  uint32_t cpu_features = 0;      ///< CPUID.1:EDX
  uint16_t cpu_mhz = 0;           ///< current and maximum speed
  /// The RAM installed (-m), for the memory array and devices (types 16 and 17), and where it
  /// appears in the physical address space (base, size), for the mapped ranges (type 19): the
  /// legacy hole hides 384 KiB of it, as on a PC.
  uint64_t ram_bytes = 0;
  std::vector<std::pair<uint64_t, uint64_t>> ram;
};

struct SmbiosTables {
  std::vector<uint8_t> entry_point;  ///< the 31-byte "_SM_" entry point (SMBIOS 2.8)
  std::vector<uint8_t> table;        ///< the structure table, to be placed at table_address
  uint16_t structure_count = 0;
};

/// Builds the entry point and the structure table, which the caller places at `table_address`
/// (below 4 GiB: the 2.8 entry point has a 32-bit address). Throws std::invalid_argument for a
/// board with no CPU, no RAM (or ranges), or a table that would not fit the entry point's 16-bit length.
SmbiosTables BuildSmbiosTables(const SmbiosBoard& board, uint32_t table_address);

}  // namespace kiln::machine
