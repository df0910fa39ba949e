// The ACPI tables of Kiln's PC board (ACPI 6.5 chapter 5; IA-PC HPET specification 1.0a).
#include "machine/boot/acpi_tables.h"

#include <cstring>
#include <stdexcept>
#include <string_view>

#include "machine/boot/aml.h"

namespace kiln::machine {
namespace {

using aml::Bytes;

constexpr char kOemId[] = "KILN  ";        // 6 bytes
constexpr char kOemTableId[] = "KILNPC  ";  // 8 bytes
constexpr uint32_t kOemRevision = 1;
constexpr char kCreatorId[] = "KILN";
constexpr uint32_t kCreatorRevision = 1;

// FADT (revision 3 = ACPI 2.0 layout, 244 bytes) field offsets (ACPI 6.5 table 5.9).
namespace fadt {
constexpr uint8_t kRevision = 3;
constexpr size_t kLength = 244;
constexpr size_t kFirmwareCtrl = 36, kDsdt = 40, kPreferredPmProfile = 45, kSciInt = 46, kSmiCmd = 48;
constexpr size_t kPm1aEvtBlk = 56, kPm1aCntBlk = 64, kPmTmrBlk = 76, kGpe0Blk = 80;
constexpr size_t kPm1EvtLen = 88, kPm1CntLen = 89, kPmTmrLen = 91, kGpe0BlkLen = 92;
constexpr size_t kPLvl2Lat = 96, kPLvl3Lat = 98, kCentury = 108, kIapcBootArch = 109, kFlags = 112;
constexpr size_t kResetReg = 116, kResetValue = 128, kXFirmwareCtrl = 132, kXDsdt = 140;
constexpr size_t kXPm1aEvtBlk = 148, kXPm1aCntBlk = 172, kXPmTmrBlk = 208, kXGpe0Blk = 220;
// Flags (table 5.10).
constexpr uint32_t kWbinvd = 1u << 0, kProcC1 = 1u << 2, kSlpButton = 1u << 5, kTmrValExt = 1u << 8;
constexpr uint32_t kResetRegSup = 1u << 10;
// IA-PC boot architecture flags (table 5.11).
constexpr uint16_t kLegacyDevices = 1u << 0, k8042 = 1u << 1;
// C2/C3 latencies above 100/1000 us say "not supported".
constexpr uint16_t kNoC2 = 0x0FFF, kNoC3 = 0x0FFF;
}  // namespace fadt

constexpr uint8_t kSpaceMemory = 0, kSpaceIo = 1;  // Generic Address Structure address spaces
constexpr uint8_t kAccessByte = 1;

// MADT structure types (table 5.21) and flags.
constexpr uint8_t kMadtLocalApic = 0, kMadtIoApic = 1, kMadtOverride = 2, kMadtLocalApicNmi = 4;
constexpr uint32_t kMadtPcatCompat = 1u << 0;
constexpr uint32_t kLocalApicEnabled = 1u << 0;
constexpr uint8_t kAllProcessors = 0xFF;

class Writer {
 public:
  explicit Writer(Bytes& out) : out_(out) {}
  void U8(uint8_t v) { out_.push_back(v); }
  void U16(uint16_t v) { Le(v, 2); }
  void U32(uint32_t v) { Le(v, 4); }
  void U64(uint64_t v) { Le(v, 8); }
  void Chars(std::string_view s) { out_.insert(out_.end(), s.begin(), s.end()); }
  /// A Generic Address Structure (section 5.2.3.2).
  void Gas(uint8_t space, uint8_t bit_width, uint8_t access_size, uint64_t address) {
    U8(space), U8(bit_width), U8(0), U8(access_size), U64(address);
  }

