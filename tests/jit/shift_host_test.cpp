// Shift and rotate semantics (jit/semantics/shift.h) against the host CPU: every operation and
// operand size, counts 0..width+3 and beyond the mask, edge and random values, CF in and out.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <random>
#include <vector>

#include "jit/semantics/shift.h"
#include "tests/jit/host_cpu.h"

namespace kiln::test {
namespace {

namespace sem = jit::sem;
using sem::ShiftOp;
namespace rflags = machine::rflags;

#if defined(__x86_64__)

#define KILN_HOST_SHIFT(Name, insn)                                                           \
  template <class T>                                                                          \
  T Host##Name(T a, uint8_t count, uint64_t fin, uint64_t& fout) {                            \
    asm volatile("lea -128(%%rsp), %%rsp\n\tpushq %[fin]\n\tpopfq\n\t" insn " %%cl, %[a]\n\t" \
                 "pushfq\n\tpopq %[fout]\n\tlea 128(%%rsp), %%rsp"                            \
                 : [a] "+r"(a), [fout] "=&r"(fout)                                            \
                 : "c"(count), [fin] "r"(fin)                                                 \
                 : "cc", "memory");                                                           \
    return a;                                                                                 \
  }
KILN_HOST_SHIFT(Rol, "rol")
KILN_HOST_SHIFT(Ror, "ror")
KILN_HOST_SHIFT(Rcl, "rcl")
KILN_HOST_SHIFT(Rcr, "rcr")
KILN_HOST_SHIFT(Shl, "shl")
KILN_HOST_SHIFT(Shr, "shr")
KILN_HOST_SHIFT(Sar, "sar")

template <class T>
T Host(ShiftOp op, T a, uint8_t count, uint64_t fin, uint64_t& fout) {
  switch (op) {
    case ShiftOp::kRol: return HostRol<T>(a, count, fin, fout);
    case ShiftOp::kRor: return HostRor<T>(a, count, fin, fout);
    case ShiftOp::kRcl: return HostRcl<T>(a, count, fin, fout);
    case ShiftOp::kRcr: return HostRcr<T>(a, count, fin, fout);
    case ShiftOp::kShl:
    case ShiftOp::kSal: return HostShl<T>(a, count, fin, fout);
    case ShiftOp::kShr: return HostShr<T>(a, count, fin, fout);
    case ShiftOp::kSar: return HostSar<T>(a, count, fin, fout);
  }
  return 0;
}

constexpr const char* kNames[] = {"rol", "ror", "rcl", "rcr", "shl", "shr", "sal", "sar"};

// The flags the SDM leaves undefined after shifts (AF, and OF for counts above 1) are compared only
// on an AMD host (tests/jit/host_cpu.h).
uint64_t ComparedFlags(ShiftOp op, unsigned count) {
  static const bool amd = HostIsAmd();
  if (amd) return rflags::kArith;
  uint64_t m = rflags::kArith & ~rflags::kAf;
  if (count > 1 || op == ShiftOp::kRcl || op == ShiftOp::kRcr) m &= ~rflags::kOf;
  return m;
}

template <class T>
void Check(ShiftOp op, std::mt19937_64& rng, long& cases, long& mismatches) {
  constexpr unsigned size = sizeof(T);
  const uint64_t mask = sem::SizeMask(size), sign = sem::SignBit(size);
  std::vector<uint64_t> values = {0, 1, 2, 0x0F, 0x10, 0x80, sign, sign - 1, sign | 1, mask, mask - 1,
                                  0x5555555555555555 & mask, 0xAAAAAAAAAAAAAAAA & mask};
  for (int i = 0; i < 12; ++i) values.push_back(rng() & mask);
  std::vector<uint8_t> counts;
  for (unsigned c = 0; c <= size * 8 + 3 && c < 70; ++c) counts.push_back(static_cast<uint8_t>(c));
  for (uint8_t c : {31, 32, 33, 63, 64, 65, 127, 128, 200, 255}) counts.push_back(c);
  const uint64_t kFlagsIn[] = {0x202, 0x202 | rflags::kArith, 0x202 | rflags::kCf, 0x202 | rflags::kOf | rflags::kAf};
  for (uint64_t a : values) {
    for (uint8_t count : counts) {
      for (uint64_t fin : kFlagsIn) {
        uint64_t host_flags = 0;
        const uint64_t host = static_cast<uint64_t>(Host<T>(op, static_cast<T>(a), count, fin, host_flags));
        machine::CpuState s;
        sem::WriteRflags(s, fin);
        const uint64_t kiln = sem::Shift(s.flags, op, a, count, size);
        const uint64_t kiln_flags = sem::ReadRflags(s);
        ++cases;
        const uint64_t m = ComparedFlags(op, count & (size == 8 ? 0x3Fu : 0x1Fu));
        if (host != kiln || (host_flags & m) != (kiln_flags & m)) {
          if (++mismatches <= 30) {
            ADD_FAILURE() << kNames[static_cast<int>(op)] << " size " << size << std::hex << " a=0x" << a
                          << " count=" << std::dec << int{count} << std::hex << " fin=0x" << fin << ": host 0x"
                          << host << " flags 0x" << (host_flags & rflags::kArith) << ", kiln 0x" << kiln
                          << " flags 0x" << (kiln_flags & rflags::kArith);
          }
        }
      }
    }
  }
}

TEST(ShiftSemantics, MatchesHostCpu_AllOpsSizesAndCounts) {
  std::mt19937_64 rng(0x5348494654);
  long cases = 0, mismatches = 0;
  for (ShiftOp op : {ShiftOp::kRol, ShiftOp::kRor, ShiftOp::kRcl, ShiftOp::kRcr, ShiftOp::kShl,
                     ShiftOp::kShr, ShiftOp::kSar}) {
    Check<uint8_t>(op, rng, cases, mismatches);
    Check<uint16_t>(op, rng, cases, mismatches);
    Check<uint32_t>(op, rng, cases, mismatches);
    Check<uint64_t>(op, rng, cases, mismatches);
  }
  std::printf("shifts vs host CPU: %ld cases, %ld mismatches\n", cases, mismatches);
  EXPECT_EQ(mismatches, 0);
}

#else

TEST(ShiftSemantics, MatchesHostCpu_AllOpsSizesAndCounts) { GTEST_SKIP() << "needs an x86-64 host"; }

#endif

TEST(ShiftSemantics, CountZero_ChangesNothing) {
  machine::CpuState s;
  sem::WriteRflags(s, 0x202 | rflags::kCf | rflags::kZf);
  EXPECT_EQ(sem::Shift(s.flags, ShiftOp::kShl, 0x80, 32, 1), 0x80u);  // 8-bit count masks to 0
  EXPECT_EQ(sem::ReadRflags(s), 0x202 | rflags::kCf | rflags::kZf);
}

}  // namespace
}  // namespace kiln::test
