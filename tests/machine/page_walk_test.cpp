// The page walker (machine/mmu/page_walk.h) on hand-built paging structures: each paging form
// and page size, the access rights of SDM Vol.3 4.6, reserved bits, A/D bits and error codes.
#include "machine/mmu/page_walk.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <vector>

namespace kiln::machine::mmu {
namespace {

constexpr uint64_t kP = 1, kRw = 2, kUs = 4, kA = 0x20, kD = 0x40, kPs = 0x80, kG = 0x100;
constexpr uint64_t kXd = uint64_t{1} << 63;
constexpr uint64_t kCr0Pg = uint64_t{1} << 31, kCr0Wp = 1u << 16;
constexpr uint64_t kCr4Pse = 1u << 4, kCr4Pae = 1u << 5, kCr4Pge = 1u << 7, kCr4Smep = 1u << 20, kCr4Smap = 1u << 21;
constexpr uint64_t kEferLme = 1u << 8, kEferLma = 1u << 10, kEferNxe = 1u << 11;

/// 1 MiB of guest physical memory; reads outside it return all ones (nothing on the bus).
class FakeMemory : public PagingMemory {
 public:
  uint64_t LoadEntry(uint64_t paddr, unsigned size) override {
    if (paddr + size > bytes_.size()) return ~uint64_t{0};
    uint64_t v = 0;
    std::memcpy(&v, &bytes_[paddr], size);
    return v;
  }
  void SetEntryBits(uint64_t paddr, unsigned size, uint64_t bits) override {
    ASSERT_LE(paddr + size, bytes_.size());
    Put(paddr, Get(paddr, size) | bits, size);
    ++updates;
  }
  uint64_t Get(uint64_t paddr, unsigned size = 8) { return LoadEntry(paddr, size); }
  void Put(uint64_t paddr, uint64_t v, unsigned size = 8) { std::memcpy(&bytes_[paddr], &v, size); }
  int updates = 0;

