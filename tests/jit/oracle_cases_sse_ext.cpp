// Random SSE3, SSSE3, SSE4.1, SSE4.2, AES-NI/PCLMULQDQ and MMX instructions for the host-CPU
// oracle (see oracle_cases.h): one form table per extension, operands as registers or
// [rbx + disp8] (mostly 16-byte aligned, sometimes not: the aligned forms then raise #GP on both
// sides), immediates random with the interesting bits favoured, and vector contents that make
// the string compares and the saturating operations hit their edge cases.
#include <array>
#include <cstring>
#include <string_view>

#include "frontend/decoder.h"
#include "frontend/disasm/printer.h"
#include "tests/jit/oracle_cases.h"

namespace kiln::test {
namespace {

using frontend::DecodedInsn;
using frontend::Mnemonic;
using frontend::OperandKind;
using frontend::RegClass;

struct Form {
  uint8_t prefix;  // 0, 0x66, 0xF2, 0xF3
  uint8_t map;     // 1: 0F, 2: 0F 38, 3: 0F 3A
  uint8_t opcode;
  bool imm8;
};

// SSE3 and the SSE2 integer forms exec_sse.cpp did not have.
const Form kSse3[] = {
    {0x66, 1, 0xD0, false}, {0xF2, 1, 0xD0, false}, {0x66, 1, 0x7C, false}, {0xF2, 1, 0x7C, false},
    {0x66, 1, 0x7D, false}, {0xF2, 1, 0x7D, false}, {0xF3, 1, 0x12, false}, {0xF2, 1, 0x12, false},
    {0xF3, 1, 0x16, false}, {0x66, 1, 0xE8, false}, {0x66, 1, 0xE9, false}, {0x66, 1, 0xEC, false},
    {0x66, 1, 0xED, false}, {0x66, 1, 0xF5, false}, {0x66, 1, 0xF6, false}, {0x66, 1, 0xC4, true},
    {0x66, 1, 0xC5, true},  {0x66, 1, 0xF7, false},
};
const Form kSsse3[] = {
    {0x66, 2, 0x00, false}, {0x66, 2, 0x01, false}, {0x66, 2, 0x02, false}, {0x66, 2, 0x03, false},
    {0x66, 2, 0x04, false}, {0x66, 2, 0x05, false}, {0x66, 2, 0x06, false}, {0x66, 2, 0x07, false},
    {0x66, 2, 0x08, false}, {0x66, 2, 0x09, false}, {0x66, 2, 0x0A, false}, {0x66, 2, 0x0B, false},
    {0x66, 2, 0x1C, false}, {0x66, 2, 0x1D, false}, {0x66, 2, 0x1E, false}, {0x66, 3, 0x0F, true},
};
const Form kSse41[] = {
    {0x66, 2, 0x10, false}, {0x66, 2, 0x14, false}, {0x66, 2, 0x15, false}, {0x66, 2, 0x17, false},
    {0x66, 2, 0x20, false}, {0x66, 2, 0x21, false}, {0x66, 2, 0x22, false}, {0x66, 2, 0x23, false},
    {0x66, 2, 0x24, false}, {0x66, 2, 0x25, false}, {0x66, 2, 0x28, false}, {0x66, 2, 0x29, false},
    {0x66, 2, 0x2A, false}, {0x66, 2, 0x2B, false}, {0x66, 2, 0x30, false}, {0x66, 2, 0x31, false},
    {0x66, 2, 0x32, false}, {0x66, 2, 0x33, false}, {0x66, 2, 0x34, false}, {0x66, 2, 0x35, false},
    {0x66, 2, 0x38, false}, {0x66, 2, 0x39, false}, {0x66, 2, 0x3A, false}, {0x66, 2, 0x3B, false},
    {0x66, 2, 0x3C, false}, {0x66, 2, 0x3D, false}, {0x66, 2, 0x3E, false}, {0x66, 2, 0x3F, false},
    {0x66, 2, 0x40, false}, {0x66, 2, 0x41, false}, {0x66, 3, 0x08, true},  {0x66, 3, 0x09, true},
    {0x66, 3, 0x0A, true},  {0x66, 3, 0x0B, true},  {0x66, 3, 0x0C, true},  {0x66, 3, 0x0D, true},
    {0x66, 3, 0x0E, true},  {0x66, 3, 0x14, true},  {0x66, 3, 0x15, true},  {0x66, 3, 0x16, true},
    {0x66, 3, 0x17, true},  {0x66, 3, 0x20, true},  {0x66, 3, 0x21, true},  {0x66, 3, 0x22, true},
    {0x66, 3, 0x40, true},  {0x66, 3, 0x41, true},  {0x66, 3, 0x42, true},
};
const Form kSse42[] = {
    {0x66, 2, 0x37, false}, {0x66, 3, 0x60, true}, {0x66, 3, 0x61, true}, {0x66, 3, 0x62, true}, {0x66, 3, 0x63, true},
};
const Form kAes[] = {
    {0x66, 2, 0xDB, false}, {0x66, 2, 0xDC, false}, {0x66, 2, 0xDD, false}, {0x66, 2, 0xDE, false},
    {0x66, 2, 0xDF, false}, {0x66, 3, 0xDF, true},  {0x66, 3, 0x44, true},
};

// MMX and the MM-register forms of SSE, SSE2 and SSSE3 (no prefix, except MOVQ2DQ/MOVDQ2Q and
// the 66 conversions CVTPI2PD/CVTPD2PI/CVTTPD2PI).
const Form kMmx[] = {
    {0, 1, 0x60, false}, {0, 1, 0x61, false}, {0, 1, 0x62, false}, {0, 1, 0x63, false}, {0, 1, 0x64, false},
    {0, 1, 0x65, false}, {0, 1, 0x66, false}, {0, 1, 0x67, false}, {0, 1, 0x68, false}, {0, 1, 0x69, false},
    {0, 1, 0x6A, false}, {0, 1, 0x6B, false}, {0, 1, 0x6E, false}, {0, 1, 0x6F, false}, {0, 1, 0x70, true},
    {0, 1, 0x71, true},  {0, 1, 0x72, true},  {0, 1, 0x73, true},  {0, 1, 0x74, false}, {0, 1, 0x75, false},
    {0, 1, 0x76, false}, {0, 1, 0x77, false}, {0, 1, 0x7E, false}, {0, 1, 0x7F, false}, {0, 1, 0xC4, true},
    {0, 1, 0xC5, true},  {0, 1, 0xD1, false}, {0, 1, 0xD2, false}, {0, 1, 0xD3, false}, {0, 1, 0xD4, false},
    {0, 1, 0xD5, false}, {0, 1, 0xD7, false}, {0, 1, 0xD8, false}, {0, 1, 0xD9, false}, {0, 1, 0xDA, false},
    {0, 1, 0xDB, false}, {0, 1, 0xDC, false}, {0, 1, 0xDD, false}, {0, 1, 0xDE, false}, {0, 1, 0xDF, false},
    {0, 1, 0xE0, false}, {0, 1, 0xE1, false}, {0, 1, 0xE2, false}, {0, 1, 0xE3, false}, {0, 1, 0xE4, false},
    {0, 1, 0xE5, false}, {0, 1, 0xE7, false}, {0, 1, 0xE8, false}, {0, 1, 0xE9, false}, {0, 1, 0xEA, false},
    {0, 1, 0xEB, false}, {0, 1, 0xEC, false}, {0, 1, 0xED, false}, {0, 1, 0xEE, false}, {0, 1, 0xEF, false},
    {0, 1, 0xF1, false}, {0, 1, 0xF2, false}, {0, 1, 0xF3, false}, {0, 1, 0xF4, false}, {0, 1, 0xF5, false},
    {0, 1, 0xF6, false}, {0, 1, 0xF8, false}, {0, 1, 0xF9, false}, {0, 1, 0xFA, false}, {0, 1, 0xFB, false},
    {0, 1, 0xFC, false}, {0, 1, 0xFD, false}, {0, 1, 0xFE, false}, {0, 1, 0xF7, false}, {0, 1, 0x2A, false}, {0, 1, 0x2C, false},
    {0, 1, 0x2D, false}, {0x66, 1, 0x2A, false}, {0x66, 1, 0x2C, false}, {0x66, 1, 0x2D, false},
    {0xF3, 1, 0xD6, false}, {0xF2, 1, 0xD6, false}, {0, 2, 0x00, false}, {0, 2, 0x01, false},
    {0, 2, 0x02, false}, {0, 2, 0x03, false}, {0, 2, 0x04, false}, {0, 2, 0x05, false}, {0, 2, 0x06, false},
    {0, 2, 0x07, false}, {0, 2, 0x08, false}, {0, 2, 0x09, false}, {0, 2, 0x0A, false}, {0, 2, 0x0B, false},
    {0, 2, 0x1C, false}, {0, 2, 0x1D, false}, {0, 2, 0x1E, false}, {0, 3, 0x0F, true},
};

template <size_t K>
const Form& Pick(std::mt19937_64& rng, const Form (&forms)[K]) {
  return forms[rng() % K];
}

std::vector<uint8_t> Encode(std::mt19937_64& rng, const Form& f, OracleMode mode = OracleMode::k64) {
  std::vector<uint8_t> b;
  if (f.prefix) b.push_back(f.prefix);
  if (mode == OracleMode::k64 && rng() % 3 == 0) b.push_back(static_cast<uint8_t>(0x40 | (rng() & 0xC)));  // REX.W/R
  b.push_back(0x0F);
  if (f.map == 2) b.push_back(0x38);
  if (f.map == 3) b.push_back(0x3A);
  b.push_back(f.opcode);
  const unsigned reg = static_cast<unsigned>(rng());
  if (rng() % 3) {
    b.push_back(static_cast<uint8_t>(0xC0 | (reg & 7) << 3 | (rng() & 7)));
  } else {
    b.push_back(static_cast<uint8_t>(0x43 | (reg & 7) << 3));
    b.push_back(static_cast<uint8_t>(rng() % 4 ? (rng() % 120 - 60) & ~15 : rng() % 200 - 100));  // mostly aligned
  }
  if (f.imm8) {
    uint8_t imm = static_cast<uint8_t>(rng());
    // ROUND*: mostly the defined bits; DPPS/DPPD all of them.
    if (f.map == 3 && f.opcode >= 0x08 && f.opcode <= 0x0B && rng() % 2) imm &= 0x0F;
    b.push_back(imm);
  }
  return b;
}

// Registers and [rbx + disp] memory only: RBX (the base), RSP and RDI (MASKMOVQ/MASKMOVDQU
// store at [rdi], which the cases point into the data page) never as GPR operands.
bool Usable(const DecodedInsn& insn) {
  if (insn.mnemonic == Mnemonic::INVALID || insn.encoding != frontend::Encoding::kLegacy) return false;
  if ((insn.mnemonic == Mnemonic::MASKMOVDQU || insn.mnemonic == Mnemonic::MASKMOVQ) && insn.address_size != 8)
    return false;
  for (int i = 0; i < insn.operand_count; ++i) {
    const auto& op = insn.operands[i];
    if (op.kind == OperandKind::kReg) {
      if (op.reg.cls == RegClass::kXmm || op.reg.cls == RegClass::kMmx) continue;
      if (op.reg.cls < RegClass::kGpr8 || op.reg.cls > RegClass::kGpr64) return false;
      if (op.reg.index == 3 || op.reg.index == 4 || op.reg.index == 7) return false;
    } else if (op.kind == OperandKind::kMem) {
      if (!op.base.valid() || op.base.index != 3 || op.index.valid()) return false;
    }
  }
  return true;
}

// Vector contents for the string compares: short runs of a small alphabet with nulls, as bytes
// or words.
void StringLikeVector(std::mt19937_64& rng, uint8_t* v, size_t n) {
  static const uint8_t kAlphabet[] = {'a', 'b', 'c', 'z', 0, 0x80, 0xFF, 'a', 'b'};
  const bool words = rng() % 2;
  for (size_t i = 0; i < n; ++i) {
    if (words && (i & 1)) v[i] = rng() % 4 ? 0 : kAlphabet[rng() % std::size(kAlphabet)];
    else v[i] = rng() % 12 == 0 ? 0 : kAlphabet[rng() % std::size(kAlphabet)];
  }
}

}  // namespace

std::vector<uint8_t> RandomSseExtensionInsn(std::mt19937_64& rng, OracleMode mode) {
  for (;;) {
    std::vector<uint8_t> b;
    switch (rng() % 6) {
      case 0: b = Encode(rng, Pick(rng, kSse3), mode); break;
      case 1: b = Encode(rng, Pick(rng, kSsse3), mode); break;
      case 2: case 3: b = Encode(rng, Pick(rng, kSse41), mode); break;
      case 4: b = Encode(rng, Pick(rng, kSse42), mode); break;
      default: b = Encode(rng, Pick(rng, kAes), mode); break;
    }
    DecodedInsn insn;
    if (frontend::Decode(b, CpuModeOf(mode), insn) != frontend::DecodeStatus::kOk || !Usable(insn)) continue;
    b.resize(insn.length);
    return b;
  }
}

OracleCase RandomSseExtensionCase(std::mt19937_64& rng, OracleMode mode) {
  OracleCase c = RandomCase(rng, mode);
  c.code.clear();
  const int n = 1 + static_cast<int>(rng() % 4);
  for (int i = 0; i < n; ++i) {
    const auto insn = RandomSseExtensionInsn(rng, mode);
    c.code.insert(c.code.end(), insn.begin(), insn.end());
  }
  // String-like contents in some registers and around [rbx]; small explicit lengths (signed,
  // sometimes beyond the element count) in RAX and RDX.
  for (auto& reg : c.in.xmm)
    if (rng() % 3 == 0) StringLikeVector(rng, reg, 16);
  if (rng() % 2) StringLikeVector(rng, c.in.data + 2048 - 128, 256);
  static const int64_t kLengths[] = {0, 1, 2, 3, 7, 8, 9, 15, 16, 17, -1, -8, -16, -17, 0x7FFFFFFF,
                                     -0x80000000LL, 0x100000003LL, INT64_MIN};
  for (const unsigned r : {0u, 2u})
    if (rng() % 4) c.in.gpr[r] = static_cast<uint64_t>(kLengths[rng() % std::size(kLengths)]);
  if (mode == OracleMode::k32)
    for (uint64_t& g : c.in.gpr) g &= 0xFFFFFFFF;
  c.in.gpr[7] = kOracleDataBase + rng() % (kOracleDataSize - 16);  // MASKMOVDQU's [rdi]
  return c;
}

OracleCase RandomMmxCase(std::mt19937_64& rng) {
  OracleCase c = RandomCase(rng);
  c.code.clear();
  c.mmx = true;
  const int n = 1 + static_cast<int>(rng() % 4);
  for (int i = 0; i < n;) {
    std::vector<uint8_t> b = Encode(rng, Pick(rng, kMmx));
    DecodedInsn insn;
    if (frontend::Decode(b, frontend::CpuMode::k64, insn) != frontend::DecodeStatus::kOk || !Usable(insn)) continue;
    b.resize(insn.length);
    c.code.insert(c.code.end(), b.begin(), b.end());
    ++i;
  }
  static const uint64_t kEdges[] = {0, ~uint64_t{0}, 0x8000800080008000, 0x7FFF7FFF7FFF7FFF, 0x8080808080808080,
                                    0x7F7F7F7F7F7F7F7F, 0x0000000100000001, 0x8000000080000000, 0x3F8000004F000000};
  for (uint64_t& mm : c.in.mm) {
    switch (rng() % 4) {
      case 0: mm = kEdges[rng() % std::size(kEdges)]; break;
      case 1: StringLikeVector(rng, reinterpret_cast<uint8_t*>(&mm), 8); break;
      default: mm = rng(); break;
    }
  }
  c.in.gpr[7] = kOracleDataBase + rng() % (kOracleDataSize - 8);  // MASKMOVQ's [rdi]
  return c;
}

const char* SseExtensionGroupOf(const frontend::DecodedInsn& insn) {
  for (int i = 0; i < insn.operand_count; ++i)
    if (insn.operands[i].kind == OperandKind::kReg && insn.operands[i].reg.cls == RegClass::kMmx) return "mmx";
  using M = Mnemonic;
  switch (insn.mnemonic) {
    case M::EMMS: case M::CVTPI2PS: case M::CVTPI2PD:  // no MM operand (a memory source)
      return "mmx";
    case M::ADDSUBPS: case M::ADDSUBPD: case M::HADDPS: case M::HADDPD: case M::HSUBPS: case M::HSUBPD:
    case M::MOVSLDUP: case M::MOVSHDUP: case M::MOVDDUP: case M::PSHUFB: case M::PHADDW: case M::PHADDD:
    case M::PHADDSW: case M::PHSUBW: case M::PHSUBD: case M::PHSUBSW: case M::PMADDUBSW: case M::PMULHRSW:
    case M::PSIGNB: case M::PSIGNW: case M::PSIGND: case M::PABSB: case M::PABSW: case M::PABSD:
    case M::PALIGNR:
      return "sse3/ssse3";
    case M::PADDSB: case M::PADDSW: case M::PSUBSB: case M::PSUBSW: case M::PMADDWD: case M::PSADBW:
    case M::PINSRW: case M::PEXTRW: case M::MASKMOVDQU:
      return insn.map == frontend::OpcodeMap::k0F ? "sse2 int (rest)" : "sse4.1";
    case M::PCMPGTQ: case M::PCMPESTRI: case M::PCMPESTRM: case M::PCMPISTRI: case M::PCMPISTRM:
      return "sse4.2";
    case M::AESENC: case M::AESENCLAST: case M::AESDEC: case M::AESDECLAST: case M::AESIMC:
    case M::AESKEYGENASSIST: case M::PCLMULQDQ:
      return "aes/pclmul";
    default: break;
  }
  if (insn.encoding == frontend::Encoding::kLegacy &&
      (insn.map == frontend::OpcodeMap::k0F38 || insn.map == frontend::OpcodeMap::k0F3A)) {
    const std::string_view name = frontend::MnemonicName(insn.mnemonic);
    if (name != "crc32" && name != "adcx" && name != "adox" && name != "movbe") return "sse4.1";
  }
  return nullptr;
}

}  // namespace kiln::test
