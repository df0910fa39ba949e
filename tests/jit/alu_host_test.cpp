// The ALU semantics (jit/semantics/alu.h) against the host CPU: every operation, operand size,
// carry-in and a grid of edge operands, plus random ones, executed natively with inline
// assembly and compared result and all six arithmetic flags (including the ones the SDM calls
// undefined: Kiln matches the host there).
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "jit/semantics/alu.h"

namespace kiln::test {
namespace {

namespace sem = jit::sem;
using machine::LazyFlags;
namespace rflags = machine::rflags;

#if defined(__x86_64__)

// Runs `insn` natively with RFLAGS = fin and returns RFLAGS after. The 128-byte adjustment keeps
// PUSHF/POPF off the red zone the compiler may use below RSP.
#define KILN_HOST_BINOP(Name, insn)                                                         \
  template <class T>                                                                        \
  T Host##Name(T a, T b, uint64_t fin, uint64_t& fout) {                                    \
    asm volatile("lea -128(%%rsp), %%rsp\n\tpushq %[fin]\n\tpopfq\n\t" insn " %[b], %[a]\n\t" \
                 "pushfq\n\tpopq %[fout]\n\tcld\n\tlea 128(%%rsp), %%rsp"                   \
                 : [a] "+r"(a), [fout] "=&r"(fout)                                          \
                 : [b] "r"(b), [fin] "r"(fin)                                               \
                 : "cc", "memory");                                                         \
    return a;                                                                               \
  }
#define KILN_HOST_UNOP(Name, insn)                                                          \
  template <class T>                                                                        \
  T Host##Name(T a, uint64_t fin, uint64_t& fout) {                                         \
    asm volatile("lea -128(%%rsp), %%rsp\n\tpushq %[fin]\n\tpopfq\n\t" insn " %[a]\n\t"     \
                 "pushfq\n\tpopq %[fout]\n\tcld\n\tlea 128(%%rsp), %%rsp"                   \
                 : [a] "+r"(a), [fout] "=&r"(fout)                                          \
                 : [fin] "r"(fin)                                                           \
                 : "cc", "memory");                                                         \
    return a;                                                                               \
  }
KILN_HOST_BINOP(Add, "add")
KILN_HOST_BINOP(Adc, "adc")
KILN_HOST_BINOP(Sub, "sub")
KILN_HOST_BINOP(Sbb, "sbb")
KILN_HOST_BINOP(And, "and")
KILN_HOST_BINOP(Or, "or")
KILN_HOST_BINOP(Xor, "xor")
KILN_HOST_UNOP(Inc, "inc")
KILN_HOST_UNOP(Dec, "dec")
KILN_HOST_UNOP(Neg, "neg")
KILN_HOST_UNOP(Not, "not")

enum class Op { kAdd, kAdc, kSub, kSbb, kAnd, kOr, kXor, kInc, kDec, kNeg, kNot };
constexpr const char* kOpNames[] = {"add", "adc", "sub", "sbb", "and", "or", "xor", "inc", "dec", "neg", "not"};

template <class T>
T Host(Op op, T a, T b, uint64_t fin, uint64_t& fout) {
  switch (op) {
    case Op::kAdd: return HostAdd<T>(a, b, fin, fout);
    case Op::kAdc: return HostAdc<T>(a, b, fin, fout);
    case Op::kSub: return HostSub<T>(a, b, fin, fout);
    case Op::kSbb: return HostSbb<T>(a, b, fin, fout);
    case Op::kAnd: return HostAnd<T>(a, b, fin, fout);
    case Op::kOr: return HostOr<T>(a, b, fin, fout);
    case Op::kXor: return HostXor<T>(a, b, fin, fout);
    case Op::kInc: return HostInc<T>(a, fin, fout);
    case Op::kDec: return HostDec<T>(a, fin, fout);
    case Op::kNeg: return HostNeg<T>(a, fin, fout);
    case Op::kNot: return HostNot<T>(a, fin, fout);
  }
  return 0;
}

// Kiln: the flags start materialized from `fin`, as after a POPF.
uint64_t Kiln(Op op, uint64_t a, uint64_t b, uint64_t fin, unsigned size, uint64_t& fout) {
  machine::CpuState s;
  sem::WriteRflags(s, fin);
  LazyFlags& f = s.flags;
  const bool cf = (fin & rflags::kCf) != 0;
  uint64_t r = 0;
  switch (op) {
    case Op::kAdd: r = sem::Add(f, a, b, size); break;
    case Op::kAdc: r = sem::Adc(f, a, b, cf, size); break;
    case Op::kSub: r = sem::Sub(f, a, b, size); break;
    case Op::kSbb: r = sem::Sbb(f, a, b, cf, size); break;
    case Op::kAnd: r = sem::And(f, a, b, size); break;
    case Op::kOr: r = sem::Or(f, a, b, size); break;
    case Op::kXor: r = sem::Xor(f, a, b, size); break;
    case Op::kInc: r = sem::Inc(f, a, size); break;
    case Op::kDec: r = sem::Dec(f, a, size); break;
    case Op::kNeg: r = sem::Neg(f, a, size); break;
    case Op::kNot: r = sem::Not(a, size); break;
  }
  fout = sem::ReadRflags(s);
  return r;
}