 private:
  std::vector<uint8_t> bytes_ = std::vector<uint8_t>(1 << 20);
};

// A 4-level hierarchy: PML4 at 0x1000, PDPT at 0x2000, PD at 0x3000, PT at 0x4000, mapping
// linear 0x0000'7F80'4020'3000 (indices 255, 1, 2, 3) to the 4K page at 0x1234'5000.
constexpr uint64_t kLinear = (uint64_t{255} << 39) | (uint64_t{1} << 30) | (uint64_t{2} << 21) | (uint64_t{3} << 12);
constexpr uint64_t kPml4e = 0x1000 + 255 * 8, kPdpte = 0x2000 + 1 * 8, kPde = 0x3000 + 2 * 8, kPte = 0x4000 + 3 * 8;

class FourLevel : public ::testing::Test {
 protected:
  void SetUp() override {
    c = PagingControls{};
    c.cr0 = kCr0Pg | kCr0Wp | 1;
    c.cr3 = 0x1000;
    c.cr4 = kCr4Pae;
    c.efer = kEferLme | kEferLma | kEferNxe;
    mem.Put(kPml4e, 0x2000 | kP | kRw | kUs);
    mem.Put(kPdpte, 0x3000 | kP | kRw | kUs);
    mem.Put(kPde, 0x4000 | kP | kRw | kUs);
    mem.Put(kPte, 0x12345000 | kP | kRw | kUs);
  }
  WalkResult Go(Access a, Accessor who = {}, uint64_t linear = kLinear + 0xABC) { return Walk(mem, c, linear, a, who); }
  FakeMemory mem;
  PagingControls c;
};

TEST_F(FourLevel, TranslatesAndSetsAccessedThenDirty) {
  WalkResult r = Go(Access::kRead);
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.translation.paddr, 0x12345ABCu);
  EXPECT_EQ(r.translation.page_bits, 12u);
  EXPECT_TRUE(r.translation.user && r.translation.writable && r.translation.executable);
  EXPECT_FALSE(r.translation.dirty);
  for (uint64_t e : {kPml4e, kPdpte, kPde, kPte}) EXPECT_TRUE(mem.Get(e) & kA) << std::hex << e;
  EXPECT_FALSE(mem.Get(kPte) & kD);
  EXPECT_FALSE(mem.Get(kPde) & kD);  // D is set in the leaf only
  const int updates = mem.updates;
  r = Go(Access::kRead);
  EXPECT_EQ(mem.updates, updates);  // A already set: no write-back
  r = Go(Access::kWrite);
  ASSERT_TRUE(r.ok);
  EXPECT_TRUE(r.translation.dirty);
  EXPECT_TRUE(mem.Get(kPte) & kD);
  EXPECT_FALSE(mem.Get(kPde) & kD);
}

TEST_F(FourLevel, NotPresentAtEachLevelGivesTheErrorCode) {
  for (uint64_t e : {kPml4e, kPdpte, kPde, kPte}) {
    SetUp();
    mem.Put(e, mem.Get(e) & ~kP);
    EXPECT_EQ(Go(Access::kRead).error_code, 0u);
    EXPECT_EQ(Go(Access::kWrite, {true, false, false}).error_code, pf::kWrite | pf::kUser);
    EXPECT_EQ(Go(Access::kExecute).error_code, pf::kFetch);  // I/D because EFER.NXE = 1
    EXPECT_FALSE(mem.Get(kPml4e) & kA) << "a faulting walk leaves no A bit";
  }
  c.efer &= ~kEferNxe;
  mem.Put(kPte, 0);
  EXPECT_EQ(Go(Access::kExecute).error_code, 0u);  // no I/D without NXE or SMEP
  c.cr4 |= kCr4Smep;
  EXPECT_EQ(Go(Access::kExecute).error_code, pf::kFetch);
}

TEST_F(FourLevel, UserAndWriteRights) {
  mem.Put(kPde, mem.Get(kPde) & ~kUs);  // a supervisor page
  EXPECT_EQ(Go(Access::kRead, {true}).error_code, pf::kPresent | pf::kUser);
  EXPECT_TRUE(Go(Access::kRead).ok);
  SetUp();
  mem.Put(kPdpte, mem.Get(kPdpte) & ~kRw);  // read-only at one level
  EXPECT_TRUE(Go(Access::kRead, {true}).ok);
  EXPECT_EQ(Go(Access::kWrite, {true}).error_code, pf::kPresent | pf::kWrite | pf::kUser);
  EXPECT_EQ(Go(Access::kWrite).error_code, pf::kPresent | pf::kWrite);  // CR0.WP = 1
  c.cr0 &= ~kCr0Wp;
  EXPECT_TRUE(Go(Access::kWrite).ok);  // supervisor writes ignore R/W without WP
  EXPECT_FALSE(Go(Access::kWrite, {true}).ok);
}

TEST_F(FourLevel, NoExecuteAndItsReservedBit) {
  mem.Put(kPml4e, mem.Get(kPml4e) | kXd);
  EXPECT_TRUE(Go(Access::kRead).ok);
  EXPECT_EQ(Go(Access::kExecute).error_code, pf::kPresent | pf::kFetch);
  EXPECT_EQ(Go(Access::kExecute, {true}).error_code, pf::kPresent | pf::kFetch | pf::kUser);
  c.efer &= ~kEferNxe;  // bit 63 is reserved without NXE
  EXPECT_EQ(Go(Access::kRead).error_code, pf::kPresent | pf::kReserved);
}

TEST_F(FourLevel, SmepAndSmap) {
  // The page is a user page (U/S = 1 at every level).
  EXPECT_TRUE(Go(Access::kExecute).ok);
  c.cr4 |= kCr4Smep;
  EXPECT_EQ(Go(Access::kExecute).error_code, pf::kPresent | pf::kFetch);
  EXPECT_TRUE(Go(Access::kExecute, {true}).ok);  // user fetches are fine
  EXPECT_TRUE(Go(Access::kRead).ok);             // SMEP is about fetches only
  c.cr4 |= kCr4Smap;
  EXPECT_EQ(Go(Access::kRead).error_code, pf::kPresent);
  EXPECT_EQ(Go(Access::kWrite).error_code, pf::kPresent | pf::kWrite);
  EXPECT_TRUE(Go(Access::kRead, {false, false, true}).ok);  // EFLAGS.AC = 1 at CPL < 3
  EXPECT_FALSE(Go(Access::kRead, {false, true, true}).ok);  // implicit accesses ignore AC
  EXPECT_FALSE(Go(Access::kRead, {true, true, true}).ok);   // implicit supervisor at CPL 3 too
  EXPECT_TRUE(Go(Access::kRead, {true}).ok);                // user access to a user page
}

TEST_F(FourLevel, LargePages) {
  mem.Put(kPde, 0x40000000 | kP | kRw | kPs);  // 2 MiB
  WalkResult r = Go(Access::kRead, {}, kLinear + 0xABC);
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.translation.page_bits, 21u);
  EXPECT_EQ(r.translation.paddr, 0x40000000u + (uint64_t{3} << 12) + 0xABC);
  EXPECT_FALSE(r.translation.user);
  mem.Put(kPde, 0x40000000 | kP | kPs | 0x2000);  // bit 13: reserved in a 2M PDE
  EXPECT_EQ(Go(Access::kRead).error_code, pf::kPresent | pf::kReserved);
  mem.Put(kPdpte, 0x80000000 | kP | kRw | kPs | kG);  // 1 GiB
  r = Go(Access::kWrite);
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.translation.page_bits, 30u);
  EXPECT_EQ(r.translation.paddr, 0x80000000u + (uint64_t{2} << 21) + (uint64_t{3} << 12) + 0xABC);
  EXPECT_TRUE(mem.Get(kPdpte) & kD);
  EXPECT_FALSE(r.translation.global);  // G needs CR4.PGE
  c.cr4 |= kCr4Pge;
  EXPECT_TRUE(Go(Access::kRead).translation.global);
  c.gb_pages = false;
  EXPECT_EQ(Go(Access::kRead).error_code, pf::kPresent | pf::kReserved);
  c.gb_pages = true;
  mem.Put(kPdpte, 0x80000000 | kP | kPs | 0x4000);  // bit 14: reserved in a 1G PDPTE
  EXPECT_EQ(Go(Access::kRead).error_code, pf::kPresent | pf::kReserved);
}

