// SMBIOS structures (DSP0134 3.x, chapter 7) and the 2.8 entry point (5.2.1). Offsets in the
// comments are those of the specification's tables.
#include "machine/boot/smbios_tables.h"

#include <algorithm>
#include <stdexcept>

namespace kiln::machine {
namespace {

/// One structure: its formatted area (type, length, handle first) and its string set.
class Structure {
 public:
  Structure(uint8_t type, uint8_t length, uint16_t handle) : bytes_(length, 0) {
    bytes_[0] = type;
    bytes_[1] = length;
    Put16(2, handle);
  }
  void Put8(size_t at, uint8_t v) { bytes_.at(at) = v; }
  void Put16(size_t at, uint16_t v) {
    for (size_t i = 0; i < 2; ++i) bytes_.at(at + i) = static_cast<uint8_t>(v >> (8 * i));
  }
  void Put32(size_t at, uint32_t v) {
    for (size_t i = 0; i < 4; ++i) bytes_.at(at + i) = static_cast<uint8_t>(v >> (8 * i));
  }
  void Put64(size_t at, uint64_t v) {
    for (size_t i = 0; i < 8; ++i) bytes_.at(at + i) = static_cast<uint8_t>(v >> (8 * i));
  }
  /// Adds `s` to the string set and stores its number at `at` (0, "no string", when empty).
  void PutString(size_t at, const std::string& s) {
    if (s.empty()) return;
    strings_.push_back(s);
    bytes_.at(at) = static_cast<uint8_t>(strings_.size());
  }
  /// The formatted area, then each string with its NUL, then the set's terminating NUL (two
  /// NULs for an empty set).
  void AppendTo(std::vector<uint8_t>& out) const {
    out.insert(out.end(), bytes_.begin(), bytes_.end());
    for (const std::string& s : strings_) {
      out.insert(out.end(), s.begin(), s.end());
      out.push_back(0);
    }
    if (strings_.empty()) out.push_back(0);
    out.push_back(0);
  }
  size_t size() const {
    size_t n = bytes_.size() + 1 + (strings_.empty() ? 1 : 0);
    for (const std::string& s : strings_) n += s.size() + 1;
    return n;
  }

