// The ACPI tables of Kiln's PC board for a kernel booted without a BIOS (ACPI 6.5, chapter 5):
// RSDP (revision 2) -> RSDT and XSDT -> FADT (revision 3, with the FACS and the DSDT), MADT,
// HPET. The DSDT's AML describes \_S5, the PCI root bridge \_SB.PCI0 (bus 0-255, the I/O and
// memory windows, a _PRT) and the ISA devices behind the PIIX3 at 00:01.0.
//
// The builder knows no address or IRQ of its own: everything comes from AcpiBoard, which the
// machine fills from its actual configuration (its defaults are the Kiln PC's board facts).
//
// PCI interrupt routing: _PRT maps INTx of each slot straight to an IOAPIC GSI (no link
// devices), GSI = pci_gsi_base + (slot + pin) % pci_gsi_count (pin 0 = INTA), which
// PciIntxGsi() computes for the machine to wire the same way. Linux then programs those IOAPIC
// pins level-triggered, active low (the _PRT default for a GSI).
//
// Layout of the returned blob (offsets from phys_base, each table aligned on 16 bytes, the FACS on
// 64 bytes in guest-physical terms): RSDP, FACS, DSDT, FADT, MADT, HPET, RSDT, XSDT. The RSDP
// needs phys_base 16-byte aligned; all tables must lie below 4 GiB (the RSDT's 32-bit pointers).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace kiln::machine {

/// MADT interrupt source override flags (ACPI 6.5 table 5.26, "MPS INTI flags").
enum class IntiPolarity : uint8_t { kConforms = 0, kActiveHigh = 1, kActiveLow = 3 };
enum class IntiTrigger : uint8_t { kConforms = 0, kEdge = 1, kLevel = 3 };

struct AcpiInterruptOverride {
  uint8_t isa_irq;
  uint32_t gsi;
  IntiPolarity polarity;
  IntiTrigger trigger;
};

/// Everything the tables describe. The machine fills it; defaults are Kiln's PC board.
struct AcpiBoard {
  // Processors: APIC IDs and ACPI processor UIDs 0 .. cpu_count - 1.
  unsigned cpu_count = 1;
  uint32_t local_apic_address = 0xFEE00000;
  uint8_t lint_nmi = 1;  ///< the LINT input wired to NMI on every processor
  // The I/O APIC.
  uint8_t ioapic_id = 0;
  uint32_t ioapic_address = 0xFEC00000;
  uint32_t ioapic_gsi_base = 0;
  unsigned ioapic_pins = 24;
  bool has_8259 = true;  ///< MADT PCAT_COMPAT
  std::vector<AcpiInterruptOverride> overrides = {
      {0, 2, IntiPolarity::kConforms, IntiTrigger::kConforms},   // PIT/HPET legacy on IOAPIC pin 2
      {9, 9, IntiPolarity::kActiveHigh, IntiTrigger::kLevel},    // the SCI
  };
  // HPET (IA-PC HPET specification 1.0a, table 3).
  uint32_t hpet_address = 0xFED00000;
  uint32_t hpet_size = 0x400;
  uint32_t hpet_block_id = 0x8086A201;  ///< vendor 8086, 3 timers, 64-bit, legacy-capable, rev 1
  uint8_t hpet_number = 0;
  uint16_t hpet_min_tick = 0;
  // ACPI fixed hardware (FADT): I/O port blocks.
  uint16_t sci_irq = 9;
  uint16_t pm1a_evt = 0x600;  ///< 4 bytes: PM1_STS, PM1_EN
  uint16_t pm1a_cnt = 0x604;  ///< 2 bytes
  uint16_t pm_tmr = 0x608;    ///< 4 bytes
  bool pm_timer_32bit = false;  ///< FADT TMR_VAL_EXT
  uint16_t gpe0 = 0x620;
  uint8_t gpe0_len = 4;  ///< half status, half enable
  uint8_t s5_slp_typ = 7;  ///< the PM1_CNT.SLP_TYP value \_S5 hands the OS
  uint16_t reset_port = 0xCF9;
  uint8_t reset_value = 0x06;
  uint8_t rtc_century = 0x32;  ///< CMOS index of the century byte
  // ISA devices (DSDT): base ports and IRQs.
  uint16_t pic_master = 0x20, pic_slave = 0xA0, pic_elcr = 0x4D0;
  uint8_t pic_cascade_irq = 2;
  uint16_t pit_port = 0x40;
  uint8_t pit_irq = 0;
  uint16_t rtc_port = 0x70;
  uint8_t rtc_irq = 8;
  uint16_t i8042_data = 0x60, i8042_command = 0x64;
  uint8_t keyboard_irq = 1, mouse_irq = 12;
  uint16_t com1_port = 0x3F8;
  uint8_t com1_irq = 4;
  // PCI: bus 0 behind the host bridge 00:00.0; the ISA bridge's device number; the 32-bit
  // memory window for BARs (inclusive); INTx routing to GSIs (see the header comment).
  uint8_t isa_bridge_slot = 1;
  uint32_t pci_mmio_base = 0xE0000000;
  uint32_t pci_mmio_limit = 0xFEBFFFFF;
  uint32_t pci_gsi_base = 16;
  uint32_t pci_gsi_count = 8;
};

/// The GSI that INTx `pin` (0 = INTA .. 3 = INTD) of PCI device `slot` (0-31) on bus 0 drives,
/// as the DSDT's _PRT tells the OS.
uint32_t PciIntxGsi(const AcpiBoard& board, unsigned slot, unsigned pin);

/// Where each table landed (guest-physical), for the machine's log and for tests.
struct AcpiTableAddress {
  std::string signature;
  uint64_t address;
  uint32_t length;
};

struct AcpiTables {
  std::vector<uint8_t> bytes;  ///< copy to guest RAM at phys_base
  uint64_t phys_base = 0;
  uint64_t rsdp_address = 0;   ///< boot_params.acpi_rsdp_addr, or where a scan finds it
  std::vector<AcpiTableAddress> tables;  ///< every table but the RSDP, in blob order
};

/// Builds every table for `board`, laid out from `phys_base` (16-byte aligned, the whole blob
/// below 4 GiB). Throws std::invalid_argument on an impossible board (no CPU, phys_base
/// misaligned or too high, more than 255 CPUs).
AcpiTables BuildAcpiTables(const AcpiBoard& board, uint64_t phys_base);

/// The DSDT's AML definition block alone (header included), for inspection.
std::vector<uint8_t> BuildDsdt(const AcpiBoard& board);

/// The 8-bit sum of `bytes` (0 for a table with a right checksum).
uint8_t AcpiChecksum(const uint8_t* bytes, size_t size);

}  // namespace kiln::machine
