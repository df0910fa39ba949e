// FlatMemory: guest memory as one bounds-checked block of host memory at a guest base address.
// The memory of `kiln user` and of the interpreter's tests; the MMU replaces it for full systems.
#pragma once

#include <cstdint>
#include <cstring>
#include <vector>

#include "jit/interp/guest_memory.h"

namespace kiln::machine {

class FlatMemory final : public jit::GuestMemory {
 public:
  /// `size` bytes of zeroed guest memory at guest addresses [base, base + size).
  FlatMemory(uint64_t base, uint64_t size) : base_(base), bytes_(size) {}
  FlatMemory(const FlatMemory&) = delete;  // host_pages points into bytes_
  FlatMemory& operator=(const FlatMemory&) = delete;

  jit::MemStatus Read(uint64_t addr, void* out, unsigned n) override {
    if (!Contains(addr, n)) return jit::MemStatus::kPageFault;
    std::memcpy(out, bytes_.data() + (addr - base_), n);
    CachePage(addr);
    return jit::MemStatus::kOk;
  }
  jit::MemStatus Write(uint64_t addr, const void* in, unsigned n) override {
    if (!Contains(addr, n)) return jit::MemStatus::kPageFault;
    std::memcpy(bytes_.data() + (addr - base_), in, n);
    CachePage(addr);
    return jit::MemStatus::kOk;
  }
  size_t Fetch(uint64_t addr, uint8_t* out, size_t n) override {
    if (addr < base_ || addr - base_ >= bytes_.size()) return 0;
    const size_t avail = bytes_.size() - (addr - base_);
    const size_t got = n < avail ? n : avail;
    std::memcpy(out, bytes_.data() + (addr - base_), got);
    return got;
  }

  /// Copies host bytes into guest memory (loaders, tests); false when out of range.
  bool Load(uint64_t addr, const void* data, size_t n) {
    if (!Contains(addr, n)) return false;
    std::memcpy(bytes_.data() + (addr - base_), data, n);
    return true;
  }
  uint64_t base() const { return base_; }
  uint64_t size() const { return bytes_.size(); }

 private:
  // Only a page that lies wholly inside the block may go into the host-page cache.
  void CachePage(uint64_t addr) {
    const uint64_t page = addr & jit::HostPageCache::kPageMask;
    if (Contains(page, jit::HostPageCache::kPageSize)) host_pages.Fill(addr, bytes_.data() + (page - base_), true);
  }
  bool Contains(uint64_t addr, uint64_t n) const {
    // Overflow-safe: addr - base_ < size and n <= size - (addr - base_).
    return addr >= base_ && addr - base_ < bytes_.size() && n <= bytes_.size() - (addr - base_);
  }

  uint64_t base_;
  std::vector<uint8_t> bytes_;
};

}  // namespace kiln::machine
