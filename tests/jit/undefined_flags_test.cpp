// The SDM's undefined flags (undefined_flags.h) on a few instructions, and what the host-oracle
// comparison leaves out on a non-AMD host and keeps on an AMD one.
#include "tests/jit/undefined_flags.h"

#include <gtest/gtest.h>

#include "frontend/decoder.h"
#include "tests/jit/hex.h"

namespace kiln::test {
namespace {

namespace rflags = machine::rflags;
constexpr uint64_t kCf = rflags::kCf, kPf = rflags::kPf, kAf = rflags::kAf, kZf = rflags::kZf,
                   kSf = rflags::kSf, kOf = rflags::kOf, kAll = rflags::kArith;

FlagUse UseOf(const std::string& hex, frontend::CpuMode mode = frontend::CpuMode::k64) {
  const std::vector<uint8_t> bytes = Hex(hex);
  frontend::DecodedInsn insn;
  EXPECT_EQ(frontend::Decode(bytes, mode, insn), frontend::DecodeStatus::kOk) << hex;
  return FlagUseOf(insn);
}

void ExpectUse(const std::string& hex, uint64_t read, uint64_t defined, uint64_t undefined,
               frontend::CpuMode mode = frontend::CpuMode::k64) {
  const FlagUse u = UseOf(hex, mode);
  EXPECT_EQ(u.read, read) << hex;
  EXPECT_EQ(u.defined, defined) << hex;
  EXPECT_EQ(u.undefined, undefined) << hex;
}

TEST(UndefinedFlags, FollowTheSdmFlagsAffected) {
  ExpectUse("21c8", 0, kAll & ~kAf, kAf);                        // and eax, ecx
  ExpectUse("01c8", 0, kAll, 0);                                 // add eax, ecx
  ExpectUse("11c8", kCf, kAll, 0);                               // adc eax, ecx
  ExpectUse("ffc0", 0, kAll & ~kCf, 0);                          // inc eax
  ExpectUse("d1e0", 0, kCf | kSf | kZf | kPf | kOf, kAf);        // shl eax, 1
  ExpectUse("c1e005", 0, kCf | kSf | kZf | kPf, kAf | kOf);      // shl eax, 5
  ExpectUse("c1e020", 0, 0, 0);                                  // shl eax, 0x20: masked count 0
  ExpectUse("c0e008", 0, kSf | kZf | kPf, kAf | kOf | kCf);      // shl al, 8: CF too
  ExpectUse("d3e0", 0, 0, kOf | kAf);                            // shl eax, cl
  ExpectUse("d2e0", 0, 0, kOf | kAf | kCf);                      // shl al, cl
  ExpectUse("c0d009", kCf, kCf, kOf);                            // rcl al, 9
  ExpectUse("d1c0", 0, kCf | kOf, 0);                            // rol eax, 1
  ExpectUse("0fafc1", 0, kCf | kOf, kSf | kZf | kAf | kPf);      // imul eax, ecx
  ExpectUse("f7f1", 0, 0, kAll);                                 // div ecx
  ExpectUse("0fa3c8", 0, kCf, kOf | kSf | kAf | kPf);            // bt eax, ecx
  ExpectUse("0fbcc1", 0, kZf, kCf | kOf | kSf | kAf | kPf);      // bsf eax, ecx
  ExpectUse("f30fbcc1", 0, kCf | kZf, kOf | kSf | kAf | kPf);    // tzcnt eax, ecx
  ExpectUse("c4e270f2c2", 0, kCf | kOf | kZf | kSf, kAf | kPf);  // andn eax, ecx, edx
  ExpectUse("c4e268f7c1", 0, kCf | kOf | kZf, kAf | kSf | kPf);  // bextr eax, ecx, edx
  ExpectUse("27", kCf | kAf, kCf | kAf | kSf | kZf | kPf, kOf, frontend::CpuMode::k32);  // daa
  ExpectUse("37", kAf, kAf | kCf, kOf | kSf | kZf | kPf, frontend::CpuMode::k32);        // aaa
  ExpectUse("d40a", 0, kSf | kZf | kPf, kOf | kAf | kCf, frontend::CpuMode::k32);        // aam
  ExpectUse("0f9ec0", kZf | kSf | kOf, 0, 0);                    // setle al
  ExpectUse("7602", kCf | kZf, 0, 0);                            // jbe
  ExpectUse("9f", kSf | kZf | kAf | kPf | kCf, 0, 0);            // lahf
  ExpectUse("9c", kAll, 0, 0);                                   // pushf
  ExpectUse("f3a6", 0, 0, 0);                                    // repe cmpsb: maybe no iteration
  ExpectUse("a6", 0, kAll, 0);                                   // cmpsb
  ExpectUse("89c8", 0, 0, 0);                                    // mov eax, ecx
}

OracleCase CaseOf(const std::string& hex, OracleMode mode = OracleMode::k64) {
  OracleCase c;
  c.code = Hex(hex);
  c.mode = mode;
  return c;
}

TEST(UndefinedFlags, AreTrackedAcrossASequence) {
  // IMUL leaves SF ZF AF PF undefined; ADD defines them again.
  EXPECT_EQ(VendorFreedomOf(CaseOf("0fafc1")).flags_at_end, kSf | kZf | kAf | kPf);
  EXPECT_EQ(VendorFreedomOf(CaseOf("0fafc101c8")).flags_at_end, 0u);
  EXPECT_EQ(VendorFreedomOf(CaseOf("0fafc101c8")).flags_anywhere, kSf | kZf | kAf | kPf);
  // BT then INC: CF from BT, the rest from INC.
  EXPECT_EQ(VendorFreedomOf(CaseOf("0fa3c8ffc0")).flags_at_end, 0u);
  // A shift by CL may change nothing: what was undefined stays so.
  EXPECT_EQ(VendorFreedomOf(CaseOf("f7f1d3e0")).flags_at_end, kAll);
  // Readers of an undefined flag make the case vendor-dependent; readers of defined ones do not.
  EXPECT_STREQ(VendorFreedomOf(CaseOf("0fafc17402")).not_compared, kReadsUndefinedFlag);  // imul; jz
  EXPECT_EQ(VendorFreedomOf(CaseOf("0fafc17202")).not_compared, nullptr);                 // imul; jb
  EXPECT_STREQ(VendorFreedomOf(CaseOf("f7f183d000")).not_compared, kReadsUndefinedFlag);  // div; adc eax, 0
  EXPECT_STREQ(VendorFreedomOf(CaseOf("21c89c")).not_compared, kReadsUndefinedFlag);      // and; pushf
  EXPECT_EQ(VendorFreedomOf(CaseOf("21c883c0009c")).not_compared, nullptr);               // and; add eax, 0; pushf
}

TEST(UndefinedFlags, AreComparedOnAnAmdHostOnly) {
  const OracleCase c = CaseOf("21c8");  // and eax, ecx: AF undefined
  OracleResult host;
  host.out = c.in;
  EmulatedRun kiln;
  kiln.out = c.in;
  host.out.rflags = 0x202;
  kiln.out.rflags = 0x202 | kAf;
  EXPECT_NE(CompareWithHost(c, host, kiln, /*amd=*/true).difference, "");
  EXPECT_EQ(CompareWithHost(c, host, kiln, /*amd=*/false).difference, "");
  kiln.out.rflags = 0x202 | kZf;  // ZF is defined: a difference everywhere
  EXPECT_NE(CompareWithHost(c, host, kiln, /*amd=*/true).difference, "");
  EXPECT_NE(CompareWithHost(c, host, kiln, /*amd=*/false).difference, "");
  // A reader of the undefined AF: not compared on a non-AMD host, compared on an AMD one.
  const OracleCase lahf = CaseOf("21c89f");
  EXPECT_STREQ(CompareWithHost(lahf, host, kiln, /*amd=*/false).not_compared, kReadsUndefinedFlag);
  EXPECT_EQ(CompareWithHost(lahf, host, kiln, /*amd=*/true).not_compared, nullptr);
}

}  // namespace
}  // namespace kiln::test
