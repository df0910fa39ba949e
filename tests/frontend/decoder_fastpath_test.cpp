// The decoder's fast path for legacy encodings must give exactly what the general decoder gives:
// every field of DecodedInsn, including the operands past operand_count that a decode leaves as
// they were (both paths are run on DecodedInsn values that persist from one decode to the next).
#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <span>
#include <string>
#include <vector>

#include "frontend/decoder.h"
#include "tests/frontend/describe.h"

namespace kiln::test {
namespace {

using frontend::CpuMode;
using frontend::DecodedInsn;
using frontend::DecodeStatus;
using frontend::Operand;

bool SameOperand(const Operand& a, const Operand& b) {
  return a.kind == b.kind && a.seg == b.seg && a.size == b.size && a.reg == b.reg && a.base == b.base &&
         a.index == b.index && a.scale == b.scale && a.broadcast == b.broadcast &&
         a.selector == b.selector && a.value == b.value;
}

bool SameInsn(const DecodedInsn& a, const DecodedInsn& b) {
  const frontend::Prefixes &p = a.prefixes, &q = b.prefixes;
  const bool header = a.mnemonic == b.mnemonic && a.length == b.length && a.operand_count == b.operand_count &&
                      a.mode == b.mode && a.encoding == b.encoding && a.map == b.map && a.opcode == b.opcode &&
                      a.modrm == b.modrm && a.operand_size == b.operand_size &&
                      a.address_size == b.address_size && a.has_modrm == b.has_modrm;
  const bool prefixes = p.lock == q.lock && p.rep == q.rep && p.repne == q.repne &&
                        p.operand_size == q.operand_size && p.address_size == q.address_size &&
                        p.segment == q.segment && p.rex == q.rex && p.mandatory == q.mandatory &&
                        p.vex_l == q.vex_l && p.vex_w == q.vex_w && p.vvvv == q.vvvv &&
                        p.evex_aaa == q.evex_aaa && p.evex_z == q.evex_z && p.evex_b == q.evex_b &&
                        p.evex_rc == q.evex_rc && p.evex_er == q.evex_er && p.evex_sae == q.evex_sae;
  for (size_t i = 0; i < a.operands.size(); ++i)
    if (!SameOperand(a.operands[i], b.operands[i])) return false;
  return header && prefixes;
}

std::string HexOf(std::span<const uint8_t> bytes) {
  std::string s;
  for (uint8_t b : bytes) {
    static const char* kDigits = "0123456789abcdef";
    s += kDigits[b >> 4];
    s += kDigits[b & 15];
    s += ' ';
  }
  return s;
}

// Random bytes after a few random prefixes and escapes, so that prefix interplay, every map and
// the ModRM/SIB forms are all reached; one case in four is a short buffer (need more bytes).
TEST(DecoderFastPath, SameResultAsTheGeneralDecoder) {
  static constexpr uint8_t kLeadBytes[] = {0x66, 0x67, 0xF2, 0xF3, 0xF0, 0x2E, 0x26, 0x36, 0x3E, 0x64, 0x65,
                                           0x40, 0x41, 0x44, 0x48, 0x4C, 0x4F, 0x0F, 0x0F, 0xC4, 0xC5, 0x62};
  std::mt19937_64 rng(20261123);
  DecodedInsn fast[3], general[3];
  int mismatches = 0;
  for (int i = 0; i < 400000; ++i) {
    uint8_t buf[32];
    for (uint8_t& b : buf) b = static_cast<uint8_t>(rng());
    const uint64_t r = rng();
    const int leads = static_cast<int>((r >> 8) % 5);
    for (int k = 0; k < leads; ++k) buf[k] = kLeadBytes[rng() % sizeof kLeadBytes];
    const size_t size = (r & 3) == 0 ? (r >> 16) % 17 : sizeof buf;
    const int m = static_cast<int>((r >> 4) % 3);
    const auto mode = static_cast<CpuMode>(m);
    const std::span<const uint8_t> bytes(buf, size);
    const DecodeStatus s1 = frontend::Decode(bytes, mode, fast[m]);
    const DecodeStatus s2 = frontend::detail::DecodeWithoutFastPath(bytes, mode, general[m]);
    if (s1 != s2 || !SameInsn(fast[m], general[m])) {
      if (++mismatches <= 10)
        ADD_FAILURE() << "mode " << m << ": " << HexOf(bytes) << "fast " << Describe(fast[m]) << ", general "
                      << Describe(general[m]);
      general[m] = fast[m];  // report each difference once
    }
  }
  EXPECT_EQ(mismatches, 0);
}

}  // namespace
}  // namespace kiln::test