 private:
  void Le(uint64_t v, unsigned n) {
    for (unsigned i = 0; i < n; ++i) out_.push_back(static_cast<uint8_t>(v >> (8 * i)));
  }
  Bytes& out_;
};

void PutAt(Bytes& b, size_t offset, uint64_t value, unsigned size) {
  for (unsigned i = 0; i < size; ++i) b.at(offset + i) = static_cast<uint8_t>(value >> (8 * i));
}

/// The standard description header (section 5.2.6) with length and checksum left 0.
Bytes Header(std::string_view signature, uint8_t revision) {
  Bytes b;
  Writer w(b);
  w.Chars(signature);
  w.U32(0);  // length, set by Finish
  w.U8(revision);
  w.U8(0);   // checksum, set by Finish
  w.Chars(std::string_view(kOemId, 6));
  w.Chars(std::string_view(kOemTableId, 8));
  w.U32(kOemRevision);
  w.Chars(std::string_view(kCreatorId, 4));
  w.U32(kCreatorRevision);
  return b;
}

Bytes Finish(Bytes table) {
  PutAt(table, 4, table.size(), 4);
  table[9] = 0;
  table[9] = static_cast<uint8_t>(-AcpiChecksum(table.data(), table.size()));
  return table;
}

Bytes BuildFacs() {
  Bytes b;
  Writer w(b);
  w.Chars("FACS");
  w.U32(64);
  w.U32(0);  // hardware signature
  w.U32(0);  // firmware waking vector
  w.U32(0);  // global lock
  w.U32(0);  // flags: no S4BIOS, no 64-bit wake
  w.U64(0);  // X firmware waking vector
  w.U8(1);   // version (ACPI 2.0+)
  b.resize(64, 0);
  return b;  // the FACS has no checksum
}

Bytes BuildFadt(const AcpiBoard& board, uint64_t facs, uint64_t dsdt) {
  Bytes b = Header("FACP", fadt::kRevision);
  b.resize(fadt::kLength, 0);
  const uint8_t tmr_bits = 32;  // the block is 4 bytes wide even for a 24-bit counter
  PutAt(b, fadt::kFirmwareCtrl, facs, 4);
  PutAt(b, fadt::kDsdt, dsdt, 4);
  PutAt(b, fadt::kPreferredPmProfile, 0, 1);  // unspecified
  PutAt(b, fadt::kSciInt, board.sci_irq, 2);
  PutAt(b, fadt::kSmiCmd, 0, 4);  // no SMI command port: the hardware is always in ACPI mode
  PutAt(b, fadt::kPm1aEvtBlk, board.pm1a_evt, 4);
  PutAt(b, fadt::kPm1aCntBlk, board.pm1a_cnt, 4);
  PutAt(b, fadt::kPmTmrBlk, board.pm_tmr, 4);
  PutAt(b, fadt::kGpe0Blk, board.gpe0, 4);
  PutAt(b, fadt::kPm1EvtLen, 4, 1);
  PutAt(b, fadt::kPm1CntLen, 2, 1);
  PutAt(b, fadt::kPmTmrLen, 4, 1);
  PutAt(b, fadt::kGpe0BlkLen, board.gpe0_len, 1);
  PutAt(b, fadt::kPLvl2Lat, fadt::kNoC2, 2);
  PutAt(b, fadt::kPLvl3Lat, fadt::kNoC3, 2);
  PutAt(b, fadt::kCentury, board.rtc_century, 1);
  PutAt(b, fadt::kIapcBootArch, fadt::kLegacyDevices | fadt::k8042, 2);
  uint32_t flags = fadt::kWbinvd | fadt::kProcC1 | fadt::kSlpButton | fadt::kResetRegSup;
  if (board.pm_timer_32bit) flags |= fadt::kTmrValExt;
  PutAt(b, fadt::kFlags, flags, 4);
  {
    Bytes gas;
    Writer(gas).Gas(kSpaceIo, 8, kAccessByte, board.reset_port);
    std::memcpy(&b[fadt::kResetReg], gas.data(), gas.size());
  }
  PutAt(b, fadt::kResetValue, board.reset_value, 1);
  PutAt(b, fadt::kXFirmwareCtrl, facs, 8);
  PutAt(b, fadt::kXDsdt, dsdt, 8);
  // The X_ blocks repeat the 32-bit ones with bit widths equal to the _LEN fields, so that ACPICA
  // finds no 32/64 mismatch. Access size 0: the legacy fields' own (byte-wise allowed) rules.
  auto gas_at = [&](size_t offset, uint8_t bits, uint16_t port) {
    Bytes gas;
    Writer(gas).Gas(kSpaceIo, bits, 0, port);
    std::memcpy(&b[offset], gas.data(), gas.size());
  };
  gas_at(fadt::kXPm1aEvtBlk, 32, board.pm1a_evt);
  gas_at(fadt::kXPm1aCntBlk, 16, board.pm1a_cnt);
  gas_at(fadt::kXPmTmrBlk, tmr_bits, board.pm_tmr);
  gas_at(fadt::kXGpe0Blk, static_cast<uint8_t>(board.gpe0_len * 8), board.gpe0);
  return Finish(std::move(b));
}

Bytes BuildMadt(const AcpiBoard& board) {
  Bytes b = Header("APIC", 3);
  Writer w(b);
  w.U32(board.local_apic_address);
  w.U32(board.has_8259 ? kMadtPcatCompat : 0);
  for (unsigned cpu = 0; cpu < board.cpu_count; ++cpu) {
    w.U8(kMadtLocalApic), w.U8(8);
    w.U8(static_cast<uint8_t>(cpu));  // ACPI processor UID (the DSDT's Cnnn _UID)
    w.U8(static_cast<uint8_t>(cpu));  // APIC ID
    w.U32(kLocalApicEnabled);
  }
  w.U8(kMadtIoApic), w.U8(12);
  w.U8(board.ioapic_id), w.U8(0);
  w.U32(board.ioapic_address);
  w.U32(board.ioapic_gsi_base);
  for (const AcpiInterruptOverride& o : board.overrides) {
    w.U8(kMadtOverride), w.U8(10);
    w.U8(0);  // bus: ISA
    w.U8(o.isa_irq);
    w.U32(o.gsi);
    w.U16(static_cast<uint16_t>(static_cast<uint16_t>(o.polarity) | (static_cast<uint16_t>(o.trigger) << 2)));
  }
  w.U8(kMadtLocalApicNmi), w.U8(6);
  w.U8(kAllProcessors);
  w.U16(0);  // flags: conforms to the bus (edge, active high for LINT1 NMI)
  w.U8(board.lint_nmi);
  return Finish(std::move(b));
}

Bytes BuildHpet(const AcpiBoard& board) {
  Bytes b = Header("HPET", 1);
  Writer w(b);
  w.U32(board.hpet_block_id);
  w.Gas(kSpaceMemory, 64, 0, board.hpet_address);
  w.U8(board.hpet_number);
  w.U16(board.hpet_min_tick);
  w.U8(0);  // page protection: none
  return Finish(std::move(b));
}

Bytes BuildRsdt(const std::vector<uint64_t>& entries) {
  Bytes b = Header("RSDT", 1);
  Writer w(b);
  for (uint64_t e : entries) w.U32(static_cast<uint32_t>(e));
  return Finish(std::move(b));
}

Bytes BuildXsdt(const std::vector<uint64_t>& entries) {
  Bytes b = Header("XSDT", 1);
  Writer w(b);
  for (uint64_t e : entries) w.U64(e);
  return Finish(std::move(b));
}

Bytes BuildRsdp(uint64_t rsdt, uint64_t xsdt) {
  Bytes b;
  Writer w(b);
  w.Chars("RSD PTR ");
  w.U8(0);  // checksum of the first 20 bytes
  w.Chars(std::string_view(kOemId, 6));
  w.U8(2);  // revision: ACPI 2.0+ (has the XSDT)
  w.U32(static_cast<uint32_t>(rsdt));
  w.U32(36);
  w.U64(xsdt);
  w.U8(0);  // extended checksum of all 36 bytes
  w.U8(0), w.U8(0), w.U8(0);
  b[8] = static_cast<uint8_t>(-AcpiChecksum(b.data(), 20));
  b[32] = static_cast<uint8_t>(-AcpiChecksum(b.data(), 36));
  return b;
}

// --- DSDT ---

Bytes HidEisa(std::string_view id) { return aml::Name("_HID", aml::EisaId(id)); }

Bytes Crs(const aml::ResourceTemplate& rt) { return aml::Name("_CRS", rt.ToBuffer()); }

/// \_SB.PCI0.ISA: the PIIX3 function 0 and the legacy devices it decodes.
Bytes IsaBridge(const AcpiBoard& b) {
  using aml::Device, aml::Name, aml::Integer, aml::ResourceTemplate;
  Bytes body = Name("_ADR", Integer(static_cast<uint64_t>(b.isa_bridge_slot) << 16));
  aml::Append(body, Device("PIC", aml::Concat({
      HidEisa("PNP0000"),
      Crs(ResourceTemplate()
              .Io(b.pic_master, b.pic_master, 1, 2)
              .Io(b.pic_slave, b.pic_slave, 1, 2)
              .Io(b.pic_elcr, b.pic_elcr, 1, 2)
              .IrqNoFlags({b.pic_cascade_irq}))})));
  aml::Append(body, Device("TMR", aml::Concat({
      HidEisa("PNP0100"),
      Crs(ResourceTemplate().Io(b.pit_port, b.pit_port, 1, 4).IrqNoFlags({b.pit_irq}))})));
  aml::Append(body, Device("RTC", aml::Concat({
      HidEisa("PNP0B00"),
      Crs(ResourceTemplate().Io(b.rtc_port, b.rtc_port, 1, 2).IrqNoFlags({b.rtc_irq}))})));
  aml::Append(body, Device("KBD", aml::Concat({
      HidEisa("PNP0303"),
      Crs(ResourceTemplate()
              .Io(b.i8042_data, b.i8042_data, 1, 1)
              .Io(b.i8042_command, b.i8042_command, 1, 1)
              .IrqNoFlags({b.keyboard_irq}))})));
  aml::Append(body, Device("MOU", aml::Concat({
      HidEisa("PNP0F13"), Crs(ResourceTemplate().IrqNoFlags({b.mouse_irq}))})));
  aml::Append(body, Device("COM1", aml::Concat({
      HidEisa("PNP0501"), Name("_UID", Integer(1)),
      Crs(ResourceTemplate().Io(b.com1_port, b.com1_port, 1, 8).IrqNoFlags({b.com1_irq}))})));
  return Device("ISA", body);
}

/// _PRT: every INTx of every slot of bus 0 straight to its GSI (no link devices).
Bytes PciRoutingTable(const AcpiBoard& b) {
  std::vector<Bytes> entries;
  for (unsigned slot = 0; slot < 32; ++slot) {
    for (unsigned pin = 0; pin < 4; ++pin) {
      entries.push_back(aml::Package({
          aml::Integer((static_cast<uint64_t>(slot) << 16) | 0xFFFF),  // any function of the slot
          aml::Integer(pin),
          aml::Integer(0),  // source: none, the next field is a GSI
          aml::Integer(PciIntxGsi(b, slot, pin))}));
    }
  }
  return aml::Name("_PRT", aml::Package(entries));
}

Bytes PciRoot(const AcpiBoard& b) {
  using aml::Name, aml::Integer, aml::ResourceTemplate;
  using Caching = ResourceTemplate::Caching;
  Bytes body = aml::Concat({
      HidEisa("PNP0A03"),
      Name("_UID", Integer(0)),
      Name("_BBN", Integer(0)),
      Crs(ResourceTemplate()
              .WordBusNumber(0, 0xFF)
              .Io(0x0CF8, 0x0CF8, 1, 8)  // the configuration ports the bridge consumes itself
              .DWordIo(0x0000, 0x0CF7)
              .DWordIo(0x0D00, 0xFFFF)
              .DWordMemory(Caching::kCacheable, 0x000A0000, 0x000BFFFF)  // the VGA window
              .DWordMemory(Caching::kNonCacheable, b.pci_mmio_base, b.pci_mmio_limit)),
      PciRoutingTable(b),
      IsaBridge(b)});
  return aml::Device("PCI0", body);
}

Bytes HpetDevice(const AcpiBoard& b) {
  using aml::Name, aml::Integer;
  return aml::Device("HPET", aml::Concat({
      HidEisa("PNP0103"),
      Name("_UID", Integer(0)),
      aml::Method("_STA", 0, false, aml::Return(Integer(0x0F))),  // present, enabled, shown, working
      Crs(aml::ResourceTemplate().Memory32Fixed(false, b.hpet_address, b.hpet_size))}));
}

Bytes Processors(const AcpiBoard& b) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  Bytes out;
  for (unsigned cpu = 0; cpu < b.cpu_count; ++cpu) {
    const char name[5] = {'C', kHex[(cpu >> 8) & 0xF], kHex[(cpu >> 4) & 0xF], kHex[cpu & 0xF], 0};
    aml::Append(out, aml::Device(name, aml::Concat({aml::Name("_HID", aml::String("ACPI0007")),
                                                    aml::Name("_UID", aml::Integer(cpu))})));
  }
  return out;
}

uint64_t AlignUp(uint64_t v, uint64_t a) { return (v + a - 1) & ~(a - 1); }

}  // namespace

