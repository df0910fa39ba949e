// CPUID from the configurable CPU model (machine/cpu_model.h, jit/semantics/cpuid.h).
#include <gtest/gtest.h>

#include <cstring>

#include "jit/semantics/cpuid.h"
#include "machine/cpu_model.h"

namespace kiln::test {
namespace {

TEST(Cpuid, DefaultModel_AdvertisesWhatKilnImplements) {
  machine::CpuModel m;
  ASSERT_TRUE(machine::CpuModelByName("kiln", m));
  const auto leaf0 = jit::sem::Cpuid(m, 0, 0);
  char vendor[13] = {};
  std::memcpy(vendor, &leaf0.ebx, 4);
  std::memcpy(vendor + 4, &leaf0.edx, 4);
  std::memcpy(vendor + 8, &leaf0.ecx, 4);
  EXPECT_STREQ(vendor, "GenuineIntel");
  EXPECT_GE(leaf0.eax, 7u);
  const auto leaf1 = jit::sem::Cpuid(m, 1, 0);
  EXPECT_TRUE(leaf1.ecx & (1u << 23));   // POPCNT
  EXPECT_TRUE(leaf1.ecx & (1u << 13));   // CMPXCHG16B
  EXPECT_FALSE(leaf1.ecx & (1u << 30));  // no RDRAND: not implemented
  for (const unsigned bit : {0u, 1u, 9u, 19u, 20u, 25u})  // SSE3 PCLMULQDQ SSSE3 SSE4.1 SSE4.2 AES
    EXPECT_TRUE(leaf1.ecx & (1u << bit)) << bit;
  for (const unsigned bit : {12u, 26u, 28u, 29u})  // FMA XSAVE AVX F16C
    EXPECT_TRUE(leaf1.ecx & (1u << bit)) << bit;
  EXPECT_FALSE(leaf1.ecx & (1u << 27));  // OSXSAVE: the CPUID instruction adds it from CR4.OSXSAVE
  EXPECT_TRUE(jit::sem::Cpuid(m, 7, 0).ebx & (1u << 5));   // AVX2
  EXPECT_TRUE(leaf1.edx & (1u << 8));    // CMPXCHG8B
  EXPECT_TRUE(jit::sem::Cpuid(m, 7, 0).ebx & (1u << 9));   // ERMS: bulk REP MOVSB/STOSB
  EXPECT_EQ(jit::sem::Cpuid(m, 7, 1).ebx, 0u);             // only subleaf 0 has features
}

TEST(Cpuid, BaselineModel_HasOnlyTheX86_64Baseline) {
  machine::CpuModel m;
  ASSERT_TRUE(machine::CpuModelByName("x86-64", m));
  const auto leaf1 = jit::sem::Cpuid(m, 1, 0);
  EXPECT_EQ(leaf1.ecx, 0u);
  EXPECT_TRUE(leaf1.edx & (1u << 26));  // SSE2 is part of the baseline
  EXPECT_EQ(jit::sem::Cpuid(m, 7, 0).ebx, 0u);
  EXPECT_TRUE(jit::sem::Cpuid(m, 0x80000001, 0).edx & (1u << 29));  // long mode
}

TEST(Cpuid, V2Model_HasTheX86_64V2Level) {
  machine::CpuModel m;
  ASSERT_TRUE(machine::CpuModelByName("x86-64-v2", m));
  const auto leaf1 = jit::sem::Cpuid(m, 1, 0);
  // SSE3, SSSE3, CMPXCHG16B, SSE4.1, SSE4.2, POPCNT; no PCLMULQDQ, MOVBE or AES.
  EXPECT_EQ(leaf1.ecx, (1u << 0) | (1u << 9) | (1u << 13) | (1u << 19) | (1u << 20) | (1u << 23));
  EXPECT_EQ(jit::sem::Cpuid(m, 0x80000001, 0).ecx, 1u);  // LAHF/SAHF in 64-bit mode
  EXPECT_EQ(jit::sem::Cpuid(m, 7, 0).ebx, 0u);
}

TEST(Cpuid, V3Model_HasTheX86_64V3Level) {
  machine::CpuModel m;
  ASSERT_TRUE(machine::CpuModelByName("x86-64-v3", m));
  const auto leaf1 = jit::sem::Cpuid(m, 1, 0);
  // v2 plus FMA, MOVBE, XSAVE, AVX, F16C; no PCLMULQDQ or AES.
  EXPECT_EQ(leaf1.ecx, (1u << 0) | (1u << 9) | (1u << 12) | (1u << 13) | (1u << 19) | (1u << 20) | (1u << 22) |
                           (1u << 23) | (1u << 26) | (1u << 28) | (1u << 29));
  EXPECT_EQ(jit::sem::Cpuid(m, 7, 0).ebx, (1u << 3) | (1u << 5) | (1u << 8));  // BMI1, AVX2, BMI2
  EXPECT_EQ(jit::sem::Cpuid(m, 0x80000001, 0).ecx, (1u << 0) | (1u << 5));     // LAHF/SAHF, LZCNT
}

TEST(Cpuid, UnknownModelName_IsRejected) {
  machine::CpuModel m;
  EXPECT_FALSE(machine::CpuModelByName("pentium", m));
}

}  // namespace
}  // namespace kiln::test
