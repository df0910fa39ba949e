// The SMBIOS tables (machine/boot/smbios_tables): the entry point's anchors, lengths and
// checksums as an OS's scan checks them, and a walk of the structure table (DSP0134 6.1: the
// formatted area, then the string set ending in a double NUL) that checks each structure.
#include "machine/boot/smbios_tables.h"

#include <gtest/gtest.h>

#include <cstring>
#include <map>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

namespace kiln::machine {
namespace {

struct Parsed {
  uint8_t type;
  uint16_t handle;
  std::vector<uint8_t> formatted;
  std::vector<std::string> strings;
  uint8_t U8(size_t at) const { return formatted.at(at); }
  uint16_t U16(size_t at) const { return static_cast<uint16_t>(U8(at) | (U8(at + 1) << 8)); }
  uint32_t U32(size_t at) const { return U16(at) | (uint32_t{U16(at + 2)} << 16); }
  uint64_t U64(size_t at) const { return U32(at) | (uint64_t{U32(at + 4)} << 32); }
  std::string String(size_t at) const { return U8(at) == 0 ? "" : strings.at(U8(at) - 1); }
};

/// Walks the table as an OS does; fails the test on a malformed structure.
std::vector<Parsed> Walk(const std::vector<uint8_t>& t) {
  std::vector<Parsed> out;
  size_t at = 0;
  while (at < t.size()) {
    EXPECT_LE(at + 4, t.size());
    const uint8_t length = t[at + 1];
    EXPECT_GE(length, 4);
    Parsed p{t[at], static_cast<uint16_t>(t[at + 2] | (t[at + 3] << 8)), {t.begin() + at, t.begin() + at + length}, {}};
    size_t s = at + length;
    // The string set: strings up to an empty one; an empty set is two NULs.
    if (t.at(s) == 0) {
      EXPECT_EQ(t.at(s + 1), 0) << "type " << int(p.type);
      s += 2;
    } else {
      while (t.at(s) != 0) {
        const char* str = reinterpret_cast<const char*>(&t[s]);
        p.strings.emplace_back(str);
        s += p.strings.back().size() + 1;
      }
      ++s;
    }
    out.push_back(p);
    at = s;
    if (p.type == 127) break;
  }
  EXPECT_EQ(at, t.size()) << "bytes after the end-of-table structure";
  return out;
}

uint8_t Sum(const uint8_t* p, size_t n) {
  uint8_t s = 0;
  for (size_t i = 0; i < n; ++i) s = static_cast<uint8_t>(s + p[i]);
  return s;
}

SmbiosBoard Board() {
  SmbiosBoard b;
  b.bios_version = b.version = "0.1.0";
  b.cpu_manufacturer = "GenuineIntel";
  b.cpu_version = "Kiln virtual x86-64 CPU";
  b.cpu_signature = 0x806F8;
  b.cpu_features = 0x078BFBFF;
  b.cpu_mhz = 1000;
  b.ram_bytes = 512u << 20;
  b.ram = {{0, 0xA0000}, {0x100000, (512u << 20) - 0x100000}};
  return b;
}

TEST(SmbiosTables, EntryPoint_AnchorsLengthsAndChecksums) {
  const SmbiosTables t = BuildSmbiosTables(Board(), 0xF0020);
  const std::vector<uint8_t>& e = t.entry_point;
  ASSERT_EQ(e.size(), 0x1Fu);
  EXPECT_EQ(std::memcmp(e.data(), "_SM_", 4), 0);
  EXPECT_EQ(e[0x05], 0x1F);
  EXPECT_EQ(e[0x06], 2);
  EXPECT_EQ(e[0x07], 8);
  EXPECT_EQ(Sum(e.data(), 0x1F), 0);
  EXPECT_EQ(std::memcmp(e.data() + 0x10, "_DMI_", 5), 0);
  EXPECT_EQ(Sum(e.data() + 0x10, 0x0F), 0);
  EXPECT_EQ(e[0x16] | (e[0x17] << 8), static_cast<int>(t.table.size()));
  EXPECT_EQ(e[0x18] | (e[0x19] << 8) | (e[0x1A] << 16) | (e[0x1B] << 24), 0xF0020);
  EXPECT_EQ(e[0x1C] | (e[0x1D] << 8), t.structure_count);
  EXPECT_EQ(e[0x1E], 0x28);
  // The largest structure's size, formatted area and strings: the processor's (0x2A + strings).
  const auto structures = Walk(t.table);
  EXPECT_EQ(structures.size(), t.structure_count);
  EXPECT_GT(e[0x08] | (e[0x09] << 8), 0x2A);
}

TEST(SmbiosTables, Structures_DescribeTheBoard) {
  SmbiosBoard b = Board();
  b.cpu_count = 2;
  const auto s = Walk(BuildSmbiosTables(b, 0xF0020).table);
  std::vector<int> types;
  std::set<uint16_t> handles;
  for (const Parsed& p : s) {
    types.push_back(p.type);
    EXPECT_TRUE(handles.insert(p.handle).second) << "duplicate handle " << p.handle;
  }
  EXPECT_EQ(types, (std::vector<int>{0, 1, 3, 4, 4, 16, 17, 19, 19, 32, 127}));

  EXPECT_EQ(s[0].String(0x04), "Kiln");   // BIOS vendor, version, date
  EXPECT_EQ(s[0].String(0x05), "0.1.0");
  EXPECT_EQ(s[0].String(0x08), "11/23/2026");
  EXPECT_EQ(s[0].U8(0x13) & 0x10, 0x10);  // a virtual machine
  EXPECT_EQ(s[1].String(0x04), "Kiln");   // system manufacturer and product
  EXPECT_EQ(s[1].String(0x05), "Kiln PC (i440FX + PIIX3)");
  EXPECT_EQ(s[1].formatted.size(), 0x1Bu);

  const Parsed& cpu1 = s[4];
  EXPECT_EQ(cpu1.String(0x04), "CPU 1");
  EXPECT_EQ(cpu1.String(0x07), "GenuineIntel");
  EXPECT_EQ(cpu1.String(0x10), "Kiln virtual x86-64 CPU");
  EXPECT_EQ(cpu1.U32(0x08), 0x806F8u);  // processor ID: CPUID.1 EAX, EDX
  EXPECT_EQ(cpu1.U32(0x0C), 0x078BFBFFu);
  EXPECT_EQ(cpu1.U16(0x16), 1000);     // current speed, MHz
  EXPECT_EQ(cpu1.U8(0x18), 0x41);      // populated, enabled

  const Parsed& array = s[5];
  EXPECT_EQ(array.U32(0x07), 512u * 1024);  // KiB installed, the legacy hole included
  EXPECT_EQ(array.U16(0x0D), 1);
  const Parsed& dimm = s[6];
  EXPECT_EQ(dimm.U16(0x04), array.handle);
  EXPECT_EQ(dimm.U16(0x0C), 512);  // MiB
  EXPECT_EQ(s[7].U32(0x04), 0u);       // 0 - 640 KiB
  EXPECT_EQ(s[7].U32(0x08), 639u);
  EXPECT_EQ(s[8].U32(0x04), 1024u);    // 1 MiB - 512 MiB
  EXPECT_EQ(s[8].U32(0x08), 512u * 1024 - 1);
  EXPECT_EQ(s[8].U16(0x0C), array.handle);
}

TEST(SmbiosTables, Uuid_FirstThreeFieldsLittleEndian) {
  SmbiosBoard b = Board();
  // 00112233-4455-6677-8899-aabbccddeeff in RFC 4122 order.
  for (uint8_t i = 0; i < 16; ++i) b.uuid[i] = static_cast<uint8_t>(i * 0x11);
  const auto s = Walk(BuildSmbiosTables(b, 0xF0020).table);
  ASSERT_EQ(s[1].type, 1);
  const std::vector<uint8_t> stored(s[1].formatted.begin() + 0x08, s[1].formatted.begin() + 0x18);
  EXPECT_EQ(stored, (std::vector<uint8_t>{0x33, 0x22, 0x11, 0x00, 0x55, 0x44, 0x77, 0x66, 0x88, 0x99, 0xAA, 0xBB,
                                           0xCC, 0xDD, 0xEE, 0xFF}));
}

TEST(SmbiosTables, LargeMemory_UsesTheExtendedFields) {
  SmbiosBoard b = Board();
  // 3.5 GiB below the PCI hole, 16.5 GiB above 4 GiB (20 GiB in all): two "DIMMs", 16 and 4 GiB.
  b.ram_bytes = uint64_t{20} << 30;
  b.ram = {{0, 0xA0000}, {0x100000, 0xE0000000 - 0x100000}, {uint64_t{1} << 32, (uint64_t{33} << 29)}};
  const auto s = Walk(BuildSmbiosTables(b, 0xF0020).table);
  std::map<int, std::vector<const Parsed*>> by_type;
  for (const Parsed& p : s) by_type[p.type].push_back(&p);
  ASSERT_EQ(by_type[17].size(), 2u);
  EXPECT_EQ(by_type[17][0]->U16(0x0C), 16u * 1024);  // MiB
  EXPECT_EQ(by_type[17][1]->U16(0x0C), 4u * 1024);
  ASSERT_EQ(by_type[19].size(), 3u);
  const Parsed& high = *by_type[19][2];
  EXPECT_EQ(high.U32(0x04), 0x400000u);  // 4 GiB in KiB still fits; the end is 20.5 GiB
  EXPECT_EQ(high.U32(0x08), static_cast<uint32_t>((((uint64_t{1} << 32) + (uint64_t{33} << 29)) >> 10) - 1));
  // A range ending at or above 4 TiB needs the extended byte addresses.
  b.ram_bytes = (uint64_t{1} << 30) + 0xA0000;
  b.ram = {{0, 0xA0000}, {uint64_t{1} << 42, uint64_t{1} << 30}};
  const auto t = Walk(BuildSmbiosTables(b, 0xF0020).table);
  int extended = 0;
  for (const Parsed& p : t) {
    if (p.type != 19 || p.U32(0x04) != 0xFFFFFFFF) continue;
    ++extended;
    EXPECT_EQ(p.U32(0x08), 0xFFFFFFFFu);
    EXPECT_EQ(p.U64(0x0F), uint64_t{1} << 42);
    EXPECT_EQ(p.U64(0x17), (uint64_t{1} << 42) + (uint64_t{1} << 30) - 1);
  }
  EXPECT_EQ(extended, 1);
}

TEST(SmbiosTables, ImpossibleBoards_Throw) {
  SmbiosBoard b = Board();
  b.cpu_count = 0;
  EXPECT_THROW(BuildSmbiosTables(b, 0xF0020), std::invalid_argument);
  b = Board();
  b.ram.clear();
  EXPECT_THROW(BuildSmbiosTables(b, 0xF0020), std::invalid_argument);
  b = Board();
  b.ram_bytes = 0;
  EXPECT_THROW(BuildSmbiosTables(b, 0xF0020), std::invalid_argument);
}

}  // namespace
}  // namespace kiln::machine
