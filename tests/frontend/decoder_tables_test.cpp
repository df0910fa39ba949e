// Property tests over the whole opcode space: the decoder never reads past its input, says
// "need more bytes" exactly when the buffer ends inside an instruction, and is deterministic.
#include <gtest/gtest.h>

#include <array>
#include <cstring>
#include <vector>

#include "tests/frontend/describe.h"

namespace kiln::test {
namespace {

using frontend::CpuMode;
using frontend::Decode;
using frontend::DecodedInsn;
using frontend::DecodeStatus;

// Every prefix/escape combination below is followed by every opcode byte and a spread of
// ModRM/SIB/immediate bytes.
const std::vector<std::vector<uint8_t>> kLeads = {
    {}, {0x66}, {0xF3}, {0xF2}, {0x67}, {0xF0}, {0x48}, {0x66, 0x48},
    {0x0F}, {0x66, 0x0F}, {0xF3, 0x0F}, {0xF2, 0x0F}, {0x48, 0x0F},
    {0x0F, 0x38}, {0x66, 0x0F, 0x38}, {0xF2, 0x0F, 0x38}, {0x0F, 0x3A}, {0x66, 0x0F, 0x3A},
    {0xC5, 0xF9}, {0xC5, 0xFD}, {0xC5, 0xF8}, {0xC5, 0xFA}, {0xC5, 0xFB},
    {0xC4, 0xE2, 0x79}, {0xC4, 0xE2, 0x7D}, {0xC4, 0xE2, 0xF9}, {0xC4, 0xE3, 0x79}, {0xC4, 0xE3, 0xF9},
    {0xC4, 0xE2, 0x78}, {0xC4, 0xE2, 0x7B}, {0xC4, 0x62, 0x31},
};
const std::array<uint8_t, 12> kModRms = {0x00, 0x04, 0x05, 0x0C, 0x44, 0x45, 0x84, 0x94, 0xC0, 0xC9, 0xD2, 0xFF};

template <class Fn>
void ForEachCase(Fn fn) {
  for (CpuMode mode : {CpuMode::k16, CpuMode::k32, CpuMode::k64}) {
    for (const auto& lead : kLeads) {
      for (int op = 0; op < 256; ++op) {
        for (uint8_t modrm : kModRms) {
          std::vector<uint8_t> bytes = lead;
          bytes.push_back(static_cast<uint8_t>(op));
          bytes.push_back(modrm);
          // SIB, displacement and immediate bytes.
          for (uint8_t b : {0x24, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xAA, 0xBB, 0xCC})
            bytes.push_back(b);
          bytes.resize(15);
          fn(mode, bytes);
        }
      }
    }
  }
}

TEST(DecoderProperties, TruncatedInstruction_AsksForMoreBytes_AndNeverReadsPastTheBuffer) {
  int checked = 0;
  ForEachCase([&](CpuMode mode, const std::vector<uint8_t>& bytes) {
    DecodedInsn full;
    if (Decode(bytes, mode, full) != DecodeStatus::kOk) return;
    ASSERT_GE(full.length, 1);
    ASSERT_LE(full.length, 15);
    // Exactly the instruction's bytes, in a heap block of that size: ASan catches over-reads.
    std::vector<uint8_t> exact(bytes.begin(), bytes.begin() + full.length);
    DecodedInsn again;
    ASSERT_EQ(Decode(exact, mode, again), DecodeStatus::kOk);
    EXPECT_EQ(again.length, full.length);
    EXPECT_EQ(again.mnemonic, full.mnemonic);
    EXPECT_EQ(Describe(again), Describe(full));
    // One byte short: the decoder must ask for more (it cannot know the instruction is valid).
    std::vector<uint8_t> shorter(bytes.begin(), bytes.begin() + full.length - 1);
    DecodedInsn partial;
    EXPECT_EQ(Decode(shorter, mode, partial), DecodeStatus::kNeedMoreBytes)
        << "mode " << static_cast<int>(mode) << " " << Describe(full);
    ++checked;
  });
  EXPECT_GT(checked, 50000);
}

TEST(DecoderProperties, OperandCountsAndSizesAreSane) {
  ForEachCase([&](CpuMode mode, const std::vector<uint8_t>& bytes) {
    DecodedInsn insn;
    if (Decode(bytes, mode, insn) != DecodeStatus::kOk) return;
    ASSERT_LE(insn.operand_count, 4);
    ASSERT_NE(insn.mnemonic, frontend::Mnemonic::INVALID);
    for (int i = 0; i < insn.operand_count; ++i) {
      const auto& op = insn.operands[i];
      EXPECT_NE(op.kind, frontend::OperandKind::kNone) << Describe(insn);
      if (op.kind == frontend::OperandKind::kReg) {
        EXPECT_TRUE(op.reg.valid()) << Describe(insn);
        EXPECT_STRNE(frontend::RegName(op.reg), "?") << Describe(insn);
      }
    }
  });
}

TEST(DecoderTables, MnemonicNamesAreLowerCaseAndDistinct) {
  std::vector<std::string> names;
  for (int i = 0; i < frontend::kMnemonicCount; ++i) {
    std::string name = frontend::MnemonicName(static_cast<frontend::Mnemonic>(i));
    ASSERT_FALSE(name.empty());
    for (char c : name) EXPECT_TRUE((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_') << name;
    names.push_back(name);
  }
  std::sort(names.begin(), names.end());
  EXPECT_EQ(std::adjacent_find(names.begin(), names.end()), names.end());
  EXPECT_STREQ(frontend::MnemonicName(frontend::Mnemonic::INVALID), "invalid");
}

}  // namespace
}  // namespace kiln::test