uint8_t AcpiChecksum(const uint8_t* bytes, size_t size) {
  uint8_t sum = 0;
  for (size_t i = 0; i < size; ++i) sum = static_cast<uint8_t>(sum + bytes[i]);
  return sum;
}

uint32_t PciIntxGsi(const AcpiBoard& board, unsigned slot, unsigned pin) {
  const uint32_t count = board.pci_gsi_count ? board.pci_gsi_count : 1;
  return board.pci_gsi_base + ((slot & 31) + (pin & 3)) % count;
}

std::vector<uint8_t> BuildDsdt(const AcpiBoard& board) {
  Bytes b = Header("DSDT", 2);  // revision 2: 64-bit integers
  // \_S5: SLP_TYP for PM1a_CNT and PM1b_CNT, then two reserved.
  const uint8_t typ = board.s5_slp_typ;
  aml::Append(b, aml::Name("\\_S5", aml::Package({aml::Integer(typ), aml::Integer(typ), aml::Integer(0),
                                                  aml::Integer(0)})));
  aml::Append(b, aml::Scope("\\_SB", aml::Concat({Processors(board), PciRoot(board), HpetDevice(board)})));
  return Finish(std::move(b));
}

AcpiTables BuildAcpiTables(const AcpiBoard& board, uint64_t phys_base) {
  if (board.cpu_count == 0 || board.cpu_count > 255) throw std::invalid_argument("acpi: cpu_count must be 1-255");
  if (phys_base % 16) throw std::invalid_argument("acpi: the RSDP must be 16-byte aligned");

  AcpiTables out;
  out.phys_base = phys_base;
  Bytes& blob = out.bytes;
  // Places `table` at the next `align`-aligned guest-physical address; returns that address.
  auto place = [&](std::string_view sig, const Bytes& table, uint64_t align) {
    const uint64_t address = AlignUp(phys_base + blob.size(), align);
    blob.resize(address - phys_base, 0);
    blob.insert(blob.end(), table.begin(), table.end());
    out.tables.push_back({std::string(sig), address, static_cast<uint32_t>(table.size())});
    return address;
  };

  blob.resize(36, 0);  // the RSDP, written last when the RSDT/XSDT addresses are known
  const uint64_t facs = place("FACS", BuildFacs(), 64);
  const uint64_t dsdt = place("DSDT", BuildDsdt(board), 16);
  const uint64_t fadt = place("FACP", BuildFadt(board, facs, dsdt), 16);
  const uint64_t madt = place("APIC", BuildMadt(board), 16);
  const uint64_t hpet = place("HPET", BuildHpet(board), 16);
  const std::vector<uint64_t> entries = {fadt, madt, hpet};
  const uint64_t rsdt = place("RSDT", BuildRsdt(entries), 16);
  const uint64_t xsdt = place("XSDT", BuildXsdt(entries), 16);
  if (phys_base + blob.size() > (uint64_t{1} << 32)) throw std::invalid_argument("acpi: tables must lie below 4 GiB");

  const Bytes rsdp = BuildRsdp(rsdt, xsdt);
  std::memcpy(blob.data(), rsdp.data(), rsdp.size());
  out.rsdp_address = phys_base;
  return out;
}

}  // namespace kiln::machine
