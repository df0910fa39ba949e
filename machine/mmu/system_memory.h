// SystemMemory: guest memory as a CPU of a full machine sees it: linear addresses through the
// software TLB and page walker (machine/mmu/page_walk.h) to PhysicalMemory (RAM, ROM, MMIO).
// RAM pages the current privilege level may access are put into the engines' host-page cache,
// so that most accesses never come here; writes to pages holding decoded code always come here
// and report the page (self-modifying code).
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <unordered_set>

#include "jit/interp/guest_memory.h"
#include "machine/cpu_state.h"
#include "machine/mmu/page_walk.h"
#include "machine/physical_memory.h"

namespace kiln::machine {

class SystemMemory final : public jit::GuestMemory, private mmu::PagingMemory {
 public:
  SystemMemory(CpuState& state, PhysicalMemory& physical);

  jit::MemStatus Read(uint64_t addr, void* out, unsigned n) override;
  jit::MemStatus Write(uint64_t addr, const void* in, unsigned n) override;
  size_t Fetch(uint64_t addr, uint8_t* out, size_t n) override;
  bool CodeAddress(uint64_t addr, uint64_t& physical) override;
  void NoteCode(uint64_t first, uint64_t last) override {
    MarkCode(first);
    MarkCode(last);
  }

  /// Accesses the CPU makes for itself (descriptor tables, the TSS, interrupt frames on a new
  /// stack): supervisor accesses whatever the CPL (SDM Vol.3 4.6 "implicit supervisor-mode").
  jit::MemStatus ReadImplicit(uint64_t addr, void* out, unsigned n);
  jit::MemStatus WriteImplicit(uint64_t addr, const void* in, unsigned n);

  /// TLB maintenance (SDM Vol.3 4.10.4). TLB entries are tagged with the PCID they were made
  /// under (CR3[11:0] with CR4.PCIDE, else 0) and are used only under that PCID, unless global.
  /// Everything (CR0/CR4/EFER paging changes, INVPCID type 2); everything but global pages, of
  /// every PCID (MOV CR3 without PCIDE, INVPCID type 3); one PCID's non-global pages (MOV CR3
  /// with PCIDE and bit 63 clear, INVPCID type 1); one page of one PCID, global or not
  /// (INVPCID type 0, "except global" per SDM: see FlushPcidPage); one page of every PCID
  /// (INVLPG). The host-page cache is not tagged: every call here empties it, and so must a
  /// CR3 write that keeps the TLB (ForgetHostPages). The PDPTE registers are loaded from CR3 by
  /// LoadPdptes() (PAE MOV CR3).
  void FlushAll();
  void FlushNonGlobal();
  void FlushPcid(uint16_t pcid);
  void FlushPcidPage(uint16_t pcid, uint64_t linear);
  void FlushPage(uint64_t linear);
  void ForgetHostPages() { host_pages.Flush(); }
  /// Loads PAE paging's PDPTE registers from CR3; false when one has reserved bits (#GP).
  bool LoadPdptes();

  /// Marks the physical page holding `paddr` as holding decoded code: writes to it go through
  /// Write() and call `on_code_write` with the physical page, which must drop every translation
  /// made from it; the page is then unmarked until code is decoded from it again.
  void MarkCode(uint64_t paddr);
  std::function<void(uint64_t physical_page)> on_code_write;

  /// The per-access checks the host-page cache would bypass: data breakpoints (DR7 R/W = 01 or
  /// 11 with L or G set) and alignment checking (CR0.AM, EFLAGS.AC and CPL 3, SDM Vol.3 6.15
  /// Interrupt 17). The CPU calls this after anything that may change DR7, CR0, EFLAGS.AC or
  /// the CPL (trapped instructions and event delivery); while a check is on, the host-page cache
  /// stays empty so that every access comes through Access(), and when none is on (the common
  /// case) the fast path is untouched.
  void UpdateAccessChecks();

  PhysicalMemory& physical() { return physical_; }
  uint64_t tlb_misses = 0;

 private:
  struct TlbEntry {
    uint64_t linear_page = kInvalid;
    uint64_t physical_page = 0;
    uint16_t pcid = 0;  ///< the PCID it was made under (ignored for a global translation)
    mmu::Translation translation;
  };
  /// The PCID translations are made and used under: CR3[11:0] with CR4.PCIDE, else 0.
  uint16_t CurrentPcid() const;
  static constexpr uint64_t kInvalid = 1;  ///< not page-aligned: matches no address
  static constexpr unsigned kTlbEntries = 512;

  uint64_t LoadEntry(uint64_t paddr, unsigned size) override;
  void SetEntryBits(uint64_t paddr, unsigned size, uint64_t bits) override;

  mmu::PagingControls Controls() const;
  mmu::Accessor Who(bool implicit) const;
  uint64_t LinearMask() const;
  /// linear -> physical for one access that does not cross a page; fills fault_* on a fault.
  bool Translate(uint64_t linear, mmu::Access access, bool implicit, uint64_t& paddr);
  jit::MemStatus Access(uint64_t addr, void* data, unsigned n, mmu::Access access, bool implicit);
  bool IsCodePage(uint64_t paddr) const { return code_pages_.count(paddr >> 12) != 0; }
  /// Whether a user access of `n` bytes at `addr` is misaligned for #AC (the natural alignment
  /// of 2-, 4- and 8-byte operands; 8 for the x87's 10-byte values).
  static bool Misaligned(uint64_t addr, unsigned n);
  /// Adds the data breakpoints [addr, addr + n) matches to data_breakpoint_hits.
  void NoteDataBreakpoints(uint64_t addr, unsigned n, bool write);

  CpuState& s_;
  PhysicalMemory& physical_;
  std::array<TlbEntry, kTlbEntries> tlb_{};
  uint64_t pdptes_[4] = {};
  std::unordered_set<uint64_t> code_pages_;
  bool checks_ = false;           ///< a check below is on: the host-page cache is not filled
  bool alignment_check_ = false;  ///< CR0.AM && EFLAGS.AC && CPL 3
  uint8_t data_breakpoints_ = 0;  ///< DR0-DR3 that are enabled data breakpoints (bit n)
};

}  // namespace kiln::machine
