// The memory interface the execution engines call. machine/region_memory.h and flat_memory.h
// implement it over host memory today; the software MMU (linear -> physical, TLB, MMIO) plugs in
// behind it. Engines try HostPageCache first and call the virtual functions only on a miss.
#pragma once

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <type_traits>

namespace kiln::jit {

/// The outcome of one memory access.
enum class MemStatus : uint8_t {
  kOk,
  kPageFault,          ///< #PF: the address is not mapped or not accessible this way
  kGeneralProtection,  ///< #GP(0): a non-canonical address or a segment limit
  kAlignmentCheck,     ///< #AC(0): a misaligned user access with CR0.AM and EFLAGS.AC
};

/// A direct-mapped cache of guest pages that are plain host memory, with separate read and write
/// tags (QEMU's CPUTLBEntry addr_read/addr_write and addend): an access that hits costs a tag
/// compare and a host load or store, with no virtual call. Only the memory implementation fills
/// it (on a slow-path access that found RAM), and it must flush it whenever a page stops being
/// plain RAM or stops being writable (unmap, protection change, a page that gets decoded code
/// once self-modifying code is tracked through the write tag).
class HostPageCache {
 public:
  static constexpr unsigned kPageBits = 12;
  static constexpr uint64_t kPageSize = uint64_t{1} << kPageBits;
  static constexpr uint64_t kPageMask = ~(kPageSize - 1);
  static constexpr unsigned kEntries = 256;

  /// The host address of [addr, addr + n) for a read, or nullptr (not cached, or the access
  /// crosses into the next page: the slow path handles it and faults on the right page).
  [[gnu::always_inline]] uint8_t* ForRead(uint64_t addr, unsigned n) const {
    const Entry& e = entries_[(addr >> kPageBits) % kEntries];
    if (e.read_page != (addr & kPageMask) || (addr & ~kPageMask) > kPageSize - n) return nullptr;
    return reinterpret_cast<uint8_t*>(addr + e.addend);
  }
  [[gnu::always_inline]] uint8_t* ForWrite(uint64_t addr, unsigned n) const {
    const Entry& e = entries_[(addr >> kPageBits) % kEntries];
    if (e.write_page != (addr & kPageMask) || (addr & ~kPageMask) > kPageSize - n) return nullptr;
    return reinterpret_cast<uint8_t*>(addr + e.addend);
  }

  /// Caches the guest page holding `addr` as host memory at `host_page` (its first byte).
  void Fill(uint64_t addr, uint8_t* host_page, bool writable) {
    Entry& e = entries_[(addr >> kPageBits) % kEntries];
    const uint64_t page = addr & kPageMask;
    e.read_page = page;
    e.write_page = writable ? page : kNoPage;
    e.addend = reinterpret_cast<uintptr_t>(host_page) - page;
  }
  void Flush() { entries_.fill(Entry{}); }

 private:
  static constexpr uint64_t kNoPage = 1;  ///< never equal to a page address (not page-aligned)
  struct Entry {
    uint64_t read_page = kNoPage;
    uint64_t write_page = kNoPage;
    uintptr_t addend = 0;  ///< host address - guest address
  };
  std::array<Entry, kEntries> entries_{};
};

/// Byte reversal (std::byteswap is C++23).
template <class T>
constexpr T ReverseBytes(T v) {
  if constexpr (sizeof(T) == 1) return v;
  else if constexpr (sizeof(T) == 2) return __builtin_bswap16(v);
  else if constexpr (sizeof(T) == 4) return __builtin_bswap32(v);
  else return __builtin_bswap64(v);
}

/// Little-endian guest values from and to host memory, whatever the host's byte order.
template <unsigned N>
[[gnu::always_inline]] inline uint64_t LoadLittleEndian(const uint8_t* p) {
  using T = std::conditional_t<N == 1, uint8_t, std::conditional_t<N == 2, uint16_t, std::conditional_t<N == 4, uint32_t, uint64_t>>>;
  T v;
  std::memcpy(&v, p, N);
  if constexpr (std::endian::native == std::endian::big) v = ReverseBytes(v);
  return v;
}
template <unsigned N>
[[gnu::always_inline]] inline void StoreLittleEndian(uint8_t* p, uint64_t value) {
  using T = std::conditional_t<N == 1, uint8_t, std::conditional_t<N == 2, uint16_t, std::conditional_t<N == 4, uint32_t, uint64_t>>>;
  T v = static_cast<T>(value);
  if constexpr (std::endian::native == std::endian::big) v = ReverseBytes(v);
  std::memcpy(p, &v, N);
}

/// Guest memory as the CPU sees it: linear addresses, after segmentation.
class GuestMemory {
 public:
  virtual ~GuestMemory() = default;
  /// Reads `n` bytes (1-64) at `addr` into `out`. On a fault nothing is read.
  virtual MemStatus Read(uint64_t addr, void* out, unsigned n) = 0;
  /// Writes `n` bytes (1-64). On a fault nothing is written: an access that crosses into a
  /// faulting page writes neither page (precise exceptions).
  virtual MemStatus Write(uint64_t addr, const void* in, unsigned n) = 0;
  /// Fetches up to `n` instruction bytes at `addr`; returns how many are readable (fewer when
  /// a fault lies inside the range, 0 when `addr` itself faults).
  virtual size_t Fetch(uint64_t addr, uint8_t* out, size_t n) = 0;

  /// The physical address of the code byte at linear `addr`, the key under which engines cache
  /// decoded code (so that a new mapping of the same linear address is decoded afresh), or
  /// `addr` itself where linear is physical. False when it cannot be fetched.
  virtual bool CodeAddress(uint64_t addr, uint64_t& physical) {
    physical = addr;
    return true;
  }

  /// Tells the implementation that code was decoded from the physical range [first, last]
  /// (the pages of its first and last byte), so that writes there are reported.
  virtual void NoteCode(uint64_t first, uint64_t last) {
    (void)first;
    (void)last;
  }

  /// The RAM fast path, filled by the implementation (see HostPageCache).
  HostPageCache host_pages;

  /// Filled by an implementation with paging when it returns kPageFault: CR2 and the error code
  /// (SDM Vol.3 4.7). Without it, engines derive them from the access.
  bool reports_page_faults = false;
  /// Data breakpoints (DR0-DR3) the accesses since the engine cleared it matched, as DR6's
  /// B0-B3 bits: the engine raises the #DB trap after the instruction (machine only).
  uint8_t data_breakpoint_hits = 0;
  uint64_t fault_address = 0;
  uint32_t fault_error_code = 0;
};

}  // namespace kiln::jit
