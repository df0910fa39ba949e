// RegionMemory: a handful of guest regions backed by lazily allocated host memory.
#include "machine/region_memory.h"

#include <sys/mman.h>

#include <cstring>

namespace kiln::machine {

RegionMemory::~RegionMemory() {
  for (const Region& r : regions_) munmap(r.host, r.size);
}

RegionMemory::RegionMemory(RegionMemory&& other) noexcept : regions_(std::move(other.regions_)) {
  other.regions_.clear();
  other.host_pages.Flush();  // its cached pages now belong to this object
}

bool RegionMemory::AddRegion(uint64_t base, uint64_t size, std::string& error) {
  if (size == 0 || base + size < base) {
    error = "empty or wrapping guest region";
    return false;
  }
  for (const Region& r : regions_) {
    if (base < r.base + r.size && r.base < base + size) {
      error = "guest regions overlap";
      return false;
    }
  }
  void* host = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (host == MAP_FAILED) {
    error = "cannot reserve " + std::to_string(size >> 20) + " MiB of host memory";
    return false;
  }
  regions_.push_back({base, size, static_cast<uint8_t*>(host)});
  return true;
}

uint8_t* RegionMemory::Translate(uint64_t addr, uint64_t n) const {
  for (const Region& r : regions_) {
    // Overflow-safe containment of [addr, addr + n) in [base, base + size).
    if (addr >= r.base && addr - r.base < r.size && n <= r.size - (addr - r.base)) return r.host + (addr - r.base);
  }
  return nullptr;
}

void RegionMemory::CachePage(uint64_t addr) {
  // Only a page that lies wholly inside one region may be cached: the cache's hit test covers
  // the whole page.
  const uint64_t page = addr & jit::HostPageCache::kPageMask;
  for (const Region& r : regions_) {
    if (page >= r.base && page - r.base < r.size && jit::HostPageCache::kPageSize <= r.size - (page - r.base)) {
      host_pages.Fill(addr, r.host + (page - r.base), true);
      return;
    }
  }
}

jit::MemStatus RegionMemory::Read(uint64_t addr, void* out, unsigned n) {
  const uint8_t* p = Translate(addr, n);
  if (!p) return jit::MemStatus::kPageFault;
  std::memcpy(out, p, n);
  CachePage(addr);
  return jit::MemStatus::kOk;
}

jit::MemStatus RegionMemory::Write(uint64_t addr, const void* in, unsigned n) {
  uint8_t* p = Translate(addr, n);
  if (!p) return jit::MemStatus::kPageFault;
  std::memcpy(p, in, n);
  CachePage(addr);
  return jit::MemStatus::kOk;
}

size_t RegionMemory::Fetch(uint64_t addr, uint8_t* out, size_t n) {
  for (const Region& r : regions_) {
    if (addr >= r.base && addr - r.base < r.size) {
      const size_t avail = r.size - (addr - r.base);
      const size_t got = n < avail ? n : avail;
      std::memcpy(out, r.host + (addr - r.base), got);
      return got;
    }
  }
  return 0;
}

bool RegionMemory::CopyIn(uint64_t addr, const void* data, size_t n) {
  if (n == 0) return true;
  uint8_t* p = Translate(addr, n);
  if (!p) return false;
  std::memcpy(p, data, n);
  return true;
}

bool RegionMemory::CopyOut(uint64_t addr, void* data, size_t n) const {
  if (n == 0) return true;
  const uint8_t* p = Translate(addr, n);
  if (!p) return false;
  std::memcpy(data, p, n);
  return true;
}

}  // namespace kiln::machine
