// PhysicalMemory: the guest physical address space of a machine: RAM, ROM (firmware images,
// read-only to the guest) and MMIO regions of devices. Everything not covered reads as all ones
// and ignores writes, as an unclaimed PC bus does. The CPU reaches it through the MMU
// (machine/system_memory.h); loaders and DMA-capable devices use it directly. Every access is
// bounds-checked: a guest-controlled physical address never reaches host memory outside RAM/ROM.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "devices/io.h"

namespace kiln::machine {

class PhysicalMemory {
 public:
  PhysicalMemory() = default;
  ~PhysicalMemory();
  PhysicalMemory(const PhysicalMemory&) = delete;
  PhysicalMemory& operator=(const PhysicalMemory&) = delete;

  /// Zeroed RAM at [base, base + size), page-aligned, allocated by the host on first touch.
  /// False with `error` when it overlaps another region or the host cannot reserve it.
  bool AddRam(uint64_t base, uint64_t size, std::string& error);
  /// A read-only copy of `bytes` at `base` (page-aligned size after padding with 0xFF). The same
  /// image may be mapped at several addresses (the BIOS alias below 1 MiB).
  bool AddRom(uint64_t base, const std::vector<uint8_t>& bytes, std::string& error);
  /// A device's registers at [base, base + size). Overlaps are an error.
  bool AddMmio(uint64_t base, uint64_t size, devices::MmioHandler* handler, std::string& error);

  /// Reads n (1-64) bytes; unclaimed bytes read as 0xFF. MMIO is read in naturally sized pieces.
  void Read(uint64_t paddr, void* out, unsigned n);
  /// Writes n (1-64) bytes; ROM and unclaimed bytes ignore writes.
  void Write(uint64_t paddr, const void* in, unsigned n);

  /// The host address of the 4 KiB page holding `paddr` when all of it is RAM (or ROM, for
  /// reads), else nullptr: what the TLB caches.
  uint8_t* HostPage(uint64_t paddr, bool write) const;
  /// Whether the page holding `paddr` is RAM (writes to it may need code invalidation).
  bool IsRam(uint64_t paddr) const;

  /// Loader access to RAM: false unless [paddr, paddr + n) is wholly RAM.
  bool CopyIn(uint64_t paddr, const void* data, size_t n);
  bool CopyOut(uint64_t paddr, void* data, size_t n) const;
  /// Fills [paddr, paddr + n) of RAM with a byte; false unless it is wholly RAM.
  bool Fill(uint64_t paddr, uint8_t value, size_t n);

  struct Range {
    uint64_t base;
    uint64_t size;
  };
  /// The RAM ranges in address order (for memory maps: e820, Multiboot).
  std::vector<Range> RamRanges() const;

 private:
  enum class Kind : uint8_t { kRam, kRom, kMmio };
  struct Region {
    uint64_t base;
    uint64_t size;
    Kind kind;
    uint8_t* host;  ///< RAM and ROM
    devices::MmioHandler* mmio;
  };
  const Region* Find(uint64_t paddr) const;
  bool Overlaps(uint64_t base, uint64_t size) const;
  void Insert(const Region& r);
  /// The host bytes of [paddr, paddr + n) when one RAM region holds them all.
  uint8_t* RamSpan(uint64_t paddr, size_t n) const;

  std::vector<Region> regions_;  ///< sorted by base, non-overlapping
};

}  // namespace kiln::machine
