// PhysicalMemory: RAM, ROM and MMIO regions in a sorted vector (a PC has a handful; lookups on
// the hot path go through the TLB's host-page cache, not here).
#include "machine/physical_memory.h"

#include <sys/mman.h>

#include <algorithm>
#include <cstring>

namespace kiln::machine {
namespace {

constexpr uint64_t kPage = 4096;

uint8_t* MapZeroed(uint64_t size) {
  void* p = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  return p == MAP_FAILED ? nullptr : static_cast<uint8_t*>(p);
}

}  // namespace

PhysicalMemory::~PhysicalMemory() {
  for (const Region& r : regions_) {
    if (r.host) munmap(r.host, r.size);
  }
}

bool PhysicalMemory::Overlaps(uint64_t base, uint64_t size) const {
  return std::any_of(regions_.begin(), regions_.end(),
                     [&](const Region& r) { return base < r.base + r.size && r.base < base + size; });
}

void PhysicalMemory::Insert(const Region& r) {
  regions_.insert(std::upper_bound(regions_.begin(), regions_.end(), r.base,
                                   [](uint64_t b, const Region& x) { return b < x.base; }),
                  r);
}

bool PhysicalMemory::AddRam(uint64_t base, uint64_t size, std::string& error) {
  if (size == 0 || (base | size) % kPage != 0 || base + size < base) {
    error = "RAM region is empty or not page-aligned";
    return false;
  }
  if (Overlaps(base, size)) {
    error = "RAM region overlaps another region";
    return false;
  }
  uint8_t* host = MapZeroed(size);
  if (!host) {
    error = "cannot reserve " + std::to_string(size >> 20) + " MiB of host memory for guest RAM";
    return false;
  }
  Insert({base, size, Kind::kRam, host, nullptr});
  return true;
}

bool PhysicalMemory::AddRom(uint64_t base, const std::vector<uint8_t>& bytes, std::string& error) {
  const uint64_t size = (bytes.size() + kPage - 1) / kPage * kPage;
  if (size == 0 || base % kPage != 0 || base + size < base || Overlaps(base, size)) {
    error = "ROM region is empty, unaligned or overlaps another region";
    return false;
  }
  uint8_t* host = MapZeroed(size);
  if (!host) {
    error = "cannot allocate host memory for a ROM image";
    return false;
  }
  std::memset(host, 0xFF, size);
  std::memcpy(host, bytes.data(), bytes.size());
  mprotect(host, size, PROT_READ);  // a stray host write through a bug faults instead of patching firmware
  Insert({base, size, Kind::kRom, host, nullptr});
  return true;
}

bool PhysicalMemory::AddMmio(uint64_t base, uint64_t size, devices::MmioHandler* handler, std::string& error) {
  if (size == 0 || base + size < base || Overlaps(base, size)) {
    error = "MMIO region is empty or overlaps another region";
    return false;
  }
  Insert({base, size, Kind::kMmio, nullptr, handler});
  return true;
}

const PhysicalMemory::Region* PhysicalMemory::Find(uint64_t paddr) const {
  auto it = std::upper_bound(regions_.begin(), regions_.end(), paddr,
                             [](uint64_t a, const Region& r) { return a < r.base; });
  if (it == regions_.begin()) return nullptr;
  --it;
  return paddr - it->base < it->size ? &*it : nullptr;
}

uint8_t* PhysicalMemory::RamSpan(uint64_t paddr, size_t n) const {
  const Region* r = Find(paddr);
  if (!r || r->kind != Kind::kRam || n > r->size - (paddr - r->base)) return nullptr;
  return r->host + (paddr - r->base);
}

void PhysicalMemory::Read(uint64_t paddr, void* out, unsigned n) {
  auto* dst = static_cast<uint8_t*>(out);
  while (n > 0) {
    const Region* r = Find(paddr);
    if (!r) {
      *dst++ = 0xFF;
      ++paddr;
      --n;
      continue;
    }
    const uint64_t offset = paddr - r->base;
    const unsigned chunk = static_cast<unsigned>(std::min<uint64_t>(n, r->size - offset));
    if (r->kind == Kind::kMmio) {
      // Naturally sized pieces: a device sees the access widths it documents.
      unsigned piece = 8;
      while (piece > chunk || (offset & (piece - 1))) piece >>= 1;
      const uint64_t v = r->mmio->MmioRead(offset, piece);
      for (unsigned i = 0; i < piece; ++i) dst[i] = static_cast<uint8_t>(v >> (8 * i));
      dst += piece, paddr += piece, n -= piece;
      continue;
    }
    std::memcpy(dst, r->host + offset, chunk);
    dst += chunk, paddr += chunk, n -= chunk;
  }
}

void PhysicalMemory::Write(uint64_t paddr, const void* in, unsigned n) {
  const auto* src = static_cast<const uint8_t*>(in);
  while (n > 0) {
    const Region* r = Find(paddr);
    if (!r) {
      ++src, ++paddr, --n;
      continue;
    }
    const uint64_t offset = paddr - r->base;
    const unsigned chunk = static_cast<unsigned>(std::min<uint64_t>(n, r->size - offset));
    if (r->kind == Kind::kMmio) {
      unsigned piece = 8;
      while (piece > chunk || (offset & (piece - 1))) piece >>= 1;
      uint64_t v = 0;
      for (unsigned i = 0; i < piece; ++i) v |= static_cast<uint64_t>(src[i]) << (8 * i);
      r->mmio->MmioWrite(offset, piece, v);
      src += piece, paddr += piece, n -= piece;
      continue;
    }
    if (r->kind == Kind::kRam) std::memcpy(r->host + offset, src, chunk);
    src += chunk, paddr += chunk, n -= chunk;
  }
}

uint8_t* PhysicalMemory::HostPage(uint64_t paddr, bool write) const {
  const uint64_t page = paddr & ~(kPage - 1);
  const Region* r = Find(page);
  if (!r || r->kind == Kind::kMmio || (write && r->kind != Kind::kRam)) return nullptr;
  return r->host + (page - r->base);  // regions are page-aligned and page-sized
}

bool PhysicalMemory::IsRam(uint64_t paddr) const {
  const Region* r = Find(paddr);
  return r && r->kind == Kind::kRam;
}

bool PhysicalMemory::CopyIn(uint64_t paddr, const void* data, size_t n) {
  uint8_t* p = RamSpan(paddr, n);
  if (!p) return n == 0;
  std::memcpy(p, data, n);
  return true;
}

bool PhysicalMemory::CopyOut(uint64_t paddr, void* data, size_t n) const {
  const uint8_t* p = RamSpan(paddr, n);
  if (!p) return n == 0;
  std::memcpy(data, p, n);
  return true;
}

bool PhysicalMemory::Fill(uint64_t paddr, uint8_t value, size_t n) {
  uint8_t* p = RamSpan(paddr, n);
  if (!p) return n == 0;
  std::memset(p, value, n);
  return true;
}

std::vector<PhysicalMemory::Range> PhysicalMemory::RamRanges() const {
  std::vector<Range> out;
  for (const Region& r : regions_) {
    if (r.kind == Kind::kRam) out.push_back({r.base, r.size});
  }
  return out;
}

}  // namespace kiln::machine
