// Tests of machine/boot/acpi_tables: the RSDP and the pointers between tables, checksums and
// lengths, the FADT/MADT/HPET fields the board facts dictate, and a real parser's opinion: each
// table is disassembled by ACPICA's iasl (acpica-tools) and the data tables recompiled to the same
// bytes; the DSDT disassembly recompiles with no error or warning.
#include "machine/boot/acpi_tables.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "devices/acpi_pm_regs.h"
#include "devices/pci_regs.h"

namespace kiln::machine {
namespace {

constexpr uint64_t kBase = 0x000F0000;

uint64_t Le(const std::vector<uint8_t>& b, uint64_t offset, unsigned size) {
  uint64_t v = 0;
  for (unsigned i = 0; i < size; ++i) v |= static_cast<uint64_t>(b.at(offset + i)) << (8 * i);
  return v;
}

struct Built {
  AcpiTables t;
  explicit Built(const AcpiBoard& board = AcpiBoard(), uint64_t base = kBase) : t(BuildAcpiTables(board, base)) {}
  uint64_t Off(uint64_t address) const { return address - t.phys_base; }
  uint64_t U(uint64_t address, unsigned size) const { return Le(t.bytes, Off(address), size); }
  std::string Sig(uint64_t address) const {
    return std::string(reinterpret_cast<const char*>(&t.bytes.at(Off(address))), 4);
  }
  const AcpiTableAddress& Table(const std::string& sig) const {
    for (const auto& e : t.tables)
      if (e.signature == sig) return e;
    throw std::runtime_error("no table " + sig);
  }
  std::vector<uint8_t> Bytes(const std::string& sig) const {
    const auto& e = Table(sig);
    return {t.bytes.begin() + static_cast<long>(Off(e.address)),
            t.bytes.begin() + static_cast<long>(Off(e.address) + e.length)};
  }
};

TEST(AcpiTables, RsdpAtBaseWithBothChecksums) {
  Built b;
  ASSERT_GE(b.t.bytes.size(), 36u);
  EXPECT_EQ(b.t.rsdp_address, kBase);
  EXPECT_EQ(b.t.rsdp_address % 16, 0u);
  EXPECT_EQ(std::memcmp(b.t.bytes.data(), "RSD PTR ", 8), 0);
  EXPECT_EQ(AcpiChecksum(b.t.bytes.data(), 20), 0);
  EXPECT_EQ(AcpiChecksum(b.t.bytes.data(), 36), 0);
  EXPECT_EQ(std::memcmp(b.t.bytes.data() + 9, "KILN  ", 6), 0);
  EXPECT_EQ(b.t.bytes[15], 2);  // revision
  EXPECT_EQ(b.U(kBase + 20, 4), 36u);
  EXPECT_EQ(b.Sig(b.U(kBase + 16, 4)), "RSDT");
  EXPECT_EQ(b.Sig(b.U(kBase + 24, 8)), "XSDT");
}

TEST(AcpiTables, EveryTableHasItsLengthAndChecksum) {
  Built b;
  ASSERT_EQ(b.t.tables.size(), 7u);  // FACS DSDT FACP APIC HPET RSDT XSDT
  for (const auto& e : b.t.tables) {
    SCOPED_TRACE(e.signature);
    EXPECT_EQ(b.Sig(e.address), e.signature);
    EXPECT_EQ(b.U(e.address + 4, 4), e.length);
    EXPECT_LE(b.Off(e.address) + e.length, b.t.bytes.size());
    if (e.signature == "FACS") continue;  // no checksum, no OEM fields
    EXPECT_EQ(e.address % 16, 0u);
    EXPECT_EQ(AcpiChecksum(&b.t.bytes[b.Off(e.address)], e.length), 0);
    EXPECT_EQ(std::memcmp(&b.t.bytes[b.Off(e.address) + 10], "KILN  ", 6), 0);
  }
}

TEST(AcpiTables, RsdtAndXsdtListFadtMadtHpet) {
  Built b;
  const auto& rsdt = b.Table("RSDT");
  const auto& xsdt = b.Table("XSDT");
  ASSERT_EQ(rsdt.length, 36u + 3 * 4);
  ASSERT_EQ(xsdt.length, 36u + 3 * 8);
  const char* expect[] = {"FACP", "APIC", "HPET"};
  for (unsigned i = 0; i < 3; ++i) {
    EXPECT_EQ(b.Sig(b.U(rsdt.address + 36 + 4 * i, 4)), expect[i]);
    EXPECT_EQ(b.U(xsdt.address + 36 + 8 * i, 8), b.U(rsdt.address + 36 + 4 * i, 4));
  }
}

TEST(AcpiTables, FadtPointsAtFacsAndDsdtAndDescribesThePmBlocks) {
  Built b;
  const uint64_t f = b.Table("FACP").address;
  EXPECT_EQ(b.Table("FACP").length, 244u);
  EXPECT_EQ(b.U(f + 8, 1), 3u);  // revision 3: X_ fields present
  const uint64_t facs = b.Table("FACS").address, dsdt = b.Table("DSDT").address;
  EXPECT_EQ(b.U(f + 36, 4), facs);
  EXPECT_EQ(b.U(f + 132, 8), facs);
  EXPECT_EQ(b.U(f + 40, 4), dsdt);
  EXPECT_EQ(b.U(f + 140, 8), dsdt);
  EXPECT_EQ(facs % 64, 0u);
  EXPECT_EQ(b.U(f + 46, 2), 9u);       // SCI_INT
  EXPECT_EQ(b.U(f + 48, 4), 0u);       // no SMI_CMD
  EXPECT_EQ(b.U(f + 56, 4), 0x600u);   // PM1a_EVT_BLK
  EXPECT_EQ(b.U(f + 64, 4), 0x604u);   // PM1a_CNT_BLK
  EXPECT_EQ(b.U(f + 76, 4), 0x608u);   // PM_TMR_BLK
  EXPECT_EQ(b.U(f + 80, 4), 0x620u);   // GPE0_BLK
  EXPECT_EQ(b.U(f + 88, 1), 4u); EXPECT_EQ(b.U(f + 89, 1), 2u);
  EXPECT_EQ(b.U(f + 91, 1), 4u); EXPECT_EQ(b.U(f + 92, 1), 4u);
  EXPECT_EQ(b.U(f + 108, 1), 0x32u);   // century
  EXPECT_EQ(b.U(f + 109, 2), 0x3u);    // LEGACY_DEVICES | 8042
  EXPECT_EQ(b.U(f + 112, 4), 0x425u);  // WBINVD | PROC_C1 | SLP_BUTTON | RESET_REG_SUP
  // RESET_REG: SystemIO, 8 bits, byte access, port 0xCF9; RESET_VALUE 6.
  EXPECT_EQ(b.U(f + 116, 4), 0x01000801u);
  EXPECT_EQ(b.U(f + 120, 8), 0xCF9u);
  EXPECT_EQ(b.U(f + 128, 1), 6u);
  // X_PM1a_EVT (32 bits), X_PM1a_CNT (16), X_PM_TMR (32), X_GPE0 (32), all SystemIO.
  EXPECT_EQ(b.U(f + 148, 2), 0x2001u); EXPECT_EQ(b.U(f + 152, 8), 0x600u);
  EXPECT_EQ(b.U(f + 172, 2), 0x1001u); EXPECT_EQ(b.U(f + 176, 8), 0x604u);
  EXPECT_EQ(b.U(f + 208, 2), 0x2001u); EXPECT_EQ(b.U(f + 212, 8), 0x608u);
  EXPECT_EQ(b.U(f + 220, 2), 0x2001u); EXPECT_EQ(b.U(f + 224, 8), 0x620u);
}

TEST(AcpiTables, FadtTimerFlagFollowsTheTimerWidth) {
  AcpiBoard board;
  board.pm_timer_32bit = true;
  Built b(board);
  EXPECT_EQ(b.U(b.Table("FACP").address + 112, 4), 0x525u);
}

TEST(AcpiTables, Facs) {
  Built b;
  const uint64_t facs = b.Table("FACS").address;
  EXPECT_EQ(b.Table("FACS").length, 64u);
  EXPECT_EQ(b.U(facs + 32, 1), 1u);  // version
}

TEST(AcpiTables, FacsStaysAlignedFromAnyRsdpAlignment) {
  for (uint64_t base : {0x10010ull, 0x10020ull, 0x10030ull, 0x7FFE0000ull}) {
    Built b(AcpiBoard(), base);
    EXPECT_EQ(b.Table("FACS").address % 64, 0u) << std::hex << base;
    EXPECT_EQ(b.t.rsdp_address, base);
  }
}

TEST(AcpiTables, MadtForFourCpus) {
  AcpiBoard board;
  board.cpu_count = 4;
  Built b(board);
  const auto& m = b.Table("APIC");
  EXPECT_EQ(b.U(m.address + 36, 4), 0xFEE00000u);
  EXPECT_EQ(b.U(m.address + 40, 4), 1u);  // PCAT_COMPAT
  uint64_t p = m.address + 44;
  for (unsigned cpu = 0; cpu < 4; ++cpu, p += 8) {
    EXPECT_EQ(b.U(p, 2), 0x0800u);  // type 0, length 8
    EXPECT_EQ(b.U(p + 2, 1), cpu);  // UID
    EXPECT_EQ(b.U(p + 3, 1), cpu);  // APIC ID
    EXPECT_EQ(b.U(p + 4, 4), 1u);   // enabled
  }
  EXPECT_EQ(b.U(p, 2), 0x0C01u);
  EXPECT_EQ(b.U(p + 2, 1), 0u);
  EXPECT_EQ(b.U(p + 4, 4), 0xFEC00000u);
  EXPECT_EQ(b.U(p + 8, 4), 0u);
  p += 12;
  EXPECT_EQ(b.U(p, 2), 0x0A02u);  // IRQ0 -> GSI 2, conforming
  EXPECT_EQ(b.U(p + 3, 1), 0u); EXPECT_EQ(b.U(p + 4, 4), 2u); EXPECT_EQ(b.U(p + 8, 2), 0u);
  p += 10;
  EXPECT_EQ(b.U(p + 3, 1), 9u); EXPECT_EQ(b.U(p + 4, 4), 9u);
  EXPECT_EQ(b.U(p + 8, 2), 0x000Du);  // level, active high
  p += 10;
  EXPECT_EQ(b.U(p, 2), 0x0604u);  // Local APIC NMI
  EXPECT_EQ(b.U(p + 2, 1), 0xFFu);
  EXPECT_EQ(b.U(p + 5, 1), 1u);  // LINT1
  EXPECT_EQ(p + 6, m.address + m.length);
}

TEST(AcpiTables, HpetTable) {
  Built b;
  const auto& h = b.Table("HPET");
  EXPECT_EQ(h.length, 56u);
  EXPECT_EQ(b.U(h.address + 36, 4), 0x8086A201u);
  EXPECT_EQ(b.U(h.address + 40, 4), 0x00004000u);  // SystemMemory, 64 bits
  EXPECT_EQ(b.U(h.address + 44, 8), 0xFED00000u);
}

TEST(AcpiTables, DsdtHoldsS5WithTheBoardsSleepType) {
  AcpiBoard board;
  board.s5_slp_typ = 5;
  const std::vector<uint8_t> d = BuildDsdt(board);
  const uint8_t s5[] = {0x08, 0x5C, '_', 'S', '5', '_', 0x12, 0x08, 0x04, 0x0A, 5, 0x0A, 5, 0x00, 0x00};
  EXPECT_NE(std::search(d.begin(), d.end(), std::begin(s5), std::end(s5)), d.end());
  EXPECT_EQ(AcpiChecksum(d.data(), d.size()), 0);
}

TEST(AcpiTables, PciInterruptRouting) {
  AcpiBoard board;
  EXPECT_EQ(PciIntxGsi(board, 0, 0), 16u);
  EXPECT_EQ(PciIntxGsi(board, 3, 0), 19u);
  EXPECT_EQ(PciIntxGsi(board, 3, 3), 22u);
  EXPECT_EQ(PciIntxGsi(board, 6, 2), 16u);
  EXPECT_EQ(PciIntxGsi(board, 31, 3), 18u);
  board.pci_gsi_count = 0;  // degenerate: never divides by zero
  EXPECT_EQ(PciIntxGsi(board, 5, 1), 16u);
}

TEST(AcpiTables, BoardDefaultsMatchTheDevicesRegisterMaps) {
  // The tables describe what devices/acpi_pm and pci_host decode: the defaults must agree.
  const AcpiBoard board;
  EXPECT_EQ(board.pm1a_evt, devices::acpi_pm::kPm1EvtPort);
  EXPECT_EQ(board.pm1a_cnt, devices::acpi_pm::kPm1CntPort);
  EXPECT_EQ(board.pm_tmr, devices::acpi_pm::kPmTmrPort);
  EXPECT_EQ(board.gpe0, devices::acpi_pm::kGpe0Port);
  EXPECT_EQ(board.gpe0_len, devices::acpi_pm::kGpe0Length);
  EXPECT_EQ(board.s5_slp_typ, devices::acpi_pm::kSlpTypS5);
  EXPECT_EQ(board.pm_timer_32bit, devices::acpi_pm::kPmTimerBits == 32);
  EXPECT_EQ(board.reset_port, devices::pci::kResetControlPort);
}

TEST(AcpiTables, RejectsImpossibleBoards) {
  AcpiBoard none;
  none.cpu_count = 0;
  EXPECT_THROW(BuildAcpiTables(none, kBase), std::invalid_argument);
  AcpiBoard many;
  many.cpu_count = 256;
  EXPECT_THROW(BuildAcpiTables(many, kBase), std::invalid_argument);
  EXPECT_THROW(BuildAcpiTables(AcpiBoard(), kBase + 8), std::invalid_argument);
  EXPECT_THROW(BuildAcpiTables(AcpiBoard(), 0xFFFFFF00), std::invalid_argument);
}

// --- ACPICA's iasl ---

std::string ReadText(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::vector<uint8_t> ReadBinary(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

struct IaslTest : ::testing::Test {
  std::filesystem::path dir;
  void SetUp() override {
    if (std::system("command -v iasl > /dev/null 2>&1") != 0)
      GTEST_SKIP() << "iasl not found (Debian package acpica-tools, installed by scripts/setup.sh)";
    char tmpl[] = "/tmp/kiln_acpi_XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir = tmpl;
  }
  void TearDown() override {
    if (!dir.empty()) std::filesystem::remove_all(dir);
  }
  /// Runs iasl with `args` in dir; returns its exit status, its output in `log`.
  int Iasl(const std::string& args, std::string& log) {
    const std::string cmd = "cd '" + dir.string() + "' && iasl " + args + " > iasl.log 2>&1";
    const int rc = std::system(cmd.c_str());
    log = ReadText(dir / "iasl.log");
    return rc;
  }
  /// Writes `sig`'s table, disassembles it, returns the .dsl text.
  std::string Disassemble(const Built& b, const std::string& sig) {
    const std::vector<uint8_t> bytes = b.Bytes(sig);
    std::ofstream(dir / (sig + ".dat"), std::ios::binary)
        .write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    std::string log;
    EXPECT_EQ(Iasl("-d " + sig + ".dat", log), 0) << log;
    EXPECT_EQ(log.find("rror"), std::string::npos) << log;
    EXPECT_EQ(log.find("arning"), std::string::npos) << log;
    return ReadText(dir / (sig + ".dsl"));
  }
};

TEST_F(IaslTest, DsdtDisassemblesAndRecompilesCleanly) {
  AcpiBoard board;
  board.cpu_count = 2;
  Built b(board);
  const std::string dsl = Disassemble(b, "DSDT");
  for (const char* expect : {"Name (\\_S5, Package (0x04)", "Scope (\\_SB)", "Device (C000)", "Device (C001)",
                             "Device (PCI0)", "EisaId (\"PNP0A03\")", "Name (_BBN, Zero)", "Name (_PRT, Package (0x80)",
                             "WordBusNumber (ResourceProducer", "0x00000CF7", "0x0000F300", "0x000A0000",
                             "0xFEBFFFFF", "Device (ISA)", "Name (_ADR, 0x00010000)", "EisaId (\"PNP0303\")",
                             "EisaId (\"PNP0F13\")", "EisaId (\"PNP0B00\")", "EisaId (\"PNP0501\")",
                             "EisaId (\"PNP0103\")", "EisaId (\"PNP0000\")", "EisaId (\"PNP0100\")",
                             "IRQNoFlags ()\n                            {12}", "0xFED00000", "Method (_STA, 0"}) {
    EXPECT_NE(dsl.find(expect), std::string::npos) << "missing: " << expect;
  }
  std::string log;
  EXPECT_EQ(Iasl("-tc DSDT.dsl", log), 0) << log;
  EXPECT_NE(log.find("Compilation successful. 0 Errors, 0 Warnings, 0 Remarks"), std::string::npos) << log;
}

TEST_F(IaslTest, DataTablesDisassembleAndRecompileToTheSameBytes) {
  Built b;
  for (const char* sig : {"FACP", "APIC", "HPET", "RSDT", "XSDT", "FACS"}) {
    SCOPED_TRACE(sig);
    const std::string dsl = Disassemble(b, sig);
    EXPECT_NE(dsl.find(std::string("Signature : \"") + sig), std::string::npos);
    std::string log;
    ASSERT_EQ(Iasl(std::string(sig) + ".dsl", log), 0) << log;
    EXPECT_NE(log.find("0 Errors, 0 Warnings"), std::string::npos) << log;
    // iasl puts its own compiler ID and revision (bytes 28-35), and so its own checksum.
    const std::vector<uint8_t> ours = b.Bytes(sig), theirs = ReadBinary(dir / (std::string(sig) + ".aml"));
    ASSERT_EQ(theirs.size(), ours.size());
    const size_t header = std::string(sig) == "FACS" ? 0 : 36;
    for (size_t i = 0; i < ours.size(); ++i) {
      if (header && (i == 9 || (i >= 28 && i < 36))) continue;
      EXPECT_EQ(theirs[i], ours[i]) << "byte " << i;
    }
  }
  const std::string madt = ReadText(dir / "APIC.dsl");
  for (const char* expect : {"[Processor Local APIC]", "[I/O APIC]", "[Interrupt Source Override]",
                             "[Local APIC NMI]", "PC-AT Compatibility : 1"})
    EXPECT_NE(madt.find(expect), std::string::npos) << "missing: " << expect;
}

}  // namespace
}  // namespace kiln::machine
