// Page walks for legacy 32-bit, PAE and 4-level paging (SDM Vol.3 4.3, 4.4, 4.5) and the access
// rights of 4.6. Entries are read through PagingMemory; A and D bits are written back only for an
// allowed access.
#include "machine/mmu/page_walk.h"

namespace kiln::machine::mmu {
namespace {

namespace bit {
inline constexpr uint64_t kP = 1u << 0, kRw = 1u << 1, kUs = 1u << 2, kA = 1u << 5, kD = 1u << 6, kPs = 1u << 7,
                          kG = 1u << 8;
inline constexpr uint64_t kXd = uint64_t{1} << 63;
}  // namespace bit

inline constexpr uint64_t kCr0Wp = 1u << 16, kCr0Pg = uint64_t{1} << 31;
inline constexpr uint64_t kCr4Pse = 1u << 4, kCr4Pae = 1u << 5, kCr4Pge = 1u << 7, kCr4Smep = 1u << 20,
                          kCr4Smap = 1u << 21;
inline constexpr uint64_t kEferLma = 1u << 10, kEferNxe = 1u << 11;

/// The entries a walk used, to set their A bits (and the leaf's D bit) once the access is allowed.
struct UsedEntries {
  uint64_t addr[4];
  uint64_t value[4];
  unsigned size = 8;
  unsigned count = 0;
  void Add(uint64_t a, uint64_t v) {
    addr[count] = a;
    value[count] = v;
    ++count;
  }
};

class Walker {
 public:
  Walker(PagingMemory& mem, const PagingControls& c, Access access, Accessor who)
      : mem_(mem), c_(c), access_(access), who_(who) {
    const unsigned m = c.phys_address_bits;
    address_mask_ = ((uint64_t{1} << m) - 1) & ~uint64_t{0xFFF};
    // Bits MAXPHYADDR..51 are reserved in every 8-byte entry, and XD without EFER.NXE.
    high_reserved_ = (((uint64_t{1} << 52) - 1) & ~((uint64_t{1} << m) - 1)) | (Nxe() ? 0 : bit::kXd);
  }

  WalkResult Run(uint64_t linear) {
    switch (FormOf(c_)) {
      case PagingForm::kLegacy32: return Legacy32(static_cast<uint32_t>(linear));
      case PagingForm::kPae: return Pae(static_cast<uint32_t>(linear));
      case PagingForm::kFourLevel: return FourLevel(linear);
      default: break;
    }
    WalkResult r;  // paging off: linear is physical, everything allowed
    r.ok = true;
    r.translation = {linear, 12, true, true, true, true, false};
    return r;
  }

 private:
  bool Nxe() const { return (c_.efer & kEferNxe) != 0; }
  bool UserAccess() const { return who_.user && !who_.implicit_supervisor; }

  uint32_t BaseErrorCode() const {
    uint32_t e = 0;
    if (access_ == Access::kWrite) e |= pf::kWrite;
    if (UserAccess()) e |= pf::kUser;
    if (access_ == Access::kExecute && (Nxe() || (c_.cr4 & kCr4Smep))) e |= pf::kFetch;
    return e;
  }
  WalkResult NotPresent() const { return {false, {}, BaseErrorCode()}; }
  WalkResult Reserved() const { return {false, {}, BaseErrorCode() | pf::kPresent | pf::kReserved}; }

  /// Accumulates an entry's rights into the translation (AND of U/S and R/W, OR of XD).
  void Accumulate(uint64_t entry) {
    t_.user = t_.user && (entry & bit::kUs);
    t_.writable = t_.writable && (entry & bit::kRw);
    if (Nxe() && (entry & bit::kXd)) t_.executable = false;
  }

  /// The end of a successful walk: the rights check, then the A and D bits.
  WalkResult Finish(uint64_t leaf, uint64_t page_base, unsigned page_bits, uint64_t linear) {
    t_.paddr = page_base | (linear & ((uint64_t{1} << page_bits) - 1));
    t_.page_bits = page_bits;
    t_.global = (c_.cr4 & kCr4Pge) && (leaf & bit::kG);
    t_.dirty = leaf & bit::kD;
    WalkResult r;
    if (!Allows(c_, t_, access_, who_, r.error_code)) return r;
    for (unsigned i = 0; i < used_.count; ++i) {
      uint64_t set = (used_.value[i] & bit::kA) ? 0 : bit::kA;
      if (i + 1 == used_.count && access_ == Access::kWrite && !(used_.value[i] & bit::kD)) set |= bit::kD;
      if (set) mem_.SetEntryBits(used_.addr[i], used_.size, set);
    }
    if (access_ == Access::kWrite) t_.dirty = true;
    r.ok = true;
    r.translation = t_;
    return r;
  }

  uint64_t Load(uint64_t addr, unsigned size) {
    const uint64_t v = mem_.LoadEntry(addr, size);
    if (v & bit::kP) used_.Add(addr, v);
    return v;
  }

  WalkResult Legacy32(uint32_t linear) {
    used_.size = 4;
    const uint64_t pde_addr = (c_.cr3 & 0xFFFFF000u) | ((linear >> 20) & 0xFFC);
    const uint64_t pde = Load(pde_addr, 4);
    if (!(pde & bit::kP)) return NotPresent();
    Accumulate(pde);
    if ((pde & bit::kPs) && (c_.cr4 & kCr4Pse)) {
      // A 4-MByte page; PSE-36: PDE bits 13.. hold physical address bits 32.. (up to 40 bits).
      const unsigned high_bits = (c_.phys_address_bits < 40 ? c_.phys_address_bits : 40) - 32;
      const uint64_t reserved = ((uint64_t{1} << 22) - 1) & ~((uint64_t{1} << (13 + high_bits)) - 1);
      if (pde & reserved) return Reserved();
      const uint64_t base = (pde & 0xFFC00000u) | (((pde >> 13) & ((uint64_t{1} << high_bits) - 1)) << 32);
      return Finish(pde, base, 22, linear);
    }
    const uint64_t pte_addr = (pde & 0xFFFFF000u) | ((linear >> 10) & 0xFFC);
    const uint64_t pte = Load(pte_addr, 4);
    if (!(pte & bit::kP)) return NotPresent();
    Accumulate(pte);
    return Finish(pte, pte & 0xFFFFF000u, 12, linear);
  }

