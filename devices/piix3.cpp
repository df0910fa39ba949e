// Piix3IsaBridge: the PIIX3's PCI-to-ISA function and its PIRQ routing (PIIX3 datasheet 2.2).
#include "devices/piix3.h"

namespace kiln::devices {

using namespace pci;

Piix3IsaBridge::Piix3IsaBridge() : PciDevice(kVendor, kDevice, 0x060100, 0x00, kHeaderMultiFunction) {
  // Reset values of the PIIX3 datasheet (and QEMU's piix3_reset).
  Init16(kCommand, kCommandIo | kCommandMemory | kCommandMaster, kCommandWritable);
  Init16(kStatus, kStatusDevselMedium);
  Init8(0x4C, 0x4D, 0xFF);  // IORT: ISA I/O recovery timer
  Init8(0x4E, 0x03, 0xFF);  // XBCS: X-bus chip select (RTC, keyboard controller)
  for (unsigned i = 0; i < kPirqs; ++i)
    Init8(kPirqRouteControl + i, kPirqDisable, kPirqDisable | kPirqIrqMask);  // bits 6-4 reserved
  Init8(0x69, 0x02, 0xFF);  // TOM: top of memory
  Init8(0x70, 0x80, 0xFF);  // MBIRQ0: motherboard IRQ route, disabled
  Init8(0x76, 0x0C, 0xFF);  // MBDMA0/1
  Init8(0x77, 0x0C, 0xFF);
  Init8(0x78, 0x02, 0xFF);  // PCSC: programmable chip select
  Init8(0xA0, 0x08, 0xFF);  // SMICNTL
  Init8(0xA8, 0x0F, 0xFF);  // SMI request
  last_routes_.fill(kPirqDisable);
}

int Piix3IsaBridge::PirqIrq(unsigned pirq) const {
  if (pirq >= kPirqs) return -1;
  const uint8_t reg = Read8(kPirqRouteControl + pirq);
  if (reg & kPirqDisable) return -1;
  const unsigned irq = reg & kPirqIrqMask;
  // 0-2, 8 and 13 are reserved: the timer, keyboard, cascade, RTC and FPU error are not sharable.
  if (irq < 3 || irq == 8 || irq == 13) return -1;
  return static_cast<int>(irq);
}

void Piix3IsaBridge::Reset() {
  PciDevice::Reset();
  last_routes_.fill(kPirqDisable);
  if (route_changed_) route_changed_();
}

void Piix3IsaBridge::ConfigWritten(unsigned offset, unsigned size) {
  if (offset + size <= kPirqRouteControl || offset >= kPirqRouteControl + kPirqs) return;
  bool changed = false;
  for (unsigned i = 0; i < kPirqs; ++i) {
    const uint8_t now = Read8(kPirqRouteControl + i);
    changed |= now != last_routes_[i];
    last_routes_[i] = now;
  }
  if (changed && route_changed_) route_changed_();
}

}  // namespace kiln::devices
