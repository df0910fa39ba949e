// Random VEX-encoded AVX and AVX2 instructions for the host-CPU oracle (see oracle_cases.h): the
// opcodes of the VEX maps 0F, 0F38 and 0F3A that Kiln implements, with random VEX.L, VEX.W,
// VEX.vvvv, registers and [rbx + disp8] operands (mostly 32-byte aligned, sometimes not, and
// sometimes at the end of the data page so that an access crosses into unmapped memory); the
// decoder keeps the valid encodings. YMM0-15 start from random bytes or the floating-point edge
// lanes of RandomVectorState in both halves, and are compared in full afterwards.
#include <cstring>
#include <string_view>

#include "frontend/decoder.h"
#include "tests/jit/oracle_cases.h"

namespace kiln::test {
namespace {

using frontend::DecodedInsn;
using frontend::Mnemonic;
using frontend::OperandKind;
using frontend::RegClass;

// The opcodes of each map that hold AVX/AVX2 instructions Kiln runs (the decoder rejects the
// prefix, L and W combinations that do not exist). The opmask and BMI instructions are not
// vector instructions.
const uint8_t kMap0F[] = {0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x28, 0x29, 0x2A, 0x2B, 0x2C, 0x2D,
                          0x2E, 0x2F, 0x50, 0x51, 0x54, 0x55, 0x56, 0x57, 0x58, 0x59, 0x5A, 0x5B, 0x5C, 0x5D,
                          0x5E, 0x5F, 0x60, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6A, 0x6B,
                          0x6C, 0x6D, 0x6E, 0x6F, 0x70, 0x71, 0x72, 0x73, 0x74, 0x75, 0x76, 0x77, 0x7C, 0x7D,
                          0x7E, 0x7F, 0xAE, 0xC2, 0xC4, 0xC5, 0xC6, 0xD0, 0xD1, 0xD2, 0xD3, 0xD4, 0xD5, 0xD6,
                          0xD7, 0xD8, 0xD9, 0xDA, 0xDB, 0xDC, 0xDD, 0xDE, 0xDF, 0xE0, 0xE1, 0xE2, 0xE3, 0xE4,
                          0xE5, 0xE6, 0xE7, 0xE8, 0xE9, 0xEA, 0xEB, 0xEC, 0xED, 0xEE, 0xEF, 0xF0, 0xF1, 0xF2,
                          0xF3, 0xF4, 0xF5, 0xF6, 0xF7, 0xF8, 0xF9, 0xFA, 0xFB, 0xFC, 0xFD, 0xFE};
const uint8_t kMap0F38[] = {0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0A, 0x0B, 0x0C, 0x0D,
                            0x0E, 0x0F, 0x13, 0x16, 0x17, 0x18, 0x19, 0x1A, 0x1C, 0x1D, 0x1E, 0x20, 0x21, 0x22, 0x23,
                            0x24, 0x25, 0x28, 0x29, 0x2A, 0x2B, 0x2C, 0x2D, 0x2E, 0x2F, 0x30, 0x31, 0x32, 0x33,
                            0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3A, 0x3B, 0x3C, 0x3D, 0x3E, 0x3F, 0x40, 0x41,
                            0x45, 0x46, 0x47, 0x58, 0x59, 0x5A, 0x78, 0x79, 0x8C, 0x8E, 0x90, 0x91, 0x92, 0x93, 0x96, 0x97, 0x98, 0x99,
                            0x9A, 0x9B, 0x9C, 0x9D, 0x9E, 0x9F, 0xA6, 0xA7, 0xA8, 0xA9, 0xAA, 0xAB, 0xAC, 0xAD,
                            0xAE, 0xAF, 0xB6, 0xB7, 0xB8, 0xB9, 0xBA, 0xBB, 0xBC, 0xBD, 0xBE, 0xBF, 0xDB, 0xDC,
                            0xDD, 0xDE, 0xDF};
const uint8_t kMap0F3A[] = {0x00, 0x01, 0x02, 0x04, 0x05, 0x06, 0x08, 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x0E,
                            0x0F, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1D, 0x20, 0x21, 0x22, 0x38, 0x39, 0x40,
                            0x41, 0x42, 0x44, 0x46, 0x4A, 0x4B, 0x4C, 0x60, 0x61, 0x62, 0x63, 0xDF};

bool TakesImmediate(unsigned map, uint8_t opcode) {
  if (map == 3) return true;
  return map == 1 && ((opcode >= 0x70 && opcode <= 0x73) || opcode == 0xC2 || (opcode >= 0xC4 && opcode <= 0xC6));
}

std::vector<uint8_t> EncodeVex(std::mt19937_64& rng, unsigned map, uint8_t opcode, OracleMode mode) {
  const unsigned pp = rng() % 4 == 0 ? static_cast<unsigned>(rng() % 4) : (map == 1 ? static_cast<unsigned>(rng() % 4) : 1);
  // Compatibility mode has eight registers (and VEX.R/X/B must be 1 there).
  const unsigned regs = mode == OracleMode::k32 ? 7 : 15;
  const unsigned reg = rng() & regs, vvvv = rng() & regs, rm = rng() & regs;
  const unsigned l = rng() & 1, w = rng() % 4 == 0 ? 1 : 0;
  const bool memory = rng() % 3 == 0;
  const unsigned r_bar = reg < 8, b_bar = memory || rm < 8;
  std::vector<uint8_t> b;
  if (map == 1 && w == 0 && b_bar && rng() % 2) {
    b.push_back(0xC5);
    b.push_back(static_cast<uint8_t>(r_bar << 7 | (~vvvv & 15) << 3 | l << 2 | pp));
  } else {
    b.push_back(0xC4);
    b.push_back(static_cast<uint8_t>(r_bar << 7 | 1 << 6 | b_bar << 5 | map));
    b.push_back(static_cast<uint8_t>(w << 7 | (~vvvv & 15) << 3 | l << 2 | pp));
  }
  b.push_back(opcode);
  const bool gather = memory && map == 2 && opcode >= 0x90 && opcode <= 0x93;
  if (gather) {
    // VSIB: [rbx + vector index * scale + disp8]; the index register's X bit is VEX.X.
    const unsigned index = rng() & regs;
    if (b[0] == 0xC4 && index >= 8) b[1] = static_cast<uint8_t>(b[1] & ~0x40);
    else if (b[0] == 0xC5) return {};  // needs the three-byte form
    b.push_back(static_cast<uint8_t>(0x44 | (reg & 7) << 3));
    b.push_back(static_cast<uint8_t>((rng() & 3) << 6 | (index & 7) << 3 | 3));
    b.push_back(static_cast<uint8_t>(static_cast<int>(rng() % 8) * 16 - 64));
  } else if (memory) {
    b.push_back(static_cast<uint8_t>(0x43 | (reg & 7) << 3));  // [rbx + disp8]
    const unsigned kind = rng() % 8;
    const int disp = kind < 5 ? static_cast<int>(rng() % 8) * 32 - 128 : kind < 7 ? static_cast<int>(rng() % 16) * 16 - 128
                                                                                  : static_cast<int>(rng() % 256) - 128;
    b.push_back(static_cast<uint8_t>(disp));
  } else {
    b.push_back(static_cast<uint8_t>(0xC0 | (reg & 7) << 3 | (rm & 7)));
  }
  if (TakesImmediate(map, opcode)) {
    uint8_t imm = static_cast<uint8_t>(rng());
    if (map == 1 && opcode == 0xC2 && rng() % 2) imm &= 0x1F;                     // VCMPPS/PD/SS/SD predicates
    if (map == 3 && opcode >= 0x08 && opcode <= 0x0B && rng() % 2) imm &= 0x0F;   // VROUND*
    b.push_back(imm);
  }
  return b;
}

// Decoded, VEX vector, implemented, and registers and [rbx + disp] memory only: RBX (the base),
// RSP and RDI (VMASKMOVDQU stores at [rdi]) never as GPR operands. No VEX.256 AES/PCLMUL (the
// host has VAES and VPCLMULQDQ; Kiln does not offer them).
bool Usable(const DecodedInsn& insn) {
  if (insn.mnemonic == Mnemonic::INVALID || insn.encoding != frontend::Encoding::kVex) return false;
  const std::string_view name = frontend::MnemonicName(insn.mnemonic);
  if (name.empty() || name[0] != 'v') return false;
  if (insn.prefixes.vex_l && (name.starts_with("vaes") || name == "vpclmulqdq")) return false;
  for (int i = 0; i < insn.operand_count; ++i) {
    const auto& op = insn.operands[i];
    if (op.kind == OperandKind::kReg) {
      if (op.reg.cls == RegClass::kXmm || op.reg.cls == RegClass::kYmm) continue;
      if (op.reg.cls < RegClass::kGpr8 || op.reg.cls > RegClass::kGpr64) return false;
      if (op.reg.index == 3 || op.reg.index == 4 || op.reg.index == 7) return false;
    } else if (op.kind == OperandKind::kMem) {
      if (!op.base.valid() || op.base.index != 3 || (op.index.valid() && op.index.cls != RegClass::kXmm && op.index.cls != RegClass::kYmm))
        return false;
    }
  }
  return true;
}

std::vector<uint8_t> RandomAvxInsn(std::mt19937_64& rng, const char* only, OracleMode mode) {
  for (;;) {
    std::vector<uint8_t> b;
    switch (rng() % 4) {
      case 0: case 1: b = EncodeVex(rng, 1, kMap0F[rng() % std::size(kMap0F)], mode); break;
      case 2: b = EncodeVex(rng, 2, kMap0F38[rng() % std::size(kMap0F38)], mode); break;
      default: b = EncodeVex(rng, 3, kMap0F3A[rng() % std::size(kMap0F3A)], mode); break;
    }
    DecodedInsn insn;
    if (b.empty() || frontend::Decode(b, CpuModeOf(mode), insn) != frontend::DecodeStatus::kOk || !Usable(insn))
      continue;
    if (only && std::string_view(AvxGroupOf(insn)) != only) continue;
    b.resize(insn.length);
    return b;
  }
}

}  // namespace

OracleCase RandomAvxCase(std::mt19937_64& rng, const char* only, OracleMode mode) {
  OracleCase c = RandomCase(rng, mode);
  c.code.clear();
  c.ymm = true;
  OracleState upper;
  RandomVectorState(rng, upper);
  std::memcpy(c.in.ymm_hi, upper.xmm, sizeof c.in.ymm_hi);
  const int n = 1 + static_cast<int>(rng() % 4);
  for (int i = 0; i < n; ++i) {
    const auto insn = RandomAvxInsn(rng, only, mode);
    c.code.insert(c.code.end(), insn.begin(), insn.end());
    // A gather's index register gets small indices (within the data page, mostly), dwords or
    // qwords; the mask register keeps its random sign bits.
    DecodedInsn d;
    frontend::Decode(insn, CpuModeOf(mode), d);
    if (d.operand_count < 2 || d.operands[1].kind != OperandKind::kMem || !d.operands[1].index.valid() ||
        (d.operands[1].index.cls != RegClass::kXmm && d.operands[1].index.cls != RegClass::kYmm))
      continue;
    uint8_t idx[32];
    const std::string_view name = frontend::MnemonicName(d.mnemonic);
    const bool qwords = name[name.find("gather") + 6] == 'q';  // vpgatherqd, vgatherqpd, ...
    for (unsigned k = 0; k < 32; k += qwords ? 8 : 4) {
      const int64_t v = rng() % 16 == 0 ? static_cast<int64_t>(rng()) : static_cast<int64_t>(rng() % 128) - 32;
      std::memcpy(idx + k, &v, qwords ? 8 : 4);
    }
    const unsigned r = d.operands[1].index.index & 15;  // (an index above 7 cannot occur in k32)
    std::memcpy(c.in.xmm[r], idx, 16);
    std::memcpy(c.in.ymm_hi[r], idx + 16, 16);
  }
  // Sometimes RBX near the end of the data page: accesses then cross into unmapped memory.
  if (rng() % 16 == 0) c.in.gpr[3] = kOracleDataBase + kOracleDataSize - 64;
  c.in.gpr[7] = kOracleDataBase + rng() % (kOracleDataSize - 16);  // VMASKMOVDQU's [rdi]
  return c;
}

const char* AvxGroupOf(const DecodedInsn& insn) {
  if (insn.encoding != frontend::Encoding::kVex) return nullptr;
  const std::string_view name = frontend::MnemonicName(insn.mnemonic);
  if (name.empty() || name[0] != 'v') return nullptr;
  if (name.starts_with("vfm") || name.starts_with("vfnm")) return "fma";
  if (name.find("gather") != std::string_view::npos) return "gather";
  if (name == "vcvtph2ps" || name == "vcvtps2ph") return "f16c";
  using M = Mnemonic;
  switch (insn.mnemonic) {
    case M::VPBROADCASTB: case M::VPBROADCASTW: case M::VPBROADCASTD: case M::VPBROADCASTQ: case M::VBROADCASTI128:
    case M::VINSERTI128: case M::VEXTRACTI128: case M::VPERM2I128: case M::VPERMD: case M::VPERMPS: case M::VPERMQ:
    case M::VPERMPD: case M::VPBLENDD: case M::VPMASKMOVD: case M::VPMASKMOVQ: case M::VPSLLVD: case M::VPSLLVQ:
    case M::VPSRLVD: case M::VPSRLVQ: case M::VPSRAVD:
      return "avx2";
    default: break;
  }
  if (name.starts_with("vmov") || name.starts_with("vbroadcast") || name.starts_with("vinsert") ||
      name.starts_with("vextract") || name.starts_with("vzero") || name == "vlddqu" || name.starts_with("vmaskmov"))
    return "avx move";
  const bool integer = name.starts_with("vp") && !name.starts_with("vpermil");
  if (integer || name.starts_with("vaes") || name == "vmpsadbw") return insn.prefixes.vex_l ? "avx2" : "avx int";
  return "avx fp";
}

std::string YmmUpperDifference(const OracleState& h, const OracleState& k, OracleMode mode) {
  for (int x = 0; x < (mode == OracleMode::k32 ? 8 : 16); ++x) {
    if (std::memcmp(h.ymm_hi[x], k.ymm_hi[x], 16) == 0) continue;
    std::string out = "ymm" + std::to_string(x) + " bits 255:128: host ";
    char buf[4];
    for (int b = 15; b >= 0; --b) {
      std::snprintf(buf, sizeof buf, "%02x", h.ymm_hi[x][b]);
      out += buf;
    }
    out += " kiln ";
    for (int b = 15; b >= 0; --b) {
      std::snprintf(buf, sizeof buf, "%02x", k.ymm_hi[x][b]);
      out += buf;
    }
    return out;
  }
  return "";
}

}  // namespace kiln::test
