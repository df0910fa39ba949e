// RegionMemory: guest memory made of a few separate regions, each backed by host memory that the
// host kernel allocates on first touch (so a 1 GiB region costs nothing until used). The memory
// of `kiln user` processes: program image + heap, mmap area, stack.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "jit/interp/guest_memory.h"

namespace kiln::machine {

class RegionMemory final : public jit::GuestMemory {
 public:
  RegionMemory() = default;
  ~RegionMemory() override;
  RegionMemory(const RegionMemory&) = delete;
  RegionMemory& operator=(const RegionMemory&) = delete;
  RegionMemory(RegionMemory&& other) noexcept;

  /// Adds zeroed guest memory at [base, base + size). False (with `error`) when it overlaps an
  /// existing region or the host cannot reserve it.
  bool AddRegion(uint64_t base, uint64_t size, std::string& error);

  jit::MemStatus Read(uint64_t addr, void* out, unsigned n) override;
  jit::MemStatus Write(uint64_t addr, const void* in, unsigned n) override;
  size_t Fetch(uint64_t addr, uint8_t* out, size_t n) override;

  /// Bulk copies for loaders and system calls; false when any byte is outside every region.
  bool CopyIn(uint64_t addr, const void* data, size_t n);
  bool CopyOut(uint64_t addr, void* data, size_t n) const;

 private:
  struct Region {
    uint64_t base;
    uint64_t size;
    uint8_t* host;
  };
  /// The host address of [addr, addr + n) when one region holds all of it, else nullptr.
  uint8_t* Translate(uint64_t addr, uint64_t n) const;
  /// Puts the page holding `addr` into host_pages when it is wholly inside one region.
  void CachePage(uint64_t addr);

  std::vector<Region> regions_;
};

}  // namespace kiln::machine