// Edge operands for a `size`-byte operand: 0, 1, 2, the sign boundaries, all-ones, the nibble
// carry boundaries, plus `random` random values.
std::vector<uint64_t> Operands(unsigned size, int random, std::mt19937_64& rng) {
  const uint64_t mask = sem::SizeMask(size), sign = sem::SignBit(size);
  std::vector<uint64_t> v = {0, 1, 2, 0x0F, 0x10, 0x7F, 0x80, 0xFF, sign - 1, sign, sign + 1,
                             mask, mask - 1, mask >> 1, 0x5555555555555555 & mask};
  for (int i = 0; i < random; ++i) v.push_back(rng() & mask);
  for (auto& x : v) x &= mask;
  return v;
}

struct Tally {
  long cases = 0;
  long mismatches = 0;
};

template <class T>
void CheckSize(Op op, std::mt19937_64& rng, Tally& tally) {
  constexpr unsigned size = sizeof(T);
  const auto values = Operands(size, 24, rng);
  // Flags in: all arithmetic flags clear, all set (CF matters for ADC/SBB/INC/DEC), and DF/OF
  // patterns to check that bits outside the operation's reach survive.
  const uint64_t kFlagsIn[] = {0x202, 0x202 | rflags::kArith, 0x202 | rflags::kCf | rflags::kDf,
                               0x202 | rflags::kOf | rflags::kZf};
  for (uint64_t a : values) {
    for (uint64_t b : values) {
      for (uint64_t fin : kFlagsIn) {
        uint64_t host_flags = 0, kiln_flags = 0;
        const uint64_t host = static_cast<uint64_t>(Host<T>(op, static_cast<T>(a), static_cast<T>(b), fin, host_flags));
        const uint64_t kiln = Kiln(op, a, b, fin, size, kiln_flags);
        constexpr uint64_t kCompared = rflags::kArith | rflags::kDf;
        ++tally.cases;
        if (host != kiln || (host_flags & kCompared) != (kiln_flags & kCompared)) {
          if (++tally.mismatches <= 20) {
            ADD_FAILURE() << kOpNames[static_cast<int>(op)] << " size " << size << std::hex << " a=0x" << a
                          << " b=0x" << b << " flags in 0x" << fin << ": host 0x" << host << " flags 0x"
                          << (host_flags & kCompared) << ", kiln 0x" << kiln << " flags 0x"
                          << (kiln_flags & kCompared);
          }
        }
      }
    }
  }
}

TEST(AluSemantics, MatchesHostCpu_AllOpsSizesAndEdgeOperands) {
  std::mt19937_64 rng(0x4B494C4E);
  Tally tally;
  for (int o = 0; o <= static_cast<int>(Op::kNot); ++o) {
    const Op op = static_cast<Op>(o);
    CheckSize<uint8_t>(op, rng, tally);
    CheckSize<uint16_t>(op, rng, tally);
    CheckSize<uint32_t>(op, rng, tally);
    CheckSize<uint64_t>(op, rng, tally);
  }
  std::printf("ALU vs host CPU: %ld cases, %ld mismatches\n", tally.cases, tally.mismatches);
  EXPECT_EQ(tally.mismatches, 0);
  EXPECT_GT(tally.cases, 100000);
}

#else

TEST(AluSemantics, MatchesHostCpu_AllOpsSizesAndEdgeOperands) {
  GTEST_SKIP() << "the host CPU oracle needs an x86-64 host";
}

#endif

TEST(AluSemantics, IncAndDecKeepTheCarryFlag) {
  machine::CpuState s;
  sem::WriteRflags(s, 0x202 | rflags::kCf);
  sem::Inc(s.flags, 0xFF, 1);
  EXPECT_TRUE(sem::CarryFlag(s.flags));
  EXPECT_TRUE(sem::ReadRflags(s) & rflags::kZf);
  sem::Sub(s.flags, 1, 1, 4);  // CF = 0
  sem::Dec(s.flags, 0, 4);
  EXPECT_FALSE(sem::CarryFlag(s.flags));
  EXPECT_TRUE(sem::ReadRflags(s) & rflags::kSf);
}

TEST(AluSemantics, RflagsRoundTrip_KeepsNonArithmeticBits) {
  machine::CpuState s;
  const uint64_t value = 0x202 | rflags::kDf | rflags::kTf | rflags::kOf | rflags::kCf;
  sem::WriteRflags(s, value);
  EXPECT_EQ(sem::ReadRflags(s), value);
  sem::Add(s.flags, 1, 1, 8);
  EXPECT_EQ(sem::ReadRflags(s) & ~rflags::kArith, value & ~rflags::kArith);
}

}  // namespace
}  // namespace kiln::test