 private:
  std::vector<uint8_t> bytes_;
  std::vector<std::string> strings_;
};

constexpr uint16_t kNoHandle = 0xFFFE;  ///< "not provided" for error-information handles
constexpr uint16_t kMemoryArrayHandle = 0x1000;
constexpr uint64_t kDeviceBytes = uint64_t{16} << 30;  ///< RAM per type 17 device

uint8_t Checksum(const uint8_t* p, size_t n) {
  uint8_t sum = 0;
  for (size_t i = 0; i < n; ++i) sum = static_cast<uint8_t>(sum + p[i]);
  return static_cast<uint8_t>(-sum);
}

Structure Bios(const SmbiosBoard& b) {
  Structure s(0, 0x18, 0x0000);
  s.PutString(0x04, b.bios_vendor);
  s.PutString(0x05, b.bios_version);
  s.Put16(0x06, 0xE800);  // starting segment: the F-segment's upper part, as SeaBIOS reports
  s.PutString(0x08, b.bios_date);
  s.Put8(0x09, 0);                // ROM size: 64 KiB
  s.Put64(0x0A, 1u << 3);         // "BIOS characteristics are not supported"
  s.Put8(0x12, 0);
  s.Put8(0x13, 1u << 4);          // extension byte 2: a virtual machine
  s.Put8(0x14, b.bios_major);
  s.Put8(0x15, b.bios_minor);
  s.Put8(0x16, 0xFF);             // no embedded controller
  s.Put8(0x17, 0xFF);
  return s;
}

Structure System(const SmbiosBoard& b) {
  Structure s(1, 0x1B, 0x0100);
  s.PutString(0x04, b.manufacturer);
  s.PutString(0x05, b.product);
  s.PutString(0x06, b.version);
  // time_low, time_mid and time_hi_and_version are stored little-endian, the rest as is.
  static constexpr uint8_t kOrder[16] = {3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15};
  for (size_t i = 0; i < b.uuid.size(); ++i) s.Put8(0x08 + i, b.uuid[kOrder[i]]);
  s.Put8(0x18, 0x06);  // wake-up type: power switch
  s.PutString(0x1A, b.family);
  return s;
}

Structure Chassis(const SmbiosBoard& b) {
  Structure s(3, 0x16, 0x0300);
  s.PutString(0x04, b.manufacturer);
  s.Put8(0x05, 0x01);  // type: other
  s.PutString(0x06, b.version);
  s.Put8(0x09, 0x03);  // boot-up, power supply and thermal states: safe
  s.Put8(0x0A, 0x03);
  s.Put8(0x0B, 0x03);
  s.Put8(0x0C, 0x02);  // security status: unknown
  return s;
}

Structure Processor(const SmbiosBoard& b, unsigned n) {
  Structure s(4, 0x2A, static_cast<uint16_t>(0x0400 + n));
  s.PutString(0x04, "CPU " + std::to_string(n));
  s.Put8(0x05, 0x03);  // central processor
  s.Put8(0x06, 0x01);  // family: other (the processor ID below is exact)
  s.PutString(0x07, b.cpu_manufacturer);
  s.Put32(0x08, b.cpu_signature);
  s.Put32(0x0C, b.cpu_features);
  s.PutString(0x10, b.cpu_version);
  s.Put16(0x14, b.cpu_mhz);
  s.Put16(0x16, b.cpu_mhz);
  s.Put8(0x18, 0x41);  // socket populated, CPU enabled
  s.Put8(0x19, 0x01);  // upgrade: other
  s.Put16(0x1A, 0xFFFF);  // no cache information
  s.Put16(0x1C, 0xFFFF);
  s.Put16(0x1E, 0xFFFF);
  s.Put8(0x23, 1);  // cores, enabled cores, threads
  s.Put8(0x24, 1);
  s.Put8(0x25, 1);
  s.Put16(0x26, 1u << 2);  // 64-bit capable
  s.Put16(0x28, 0x01);     // family 2: other
  return s;
}

Structure MemoryArray(uint64_t ram_bytes, uint16_t devices) {
  Structure s(16, 0x17, kMemoryArrayHandle);
  s.Put8(0x04, 0x01);  // location: other
  s.Put8(0x05, 0x03);  // use: system memory
  s.Put8(0x06, 0x03);  // error correction: none
  const uint64_t kib = ram_bytes >> 10;
  s.Put32(0x07, kib < 0x80000000u ? static_cast<uint32_t>(kib) : 0x80000000u);
  s.Put16(0x0B, kNoHandle);
  s.Put16(0x0D, devices);
  s.Put64(0x0F, kib < 0x80000000u ? 0 : ram_bytes);
  return s;
}

Structure MemoryDevice(uint16_t n, uint64_t bytes) {
  Structure s(17, 0x28, static_cast<uint16_t>(0x1100 + n));
  s.Put16(0x04, kMemoryArrayHandle);
  s.Put16(0x06, kNoHandle);
  s.Put16(0x08, 0xFFFF);  // total and data width: unknown
  s.Put16(0x0A, 0xFFFF);
  // Size in MiB (bit 15 clear); devices are at most kDeviceBytes, so the word always holds it
  // and the extended size (for 32 GiB and up) is never needed.
  static_assert((kDeviceBytes >> 20) < 0x7FFF);
  s.Put16(0x0C, static_cast<uint16_t>(bytes >> 20));
  s.Put8(0x0E, 0x09);  // form factor: DIMM
  s.PutString(0x10, "DIMM " + std::to_string(n));
  s.Put8(0x12, 0x07);     // type: RAM
  s.Put16(0x13, 1u << 1);  // type detail: other
  s.PutString(0x17, "Kiln");
  return s;
}

Structure MappedRange(uint16_t n, uint64_t base, uint64_t size) {
  Structure s(19, 0x1F, static_cast<uint16_t>(0x1300 + n));
  const uint64_t first_kib = base >> 10, last_kib = ((base + size) >> 10) - 1;
  if (last_kib < 0xFFFFFFFFu) {
    s.Put32(0x04, static_cast<uint32_t>(first_kib));
    s.Put32(0x08, static_cast<uint32_t>(last_kib));
  } else {
    s.Put32(0x04, 0xFFFFFFFF);  // the byte addresses are in the extended fields
    s.Put32(0x08, 0xFFFFFFFF);
    s.Put64(0x0F, base);
    s.Put64(0x17, base + size - 1);
  }
  s.Put16(0x0C, kMemoryArrayHandle);
  s.Put8(0x0E, 1);  // partition width
  return s;
}

}  // namespace

SmbiosTables BuildSmbiosTables(const SmbiosBoard& board, uint32_t table_address) {
  if (board.cpu_count == 0 || board.cpu_count > 255) throw std::invalid_argument("SMBIOS: 1 to 255 CPUs");
  if (board.ram.empty() || board.ram_bytes == 0) throw std::invalid_argument("SMBIOS: no RAM");
  const uint64_t ram_bytes = board.ram_bytes;
  const auto devices = static_cast<uint16_t>((ram_bytes + kDeviceBytes - 1) / kDeviceBytes);

  std::vector<Structure> structures = {Bios(board), System(board), Chassis(board)};
  for (unsigned n = 0; n < board.cpu_count; ++n) structures.push_back(Processor(board, n));
  structures.push_back(MemoryArray(ram_bytes, devices));
  for (uint16_t n = 0; n < devices; ++n)
    structures.push_back(MemoryDevice(n, std::min(kDeviceBytes, ram_bytes - uint64_t{n} * kDeviceBytes)));
  for (size_t n = 0; n < board.ram.size(); ++n)
    structures.push_back(MappedRange(static_cast<uint16_t>(n), board.ram[n].first, board.ram[n].second));
  structures.emplace_back(32, 0x0B, 0x2000);  // system boot information: no errors
  structures.emplace_back(127, 0x04, 0x7F00);  // end of table

  SmbiosTables out;
  size_t largest = 0;
  for (const Structure& s : structures) {
    s.AppendTo(out.table);
    largest = std::max(largest, s.size());
  }
  if (out.table.size() > 0xFFFF) throw std::invalid_argument("SMBIOS: structure table over 64 KiB");
  out.structure_count = static_cast<uint16_t>(structures.size());

  // The 2.8 entry point (DSP0134 5.2.1): "_SM_" and its checksum over all 31 bytes, and the
  // intermediate "_DMI_" part with its own checksum over bytes 10h-1Eh.
  std::vector<uint8_t>& e = out.entry_point;
  e.assign(0x1F, 0);
  const auto put16 = [&](size_t at, uint32_t v) { e[at] = v & 0xFF, e[at + 1] = (v >> 8) & 0xFF; };
  std::copy_n("_SM_", 4, e.begin());
  e[0x05] = 0x1F;
  e[0x06] = 2;
  e[0x07] = 8;
  put16(0x08, static_cast<uint32_t>(largest));
  std::copy_n("_DMI_", 5, e.begin() + 0x10);
  put16(0x16, static_cast<uint32_t>(out.table.size()));
  put16(0x18, table_address & 0xFFFF);
  put16(0x1A, table_address >> 16);
  put16(0x1C, out.structure_count);
  e[0x1E] = 0x28;  // BCD revision 2.8
  e[0x15] = Checksum(e.data() + 0x10, 0x0F);
  e[0x04] = Checksum(e.data(), 0x1F);
  return out;
}

}  // namespace kiln::machine