TEST_F(FourLevel, ReservedBits) {
  mem.Put(kPte, mem.Get(kPte) | (uint64_t{1} << 50));  // above MAXPHYADDR = 48
  EXPECT_EQ(Go(Access::kWrite, {true}).error_code, pf::kPresent | pf::kReserved | pf::kWrite | pf::kUser);
  c.phys_address_bits = 52;
  EXPECT_TRUE(Go(Access::kRead).ok);
  SetUp();
  mem.Put(kPml4e, mem.Get(kPml4e) | kPs);  // PS is reserved in a PML4E
  EXPECT_EQ(Go(Access::kRead).error_code, pf::kPresent | pf::kReserved);
  SetUp();
  mem.Put(kPte, 0x200000 | kP | (uint64_t{0x7F} << 52));  // bits 52-62 are ignored; the page is outside RAM
  EXPECT_TRUE(Go(Access::kRead).ok);
  mem.Put(kPde, 0x200000 | kP);  // a page table outside RAM reads as all ones: reserved bits
  EXPECT_EQ(Go(Access::kRead).error_code, pf::kPresent | pf::kReserved);
}

TEST(PaeWalk, FourKAndTwoMPagesThroughThePdpteRegisters) {
  FakeMemory mem;
  PagingControls c;
  c.cr0 = kCr0Pg | 1;
  c.cr3 = 0x1020;  // 32-byte aligned PDPT
  c.cr4 = kCr4Pae;
  c.efer = kEferNxe;
  mem.Put(0x1020 + 3 * 8, 0x5000 | kP);  // PDPTE 3 -> PD at 0x5000
  mem.Put(0x5000 + 1 * 8, 0x6000 | kP | kRw | kUs);
  mem.Put(0x6000 + 7 * 8, 0xABCD000 | kP | kUs | kXd);
  const uint32_t linear = (3u << 30) | (1u << 21) | (7u << 12) | 0x10;
  WalkResult r = Walk(mem, c, linear, Access::kRead, {true});
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.translation.paddr, 0xABCD010u);
  EXPECT_FALSE(r.translation.writable);
  EXPECT_FALSE(r.translation.executable);
  EXPECT_EQ(Walk(mem, c, linear, Access::kWrite, {true}).error_code, pf::kPresent | pf::kWrite | pf::kUser);
  EXPECT_FALSE(mem.Get(0x1020 + 3 * 8) & kA);  // PDPTEs have no A bit
  EXPECT_TRUE(mem.Get(0x5000 + 8) & kA);
  // The PDPTE registers, not memory, once CR3 was loaded.
  const uint64_t pdptes[4] = {0, 0, 0, 0x7000 | kP};
  c.pdptes = pdptes;
  mem.Put(0x7000 + 1 * 8, 0x00600000 | kP | kRw | kPs);
  r = Walk(mem, c, linear, Access::kWrite, {});
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.translation.paddr, 0x00600000u + (7u << 12) + 0x10);
  const uint64_t bad[4] = {0, 0, 0, 0x7000 | kP | kRw};  // R/W is reserved in a PAE PDPTE
  c.pdptes = bad;
  EXPECT_EQ(Walk(mem, c, linear, Access::kRead, {}).error_code, pf::kPresent | pf::kReserved);
}

