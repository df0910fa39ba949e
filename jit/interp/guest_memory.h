// The memory interface the execution engines call. Today machine/flat_memory.h implements it over
// one block of guest RAM; the software MMU (linear -> physical, TLB, MMIO) plugs in behind it.
#pragma once

#include <cstddef>
#include <cstdint>

namespace kiln::jit {

/// The outcome of one memory access.
enum class MemStatus : uint8_t {
  kOk,
  kPageFault,          ///< #PF: the address is not mapped or not accessible this way
  kGeneralProtection,  ///< #GP(0): a non-canonical address or a segment limit
};

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
};

}  // namespace kiln::jit
