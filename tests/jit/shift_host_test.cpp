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

#if defined(__x86_64__)

template <class T>
void CheckDouble(bool right, std::mt19937_64& rng, long& cases, long& mismatches) {
  constexpr unsigned size = sizeof(T);
  const uint64_t mask = sem::SizeMask(size);
  std::vector<uint64_t> values = {0, 1, sem::SignBit(size), mask, 0x5555555555555555 & mask, 0x8001 & mask};
  for (int i = 0; i < 8; ++i) values.push_back(rng() & mask);
  for (uint64_t d : values)
    for (uint64_t src : values)
      for (unsigned count = 0; count < 70; count += (count < 34 ? 1 : 7))
        for (uint64_t fin : {uint64_t{0x202}, 0x202 | rflags::kArith}) {
          T r = static_cast<T>(d);
          const T s = static_cast<T>(src);
          const uint8_t c = static_cast<uint8_t>(count);
          uint64_t fout = 0;
          if (right)
            asm volatile("lea -128(%%rsp), %%rsp\n\tpushq %[fin]\n\tpopfq\n\tshrd %%cl, %[s], %[r]\n\tpushfq\n\t"
                         "popq %[f]\n\tlea 128(%%rsp), %%rsp"
                         : [r] "+r"(r), [f] "=&r"(fout) : [s] "r"(s), "c"(c), [fin] "r"(fin) : "cc", "memory");
          else
            asm volatile("lea -128(%%rsp), %%rsp\n\tpushq %[fin]\n\tpopfq\n\tshld %%cl, %[s], %[r]\n\tpushfq\n\t"
                         "popq %[f]\n\tlea 128(%%rsp), %%rsp"
                         : [r] "+r"(r), [f] "=&r"(fout) : [s] "r"(s), "c"(c), [fin] "r"(fin) : "cc", "memory");
          machine::CpuState st;
          sem::WriteRflags(st, fin);
          const uint64_t k = sem::DoubleShift(st.flags, right, d, src, count, size);
          const uint64_t kf = sem::ReadRflags(st);
          const unsigned masked = count & (size == 8 ? 0x3F : 0x1F);
          // Not compared (docs/flags.md, "not matched yet"): AF, OF after counts above 1, and the
          // result and flags of 16-bit forms with counts above 16, which the SDM leaves undefined
          // and where Kiln does not reproduce the AMD host yet.
          if (size == 2 && masked > 16) continue;
          uint64_t compared = rflags::kArith & ~rflags::kAf;
          if (masked > 1) compared &= ~rflags::kOf;
          ++cases;
          if (static_cast<uint64_t>(r) != k || (fout & compared) != (kf & compared)) {
            if (++mismatches <= 20)
              ADD_FAILURE() << (right ? "shrd" : "shld") << " size " << size << std::hex << " d=0x" << d << " s=0x"
                            << src << std::dec << " count=" << count << std::hex << " fin=0x" << fin << ": host 0x"
                            << static_cast<uint64_t>(r) << " flags 0x" << (fout & compared) << ", kiln 0x" << k
                            << " flags 0x" << (kf & compared);
          }
        }
}

TEST(ShiftSemantics, DoubleShiftsMatchHostCpu) {
  std::mt19937_64 rng(0x53484C44);
  long cases = 0, mismatches = 0;
  for (bool right : {false, true}) {
    CheckDouble<uint16_t>(right, rng, cases, mismatches);
    CheckDouble<uint32_t>(right, rng, cases, mismatches);
    CheckDouble<uint64_t>(right, rng, cases, mismatches);
  }
  std::printf("shld/shrd vs host CPU: %ld cases, %ld mismatches\n", cases, mismatches);
  EXPECT_EQ(mismatches, 0);
}

#endif

TEST(ShiftSemantics, CountZero_ChangesNothing) {
  machine::CpuState s;
  sem::WriteRflags(s, 0x202 | rflags::kCf | rflags::kZf);
  EXPECT_EQ(sem::Shift(s.flags, ShiftOp::kShl, 0x80, 32, 1), 0x80u);  // 8-bit count masks to 0
  EXPECT_EQ(sem::ReadRflags(s), 0x202 | rflags::kCf | rflags::kZf);
}

}  // namespace
}  // namespace kiln::test
