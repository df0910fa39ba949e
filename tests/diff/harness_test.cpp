// Unit tests of the differential harness itself: oracles, comparison, rule file, ELF reader.
#include <gtest/gtest.h>

#include <vector>

#include "tests/diff/capstone_oracle.h"
#include "tests/diff/compare.h"
#include "tests/diff/corpus.h"
#include "tests/diff/elf_sections.h"
#include "tests/diff/known_differences.h"
#include "tests/diff/zydis_oracle.h"

namespace kiln::test {
namespace {

InsnRecord ZydisRecord(Bits mode, std::vector<uint8_t> bytes) {
  InsnRecord r;
  ZydisOracle(mode).Decode(bytes, r);
  return r;
}

TEST(ZydisOracle, AddRegReg_GivesTwoExplicitRegisterOperands) {
  InsnRecord r = ZydisRecord(Bits::k64, {0x48, 0x01, 0xC8});  // add rax, rcx
  ASSERT_EQ(r.status, Outcome::kOk);
  EXPECT_EQ(r.length, 3);
  EXPECT_EQ(r.mnemonic, "add");
  ASSERT_EQ(r.operands.size(), 2u);
  EXPECT_EQ(r.operands[0].reg, "rax");
  EXPECT_EQ(r.operands[0].size_bits, 64);
  EXPECT_EQ(r.operands[1].reg, "rcx");
}

TEST(ZydisOracle, MemoryOperand_HasSegmentBaseIndexScaleDisp) {
  InsnRecord r = ZydisRecord(Bits::k64, {0x8B, 0x44, 0x8B, 0xF0});  // mov eax, [rbx+rcx*4-0x10]
  ASSERT_EQ(r.operands.size(), 2u);
  const OperandRecord& m = r.operands[1];
  EXPECT_EQ(m.kind, OperandKind::kMem);
  EXPECT_EQ(m.size_bits, 32);
  EXPECT_EQ(m.seg, "ds");
  EXPECT_EQ(m.base, "rbx");
  EXPECT_EQ(m.index, "rcx");
  EXPECT_EQ(m.scale, 4);
  EXPECT_EQ(m.disp, -0x10);
}

TEST(ZydisOracle, Branch_IsRelativeToNextInstruction) {
  InsnRecord r = ZydisRecord(Bits::k64, {0xE8, 0x10, 0x00, 0x00, 0x00});  // call +0x10
  ASSERT_EQ(r.operands.size(), 1u);
  EXPECT_EQ(r.operands[0].kind, OperandKind::kRel);
  EXPECT_EQ(static_cast<int64_t>(r.operands[0].imm), 0x10);
}

TEST(ZydisOracle, MpxDisabled_BndOpcodesAreHintNops) {
  InsnRecord r = ZydisRecord(Bits::k64, {0x0F, 0x1A, 0x00});
  ASSERT_EQ(r.status, Outcome::kOk);
  EXPECT_EQ(r.mnemonic, "nop");
}

TEST(ZydisOracle, EvexMask_IsKeptOutOfTheOperandList) {
  // vaddps zmm0 {k1}, zmm1, zmm2
  InsnRecord r = ZydisRecord(Bits::k64, {0x62, 0xF1, 0x74, 0x49, 0x58, 0xC2});
  ASSERT_EQ(r.status, Outcome::kOk);
  EXPECT_EQ(r.mask, "k1");
  EXPECT_EQ(r.operands.size(), 3u);
}

TEST(ZydisOracle, FifteenPrefixes_AreTooLong) {
  std::vector<uint8_t> bytes(15, 0x66);
  EXPECT_EQ(ZydisRecord(Bits::k64, bytes).status, Outcome::kTooLong);
}

TEST(CapstoneOracle, ConditionAliases_AreMappedToZydisSpelling) {
  EXPECT_EQ(NormalizeCapstoneMnemonic("jne"), "jnz");
  EXPECT_EQ(NormalizeCapstoneMnemonic("ja"), "jnbe");
  EXPECT_EQ(NormalizeCapstoneMnemonic("rep stosq"), "stosq");
  EXPECT_EQ(NormalizeCapstoneMnemonic("lock cmpxchg"), "cmpxchg");
  EXPECT_EQ(NormalizeCapstoneMnemonic("movabs"), "mov");
  InsnRecord r;
  CapstoneOracle(Bits::k64).Decode(std::vector<uint8_t>{0x75, 0x02}, r);
  EXPECT_EQ(r.mnemonic, "jnz");
  EXPECT_EQ(r.length, 2);
}

TEST(Compare, SameRecord_HasNoDifference) {
  InsnRecord r = ZydisRecord(Bits::k64, {0x48, 0x01, 0xC8});
  EXPECT_FALSE(CompareFull(r, r));
}

TEST(Compare, DifferentOperandSize_NamesTheOperand) {
  InsnRecord a = ZydisRecord(Bits::k64, {0x48, 0x01, 0xC8});
  InsnRecord b = a;
  b.operands[1].size_bits = 32;
  Difference d = CompareFull(a, b);
  EXPECT_EQ(d.category, DiffCategory::kOperandSize);
  EXPECT_EQ(DifferenceName(d), "operand-2-size");
}

TEST(Compare, OkAgainstInvalid_IsValidity_InvalidAgainstTooLong_IsFaultKind) {
  InsnRecord ok = ZydisRecord(Bits::k64, {0x90});
  InsnRecord invalid, too_long;
  too_long.status = Outcome::kTooLong;
  EXPECT_EQ(CompareFull(ok, invalid).category, DiffCategory::kValidity);
  EXPECT_EQ(CompareFull(invalid, too_long).category, DiffCategory::kFaultKind);
}

TEST(KnownDifferences, CheckedInFile_Parses) {
  std::string error;
  auto known = KnownDifferences::Load(DefaultKnownDifferencesPath(), &error);
  ASSERT_TRUE(known) << error;
  EXPECT_GT(known->rules().size(), 5u);
}

TEST(KnownDifferences, BadRules_AreRejectedWithLineNumber) {
  std::string error;
  EXPECT_FALSE(KnownDifferences::Parse("a isa-ext=XOP\n", &error));  // no reason
  EXPECT_EQ(error.rfind("line 1:", 0), 0u);
  EXPECT_FALSE(KnownDifferences::Parse("# c\na colour=red reason: x\n", &error));
  EXPECT_EQ(error.rfind("line 2:", 0), 0u);
  EXPECT_FALSE(KnownDifferences::Parse("a reason: no matcher\n", &error));
  EXPECT_FALSE(KnownDifferences::Parse("a mode=8 reason: x\n", &error));
  EXPECT_FALSE(KnownDifferences::Parse("a category=colour reason: x\n", &error));
  EXPECT_FALSE(KnownDifferences::Parse("a bytes=0g reason: x\nb mode=16 reason: y\n", &error));
  EXPECT_FALSE(KnownDifferences::Parse("a mode=16 reason: x\na mode=32 reason: y\n", &error));
}

TEST(KnownDifferences, Rule_MatchesOnlyWhenEveryKeyMatches) {
  auto known = KnownDifferences::Parse(
      "xop isa-ext=xop kiln=invalid reason: AMD\n"
      "op opcode=0f0? category=operand-2-size mode=64 reason: test\n",
      nullptr);
  ASSERT_TRUE(known);
  std::vector<uint8_t> xop = {0x8F, 0xE9, 0x78, 0x80, 0xC0};  // vfrczps xmm0, xmm0
  InsnRecord zydis = ZydisRecord(Bits::k64, xop);
  InsnRecord kiln;  // invalid
  Difference d = CompareFull(kiln, zydis);
  EXPECT_EQ(known->Match({Bits::k64, xop, kiln, zydis, d}), 0);
  EXPECT_EQ(known->Match({Bits::k64, xop, zydis, kiln, d}), -1);  // Kiln ok, Zydis not

  std::vector<uint8_t> bytes = {0x66, 0x48, 0x0F, 0x05};
  InsnRecord other;
  other.isa_ext = "BASE";
  Difference size2{DiffCategory::kOperandSize, 1};
  EXPECT_EQ(known->Match({Bits::k64, bytes, other, other, size2}), 1);
  EXPECT_EQ(known->Match({Bits::k32, bytes, other, other, size2}), -1);
  EXPECT_EQ(known->Match({Bits::k64, bytes, other, other, {DiffCategory::kOperandSize, 0}}), -1);
}

TEST(RandomInsnGenerator, SameSeed_SameBytes) {
  RandomInsnGenerator a(7), b(7), c(8);
  std::array<uint8_t, 15> x, y, z;
  a.Next(x);
  b.Next(y);
  c.Next(z);
  EXPECT_EQ(x, y);
  EXPECT_NE(x, z);
}

TEST(ElfSections, Libc_HasText_AndNonElfIsRejected) {
  std::string why;
  auto sections = ReadX86_64CodeSections("/usr/lib/x86_64-linux-gnu/libc.so.6", &why);
  if (!sections) GTEST_SKIP() << "libc.so.6: " << why;
  bool has_text = false;
  for (const auto& s : *sections) has_text |= (s.name == ".text" && s.bytes.size() > 100000);
  EXPECT_TRUE(has_text);
  EXPECT_FALSE(ReadX86_64CodeSections(DefaultKnownDifferencesPath(), &why));
  EXPECT_EQ(why, "not ELF");
}

}  // namespace
}  // namespace kiln::test
