// SystemMemory: the software TLB in front of the page walker, and the filling of the engines'
// host-page cache.
#include "machine/mmu/system_memory.h"

#include <algorithm>
#include <cstring>
#include <iterator>

namespace kiln::machine {
namespace {

constexpr uint64_t kPage = 4096;
constexpr uint64_t kCr0Pg = uint64_t{1} << 31;
constexpr uint64_t kRflagsAc = 1u << 18;
constexpr uint64_t kCr0Am = 1u << 18;
constexpr uint64_t kCr4Pcide = 1u << 17;

}  // namespace

SystemMemory::SystemMemory(CpuState& state, PhysicalMemory& physical) : s_(state), physical_(physical) {
  reports_page_faults = true;
}

uint64_t SystemMemory::LoadEntry(uint64_t paddr, unsigned size) {
  uint64_t v = 0;
  uint8_t b[8];
  physical_.Read(paddr, b, size);
  for (unsigned i = 0; i < size; ++i) v |= static_cast<uint64_t>(b[i]) << (8 * i);
  return v;
}

void SystemMemory::SetEntryBits(uint64_t paddr, unsigned size, uint64_t bits) {
  uint64_t v = LoadEntry(paddr, size) | bits;
  uint8_t b[8];
  for (unsigned i = 0; i < size; ++i) b[i] = static_cast<uint8_t>(v >> (8 * i));
  physical_.Write(paddr, b, size);
}

mmu::PagingControls SystemMemory::Controls() const {
  mmu::PagingControls c;
  c.cr0 = s_.cr0;
  c.cr3 = s_.cr3;
  c.cr4 = s_.cr4;
  c.efer = s_.efer;
  c.pdptes = pdptes_;
  return c;
}

mmu::Accessor SystemMemory::Who(bool implicit) const {
  return {s_.cpl == 3, implicit, (s_.rflags_rest & kRflagsAc) != 0};
}

uint64_t SystemMemory::LinearMask() const {
  // Outside long mode linear addresses are 32 bits wide and wrap (segment base + offset).
  return (s_.efer & efer::kLma) ? ~uint64_t{0} : 0xFFFFFFFFu;
}

bool SystemMemory::LoadPdptes() {
  // All four are checked before any is loaded: on #GP the instruction has no effect, and the
  // registers keep translating with the old values (SDM Vol.3 4.4.1).
  uint64_t loaded[4];
  for (unsigned i = 0; i < 4; ++i) {
    const uint64_t e = LoadEntry((s_.cr3 & 0xFFFFFFE0u) + 8 * i, 8);
    // Reserved: bits 1-2, 5-8 and above MAXPHYADDR (48) when present (SDM Vol.3 4.4.1).
    if ((e & 1) && ((e & 0x1E6) || (e >> 48))) return false;
    loaded[i] = e;
  }
  std::copy(std::begin(loaded), std::end(loaded), pdptes_);
  FlushAll();
  return true;
}

void SystemMemory::FlushAll() {
  for (TlbEntry& e : tlb_) e.linear_page = kInvalid;
  host_pages.Flush();
}

void SystemMemory::FlushNonGlobal() {
  for (TlbEntry& e : tlb_) {
    if (!e.translation.global) e.linear_page = kInvalid;
  }
  host_pages.Flush();
}

void SystemMemory::FlushPcid(uint16_t pcid) {
  for (TlbEntry& e : tlb_) {
    if (!e.translation.global && e.pcid == pcid) e.linear_page = kInvalid;
  }
  host_pages.Flush();
}

void SystemMemory::FlushPcidPage(uint16_t pcid, uint64_t linear) {
  // INVPCID type 0 need not drop a global translation (SDM Vol.2 INVPCID), but it may: Kiln
  // drops the page's global entries too, as INVLPG does, so that software that relies on
  // either reading never sees a stale global page.
  for (TlbEntry& e : tlb_) {
    if (e.linear_page == kInvalid || (!e.translation.global && e.pcid != pcid)) continue;
    const uint64_t mask = ~((uint64_t{1} << e.translation.page_bits) - 1);
    if ((e.linear_page & mask) == (linear & mask)) e.linear_page = kInvalid;
  }
  host_pages.Flush();
}

uint16_t SystemMemory::CurrentPcid() const {
  return (s_.cr4 & kCr4Pcide) ? static_cast<uint16_t>(s_.cr3 & 0xFFF) : 0;
}

void SystemMemory::FlushPage(uint64_t linear) {
  // A large page is cached as its 4K pieces; INVLPG of any address in it drops all of them
  // that are cached (SDM Vol.3 4.10.4.1), and the host-page cache is dropped whole.
  for (TlbEntry& e : tlb_) {
    if (e.linear_page == kInvalid) continue;
    const uint64_t mask = ~((uint64_t{1} << e.translation.page_bits) - 1);
    if ((e.linear_page & mask) == (linear & mask)) e.linear_page = kInvalid;
  }
  host_pages.Flush();
}

bool SystemMemory::Translate(uint64_t linear, mmu::Access access, bool implicit, uint64_t& paddr) {
  const uint64_t page = linear & ~(kPage - 1);
  if (!(s_.cr0 & kCr0Pg)) {
    paddr = linear;
    return true;
  }
  const mmu::PagingControls c = Controls();
  const mmu::Accessor who = Who(implicit);
  TlbEntry& e = tlb_[(linear >> 12) % kTlbEntries];
  const uint16_t pcid = CurrentPcid();
  uint32_t error = 0;
  // A hit needs the current PCID (or a global page) and the rights for this access; a write to
  // a page whose D bit is clear walks again to set it.
  if (e.linear_page == page && (e.translation.global || e.pcid == pcid) &&
      mmu::Allows(c, e.translation, access, who, error) &&
      (access != mmu::Access::kWrite || e.translation.dirty)) {
    paddr = e.physical_page | (linear & (kPage - 1));
    return true;
  }
  ++tlb_misses;
  const mmu::WalkResult r = mmu::Walk(*this, c, linear, access, who);
  if (!r.ok) {
    fault_address = linear;
    fault_error_code = r.error_code;
    return false;
  }
  e.linear_page = page;
  e.pcid = pcid;
  e.physical_page = r.translation.paddr & ~(kPage - 1);
  e.translation = r.translation;
  paddr = r.translation.paddr;
  return true;
}

void SystemMemory::UpdateAccessChecks() {
  alignment_check_ = (s_.cr0 & kCr0Am) && (s_.rflags_rest & kRflagsAc) && s_.cpl == 3;
  data_breakpoints_ = 0;
  for (unsigned n = 0; n < 4; ++n) {
    const uint64_t rw = (s_.dr[7] >> (16 + 4 * n)) & 3;
    if (((s_.dr[7] >> (2 * n)) & 3) && (rw == 1 || rw == 3)) data_breakpoints_ |= static_cast<uint8_t>(1u << n);
  }
  const bool checks = alignment_check_ || data_breakpoints_;
  if (checks && !checks_) host_pages.Flush();
  checks_ = checks;
}

bool SystemMemory::Misaligned(uint64_t addr, unsigned n) {
  switch (n) {
    case 2: case 4: case 8: return addr & (n - 1);
    case 10: return addr & 7;
    default: return false;  // bytes, and vector operands (their own rules: #GP for MOVAPS & co.)
  }
}

void SystemMemory::NoteDataBreakpoints(uint64_t addr, unsigned n, bool write) {
  for (unsigned i = 0; i < 4; ++i) {
    if (!((data_breakpoints_ >> i) & 1)) continue;
    const uint64_t rw = (s_.dr[7] >> (16 + 4 * i)) & 3;
    if (rw == 1 && !write) continue;  // 01: writes only; 11: reads and writes
    // LEN 00/01/11/10 = 1/2/4/8 bytes, the breakpoint address aligned down to it (SDM Vol.3 17.2.5).
    static constexpr uint64_t kLength[4] = {1, 2, 8, 4};
    const uint64_t len = kLength[(s_.dr[7] >> (18 + 4 * i)) & 3];
    const uint64_t start = s_.dr[i] & ~(len - 1) & LinearMask();
    if (addr < start + len && start < addr + n) data_breakpoint_hits |= static_cast<uint8_t>(1u << i);
  }
}

jit::MemStatus SystemMemory::Access(uint64_t addr, void* data, unsigned n, mmu::Access access, bool implicit) {
  addr &= LinearMask();
  // Alignment checking applies to user-mode accesses only: not to the CPU's own supervisor
  // accesses (descriptor tables, the TSS), even when a CPL 3 instruction causes them.
  if (checks_ && alignment_check_ && !implicit && Misaligned(addr, n)) return jit::MemStatus::kAlignmentCheck;
  // Both pages of a crossing access are translated before a byte moves: a fault on the second
  // page leaves the first untouched (and CR2 is the second page's first byte).
  const uint64_t first_len = std::min<uint64_t>(n, kPage - (addr & (kPage - 1)));
  const uint64_t second = (addr + first_len) & LinearMask();
  uint64_t p0 = 0, p1 = 0;
  if (!Translate(addr, access, implicit, p0)) return jit::MemStatus::kPageFault;
  if (first_len < n && !Translate(second, access, implicit, p1)) return jit::MemStatus::kPageFault;
  auto* bytes = static_cast<uint8_t*>(data);
  const bool write = access == mmu::Access::kWrite;
  const auto move = [&](uint64_t paddr, uint8_t* b, unsigned len) {
    if (write) {
      physical_.Write(paddr, b, len);
      if (IsCodePage(paddr) && on_code_write) {
        // The engine drops every translation from the page, so the page holds no decoded code
        // until the next decode marks it again: later writes to it (a page of code freed and
        // reused for data) take the fast path instead of invalidating on every store.
        on_code_write(paddr & ~(kPage - 1));
        code_pages_.erase(paddr >> 12);
      }
    } else {
      physical_.Read(paddr, b, len);
    }
  };
  move(p0, bytes, static_cast<unsigned>(first_len));
  if (first_len < n) move(p1, bytes + first_len, n - static_cast<unsigned>(first_len));
  if (checks_) {
    if (data_breakpoints_) NoteDataBreakpoints(addr, n, write);
    return jit::MemStatus::kOk;  // the host-page cache would bypass the checks
  }
  // The page goes into the host-page cache when it is plain RAM and the access rights of the
  // current privilege level allow it (CPL changes flush the cache).
  if (!implicit && first_len == n) {
    if (uint8_t* host = physical_.HostPage(p0, false)) {
      bool writable = physical_.HostPage(p0, true) != nullptr && !IsCodePage(p0);
      if (writable && (s_.cr0 & kCr0Pg)) {
        const TlbEntry& e = tlb_[(addr >> 12) % kTlbEntries];
        uint32_t error = 0;
        writable = e.translation.dirty &&
                   mmu::Allows(Controls(), e.translation, mmu::Access::kWrite, Who(false), error);
      }
      // Reading is allowed: this access was (x86 paging has no write-only pages).
      host_pages.Fill(addr, host, writable);
    }
  }
  return jit::MemStatus::kOk;
}

jit::MemStatus SystemMemory::Read(uint64_t addr, void* out, unsigned n) {
  return Access(addr, out, n, mmu::Access::kRead, false);
}

jit::MemStatus SystemMemory::Write(uint64_t addr, const void* in, unsigned n) {
  return Access(addr, const_cast<void*>(in), n, mmu::Access::kWrite, false);
}

jit::MemStatus SystemMemory::ReadImplicit(uint64_t addr, void* out, unsigned n) {
  return Access(addr, out, n, mmu::Access::kRead, true);
}

jit::MemStatus SystemMemory::WriteImplicit(uint64_t addr, const void* in, unsigned n) {
  return Access(addr, const_cast<void*>(in), n, mmu::Access::kWrite, true);
}

size_t SystemMemory::Fetch(uint64_t addr, uint8_t* out, size_t n) {
  size_t got = 0;
  while (got < n) {
    const uint64_t linear = (addr + got) & LinearMask();
    uint64_t paddr;
    if (!Translate(linear, mmu::Access::kExecute, false, paddr)) break;
    const size_t len = std::min<size_t>(n - got, kPage - (linear & (kPage - 1)));
    physical_.Read(paddr, out + got, static_cast<unsigned>(len));
    got += len;
  }
  return got;
}

bool SystemMemory::CodeAddress(uint64_t addr, uint64_t& physical) {
  return Translate(addr & LinearMask(), mmu::Access::kExecute, false, physical);
}

void SystemMemory::MarkCode(uint64_t paddr) {
  if (code_pages_.insert(paddr >> 12).second) host_pages.Flush();  // no cached write tag may bypass it
}

}  // namespace kiln::machine