TEST(Legacy32Walk, FourKFourMAndPse36) {
  FakeMemory mem;
  PagingControls c;
  c.cr0 = kCr0Pg | kCr0Wp | 1;
  c.cr3 = 0x3000;
  c.efer = kEferNxe;  // ignored: legacy paging has no XD
  const uint32_t linear = (5u << 22) | (9u << 12) | 0x123;
  mem.Put(0x3000 + 5 * 4, 0x4000 | kP | kRw | kUs | kPs, 4);  // PS without CR4.PSE: a page table
  mem.Put(0x4000 + 9 * 4, 0x88000 | kP | kUs, 4);
  WalkResult r = Walk(mem, c, linear, Access::kRead, {true});
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.translation.paddr, 0x88123u);
  EXPECT_TRUE(r.translation.executable);
  EXPECT_TRUE(mem.Get(0x4000 + 9 * 4, 4) & kA);
  EXPECT_EQ(Walk(mem, c, linear, Access::kWrite, {}).error_code, pf::kPresent | pf::kWrite);
  c.cr4 = kCr4Pse;  // now a 4 MiB page, with PSE-36 bits 13-20 = physical bits 32-39
  mem.Put(0x3000 + 5 * 4, 0xFFC00000u | (0x12u << 13) | kP | kRw | kPs, 4);
  r = Walk(mem, c, linear, Access::kWrite, {});
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.translation.page_bits, 22u);
  EXPECT_EQ(r.translation.paddr, (uint64_t{0x12} << 32) | 0xFFC00000u | (9u << 12) | 0x123);
  EXPECT_TRUE(mem.Get(0x3000 + 5 * 4, 4) & kD);
  mem.Put(0x3000 + 5 * 4, 0xFFC00000u | (1u << 21) | kP | kPs, 4);  // bit 21: reserved
  EXPECT_EQ(Walk(mem, c, linear, Access::kRead, {}).error_code, pf::kPresent | pf::kReserved);
}

TEST(PagingOff, LinearIsPhysical) {
  FakeMemory mem;
  PagingControls c;
  const WalkResult r = Walk(mem, c, 0xFEE00000, Access::kWrite, {true});
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.translation.paddr, 0xFEE00000u);
  EXPECT_EQ(FormOf(c), PagingForm::kNone);
}

}  // namespace
}  // namespace kiln::machine::mmu
