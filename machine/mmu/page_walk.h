// The page walk of the software MMU: one linear address through the guest's paging structures
// (legacy 32-bit, PAE and 4-level paging; 4K, 2M, 4M and 1G pages), with every permission rule
// of SDM Vol.3 4.6 (U/S, R/W with CR0.WP, NX, SMEP, SMAP with EFLAGS.AC and implicit supervisor
// accesses), reserved-bit checks, accessed and dirty bits, and the page-fault error code. The TLB
// (machine/mmu/tlb.h) caches what a walk returns; this file is the only place that reads paging
// structures, so the rules live once.
#pragma once

#include <cstdint>

namespace kiln::machine::mmu {

/// How the walker reads and updates paging-structure entries in guest physical memory. A read
/// of an address without RAM returns whatever the bus returns (all ones for nothing there),
/// which the walker sees as a present entry with reserved bits set: #PF with RSVD, as on a PC.
class PagingMemory {
 public:
  virtual ~PagingMemory() = default;
  /// A 4- or 8-byte little-endian load from a guest physical address.
  virtual uint64_t LoadEntry(uint64_t paddr, unsigned size) = 0;
  /// Sets the accessed/dirty bits `bits` in the entry at `paddr` (a locked OR on hardware).
  virtual void SetEntryBits(uint64_t paddr, unsigned size, uint64_t bits) = 0;
};

/// The paging controls a walk depends on (from CR0, CR3, CR4 and EFER).
struct PagingControls {
  uint64_t cr0 = 0, cr3 = 0, cr4 = 0, efer = 0;
  /// PAE paging's four PDPTEs, loaded when CR3 is written (SDM Vol.3 4.4.1); null: read them
  /// from memory on each walk.
  const uint64_t* pdptes = nullptr;
  unsigned phys_address_bits = 48;  ///< MAXPHYADDR (CPUID 0x80000008 EAX[7:0])
  bool gb_pages = true;             ///< 1-GByte pages (CPUID 0x80000001 EDX bit 26)
};

enum class Access : uint8_t { kRead, kWrite, kExecute };

/// Who makes the access: user mode (CPL 3) or supervisor; an implicit supervisor access (a
/// descriptor table, the TSS, ...) is supervisor even at CPL 3 and ignores EFLAGS.AC for SMAP.
struct Accessor {
  bool user = false;
  bool implicit_supervisor = false;
  bool eflags_ac = false;
};

/// Page-fault error code bits (SDM Vol.3 4.7).
namespace pf {
inline constexpr uint32_t kPresent = 1u << 0, kWrite = 1u << 1, kUser = 1u << 2, kReserved = 1u << 3,
                          kFetch = 1u << 4;
}  // namespace pf

/// A successful walk: the physical address and what the translation allows, for the TLB.
struct Translation {
  uint64_t paddr = 0;
  unsigned page_bits = 12;  ///< log2 of the page size: 12, 21, 22 or 30
  bool user = false;        ///< U/S = 1 at every level
  bool writable = false;    ///< R/W = 1 at every level
  bool executable = true;   ///< no XD at any level (always true without EFER.NXE)
  bool dirty = false;       ///< the leaf entry's D bit after this walk
  bool global = false;      ///< G in the leaf entry with CR4.PGE
};

struct WalkResult {
  bool ok = false;
  Translation translation;  ///< when ok
  uint32_t error_code = 0;  ///< when not ok: the #PF error code (CR2 is the linear address)
};

/// Whether paging is on (CR0.PG), and which form: legacy, PAE or 4-level.
enum class PagingForm : uint8_t { kNone, kLegacy32, kPae, kFourLevel };
PagingForm FormOf(const PagingControls& c);

/// Translates `linear` for one access. Sets the accessed bits of the entries used, and the
/// dirty bit of the leaf for a write, only when the access is allowed (Kiln's choice where the
/// SDM lets processors differ: no A bit is left behind by a faulting access).
WalkResult Walk(PagingMemory& mem, const PagingControls& c, uint64_t linear, Access access, Accessor who);

/// Whether `t` allows `access` by `who` under the controls `c`, and the error code if not:
/// the permission rules alone, for a TLB hit (a write to a clean page needs a walk to set D).
bool Allows(const PagingControls& c, const Translation& t, Access access, Accessor who, uint32_t& error_code);

}  // namespace kiln::machine::mmu
