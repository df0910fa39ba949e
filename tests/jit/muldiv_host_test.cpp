// MUL/IMUL/DIV/IDIV semantics (jit/semantics/muldiv.h) against the host CPU: every operand size,
// edge and random operands; #DE cases are predicted, not executed on the host.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "jit/semantics/muldiv.h"
#include "tests/jit/host_cpu.h"

namespace kiln::test {
namespace {

namespace sem = jit::sem;
namespace rflags = machine::rflags;

#if defined(__x86_64__)

struct HostOut {
  uint64_t lo = 0, hi = 0, flags = 0;
};

// One-operand MUL/IMUL/DIV/IDIV of the size of T on the host: lo:hi in (AL|AX|EAX|RAX, AH|DX|..).
template <class T>
HostOut HostOp(const char* which, uint64_t lo, uint64_t hi, uint64_t src, uint64_t fin) {
  HostOut out;
  uint64_t a = lo, d = hi, f = 0;
  const T s = static_cast<T>(src);
  if constexpr (sizeof(T) == 1) {
    // 8-bit forms use AX: AL (and AH for the dividend).
    uint16_t ax = static_cast<uint16_t>((lo & 0xFF) | ((hi & 0xFF) << 8));
#define KILN_BYTE_FORM(insn)                                                                   \
  asm volatile("lea -128(%%rsp), %%rsp\n\tpushq %[fin]\n\tpopfq\n\t" insn " %[s]\n\tpushfq\n\t" \
               "popq %[f]\n\tlea 128(%%rsp), %%rsp"                                             \
               : "+a"(ax), [f] "=&r"(f)                                                         \
               : [s] "q"(s), [fin] "r"(fin)                                                     \
               : "cc", "memory")
    const std::string w = which;
    if (w == "mul") KILN_BYTE_FORM("mulb");
    else if (w == "imul") KILN_BYTE_FORM("imulb");
    else if (w == "div") KILN_BYTE_FORM("divb");
    else KILN_BYTE_FORM("idivb");
#undef KILN_BYTE_FORM
    out.lo = ax & 0xFF;
    out.hi = ax >> 8;
  } else {
    T av = static_cast<T>(a), dv = static_cast<T>(d);
#define KILN_WIDE_FORM(insn)                                                                     \
  asm volatile("lea -128(%%rsp), %%rsp\n\tpushq %[fin]\n\tpopfq\n\t" insn " %[s]\n\tpushfq\n\t"   \
               "popq %[f]\n\tlea 128(%%rsp), %%rsp"                                               \
               : "+a"(av), "+d"(dv), [f] "=&r"(f)                                                 \
               : [s] "r"(s), [fin] "r"(fin)                                                       \
               : "cc", "memory")
    const std::string w = which;
    if (w == "mul") KILN_WIDE_FORM("mul");
    else if (w == "imul") KILN_WIDE_FORM("imul");
    else if (w == "div") KILN_WIDE_FORM("div");
    else KILN_WIDE_FORM("idiv");
#undef KILN_WIDE_FORM
    out.lo = static_cast<uint64_t>(av);
    out.hi = static_cast<uint64_t>(dv);
  }
  out.flags = f;
  return out;
}

template <class T>
void Check(std::mt19937_64& rng, long& cases, long& mismatches, long& divide_errors) {
  constexpr unsigned size = sizeof(T);
  const uint64_t mask = sem::SizeMask(size), sign = sem::SignBit(size);
  std::vector<uint64_t> v = {0, 1, 2, 3, 7, sign - 1, sign, sign + 1, mask, mask - 1, mask >> 1, 0x10, 0xFF & mask};
  for (int i = 0; i < 14; ++i) v.push_back(rng() & mask);
  auto report = [&](const char* what, uint64_t lo, uint64_t hi, uint64_t src, const HostOut& h, uint64_t klo,
                    uint64_t khi, uint64_t kflags) {
    if (++mismatches <= 20) {
      ADD_FAILURE() << what << " size " << size << std::hex << " lo=0x" << lo << " hi=0x" << hi << " src=0x" << src
                    << ": host 0x" << h.hi << ":0x" << h.lo << " flags 0x" << (h.flags & rflags::kArith)
                    << ", kiln 0x" << khi << ":0x" << klo << " flags 0x" << (kflags & rflags::kArith);
    }
  };
  for (uint64_t a : v) {
    for (uint64_t b : v) {
      // MUL and IMUL: all six arithmetic flags (four of them undefined in the SDM) must match.
      for (const char* op : {"mul", "imul"}) for (uint64_t fin : {uint64_t{0x202}, 0x202 | rflags::kArith}) {
        machine::CpuState s;
        sem::WriteRflags(s, fin);
        const sem::WideResult k = op[0] == 'm' ? sem::Mul(s.flags, a, b, size) : sem::Imul(s.flags, a, b, size);
        const HostOut h = HostOp<T>(op, a, 0, b, fin);
        ++cases;
        const uint64_t kf = sem::ReadRflags(s);
        // SF, ZF, AF and PF are undefined after MUL/IMUL: compared only on an AMD host.
        static const uint64_t compared = HostIsAmd() ? rflags::kArith : (rflags::kCf | rflags::kOf);
        if (h.lo != k.lo || h.hi != k.hi || (h.flags & compared) != (kf & compared))
          report(op, a, 0, b, h, k.lo, k.hi, kf);
      }
      // DIV and IDIV with a dividend hi:lo of (b >> 1, a) and divisor b or a small value.
      for (uint64_t divisor : {b, uint64_t{3}, mask}) {
        for (const char* op : {"div", "idiv"}) {
          const uint64_t hi = (b >> 1) & mask, lo = a;
          const sem::DivResult k = op[0] == 'd' ? sem::Div(hi, lo, divisor, size) : sem::Idiv(hi, lo, divisor, size);
          ++cases;
          if (k.divide_error) {
            ++divide_errors;  // the host would raise #DE (SIGFPE): not executed
            continue;
          }
          const uint64_t fin = 0x202;
          const HostOut h = HostOp<T>(op, lo, hi, divisor, fin);
          if (h.lo != k.quotient || h.hi != k.remainder) report(op, lo, hi, divisor, h, k.quotient, k.remainder, fin);
        }
      }
    }
  }
}

TEST(MulDivSemantics, MatchesHostCpu_AllSizes) {
  std::mt19937_64 rng(0x4D554C);
  long cases = 0, mismatches = 0, divide_errors = 0;
  Check<uint8_t>(rng, cases, mismatches, divide_errors);
  Check<uint16_t>(rng, cases, mismatches, divide_errors);
  Check<uint32_t>(rng, cases, mismatches, divide_errors);
  Check<uint64_t>(rng, cases, mismatches, divide_errors);
  std::printf("mul/div vs host CPU: %ld cases (%ld predicted #DE), %ld mismatches\n", cases, divide_errors,
              mismatches);
  EXPECT_EQ(mismatches, 0);
}

#else

TEST(MulDivSemantics, MatchesHostCpu_AllSizes) { GTEST_SKIP() << "needs an x86-64 host"; }

#endif

TEST(MulDivSemantics, DivideErrors) {
  EXPECT_TRUE(sem::Div(0, 1, 0, 4).divide_error);                 // by zero
  EXPECT_TRUE(sem::Div(1, 0, 1, 4).divide_error);                 // quotient 2^32 does not fit
  EXPECT_TRUE(sem::Idiv(0xFFFFFFFF, 0x80000000, 0xFFFFFFFF, 4).divide_error);  // INT_MIN / -1
  EXPECT_TRUE(sem::Idiv(0x8000000000000000, 0, ~uint64_t{0}, 8).divide_error);  // 128-bit min / -1
  const sem::DivResult r = sem::Idiv(0xFFFFFFFF, static_cast<uint32_t>(-7), 2, 4);
  EXPECT_FALSE(r.divide_error);
  EXPECT_EQ(r.quotient, static_cast<uint32_t>(-3));   // truncation toward zero
  EXPECT_EQ(r.remainder, static_cast<uint32_t>(-1));  // the remainder has the dividend's sign
}

}  // namespace
}  // namespace kiln::test
