// The decoder's hot and fast paths must give exactly what the general decoder gives: every field
// of DecodedInsn but the operands past operand_count, which are unspecified (both paths are run
// on DecodedInsn values that persist from one decode to the next). Buffers
// shorter than the decoder's 64-byte window and full windows take different entries, so both
// are covered, on random bytes and on the code of a real library.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <random>
#include <span>
#include <string>
#include <vector>

#include "frontend/decoder.h"
#include "tests/diff/elf_sections.h"
#include "tests/frontend/describe.h"

namespace kiln::test {
namespace {

using frontend::CpuMode;
using frontend::DecodedInsn;
using frontend::DecodeStatus;
using frontend::Operand;
using test::CodeSection;
using test::ReadX86_64CodeSections;

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
  for (size_t i = 0; i < a.operand_count; ++i)
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

// Full windows (64 bytes and more, as when decoding from a page) of random bytes after random
// prefixes, REX bytes and escapes.
TEST(DecoderFastPath, FullWindows_SameResultAsTheGeneralDecoder) {
  static constexpr uint8_t kLeadBytes[] = {0x66, 0xF2, 0xF3, 0x64, 0x65, 0x40, 0x41, 0x44, 0x45, 0x48, 0x49,
                                           0x4C, 0x4D, 0x0F, 0x0F, 0x0F, 0xC4, 0xC5};
  std::mt19937_64 rng(20261124);
  DecodedInsn fast[3], general[3];
  int mismatches = 0;
  for (int i = 0; i < 400000; ++i) {
    uint8_t buf[80];
    for (uint8_t& b : buf) b = static_cast<uint8_t>(rng());
    const uint64_t r = rng();
    const int leads = static_cast<int>((r >> 8) % 4);
    for (int k = 0; k < leads; ++k) buf[k] = kLeadBytes[rng() % sizeof kLeadBytes];
    // Two modes in three are 64-bit mode, where the hot path runs.
    const int m = (r >> 4) % 3 == 0 ? static_cast<int>((r >> 6) % 2) : 2;
    const auto mode = static_cast<CpuMode>(m);
    const std::span<const uint8_t> bytes(buf, 64 + (r >> 16) % 17);
    const DecodeStatus s1 = frontend::Decode(bytes, mode, fast[m]);
    const DecodeStatus s2 = frontend::detail::DecodeWithoutFastPath(bytes, mode, general[m]);
    if (s1 != s2 || !SameInsn(fast[m], general[m])) {
      if (++mismatches <= 10)
        ADD_FAILURE() << "mode " << m << ": " << HexOf(bytes.first(16)) << "fast " << Describe(fast[m])
                      << ", general " << Describe(general[m]);
      general[m] = fast[m];
    }
  }
  EXPECT_EQ(mismatches, 0);
}

// VEX in 64-bit mode, which the hot VEX path (and where it declines, the fast path) decodes when
// no legacy prefix precedes it: random 2- and 3-byte VEX prefixes (every map field, the valid ones
// mostly) with random opcode, ModRM, SIB and following bytes, from full windows and from short
// buffers; now and then a REX or a legacy prefix before it, which makes it invalid or the general
// decoder's.
TEST(DecoderFastPath, Vex_SameResultAsTheGeneralDecoder) {
  std::mt19937_64 rng(20261125);
  DecodedInsn fast, general;
  int mismatches = 0, valid = 0;
  for (int i = 0; i < 300000; ++i) {
    uint8_t buf[80];
    for (uint8_t& b : buf) b = static_cast<uint8_t>(rng());
    const uint64_t r = rng();
    size_t at = 0;
    if ((r & 15) == 0) buf[at++] = (r & 16) ? 0x48 : 0x66;
    const bool three = (r >> 5) & 1;
    buf[at] = three ? 0xC4 : 0xC5;
    // Map field 1-3 in seven cases of eight, another value in the eighth.
    if (three && ((r >> 6) & 7) != 0) buf[at + 1] = static_cast<uint8_t>((buf[at + 1] & 0xE0) | (1 + (r >> 9) % 3));
    // vvvv = 1111b (no register) in half the cases: many forms require it.
    const size_t last = at + (three ? 2 : 1);
    if ((r >> 11) & 1) buf[last] |= 0x78;
    // A common opcode of map 0F (moves, compares, logic, PMOVMSKB, KMOV, VZEROUPPER) in one case
    // in three, so that the forms libc uses are well covered.
    static constexpr uint8_t kCommon[] = {0x10, 0x11, 0x28, 0x29, 0x6F, 0x7F, 0x74, 0x75, 0x76, 0xD7, 0xDA,
                                          0xDB, 0xDF, 0xEB, 0xEF, 0xFC, 0x64, 0x90, 0x92, 0x93, 0x77, 0x58,
                                          0x59, 0xE7, 0xD6, 0x7E, 0x6E, 0xC6, 0x70, 0x72, 0x73};
    if ((r >> 40) % 3 == 0) buf[last + 1] = kCommon[(r >> 44) % sizeof kCommon];
    const size_t size = (r >> 12) % 4 == 0 ? (r >> 16) % 16 : sizeof buf;
    const std::span<const uint8_t> bytes(buf, size);
    const DecodeStatus s1 = frontend::Decode(bytes, CpuMode::k64, fast);
    const DecodeStatus s2 = frontend::detail::DecodeWithoutFastPath(bytes, CpuMode::k64, general);
    valid += s2 == DecodeStatus::kOk;
    if (s1 != s2 || !SameInsn(fast, general)) {
      if (++mismatches <= 10)
        ADD_FAILURE() << HexOf(bytes.first(std::min<size_t>(size, 16))) << "fast " << Describe(fast) << ", general "
                      << Describe(general);
      general = fast;
    }
  }
  EXPECT_EQ(mismatches, 0);
  EXPECT_GT(valid, 30000);  // one in ten decodes (33,337 with this seed): real VEX forms compared
}

// EVEX in 64-bit mode, which the hot EVEX path decodes when no prefix precedes it: random EVEX
// prefixes (mostly with the fixed bits right, map 1-3 and EVEX.b clear, which that path takes;
// now and then not), random opcode, ModRM, SIB and following bytes, from full windows and from
// short buffers; now and then a REX or a legacy prefix before it, which makes it invalid.
TEST(DecoderFastPath, Evex_SameResultAsTheGeneralDecoder) {
  std::mt19937_64 rng(20261126);
  DecodedInsn fast, general;
  int mismatches = 0, valid = 0, hot = 0;
  for (int i = 0; i < 1000000; ++i) {
    uint8_t buf[80];
    for (uint8_t& b : buf) b = static_cast<uint8_t>(rng());
    const uint64_t r = rng();
    size_t at = 0;
    if ((r & 31) == 0) buf[at++] = (r & 32) ? 0x48 : 0x66;
    buf[at] = 0x62;
    uint8_t& p0 = buf[at + 1];
    uint8_t& p1 = buf[at + 2];
    uint8_t& p2 = buf[at + 3];
    // P0 bit 3 clear, P1 bit 2 set and map 1-3 in seven cases of eight; EVEX.b clear in three of
    // four; vvvv = 1111b and V' = 1 (no register) in half the cases; no opmask in one in four.
    if (((r >> 6) & 7) != 0) {
      p0 = static_cast<uint8_t>((p0 & 0xF0) | (1 + (r >> 9) % 3));
      p1 |= 0x04;
    }
    if (((r >> 11) & 3) != 0) p2 &= static_cast<uint8_t>(~0x10);
    if ((r >> 13) & 1) {
      p1 |= 0x78;
      p2 |= 0x08;
    }
    if (((r >> 14) & 3) == 0) p2 &= 0x78;
    // A common opcode (moves, compares, logic, tests, ternary logic) in one case in three.
    static constexpr uint8_t kCommon[] = {0x10, 0x11, 0x28, 0x29, 0x6F, 0x7F, 0x74, 0x26, 0x27, 0x3E, 0x3F,
                                          0x25, 0xDA, 0xEF, 0xF8, 0xFC, 0xE7, 0x78, 0x7A, 0x6E, 0x7E, 0x64};
    if ((r >> 40) % 3 == 0) buf[at + 4] = kCommon[(r >> 44) % sizeof kCommon];
    const size_t size = (r >> 16) % 4 == 0 ? (r >> 20) % 16 : sizeof buf;
    const std::span<const uint8_t> bytes(buf, size);
    const DecodeStatus s1 = frontend::Decode(bytes, CpuMode::k64, fast);
    const DecodeStatus s2 = frontend::detail::DecodeWithoutFastPath(bytes, CpuMode::k64, general);
    valid += s2 == DecodeStatus::kOk;
    hot += frontend::detail::PathOf(bytes, CpuMode::k64) == frontend::detail::DecodePath::kHotEvex;
    if (s1 != s2 || !SameInsn(fast, general)) {
      if (++mismatches <= 10)
        ADD_FAILURE() << HexOf(bytes.first(std::min<size_t>(size, 16))) << "fast " << Describe(fast) << ", general "
                      << Describe(general);
      general = fast;
    }
  }
  std::printf("EVEX: %d valid, %d on the hot path\n", valid, hot);
  EXPECT_EQ(mismatches, 0);
  EXPECT_GT(valid, 30000);  // 38,961 with this seed
  EXPECT_GT(hot, 30000);    // 36,524
}

// A linear sweep over libc's code in 64-bit mode (the decoder benchmark's corpus), each
// instruction decoded from the rest of the section (a full window) and from a copy of its first
// 15 bytes (a short buffer).
TEST(DecoderFastPath, Libc_SameResultAsTheGeneralDecoder) {
  std::string why;
  const auto sections = ReadX86_64CodeSections("/usr/lib/x86_64-linux-gnu/libc.so.6", &why);
  if (!sections) GTEST_SKIP() << "no libc.so.6: " << why;
  DecodedInsn fast, general, fast_short, general_short;
  int mismatches = 0;
  size_t decoded = 0;
  for (const CodeSection& section : *sections) {
    const std::span<const uint8_t> code(section.bytes);
    for (size_t pos = 0; pos < code.size();) {
      const std::span<const uint8_t> bytes = code.subspan(pos);
      const std::span<const uint8_t> head = bytes.first(std::min<size_t>(bytes.size(), 15));
      const DecodeStatus s1 = frontend::Decode(bytes, CpuMode::k64, fast);
      const DecodeStatus s2 = frontend::detail::DecodeWithoutFastPath(bytes, CpuMode::k64, general);
      const DecodeStatus s3 = frontend::Decode(head, CpuMode::k64, fast_short);
      const DecodeStatus s4 = frontend::detail::DecodeWithoutFastPath(head, CpuMode::k64, general_short);
      if (s1 != s2 || !SameInsn(fast, general) || s3 != s4 || !SameInsn(fast_short, general_short)) {
        if (++mismatches <= 10)
          ADD_FAILURE() << section.name << "+" << pos << ": " << HexOf(head) << "fast " << Describe(fast)
                        << ", general " << Describe(general);
        general = fast;
        general_short = fast_short;
      }
      pos += s2 == DecodeStatus::kOk ? general.length : 1;
      ++decoded;
    }
  }
  EXPECT_GT(decoded, 100000u);
  EXPECT_EQ(mismatches, 0);
}

// Decode() is compiled twice (frontend/decoder.h): once for every x86-64 host and once for hosts
// with x86-64-v3, and calls the one the host can run, so the tests above check only that one.
// Both must give the same results: the other is compared with it here, on libc's code and on random
// bytes after random prefixes, from full windows and short buffers, in each mode. Each result's
// length is checked against the instruction's too.
TEST(DecoderHostBuilds, BaselineBuildGivesWhatDecodeGives) {
  const auto compare = [](std::span<const uint8_t> bytes, CpuMode mode, DecodedInsn& a, DecodedInsn& b) {
    const frontend::DecodeResult r1 = frontend::Decode(bytes, mode, a);
    const frontend::DecodeResult r2 = frontend::detail::DecodeOnBaselineHost(bytes, mode, b);
    const DecodeStatus s1 = r1.status, s2 = r2.status;
    // The result's length is the instruction's, 0 when it did not decode.
    EXPECT_EQ(r1.length, s1 == DecodeStatus::kOk ? a.length : 0);
    EXPECT_EQ(r2.length, s2 == DecodeStatus::kOk ? b.length : 0);
#if KILN_DECODE_FOR_X86_64_V3
    if (__builtin_cpu_supports("x86-64-v3")) {
      DecodedInsn c = a;
      EXPECT_EQ(frontend::detail::DecodeOnX86_64V3Host(bytes, mode, c), s1);
      EXPECT_TRUE(SameInsn(a, c));
    }
#endif
    return s1 == s2 && (s1 != DecodeStatus::kOk || SameInsn(a, b));
  };
  int mismatches = 0;
  size_t compared = 0;
  DecodedInsn a[3], b[3];
  std::string why;
  if (const auto sections = ReadX86_64CodeSections("/usr/lib/x86_64-linux-gnu/libc.so.6", &why)) {
    for (const CodeSection& section : *sections) {
      const std::span<const uint8_t> code(section.bytes);
      for (size_t pos = 0; pos < code.size(); ++compared) {
        const std::span<const uint8_t> bytes = code.subspan(pos);
        const std::span<const uint8_t> head = bytes.first(std::min<size_t>(bytes.size(), 15));
        if (!compare(bytes, CpuMode::k64, a[2], b[2]) || !compare(head, CpuMode::k64, a[2], b[2]))
          if (++mismatches <= 10) ADD_FAILURE() << section.name << "+" << pos << ": " << HexOf(head);
        pos += a[2].length ? a[2].length : 1;
      }
    }
  }
  static constexpr uint8_t kLeadBytes[] = {0x66, 0x67, 0xF2, 0xF3, 0xF0, 0x2E, 0x64, 0x65, 0x40,
                                           0x41, 0x48, 0x4C, 0x4F, 0x0F, 0x0F, 0xC4, 0xC5, 0x62};
  std::mt19937_64 rng(20261126);
  for (int i = 0; i < 200000; ++i, ++compared) {
    uint8_t buf[80];
    for (uint8_t& byte : buf) byte = static_cast<uint8_t>(rng());
    const uint64_t r = rng();
    for (int k = 0; k < static_cast<int>((r >> 8) % 4); ++k) buf[k] = kLeadBytes[rng() % sizeof kLeadBytes];
    const int m = (r >> 4) % 3 == 0 ? static_cast<int>((r >> 6) % 2) : 2;
    const std::span<const uint8_t> bytes(buf, (r & 3) == 0 ? (r >> 16) % 17 : 64 + (r >> 16) % 17);
    if (!compare(bytes, static_cast<CpuMode>(m), a[m], b[m]))
      if (++mismatches <= 10) ADD_FAILURE() << "mode " << m << ": " << HexOf(bytes.first(std::min<size_t>(bytes.size(), 16)));
  }
  std::printf("compared %zu decodes (libc: %s)\n", compared, why.empty() ? "read" : why.c_str());
  EXPECT_GT(compared, 200000u);
  EXPECT_EQ(mismatches, 0);
}

// Where libc's instructions are decoded: the decoder is fast because the common instructions
// take its cheap paths, so a table or path change that sends them elsewhere is a regression even
// when every result stays right. Debian 12's libc (336,865 instructions in its code sections):
// 89.7% hot, 6.7% hot with prefixes, 2.1% hot VEX (6,960 of its 7,010 VEX instructions), 0.7% hot
// EVEX (2,474 of 2,474), 0.8% fast, 0.0% general.
TEST(DecoderPaths, Libc_CommonInstructionsTakeTheCheapPaths) {
  std::string why;
  const auto sections = ReadX86_64CodeSections("/usr/lib/x86_64-linux-gnu/libc.so.6", &why);
  if (!sections) GTEST_SKIP() << "no libc.so.6: " << why;
  using frontend::detail::DecodePath;
  size_t count[6] = {}, vex = 0, vex_hot = 0, evex = 0, evex_hot = 0, total = 0;
  DecodedInsn insn;
  for (const CodeSection& section : *sections) {
    const std::span<const uint8_t> code(section.bytes);
    for (size_t pos = 0; pos < code.size(); ++total) {
      const std::span<const uint8_t> bytes = code.subspan(pos);
      const DecodePath path = frontend::detail::PathOf(bytes, CpuMode::k64);
      ++count[static_cast<int>(path)];
      if (bytes[0] == 0xC4 || bytes[0] == 0xC5) {
        ++vex;
        vex_hot += path == DecodePath::kHotVex;
      } else if (bytes[0] == 0x62) {
        ++evex;
        evex_hot += path == DecodePath::kHotEvex;
      }
      pos += frontend::Decode(bytes, CpuMode::k64, insn) == DecodeStatus::kOk ? insn.length : 1;
    }
  }
  const auto share = [&](size_t n) { return 100.0 * static_cast<double>(n) / static_cast<double>(total); };
  std::printf("libc: %zu instructions: hot %.1f%%, hot with prefixes %.1f%%, hot VEX %.1f%%, hot EVEX %.1f%%, "
              "fast %.1f%%, general %.1f%%; VEX on the hot path: %zu of %zu, EVEX: %zu of %zu\n",
              total, share(count[0]), share(count[1]), share(count[2]), share(count[3]), share(count[4]),
              share(count[5]), vex_hot, vex, evex_hot, evex);
  static_assert(static_cast<int>(DecodePath::kGeneral) == 5, "count[] has a counter per path");
  ASSERT_GT(total, 100000u);
  EXPECT_GT(share(count[0]), 88.0);
  EXPECT_GT(share(count[0] + count[1]), 95.0);
  EXPECT_LT(share(count[4]), 1.5);
  EXPECT_LT(share(count[5]), 0.5);
  EXPECT_GT(static_cast<double>(vex_hot), 0.95 * static_cast<double>(vex));
  EXPECT_GT(static_cast<double>(evex_hot), 0.95 * static_cast<double>(evex));
}

}  // namespace
}  // namespace kiln::test