  /// The page directory and page table levels shared by PAE and 4-level paging, below an entry
  /// that points to a page directory.
  WalkResult DirectoryAndTable(uint64_t upper, uint64_t linear) {
    const uint64_t pde = Load((upper & address_mask_) + ((linear >> 21) & 0x1FF) * 8, 8);
    if (!(pde & bit::kP)) return NotPresent();
    if (pde & high_reserved_) return Reserved();
    Accumulate(pde);
    if (pde & bit::kPs) {  // a 2-MByte page: bits 13-20 are reserved
      if (pde & 0x1FE000) return Reserved();
      return Finish(pde, pde & address_mask_ & ~uint64_t{0x1FFFFF}, 21, linear);
    }
    const uint64_t pte = Load((pde & address_mask_) + ((linear >> 12) & 0x1FF) * 8, 8);
    if (!(pte & bit::kP)) return NotPresent();
    if (pte & high_reserved_) return Reserved();
    Accumulate(pte);
    return Finish(pte, pte & address_mask_, 12, linear);
  }

  WalkResult Pae(uint32_t linear) {
    const unsigned i = linear >> 30;
    // PDPTEs have no A bit and no rights (SDM Vol.3 4.4.1): they are not in used_.
    const uint64_t pdpte = c_.pdptes ? c_.pdptes[i] : mem_.LoadEntry((c_.cr3 & 0xFFFFFFE0u) + i * 8, 8);
    if (!(pdpte & bit::kP)) return NotPresent();
    // Reserved: bits 1-2, 5-8, MAXPHYADDR..63 (XD included).
    if ((pdpte & 0x1E6) || (pdpte & (high_reserved_ | bit::kXd))) return Reserved();
    return DirectoryAndTable(pdpte, linear);
  }

  WalkResult FourLevel(uint64_t linear) {
    const uint64_t pml4e = Load((c_.cr3 & address_mask_) + ((linear >> 39) & 0x1FF) * 8, 8);
    if (!(pml4e & bit::kP)) return NotPresent();
    if ((pml4e & high_reserved_) || (pml4e & bit::kPs)) return Reserved();
    Accumulate(pml4e);
    const uint64_t pdpte = Load((pml4e & address_mask_) + ((linear >> 30) & 0x1FF) * 8, 8);
    if (!(pdpte & bit::kP)) return NotPresent();
    if (pdpte & high_reserved_) return Reserved();
    Accumulate(pdpte);
    if (pdpte & bit::kPs) {  // a 1-GByte page: bits 13-29 are reserved
      if (!c_.gb_pages || (pdpte & 0x3FFFE000)) return Reserved();
      return Finish(pdpte, pdpte & address_mask_ & ~uint64_t{0x3FFFFFFF}, 30, linear);
    }
    return DirectoryAndTable(pdpte, linear);
  }

  PagingMemory& mem_;
  const PagingControls& c_;
  Access access_;
  Accessor who_;
  uint64_t address_mask_ = 0, high_reserved_ = 0;
  Translation t_{0, 12, true, true, true, false, false};
  UsedEntries used_;
};

}  // namespace

PagingForm FormOf(const PagingControls& c) {
  if (!(c.cr0 & kCr0Pg)) return PagingForm::kNone;
  if (!(c.cr4 & kCr4Pae)) return PagingForm::kLegacy32;
  return (c.efer & kEferLma) ? PagingForm::kFourLevel : PagingForm::kPae;
}

bool Allows(const PagingControls& c, const Translation& t, Access access, Accessor who, uint32_t& error_code) {
  const bool nxe = c.efer & kEferNxe;
  const bool user_access = who.user && !who.implicit_supervisor;
  bool ok;
  if (user_access) {
    ok = t.user && (access != Access::kWrite || t.writable) && (access != Access::kExecute || t.executable);
  } else if (access == Access::kExecute) {
    ok = t.executable && !((c.cr4 & kCr4Smep) && t.user);
  } else {
    // SMAP: no supervisor data access to user pages, unless it is explicit and EFLAGS.AC = 1
    // (implicit accesses - descriptor tables, the TSS, and every supervisor access at CPL 3 -
    // ignore AC). WP: supervisor writes honour R/W only when CR0.WP = 1.
    const bool smap_blocks = (c.cr4 & kCr4Smap) && t.user && (who.implicit_supervisor || !who.eflags_ac);
    const bool wp_blocks = access == Access::kWrite && !t.writable && (c.cr0 & kCr0Wp);
    ok = !smap_blocks && !wp_blocks;
  }
  if (ok) return true;
  error_code = pf::kPresent;
  if (access == Access::kWrite) error_code |= pf::kWrite;
  if (user_access) error_code |= pf::kUser;
  if (access == Access::kExecute && (nxe || (c.cr4 & kCr4Smep))) error_code |= pf::kFetch;
  return false;
}

WalkResult Walk(PagingMemory& mem, const PagingControls& c, uint64_t linear, Access access, Accessor who) {
  return Walker(mem, c, access, who).Run(linear);
}

}  // namespace kiln::machine::mmu
