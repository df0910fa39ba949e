// Condition codes (jit/semantics/conditions.h) against the host CPU's SETcc after every ALU
// operation on edge and random operands, so that the lazy fast paths (CMP, TEST) and the generic
// path are both checked.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <random>
#include <vector>

#include "jit/semantics/alu.h"
#include "jit/semantics/conditions.h"

namespace kiln::test {
namespace {

namespace sem = jit::sem;

#if defined(__x86_64__)

// The 16 conditions of the host after `insn a, b`, as a bit mask (bit cc set when cc holds).
// SETcc and SHL/OR would clobber the flags: each SETcc runs on a fresh copy restored with POPF.
template <class T>
uint32_t HostConditions(int op, T a, T b) {
  uint32_t mask = 0;
  uint64_t flags = 0;
  switch (op) {
    case 0: asm volatile("cmp %[b], %[a]\n\tpushfq\n\tpopq %[f]" : [f] "=r"(flags) : [a] "r"(a), [b] "r"(b) : "cc"); break;
    case 1: asm volatile("test %[b], %[a]\n\tpushfq\n\tpopq %[f]" : [f] "=r"(flags) : [a] "r"(a), [b] "r"(b) : "cc"); break;
    case 2: asm volatile("add %[b], %[a]\n\tpushfq\n\tpopq %[f]" : [f] "=r"(flags), [a] "+r"(a) : [b] "r"(b) : "cc"); break;
    default: asm volatile("sub %[b], %[a]\n\tpushfq\n\tpopq %[f]" : [f] "=r"(flags), [a] "+r"(a) : [b] "r"(b) : "cc"); break;
  }
  // Evaluate each condition from the captured RFLAGS on the host: restore, then SETcc.
  for (int cc = 0; cc < 16; ++cc) {
    uint8_t v = 0;
    switch (cc) {
#define KILN_ONE(n, name) \
  case n: asm volatile("lea -128(%%rsp), %%rsp\n\tpushq %[f]\n\tpopfq\n\tset" name " %[v]\n\tlea 128(%%rsp), %%rsp" : [v] "=q"(v) : [f] "r"(flags) : "cc", "memory"); break;
      KILN_ONE(0, "o") KILN_ONE(1, "no") KILN_ONE(2, "b") KILN_ONE(3, "nb") KILN_ONE(4, "z") KILN_ONE(5, "nz")
      KILN_ONE(6, "be") KILN_ONE(7, "nbe") KILN_ONE(8, "s") KILN_ONE(9, "ns") KILN_ONE(10, "p") KILN_ONE(11, "np")
      KILN_ONE(12, "l") KILN_ONE(13, "nl") KILN_ONE(14, "le") KILN_ONE(15, "nle")
#undef KILN_ONE
    }
    if (v) mask |= 1u << cc;
  }
  return mask;
}

template <class T>
void Check(std::mt19937_64& rng, long& cases, long& mismatches) {
  constexpr unsigned size = sizeof(T);
  const uint64_t m = sem::SizeMask(size), sign = sem::SignBit(size);
  std::vector<uint64_t> v = {0, 1, 2, sign - 1, sign, sign + 1, m, m - 1, 0x80, 0x7F};
  for (int i = 0; i < 20; ++i) v.push_back(rng() & m);
  for (uint64_t a : v)
    for (uint64_t b : v)
      for (int op = 0; op < 4; ++op) {
        const uint32_t host = HostConditions<T>(op, static_cast<T>(a), static_cast<T>(b));
        machine::LazyFlags f;
        switch (op) {
          case 0: sem::Sub(f, a, b, size); break;   // CMP
          case 1: sem::And(f, a, b, size); break;   // TEST
          case 2: sem::Add(f, a, b, size); break;
          default: sem::Sub(f, a, b, size); break;
        }
        uint32_t kiln = 0;
        for (unsigned cc = 0; cc < 16; ++cc)
          if (sem::Condition(f, cc)) kiln |= 1u << cc;
        ++cases;
        if (host != kiln && ++mismatches <= 20)
          ADD_FAILURE() << "op " << op << " size " << size << std::hex << " a=0x" << a << " b=0x" << b
                        << ": host conditions 0x" << host << ", kiln 0x" << kiln;
      }
}

TEST(ConditionSemantics, MatchesHostSetcc) {
  std::mt19937_64 rng(0x434F4E44);
  long cases = 0, mismatches = 0;
  Check<uint8_t>(rng, cases, mismatches);
  Check<uint16_t>(rng, cases, mismatches);
  Check<uint32_t>(rng, cases, mismatches);
  Check<uint64_t>(rng, cases, mismatches);
  std::printf("conditions vs host SETcc: %ld flag states x 16 conditions, %ld mismatches\n", cases, mismatches);
  EXPECT_EQ(mismatches, 0);
}

#else

TEST(ConditionSemantics, MatchesHostSetcc) { GTEST_SKIP() << "needs an x86-64 host"; }

#endif

}  // namespace
}  // namespace kiln::test
