// The legacy instructions of exec_legacy.cpp and ordinary 32-bit code against the host CPU. The
// oracle (host_oracle.h) runs 32-bit cases in compatibility mode (a far jump to USER32_CS), so
// the BCD instructions, which 64-bit mode lacks, are checked natively: DAA/DAS/AAA/AAS for every
// AL x AF x CF, AAM/AAD for every AL (and AH) with several bases. Then random 32-bit sequences,
// and the other legacy instructions (MOVBE, CMPXCHG8B/16B, ENTER, PUSHA/POPA, PUSHF/POPF, BOUND,
// INTO, XLAT) in both modes with registers pointed into the data page.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstring>
#include <functional>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "jit/interp/interpreter.h"
#include "tests/jit/oracle_cases.h"
#include "tests/jit/undefined_flags.h"

namespace kiln::test {
namespace {

constexpr uint64_t kCf = 1, kAf = 0x10;
constexpr size_t kRbxOffset = 2048, kRspOffset = 3072;  // as RandomCase sets RBX and RSP

// A random 32- or 64-bit starting state with `code` as the instructions.
OracleCase WithCode(std::mt19937_64& rng, OracleMode mode, std::vector<uint8_t> code) {
  OracleCase c = RandomCase(rng, mode);
  c.code = std::move(code);
  return c;
}

// --- BCD, exhaustively ------------------------------------------------------------------------

// Every AL x AF x CF, each with AH random and at the edges where AAA/AAS carry into its sign
// (the host's OF comes from the 16-bit AX +- 106h).
std::vector<OracleCase> AdjustCases(std::mt19937_64& rng, uint8_t opcode) {
  std::vector<OracleCase> out;
  for (const int ah : {-1, 0x00, 0x7F, 0x80, 0xFF})
  for (unsigned al = 0; al < 256; ++al)
    for (unsigned flags = 0; flags < 4; ++flags) {
      OracleCase c = WithCode(rng, OracleMode::k32, {opcode});
      const uint64_t high = ah < 0 ? c.in.gpr[0] & 0xFF00 : static_cast<uint64_t>(ah) << 8;
      c.in.gpr[0] = (c.in.gpr[0] & ~uint64_t{0xFFFF}) | high | al;
      // AF and CF as enumerated; the other arithmetic flags random (they are outputs only).
      c.in.rflags = (c.in.rflags & ~(kCf | kAf)) | ((flags & 1) ? kCf : 0) | ((flags & 2) ? kAf : 0);
      out.push_back(c);
    }
  return out;
}

// AAM/AAD imm8 for every AX in steps (`ah_step` = 1: all of them) and each base.
std::vector<OracleCase> BaseCases(std::mt19937_64& rng, uint8_t opcode, std::initializer_list<uint8_t> bases, unsigned ah_step) {
  std::vector<OracleCase> out;
  for (const uint8_t base : bases)
    for (unsigned ah = 0; ah < 256; ah += ah_step)
      for (unsigned al = 0; al < 256; ++al) {
        OracleCase c = WithCode(rng, OracleMode::k32, {opcode, base});
        c.in.gpr[0] = (c.in.gpr[0] & ~uint64_t{0xFFFF}) | (ah << 8) | al;
        out.push_back(c);
      }
  return out;
}

// --- the other legacy instructions ------------------------------------------------------------

// [rbx + disp8] as a ModRM with the reg field `reg`, and a displacement that keeps `size` bytes
// inside the data page, aligned to `align`.
std::vector<uint8_t> MemRbx(std::mt19937_64& rng, unsigned reg, int align = 1) {
  const int disp = (static_cast<int>(rng() % 200) - 100) / align * align;
  return {static_cast<uint8_t>(0x43 | reg << 3), static_cast<uint8_t>(disp)};
}

void Append(std::vector<uint8_t>& code, std::initializer_list<uint8_t> bytes) { code.insert(code.end(), bytes); }
void Append(std::vector<uint8_t>& code, const std::vector<uint8_t>& bytes) { code.insert(code.end(), bytes.begin(), bytes.end()); }

int8_t DispOf(const std::vector<uint8_t>& code) { return static_cast<int8_t>(code.back()); }

// Makes the compare of CMPXCHG8B/16B at [rbx + disp] succeed half of the time.
void MaybeMatch(std::mt19937_64& rng, OracleCase& c, int8_t disp, unsigned half) {
  if (rng() % 2) return;
  const size_t at = kRbxOffset + disp;
  std::memcpy(c.in.data + at, &c.in.gpr[0], half);          // rAX
  std::memcpy(c.in.data + at + half, &c.in.gpr[2], half);   // rDX
}

// One legacy instruction with its operands prepared (CMPXCHG8B also after random instructions).
OracleCase LegacyCase(std::mt19937_64& rng, OracleMode mode) {
  const bool m32 = mode == OracleMode::k32;
  OracleCase c = RandomCase(rng, mode);  // the random state; the code is replaced
  std::vector<uint8_t>& code = c.code;
  code.clear();
  const bool o16 = rng() % 4 == 0;
  const uint8_t reg = static_cast<uint8_t>(rng() % 8);
  const uint8_t safe_reg = (reg == 3 || reg == 4) ? 0 : reg;  // never write RBX or RSP
  c.in.gpr[5] = kOracleDataBase + 1024 + (rng() % 256) * 4;   // RBP for ENTER/LEAVE
  const unsigned kinds = m32 ? 15 : 10;
  switch (rng() % kinds) {
    case 0:  // movbe r, m
      if (o16) code.push_back(0x66);
      if (!m32 && rng() % 2) code.push_back(0x48);
      Append(code, {0x0F, 0x38, 0xF0});
      Append(code, MemRbx(rng, safe_reg));
      break;
    case 1:  // movbe m, r
      if (o16) code.push_back(0x66);
      if (!m32 && rng() % 2) code.push_back(0x48);
      Append(code, {0x0F, 0x38, 0xF1});
      Append(code, MemRbx(rng, reg));
      break;
    case 2: {  // cmpxchg8b / cmpxchg16b (64-bit: REX.W; misaligned now and then: #GP)
      const bool wide = !m32 && rng() % 2;
      if (wide) code.push_back(0x48);
      Append(code, {0x0F, 0xC7});
      Append(code, MemRbx(rng, 1, wide && rng() % 8 ? 16 : 1));
      MaybeMatch(rng, c, DispOf(code), wide ? 8 : 4);
      break;
    }
    case 3:  // enter imm16, imm8: levels 0-4 and one beyond 31 (taken MOD 32)
      if (o16) code.push_back(0x66);
      Append(code, {0xC8, static_cast<uint8_t>(rng()), static_cast<uint8_t>(rng() % 2), static_cast<uint8_t>(rng() % 8 == 0 ? 33 : rng() % 5)});
      break;
    case 4:  // leave
      code.push_back(0xC9);
      break;
    case 5:  // xlat
      code.push_back(0xD7);
      break;
    case 6:  // pushf
      if (o16) code.push_back(0x66);
      code.push_back(0x9C);
      break;
    case 7: {  // popf of a value without TF and AC (a trap, or alignment checks in the host's C code)
      if (o16) code.push_back(0x66);
      code.push_back(0x9D);
      uint64_t v;
      std::memcpy(&v, c.in.data + kRspOffset, 8);
      v &= ~uint64_t{0x40100};
      std::memcpy(c.in.data + kRspOffset, &v, 8);
      break;
    }
    case 8:  // pushf then popf: the image round-trips
      Append(code, {0x9C, 0x9D});
      break;
    case 9:  // cmpxchg8b after an ordinary instruction
      Append(code, RandomCase(rng, mode).code);
      Append(code, {0x0F, 0xC7});
      Append(code, MemRbx(rng, 1));
      break;
    case 10:  // pusha / pushad
      if (o16) code.push_back(0x66);
      code.push_back(0x60);
      break;
    case 11:  // popa / popad (last: it reloads EBX)
      if (o16) code.push_back(0x66);
      code.push_back(0x61);
      break;
    case 12: {  // bound r, m: the bounds around the index half of the time
      if (o16) code.push_back(0x66);
      code.push_back(0x62);
      Append(code, MemRbx(rng, safe_reg));
      if (rng() % 2) {
        const unsigned n = o16 ? 2 : 4;
        const uint64_t index = c.in.gpr[safe_reg];
        const uint64_t lower = index - rng() % 3, upper = index + rng() % 3;
        std::memcpy(c.in.data + kRbxOffset + DispOf(code), &lower, n);
        std::memcpy(c.in.data + kRbxOffset + DispOf(code) + n, &upper, n);
      }
      break;
    }
    case 13:  // salc (D6, no 64-bit form): AL from the CF an ordinary instruction left
      Append(code, RandomCase(rng, mode).code);
      code.push_back(0xD6);
      break;
    default:  // into, OF random
      code.push_back(0xCE);
      break;
  }
  return c;
}

// --- running a group --------------------------------------------------------------------------

struct GroupResult {
  long cases = 0, faults = 0, mismatches = 0;
  std::map<std::string, long> not_compared;  // on a non-AMD host, by reason (undefined_flags.h)
  bool skipped = false;
  std::string why;
};

GroupResult RunGroup(const std::vector<OracleCase>& all) {
  GroupResult g;
  for (size_t done = 0; done < all.size();) {
    const size_t n = std::min<size_t>(2000, all.size() - done);
    const std::vector<OracleCase> batch(all.begin() + static_cast<long>(done), all.begin() + static_cast<long>(done + n));
    std::vector<OracleResult> host;
    if (!RunOnHost(batch, host, g.why)) {
      for (const OracleCase& c : batch) RunOnInterpreter(c);  // still run them, for the sanitizers
      g.skipped = true;
    } else {
      for (size_t i = 0; i < n; ++i) {
        const EmulatedRun k = RunOnInterpreter(batch[i]);
        if (host[i].signal != 0 || k.vector >= 0) ++g.faults;
        // On a non-AMD host the flags the SDM leaves undefined (for the BCD tables: OF after
        // DAA/DAS; OF, SF, ZF, PF after AAA/AAS; OF, AF, CF after AAM/AAD) are not compared.
        const HostComparison cmp = CompareWithHost(batch[i], host[i], k);
        if (cmp.not_compared) {
          ++g.not_compared[cmp.not_compared];
          continue;
        }
        const std::string& why = cmp.difference;
        if (!why.empty() && ++g.mismatches <= 10)
          ADD_FAILURE() << why << " for\n" << Listing(batch[i].code, batch[i].mode) << "from eax=0x" << std::hex
                        << batch[i].in.gpr[0] << " rflags=0x" << batch[i].in.rflags;
      }
    }
    g.cases += static_cast<long>(n);
    done += n;
  }
  return g;
}

TEST(LegacyOracle, BcdAndLegacyInstructionsMatchTheHostCpu) {
  std::mt19937_64 rng(0x4C4547414359);
  struct Group {
    const char* name;
    std::function<std::vector<OracleCase>()> make;
  };
  const std::vector<Group> groups = {
      {"daa (AL x AF x CF x 5 AH)", [&] { return AdjustCases(rng, 0x27); }},
      {"das (AL x AF x CF x 5 AH)", [&] { return AdjustCases(rng, 0x2F); }},
      {"aaa (AL x AF x CF x 5 AH)", [&] { return AdjustCases(rng, 0x37); }},
      {"aas (AL x AF x CF x 5 AH)", [&] { return AdjustCases(rng, 0x3F); }},
      {"aam (AL x 4 AH x bases 0,1,7,10,16,255)", [&] { return BaseCases(rng, 0xD4, {0, 1, 7, 10, 16, 255}, 64); }},
      {"aad base 10 (all AX)", [&] { return BaseCases(rng, 0xD5, {10}, 1); }},
      {"aad (AL x AH/17 x bases 0,1,7,16,255)", [&] { return BaseCases(rng, 0xD5, {0, 1, 7, 16, 255}, 17); }},
      {"random 32-bit sequences", [&] {
         std::vector<OracleCase> v;
         for (int i = 0; i < 8192; ++i) v.push_back(RandomCase(rng, OracleMode::k32));
         return v;
       }},
      {"legacy instructions, 32-bit", [&] {
         std::vector<OracleCase> v;
         for (int i = 0; i < 8192; ++i) v.push_back(LegacyCase(rng, OracleMode::k32));
         return v;
       }},
      {"legacy instructions, 64-bit", [&] {
         std::vector<OracleCase> v;
         for (int i = 0; i < 8192; ++i) v.push_back(LegacyCase(rng, OracleMode::k64));
         return v;
       }},
  };
  long total = 0, mismatches = 0;
  std::map<std::string, long> not_compared;
  std::string skip_reason;
  for (const Group& group : groups) {
    const GroupResult r = RunGroup(group.make());
    if (r.skipped) skip_reason = r.why;
    total += r.cases;
    mismatches += r.mismatches;
    long group_uncompared = 0;
    for (const auto& [reason, count] : r.not_compared) {
      not_compared[reason] += count;
      group_uncompared += count;
    }
    // A non-AMD host leaves some cases uncompared (at most about 2% of a group): they must stay few.
    if (r.cases >= 1000) EXPECT_LT(group_uncompared * 20, r.cases) << "too few cases compared on this host: " << group.name;
    std::printf("%-40s %7ld cases (%ld with an exception), %ld mismatches", group.name, r.cases, r.faults, r.mismatches);
    if (group_uncompared) std::printf(", %ld not compared", group_uncompared);
    std::printf("\n");
  }
  std::printf("legacy oracle: %ld cases, %ld mismatches\n", total, mismatches);
  for (const auto& [reason, count] : not_compared)
    std::printf("%ld sequences not compared on this non-AMD host: %s\n", count, reason.c_str());
  if (!skip_reason.empty()) GTEST_SKIP() << skip_reason << "; ran " << total << " cases on the interpreter unchecked";
  EXPECT_EQ(mismatches, 0);
}

}  // namespace
}  // namespace kiln::test
