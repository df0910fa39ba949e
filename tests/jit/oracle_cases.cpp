// Random general-purpose instruction sequences for the host-CPU oracle (see oracle_cases.h).
#include "tests/jit/oracle_cases.h"

#include <gtest/gtest.h>

#include <csignal>
#include <cstdio>
#include <cstring>
#include <set>
#include <string_view>

#include "frontend/decoder.h"
#include "frontend/disasm/printer.h"
#include "jit/semantics/flags.h"
#include "jit/semantics/x87_float.h"

namespace kiln::test {
namespace {

using frontend::DecodedInsn;
using frontend::Mnemonic;
using frontend::OperandKind;
using frontend::RegClass;
namespace rflags = machine::rflags;

constexpr uint64_t kRbx = kOracleDataBase + 2048;  // memory operands are [rbx + ...]
constexpr unsigned kIndexReg = 5;  // RBP: the index of SIB forms, set just before its instruction
constexpr uint64_t kRsp = kOracleDataBase + 3072;  // the stack, inside the data page

// One-byte and 0F opcodes the generator draws from: general-purpose instructions without
// control flow or system effects.
const std::vector<uint8_t> kPrimary = {
    0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x08, 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15,
    0x18, 0x19, 0x1A, 0x1B, 0x1C, 0x1D, 0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x28, 0x29, 0x2A, 0x2B, 0x2C, 0x2D,
    0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x38, 0x39, 0x3A, 0x3B, 0x3C, 0x3D, 0x50, 0x51, 0x52, 0x55, 0x56, 0x57,
    0x58, 0x59, 0x5A, 0x5D, 0x5E, 0x5F, 0x63, 0x68, 0x69, 0x6A, 0x6B, 0x80, 0x81, 0x83, 0x84, 0x85, 0x86, 0x87,
    0x88, 0x89, 0x8A, 0x8B, 0x8D, 0x91, 0x92, 0x96, 0x97, 0x98, 0x99, 0x9E, 0x9F, 0xA8, 0xA9, 0xB0, 0xB1, 0xB2,
    0xB5, 0xB8, 0xB9, 0xBA, 0xBE, 0xBF, 0xC0, 0xC1, 0xC6, 0xC7, 0xD0, 0xD1, 0xD2, 0xD3, 0xF5, 0xF6, 0xF7,
    0xF8, 0xF9, 0xFE, 0xFF};
const std::vector<uint8_t> kSecondary = {
    0x40, 0x41, 0x42, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48, 0x49, 0x4A, 0x4B, 0x4C, 0x4D, 0x4E, 0x4F,
    0x90, 0x91, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99, 0x9A, 0x9B, 0x9C, 0x9D, 0x9E, 0x9F,
    0xA3, 0xAB, 0xAF, 0xB0, 0xB1, 0xB3, 0xB6, 0xB7, 0xB8, 0xBA, 0xBB, 0xBC, 0xBD, 0xBE, 0xBF, 0xC0, 0xC1,
    0xC8, 0xC9, 0xCA, 0xCE, 0xCF};

const std::set<Mnemonic> kAllowed = {
    Mnemonic::ADD, Mnemonic::OR, Mnemonic::ADC, Mnemonic::SBB, Mnemonic::AND, Mnemonic::SUB, Mnemonic::XOR,
    Mnemonic::CMP, Mnemonic::TEST, Mnemonic::INC, Mnemonic::DEC, Mnemonic::NEG, Mnemonic::NOT, Mnemonic::ROL,
    Mnemonic::ROR, Mnemonic::RCL, Mnemonic::RCR, Mnemonic::SHL, Mnemonic::SHR, Mnemonic::SAR, Mnemonic::MUL,
    Mnemonic::IMUL, Mnemonic::DIV, Mnemonic::IDIV, Mnemonic::BT, Mnemonic::BTS, Mnemonic::BTR, Mnemonic::BTC,
    Mnemonic::BSF, Mnemonic::BSR, Mnemonic::POPCNT, Mnemonic::LZCNT, Mnemonic::TZCNT, Mnemonic::MOV,
    Mnemonic::MOVZX, Mnemonic::MOVSX, Mnemonic::MOVSXD, Mnemonic::LEA, Mnemonic::XCHG, Mnemonic::XADD,
    Mnemonic::CMPXCHG, Mnemonic::BSWAP, Mnemonic::CBW, Mnemonic::CWDE, Mnemonic::CDQE, Mnemonic::CWD,
    Mnemonic::CDQ, Mnemonic::CQO, Mnemonic::CLC, Mnemonic::STC, Mnemonic::CMC, Mnemonic::LAHF, Mnemonic::SAHF,
    Mnemonic::PUSH, Mnemonic::POP, Mnemonic::SETO, Mnemonic::SETNO, Mnemonic::SETB, Mnemonic::SETNB,
    Mnemonic::SETZ, Mnemonic::SETNZ, Mnemonic::SETBE, Mnemonic::SETNBE, Mnemonic::SETS, Mnemonic::SETNS,
    Mnemonic::SETP, Mnemonic::SETNP, Mnemonic::SETL, Mnemonic::SETNL, Mnemonic::SETLE, Mnemonic::SETNLE,
    Mnemonic::CMOVO, Mnemonic::CMOVNO, Mnemonic::CMOVB, Mnemonic::CMOVNB, Mnemonic::CMOVZ, Mnemonic::CMOVNZ,
    Mnemonic::CMOVBE, Mnemonic::CMOVNBE, Mnemonic::CMOVS, Mnemonic::CMOVNS, Mnemonic::CMOVP, Mnemonic::CMOVNP,
    Mnemonic::CMOVL, Mnemonic::CMOVNL, Mnemonic::CMOVLE, Mnemonic::CMOVNLE,
    // SSE/SSE2 integer, logic and data movement (RandomSseInsn)
    Mnemonic::MOVDQA, Mnemonic::MOVAPS, Mnemonic::MOVAPD, Mnemonic::MOVNTDQ, Mnemonic::MOVNTPS, Mnemonic::MOVNTPD,
    Mnemonic::MOVDQU, Mnemonic::MOVUPS, Mnemonic::MOVUPD, Mnemonic::LDDQU, Mnemonic::MOVD, Mnemonic::MOVQ,
    Mnemonic::MOVHPS, Mnemonic::MOVHPD, Mnemonic::MOVLPS, Mnemonic::MOVLPD, Mnemonic::PXOR, Mnemonic::XORPS,
    Mnemonic::XORPD, Mnemonic::POR, Mnemonic::ORPS, Mnemonic::ORPD, Mnemonic::PAND, Mnemonic::ANDPS, Mnemonic::ANDPD,
    Mnemonic::PANDN, Mnemonic::ANDNPS, Mnemonic::ANDNPD, Mnemonic::PCMPEQB, Mnemonic::PCMPEQW, Mnemonic::PCMPEQD,
    Mnemonic::PCMPGTB, Mnemonic::PCMPGTW, Mnemonic::PCMPGTD, Mnemonic::PMOVMSKB, Mnemonic::PMINUB, Mnemonic::PMAXUB,
    Mnemonic::PMINSW, Mnemonic::PMAXSW, Mnemonic::PADDB, Mnemonic::PADDW, Mnemonic::PADDD, Mnemonic::PADDQ,
    Mnemonic::PSUBB, Mnemonic::PSUBW, Mnemonic::PSUBD, Mnemonic::PSUBQ, Mnemonic::PSUBUSB, Mnemonic::PACKUSWB,
    Mnemonic::PACKSSWB, Mnemonic::PACKSSDW, Mnemonic::PMULLW, Mnemonic::PMULHW, Mnemonic::PMULHUW, Mnemonic::PMULUDQ,
    Mnemonic::PADDUSB, Mnemonic::PADDUSW, Mnemonic::PSUBUSW, Mnemonic::PAVGB, Mnemonic::PAVGW, Mnemonic::PUNPCKLBW,
    Mnemonic::PUNPCKLWD, Mnemonic::PUNPCKLDQ, Mnemonic::PUNPCKLQDQ, Mnemonic::PUNPCKHBW, Mnemonic::PUNPCKHWD,
    Mnemonic::PUNPCKHDQ, Mnemonic::PUNPCKHQDQ, Mnemonic::PSHUFD, Mnemonic::PSHUFLW, Mnemonic::PSHUFHW, Mnemonic::PSRLDQ,
    Mnemonic::PSLLDQ, Mnemonic::PSRLW, Mnemonic::PSRLD, Mnemonic::PSRLQ, Mnemonic::PSLLW, Mnemonic::PSLLD,
    Mnemonic::PSLLQ, Mnemonic::PSRAW, Mnemonic::PSRAD, Mnemonic::UNPCKLPS, Mnemonic::UNPCKHPS, Mnemonic::UNPCKLPD,
    Mnemonic::UNPCKHPD, Mnemonic::SHUFPS, Mnemonic::SHUFPD, Mnemonic::MOVMSKPS, Mnemonic::MOVMSKPD,
    Mnemonic::MOVLHPS, Mnemonic::MOVHLPS,
    // SSE/SSE2 floating point (RandomSseFloatInsn)
    Mnemonic::ADDPS, Mnemonic::ADDSS, Mnemonic::ADDPD, Mnemonic::ADDSD, Mnemonic::SUBPS, Mnemonic::SUBSS,
    Mnemonic::SUBPD, Mnemonic::SUBSD, Mnemonic::MULPS, Mnemonic::MULSS, Mnemonic::MULPD, Mnemonic::MULSD,
    Mnemonic::DIVPS, Mnemonic::DIVSS, Mnemonic::DIVPD, Mnemonic::DIVSD, Mnemonic::SQRTPS, Mnemonic::SQRTSS,
    Mnemonic::SQRTPD, Mnemonic::SQRTSD, Mnemonic::MINPS, Mnemonic::MINSS, Mnemonic::MINPD, Mnemonic::MINSD,
    Mnemonic::MAXPS, Mnemonic::MAXSS, Mnemonic::MAXPD, Mnemonic::MAXSD, Mnemonic::CMPPS, Mnemonic::CMPSS,
    Mnemonic::CMPPD, Mnemonic::CMPSD, Mnemonic::COMISS, Mnemonic::UCOMISS, Mnemonic::COMISD, Mnemonic::UCOMISD,
    Mnemonic::CVTSS2SD, Mnemonic::CVTSD2SS, Mnemonic::CVTPS2PD, Mnemonic::CVTPD2PS, Mnemonic::CVTSS2SI,
    Mnemonic::CVTTSS2SI, Mnemonic::CVTSD2SI, Mnemonic::CVTTSD2SI, Mnemonic::CVTSI2SS, Mnemonic::CVTSI2SD,
    Mnemonic::CVTPS2DQ, Mnemonic::CVTTPS2DQ, Mnemonic::CVTPD2DQ, Mnemonic::CVTTPD2DQ, Mnemonic::CVTDQ2PS,
    Mnemonic::CVTDQ2PD, Mnemonic::MOVSS, Mnemonic::MOVSD, Mnemonic::STMXCSR,
    // BMI1, BMI2, ADX, CRC32 (RandomExtensionInsn)
    Mnemonic::ANDN, Mnemonic::BEXTR, Mnemonic::BLSI, Mnemonic::BLSMSK, Mnemonic::BLSR, Mnemonic::BZHI,
    Mnemonic::PDEP, Mnemonic::PEXT, Mnemonic::MULX, Mnemonic::RORX, Mnemonic::SARX, Mnemonic::SHLX,
    Mnemonic::SHRX, Mnemonic::ADCX, Mnemonic::ADOX, Mnemonic::CRC32};

// Accepts an instruction the oracle can run on both sides: memory only as [rbx + disp] inside
// the data page, RBX and RSP never named (RBX is the memory base; RSP moves only by PUSH/POP).
bool Acceptable(const DecodedInsn& insn) {
  if (!kAllowed.count(insn.mnemonic) || insn.address_size == 2) return false;
  if (insn.prefixes.segment == frontend::Seg::kFs || insn.prefixes.segment == frontend::Seg::kGs) return false;
  if (insn.mnemonic == Mnemonic::BSWAP && insn.operand_size == 2) return false;  // undefined
  if ((insn.mnemonic == Mnemonic::PUSH || insn.mnemonic == Mnemonic::POP) && insn.operand_count &&
      insn.operands[0].kind == OperandKind::kMem) return false;
  // BT* with a memory operand and a register bit offset can address anywhere (the offset is a
  // full signed register): natively that may hit the oracle's own mappings. Unit tests cover it.
  const bool bit_test = insn.mnemonic == Mnemonic::BT || insn.mnemonic == Mnemonic::BTS ||
                        insn.mnemonic == Mnemonic::BTR || insn.mnemonic == Mnemonic::BTC;
  if (bit_test && insn.operands[0].kind == OperandKind::kMem && insn.operands[1].kind == OperandKind::kReg) return false;
  for (int i = 0; i < insn.operand_count; ++i) {
    const auto& op = insn.operands[i];
    if (op.kind == OperandKind::kReg) {
      const bool gpr = op.reg.cls >= RegClass::kGpr8 && op.reg.cls <= RegClass::kGpr64;
      if (op.reg.cls == RegClass::kXmm) continue;
      if (!gpr) return false;
      const unsigned idx = op.reg.index;
      if (op.reg.cls == RegClass::kGpr8High ? idx == 3 : (idx == 3 || idx == 4)) return false;
    } else if (op.kind == OperandKind::kMem) {
      // [rbx + disp], [ebx + disp] (67 prefix) or [rbx + rbp * scale + disp].
      const RegClass address_cls = insn.address_size == 8 ? RegClass::kGpr64 : RegClass::kGpr32;
      if (!op.base.valid() || op.base.cls != address_cls || op.base.index != 3) return false;
      if (op.index.valid() && (op.index.cls != address_cls || op.index.index != kIndexReg)) return false;
      const int64_t off = op.value + (op.index.valid() ? 64 * op.scale : 0);
      if (insn.mnemonic != Mnemonic::LEA && (off < -2000 || off > 2000 - 16)) return false;
    }
  }
  return true;
}

// A ModRM byte (and displacement) for a register or [rbx + disp8] operand, `reg` in bits 5:3.
void PushModrm(std::mt19937_64& rng, std::vector<uint8_t>& b, unsigned reg) {
  if (rng() % 3) {
    b.push_back(static_cast<uint8_t>(0xC0 | (reg & 7) << 3 | (rng() & 7)));
  } else {
    b.push_back(static_cast<uint8_t>(0x43 | (reg & 7) << 3));
    b.push_back(static_cast<uint8_t>(rng() % 200 - 100));
  }
}

// One BMI1/BMI2 instruction (VEX, 0F38/0F3A maps), ADCX/ADOX or CRC32 (66/F3/F2 0F 38 F0-F6),
// 64-bit mode.
std::vector<uint8_t> RandomExtensionInsn(std::mt19937_64& rng) {
  struct Form {
    uint8_t map, opcode, pp;  // pp: 0 none, 1 66, 2 F3, 3 F2
    int reg;                  // ModRM.reg fixed (group), or -1
    bool imm8;
  };
  static const Form kVex[] = {
      {2, 0xF2, 0, -1, false},  // ANDN
      {2, 0xF3, 0, 1, false},   // BLSR
      {2, 0xF3, 0, 2, false},   // BLSMSK
      {2, 0xF3, 0, 3, false},   // BLSI
      {2, 0xF5, 0, -1, false},  // BZHI
      {2, 0xF5, 2, -1, false},  // PEXT
      {2, 0xF5, 3, -1, false},  // PDEP
      {2, 0xF6, 3, -1, false},  // MULX
      {2, 0xF7, 0, -1, false},  // BEXTR
      {2, 0xF7, 1, -1, false},  // SHLX
      {2, 0xF7, 2, -1, false},  // SARX
      {2, 0xF7, 3, -1, false},  // SHRX
      {3, 0xF0, 3, -1, true},   // RORX
  };
  std::vector<uint8_t> b;
  if (rng() % 4 == 0) {
    static const uint8_t kLegacy[][2] = {{0x66, 0xF6}, {0xF3, 0xF6}, {0xF2, 0xF0}, {0xF2, 0xF1}};  // ADCX ADOX CRC32
    const auto& l = kLegacy[rng() % std::size(kLegacy)];
    if (l[1] == 0xF1 && rng() % 3 == 0) b.push_back(0x66);  // CRC32 r32, r/m16
    b.push_back(l[0]);
    if (rng() % 2) b.push_back(static_cast<uint8_t>(0x48 | (rng() & 4)));  // REX.W (and R)
    b.insert(b.end(), {0x0F, 0x38, l[1]});
    PushModrm(rng, b, static_cast<unsigned>(rng()));
    return b;
  }
  const Form& f = kVex[rng() % std::size(kVex)];
  b.push_back(0xC4);
  b.push_back(static_cast<uint8_t>((rng() % 2 ? 0x80 : 0) | 0x60 | f.map));  // R~ random, X~ = B~ = 1
  b.push_back(static_cast<uint8_t>((rng() % 2 ? 0x80 : 0) | (~rng() & 0xF) << 3 | f.pp));  // W, vvvv~, L = 0
  b.push_back(f.opcode);
  PushModrm(rng, b, f.reg >= 0 ? static_cast<unsigned>(f.reg) : static_cast<unsigned>(rng()));
  if (f.imm8) b.push_back(static_cast<uint8_t>(rng()));
  return b;
}

// One legacy SSE/SSE2 instruction of the 0F map (66/F2/F3 select the form; without 66 many are
// MMX forms, which Acceptable() rejects), 64-bit mode. 16-byte memory operands at [rbx + disp]
// may be misaligned: the aligned forms then raise #GP on both sides.
std::vector<uint8_t> RandomSseInsn(std::mt19937_64& rng) {
  static const uint8_t kOpcodes[] = {
      0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x28, 0x29, 0x2B, 0x50, 0x54, 0x55, 0x56, 0x57, 0xC6,
      0x60, 0x61, 0x62, 0x63,
      0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6A, 0x6B, 0x6C, 0x6D, 0x6E, 0x6F, 0x70, 0x71, 0x72, 0x73, 0x74,
      0x75, 0x76, 0x7E, 0x7F, 0xD1, 0xD2, 0xD3, 0xD4, 0xD5, 0xD6, 0xD7, 0xD8, 0xD9, 0xDA, 0xDB, 0xDC, 0xDD,
      0xDE, 0xDF, 0xE0, 0xE1, 0xE2, 0xE3, 0xE4, 0xE5, 0xE7, 0xEA, 0xEB, 0xEE, 0xEF, 0xF0, 0xF1, 0xF2, 0xF3,
      0xF4, 0xF8, 0xF9, 0xFA, 0xFB, 0xFC, 0xFD, 0xFE};
  static const uint8_t kPrefixes[] = {0x66, 0x66, 0x66, 0x00, 0xF2, 0xF3};
  std::vector<uint8_t> b;
  if (const uint8_t p = kPrefixes[rng() % std::size(kPrefixes)]) b.push_back(p);
  if (rng() % 3 == 0) b.push_back(static_cast<uint8_t>(0x40 | (rng() & 0xC)));  // REX.W/R
  b.insert(b.end(), {0x0F, kOpcodes[rng() % std::size(kOpcodes)]});
  const unsigned reg = static_cast<unsigned>(rng());
  if (rng() % 3) {
    b.push_back(static_cast<uint8_t>(0xC0 | (reg & 7) << 3 | (rng() & 7)));
  } else {
    b.push_back(static_cast<uint8_t>(0x43 | (reg & 7) << 3));
    b.push_back(static_cast<uint8_t>(rng() % 4 ? (rng() % 120 - 60) & ~15 : rng() % 200 - 100));  // mostly aligned
  }
  b.push_back(static_cast<uint8_t>(rng()));  // imm8 (shuffles, shifts by immediate)
  return b;
}

// One SSE/SSE2 floating-point instruction (arithmetic, SQRT, MIN/MAX, CMP, COMIS/UCOMIS,
// conversions, MOVSS/MOVSD, STMXCSR), 64-bit mode.
std::vector<uint8_t> RandomSseFloatInsn(std::mt19937_64& rng) {
  static const uint8_t kOpcodes[] = {0x51, 0x58, 0x59, 0x5A, 0x5B, 0x5C, 0x5D, 0x5E, 0x5F, 0xC2, 0x2E, 0x2F,
                                     0x2A, 0x2C, 0x2D, 0xE6, 0x10, 0x11, 0xAE};
  static const uint8_t kPrefixes[] = {0x00, 0x66, 0xF2, 0xF3};
  std::vector<uint8_t> b;
  const uint8_t opcode = kOpcodes[rng() % std::size(kOpcodes)];
  if (opcode == 0xAE) {  // stmxcsr [rbx + disp8]
    b.insert(b.end(), {0x0F, 0xAE, 0x5B, static_cast<uint8_t>(rng() % 200 - 100)});
    return b;
  }
  if (const uint8_t p = kPrefixes[rng() % std::size(kPrefixes)]) b.push_back(p);
  if (rng() % 3 == 0) b.push_back(static_cast<uint8_t>(0x40 | (rng() & 0xC)));  // REX.W/R
  b.insert(b.end(), {0x0F, opcode});
  const unsigned reg = static_cast<unsigned>(rng());
  if (rng() % 3) {
    b.push_back(static_cast<uint8_t>(0xC0 | (reg & 7) << 3 | (rng() & 7)));
  } else {
    b.push_back(static_cast<uint8_t>(0x43 | (reg & 7) << 3));
    b.push_back(static_cast<uint8_t>(rng() % 4 ? (rng() % 120 - 60) & ~15 : rng() % 200 - 100));
  }
  if (opcode == 0xC2) b.push_back(static_cast<uint8_t>(rng() % 4 ? rng() & 7 : rng()));  // the predicate
  return b;
}

// One random instruction. Memory operands take one of the forms Acceptable() allows; a SIB form
// with an index is preceded by `mov ebp, 64` so that the address stays in the data page.
std::vector<uint8_t> RandomInsn(std::mt19937_64& rng, OracleMode mode) {
  for (;;) {
    if (mode == OracleMode::k64 && rng() % 5 == 0) {
      const unsigned which = static_cast<unsigned>(rng() % 3);
      std::vector<uint8_t> b = which == 0 ? RandomExtensionInsn(rng) : which == 1 ? RandomSseInsn(rng) : RandomSseFloatInsn(rng);
      DecodedInsn insn;
      if (frontend::Decode(b, frontend::CpuMode::k64, insn) != frontend::DecodeStatus::kOk || !Acceptable(insn)) continue;
      b.resize(insn.length);
      return b;
    }
    std::vector<uint8_t> b;
    const unsigned p = rng() % 100;
    if (p < 12) b.push_back(0x66);
    else if (p < 18) b.push_back(0xF3);
    else if (p < 22) b.push_back(0xF0);
    // 67 (in 64-bit mode: [ebx + ...]) and REX without X/B only in 64-bit mode (in 32-bit mode
    // 67 means 16-bit addressing, and 40-4F are INC/DEC, which the one-byte map covers).
    if (mode == OracleMode::k64 && rng() % 16 == 0) b.push_back(0x67);
    if (mode == OracleMode::k64 && rng() % 3 == 0) b.push_back(static_cast<uint8_t>(0x40 | (rng() & 0xC)));
    if (rng() % 4 == 0) {
      b.push_back(0x0F);
      b.push_back(kSecondary[rng() % kSecondary.size()]);
    } else {
      b.push_back(kPrimary[rng() % kPrimary.size()]);
    }
    const uint8_t reg = static_cast<uint8_t>(rng() & 7);
    bool indexed = false;
    switch (rng() % 10) {
      case 0: case 1: case 2: case 3: case 4: case 5:  // a register
        b.push_back(static_cast<uint8_t>(0xC0 | reg << 3 | (rng() & 7)));
        break;
      case 6: case 7:  // [rbx + disp8]
        b.push_back(static_cast<uint8_t>(0x43 | reg << 3));
        b.push_back(static_cast<uint8_t>(rng() % 200 - 100));
        break;
      case 8: {  // [rbx + disp32]
        b.push_back(static_cast<uint8_t>(0x83 | reg << 3));
        const auto disp = static_cast<uint32_t>(static_cast<int32_t>(rng() % 3800) - 1900);
        for (int i = 0; i < 4; ++i) b.push_back(static_cast<uint8_t>(disp >> (8 * i)));
        break;
      }
      default:  // [rbx + rbp * scale + disp8]
        b.push_back(static_cast<uint8_t>(0x44 | reg << 3));
        b.push_back(static_cast<uint8_t>((rng() & 3) << 6 | kIndexReg << 3 | 3));
        b.push_back(static_cast<uint8_t>(rng() % 200 - 100));
        indexed = true;
        break;
    }
    for (int i = 0; i < 8; ++i) b.push_back(static_cast<uint8_t>(rng()));  // immediates
    DecodedInsn insn;
    if (frontend::Decode(b, CpuModeOf(mode), insn) != frontend::DecodeStatus::kOk) continue;
    if (!Acceptable(insn)) continue;
    b.resize(insn.length);
    // BSF and BSR leave CF, OF, SF, AF and PF undefined, and CPUs differ there (AMD Zen 4
    // clears them where earlier AMD CPUs keep them), so a CMP after one defines every flag
    // again before anything can see them. Their defined ZF is checked against the host by
    // bits_host_test.cpp.
    if (insn.mnemonic == Mnemonic::BSF || insn.mnemonic == Mnemonic::BSR) b.insert(b.end(), {0x39, 0xC8});  // cmp eax, ecx
    if (indexed) b.insert(b.begin(), {0xBD, 64, 0, 0, 0});  // mov ebp, 64
    return b;
  }
}

}  // namespace

// Single and double values where x86 floating point has its rules: zeros, denormals, the
// smallest and largest normals, infinities, QNaNs and SNaNs with payloads, ties and near-ties
// for rounding, and the integer-conversion boundaries (2^31, 2^63). The sign is drawn separately.
const uint32_t kFloatEdges[] = {0x00000000, 0x3F800000, 0x3FC00000, 0x40200000, 0x3F000000, 0x00000001,
                                0x007FFFFF, 0x00800000, 0x7F7FFFFF, 0x7F800000, 0x7FC00000, 0x7FC12345,
                                0x7F800001, 0x7FA00000, 0x3F800001, 0x4B000000, 0x4EFFFFFF, 0x4F000000,
                                0x5EFFFFFF, 0x5F000000, 0x33800000, 0x0C000000, 0x7E800000, 0x40490FDB};
const uint64_t kDoubleEdges[] = {0x0000000000000000, 0x3FF0000000000000, 0x3FF8000000000000, 0x4004000000000000,
                                 0x3FE0000000000000, 0x0000000000000001, 0x000FFFFFFFFFFFFF, 0x0010000000000000,
                                 0x7FEFFFFFFFFFFFFF, 0x7FF0000000000000, 0x7FF8000000000000, 0x7FF8000012345678,
                                 0x7FF0000000000001, 0x7FF4000000000000, 0x3FF0000000000001, 0x4330000000000000,
                                 0x41DFFFFFFFC00000, 0x41E0000000000000, 0x43DFFFFFFFFFFFFF, 0x43E0000000000000,
                                 0x36A0000000000000, 0x3810000000000000, 0x47EFFFFFE0000000, 0x400921FB54442D18};

void RandomVectorState(std::mt19937_64& rng, OracleState& st) {
  // Random bytes, lanes of edge bytes, or single / double lanes from the edge values above
  // (sometimes plus a random low bit or two, for rounding).
  static const uint8_t kEdgeBytes[] = {0x00, 0xFF, 0x80, 0x7F, 0x01, 0xFE};
  for (auto& reg : st.xmm) {
    switch (rng() % 6) {
      case 0:
        for (auto& byte : reg) byte = kEdgeBytes[rng() % std::size(kEdgeBytes)];
        break;
      case 1: case 2:
        for (int i = 0; i < 4; ++i) {
          uint32_t v = rng() % 4 ? kFloatEdges[rng() % std::size(kFloatEdges)] : static_cast<uint32_t>(rng());
          if (rng() % 4 == 0) v ^= static_cast<uint32_t>(rng() & 3);
          if (rng() % 2) v |= 0x80000000u;
          std::memcpy(reg + 4 * i, &v, 4);
        }
        break;
      case 3: case 4:
        for (int i = 0; i < 2; ++i) {
          uint64_t v = rng() % 4 ? kDoubleEdges[rng() % std::size(kDoubleEdges)] : rng();
          if (rng() % 4 == 0) v ^= rng() & 3;
          if (rng() % 2) v |= 0x8000000000000000u;
          std::memcpy(reg + 8 * i, &v, 8);
        }
        break;
      default:
        for (auto& byte : reg) byte = static_cast<uint8_t>(rng());
        break;
    }
  }
  // Any rounding mode, sticky exception flags and DAZ/FTZ; now and then some exceptions
  // unmasked (an unmasked exception raises #XM on both sides).
  st.mxcsr = 0x1F80 | static_cast<uint32_t>(rng() & 0x3F) | static_cast<uint32_t>((rng() & 3) << 13) |
             (rng() % 4 == 0 ? 0x8040u : 0u);
  if (rng() % 10 == 0) st.mxcsr &= ~(static_cast<uint32_t>(rng() & 0x3F) << 7);
}

OracleCase RandomCase(std::mt19937_64& rng, OracleMode mode) {
  OracleCase c;
  c.mode = mode;
  const int n = 1 + static_cast<int>(rng() % 4);
  for (int i = 0; i < n; ++i) {
    const auto insn = RandomInsn(rng, mode);
    c.code.insert(c.code.end(), insn.begin(), insn.end());
  }
  static const uint64_t kEdges[] = {0, 1, ~uint64_t{0}, 0x8000000000000000, 0x7FFFFFFFFFFFFFFF, 0x80000000,
                                    0xFFFFFFFF, 0x7F, 0x80, 0xFF, 0x100, 0xFFFF, 0x8000};
  for (uint64_t& g : c.in.gpr) g = rng() % 3 == 0 ? kEdges[rng() % std::size(kEdges)] : rng();
  if (mode == OracleMode::k32)
    for (uint64_t& g : c.in.gpr) g &= 0xFFFFFFFF;  // compatibility mode has 32-bit registers
  c.in.gpr[3] = kRbx;
  c.in.gpr[4] = kRsp;
  c.in.rflags = 0x202 | (rng() & rflags::kArith) | (rng() % 8 == 0 ? rflags::kDf : 0);
  for (auto& byte : c.in.data) byte = static_cast<uint8_t>(rng());
  RandomVectorState(rng, c.in);
  return c;
}


OracleCase RandomBranchCase(std::mt19937_64& rng) {
  OracleCase c = RandomCase(rng);
  const auto cc = static_cast<uint8_t>(rng() & 15);
  switch (rng() % 6) {
    case 0: case 1:
      c.code.insert(c.code.end(), {static_cast<uint8_t>(0x70 | cc), 0x02});  // jcc short +2
      break;
    case 2: case 3:
      c.code.insert(c.code.end(), {0x0F, static_cast<uint8_t>(0x80 | cc), 0x02, 0x00, 0x00, 0x00});  // jcc near +2
      break;
    default: {
      // LOOP, LOOPE, LOOPNE, JRCXZ (E2, E1, E0, E3); with 67 they count in ECX (JECXZ).
      if (rng() % 3 == 0) c.code.push_back(0x67);
      c.code.insert(c.code.end(), {static_cast<uint8_t>(0xE0 + rng() % 4), 0x02});
      static const uint64_t kCounts[] = {0, 1, 2, 0x100000000, 0x100000001};
      if (rng() % 2) c.in.gpr[machine::kRcx] = kCounts[rng() % std::size(kCounts)];
      break;
    }
  }
  c.code.insert(c.code.end(), {0xB1, static_cast<uint8_t>(0x5A ^ rng())});  // mov cl, imm8
  return c;
}

OracleCase RandomStringCase(std::mt19937_64& rng) {
  OracleCase c = RandomCase(rng);
  static const uint8_t kOpcodes[] = {0xA4, 0xA5, 0xAA, 0xAB, 0xAC, 0xAD, 0xA6, 0xA7, 0xAE, 0xAF};
  const uint8_t opcode = kOpcodes[rng() % std::size(kOpcodes)];
  const bool compares = opcode == 0xA6 || opcode == 0xA7 || opcode == 0xAE || opcode == 0xAF;
  std::vector<uint8_t> insn;
  static const uint8_t kSegments[] = {0x26, 0x2E, 0x36, 0x3E};  // ignored in 64-bit mode
  if (rng() % 8 == 0) insn.push_back(kSegments[rng() % std::size(kSegments)]);
  if (rng() % 6 == 0) insn.push_back(0x67);  // ESI, EDI, ECX
  if (opcode & 1) {
    if (rng() % 3 == 0) insn.push_back(0x66);
  }
  const unsigned rep = static_cast<unsigned>(rng() % 4);
  if (rep == 1 || rep == 2) insn.push_back(0xF3);
  if (rep == 3 && compares) insn.push_back(0xF2);
  if ((opcode & 1) && rng() % 2 == 0) insn.push_back(0x48);  // REX.W: quadwords
  insn.push_back(opcode);
  c.code.insert(c.code.begin(), insn.begin(), insn.end());
  // RSI and RDI anywhere in the data page, so that a run may leave it (a #PF at the exact
  // element); random upper halves show that 32-bit addressing ignores them.
  const uint64_t upper = rng() % 2 ? 0 : rng() << 32;
  c.in.gpr[machine::kRsi] = (rng() % 4 ? kOracleDataBase + rng() % kOracleDataSize : kRbx) | (rng() % 6 == 0 ? upper : 0);
  c.in.gpr[machine::kRdi] = (kOracleDataBase + rng() % kOracleDataSize) | (rng() % 6 == 0 ? upper : 0);
  const uint64_t counts[] = {0, 1, 2, rng() % 16, rng() % 300, rng() % 5000};
  c.in.gpr[machine::kRcx] = counts[rng() % std::size(counts)] | (rng() % 6 == 0 ? upper : 0);
  if (compares && rng() % 2) {
    // Runs of equal bytes so that REPE goes on for a while.
    const uint8_t fill = static_cast<uint8_t>(rng());
    for (auto& byte : c.in.data) byte = rng() % 64 ? fill : static_cast<uint8_t>(rng());
    c.in.gpr[machine::kRax] = fill * 0x0101010101010101ull;
  }
  return c;
}

void LoadX87(const OracleX87& x, machine::CpuState& s) {
  s.fcw = x.fcw;
  s.fsw = x.fsw;
  s.fop = x.fop;
  s.fip = x.fip;
  s.fdp = x.fdp;
  const unsigned top = (x.fsw >> 11) & 7;
  for (unsigned i = 0; i < 8; ++i) {
    machine::X87Reg& r = s.st[(top + i) & 7];
    std::memcpy(&r.significand, x.st[i], 8);
    std::memcpy(&r.sign_exponent, x.st[i] + 8, 2);
  }
  s.ftw = 0;
  for (unsigned p = 0; p < 8; ++p) {
    const unsigned tag = (x.ftw >> p) & 1 ? jit::sem::x87::TagOf({s.st[p].significand, s.st[p].sign_exponent}) : 3;
    s.ftw = static_cast<uint16_t>(s.ftw | tag << (2 * p));
  }
}

void StoreX87(const machine::CpuState& s, OracleX87& x) {
  x.fcw = s.fcw;
  x.fsw = s.fsw;
  x.fop = s.fop;
  x.fip = s.fip;
  x.fdp = s.fdp;
  x.ftw = 0;
  for (unsigned p = 0; p < 8; ++p)
    if (((s.ftw >> (2 * p)) & 3) != 3) x.ftw = static_cast<uint8_t>(x.ftw | 1u << p);
  const unsigned top = (s.fsw >> 11) & 7;
  for (unsigned i = 0; i < 8; ++i) {
    const machine::X87Reg& r = s.st[(top + i) & 7];
    std::memcpy(x.st[i], &r.significand, 8);
    std::memcpy(x.st[i] + 8, &r.sign_exponent, 2);
  }
}

bool PrepareKiln(const OracleCase& c, machine::RegionMemory& memory, machine::CpuState& s, std::string& error) {
  if (!memory.AddRegion(kOracleCodeBase, 0x10000, error) || !memory.AddRegion(kOracleDataBase, kOracleDataSize, error))
    return false;
  std::vector<uint8_t> code = c.code;
  code.push_back(0xF4);  // HLT marks the end
  memory.CopyIn(kOracleCodeBase, code.data(), code.size());
  memory.CopyIn(kOracleDataBase, c.in.data, kOracleDataSize);
  for (int i = 0; i < 16; ++i) s.gpr[i] = c.in.gpr[i];
  jit::sem::WriteRflags(s, c.in.rflags);
  for (int i = 0; i < 16; ++i) std::memcpy(s.zmm[i], c.in.xmm[i], 16);
  s.mxcsr = c.in.mxcsr;
  LoadX87(c.in.x87, s);
  if (c.mmx) {  // as the host's MOVQ loads leave it: MMi in physical register i, TOP 0, tags valid
    for (int i = 0; i < 8; ++i) s.st[i] = {c.in.mm[i], 0xFFFF};
    s.fsw = static_cast<uint16_t>(s.fsw & ~0x3800u);
    s.ftw = 0;
  }
  s.cr4 = (1u << 9) | (1u << 10) | (1u << 18);  // OSFXSR, OSXMMEXCPT, OSXSAVE, as the host's Linux sets them
  s.cr0 |= 1u << 5;                             // NE: x87 errors raise #MF, as the host's Linux sets it
  s.xcr0 = 7;                                      // x87, SSE and AVX state enabled
  if (c.ymm)
    for (int i = 0; i < 16; ++i) std::memcpy(s.zmm[i] + 16, c.in.ymm_hi[i], 16);
  s.efer = machine::efer::kLme | machine::efer::kLma;
  s.cr0 |= 1;  // PE
  if (c.mode == OracleMode::k32) {
    // Compatibility mode as on the host: CS with L = 0, D = 1 (USER32_CS); a 32-bit flat stack.
    s.seg[machine::kCs] = {0x23, machine::seg_attr::kDefault32, 0xFFFFFFFF, 0};
    s.seg[machine::kSs] = {0x2B, machine::seg_attr::kDefault32, 0xFFFFFFFF, 0};
    for (const unsigned seg : {machine::kDs, machine::kEs}) s.seg[seg] = {0x2B, machine::seg_attr::kDefault32, 0xFFFFFFFF, 0};
  } else {
    s.seg[machine::kCs] = {0x33, machine::seg_attr::kLong, 0xFFFFFFFF, 0};
  }
  s.rip = kOracleCodeBase;
  return true;
}

EmulatedRun RunOnInterpreter(const OracleCase& c) {
  machine::RegionMemory memory;
  machine::CpuState s;
  std::string error;
  EXPECT_TRUE(PrepareKiln(c, memory, s, error)) << error;
  jit::Interpreter interp(s, memory);
  const jit::Exit exit = interp.Run(100);
  uint64_t mm[8];
  for (int i = 0; i < 8; ++i) mm[i] = s.st[i].significand;
  // The host's epilogue stores MM0-7 and runs EMMS after an MMX case that completes (not after
  // a fault, whose state comes from the signal frame).
  if (c.mmx && exit.reason != jit::ExitReason::kException) s.ftw = 0xFFFF;
  EmulatedRun r = Finish(exit, s, memory);
  if (c.mmx) std::memcpy(r.out.mm, mm, sizeof mm);
  return r;
}

EmulatedRun Finish(const jit::Exit& exit, const machine::CpuState& s, machine::RegionMemory& memory) {
  EmulatedRun r;
  if (exit.reason == jit::ExitReason::kException) r.vector = exit.vector;
  for (int i = 0; i < 16; ++i) r.out.gpr[i] = s.gpr[i];
  r.out.rflags = jit::sem::ReadRflags(s);
  for (int i = 0; i < 16; ++i) std::memcpy(r.out.xmm[i], s.zmm[i], 16);
  for (int i = 0; i < 16; ++i) std::memcpy(r.out.ymm_hi[i], s.zmm[i] + 16, 16);
  r.out.mxcsr = s.mxcsr;
  StoreX87(s, r.out.x87);
  memory.CopyOut(kOracleDataBase, r.out.data, kOracleDataSize);
  return r;
}

namespace {
// The vector the host raised: the kernel's trap number when the handler saw one, else the usual
// signal for it.
int HostVector(const OracleResult& h) {
  if (h.trap >= 0) return h.trap;
  switch (h.signal) {
    case SIGFPE: return jit::vec::kDe;
    case SIGILL: return jit::vec::kUd;
    case SIGSEGV: return jit::vec::kPf;
    default: return -2;
  }
}
}  // namespace

std::string X87Difference(const OracleX87& h, const OracleX87& k, int ulps) {
  char buf[160];
  const uint16_t fsw_mask = ulps ? 0xFDFF : 0xFFFF;  // C1 says which way the result was rounded
  if (h.fcw != k.fcw || ((h.fsw ^ k.fsw) & fsw_mask) || h.ftw != k.ftw) {
    std::snprintf(buf, sizeof buf, "x87 fcw/fsw/ftw: host %04x %04x %02x kiln %04x %04x %02x", h.fcw, h.fsw, h.ftw, k.fcw,
                  k.fsw, k.ftw);
    return buf;
  }
  // Only registers in use are compared (empty ones hold whatever was there).
  const unsigned top = (h.fsw >> 11) & 7;
  for (unsigned i = 0; i < 8; ++i) {
    if (!((h.ftw >> ((top + i) & 7)) & 1) || std::memcmp(h.st[i], k.st[i], 10) == 0) continue;
    uint64_t hs, ks;
    uint16_t he, ke;
    std::memcpy(&hs, h.st[i], 8);
    std::memcpy(&he, h.st[i] + 8, 2);
    std::memcpy(&ks, k.st[i], 8);
    std::memcpy(&ke, k.st[i] + 8, 2);
    if (ulps && he == ke && (hs >> 63) == (ks >> 63) && (hs > ks ? hs - ks : ks - hs) <= static_cast<uint64_t>(ulps))
      continue;
    // Across a power of two: the larger significand of the lower binade against 2^e.
    if (ulps && (he ^ ke) == 0 ? false
        : ulps && ((he & 0x8000) == (ke & 0x8000)) && ((he & 0x7FFF) + 1 == (ke & 0x7FFF) || (ke & 0x7FFF) + 1 == (he & 0x7FFF))) {
      const bool h_low = (he & 0x7FFF) < (ke & 0x7FFF);
      const uint64_t low = h_low ? hs : ks, high = h_low ? ks : hs;
      if (high == 0x8000000000000000 && (~low >> 0) <= static_cast<uint64_t>(2 * ulps)) continue;
    }
    std::snprintf(buf, sizeof buf, "st(%u): host %04x:%016llx kiln %04x:%016llx", i, he, (unsigned long long)hs, ke,
                  (unsigned long long)ks);
    return buf;
  }
  // FOP and FDP: an AMD host's FXSAVE stores them only while an exception is pending (ES), so
  // only then. FIP is not compared: natively the case runs behind the oracle's prologue, at
  // another address than in Kiln.
  if ((h.fsw & 0x80) && (h.fop != k.fop || h.fdp != k.fdp)) {
    std::snprintf(buf, sizeof buf, "x87 fop/fdp: host %03x %llx kiln %03x %llx", h.fop, (unsigned long long)h.fdp,
                  k.fop, (unsigned long long)k.fdp);
    return buf;
  }
  return "";
}

std::string Difference(const OracleResult& h, const EmulatedRun& k, OracleMode mode, int x87_ulps) {
  // At an exception both sides hold the state at the start of the faulting instruction (with a
  // REP string instruction's registers after the elements it completed): compared like the rest.
  const int host_vector = h.signal != 0 ? HostVector(h) : -1;
  if (host_vector != k.vector) {
    return "host signal " + std::to_string(h.signal) + " (vector " + std::to_string(host_vector) +
           "), kiln vector " + std::to_string(k.vector);
  }
  char buf[96];
  // Compatibility mode defines only EAX..EDI (SDM Vol.1 3.4.1.1: the upper halves are undefined).
  const int regs = mode == OracleMode::k32 ? 8 : 16;
  const uint64_t low = mode == OracleMode::k32 ? 0xFFFFFFFF : ~uint64_t{0};
  for (int r = 0; r < regs; ++r)
    if ((h.out.gpr[r] & low) != (k.out.gpr[r] & low)) {
      std::snprintf(buf, sizeof buf, "r%d: host 0x%llx kiln 0x%llx", r, (unsigned long long)h.out.gpr[r],
                    (unsigned long long)k.out.gpr[r]);
      return buf;
    }
  const uint64_t mask = rflags::kArith | rflags::kDf;
  if ((h.out.rflags & mask) != (k.out.rflags & mask)) {
    std::snprintf(buf, sizeof buf, "rflags: host 0x%llx kiln 0x%llx", (unsigned long long)(h.out.rflags & mask),
                  (unsigned long long)(k.out.rflags & mask));
    return buf;
  }
  // XMM8-15 do not exist in compatibility mode.
  for (int x = 0; x < (mode == OracleMode::k32 ? 8 : 16); ++x) {
    if (std::memcmp(h.out.xmm[x], k.out.xmm[x], 16) != 0) {
      std::string out = "xmm" + std::to_string(x) + ": host ";
      for (int b = 15; b >= 0; --b) {
        std::snprintf(buf, sizeof buf, "%02x", h.out.xmm[x][b]);
        out += buf;
      }
      out += " kiln ";
      for (int b = 15; b >= 0; --b) {
        std::snprintf(buf, sizeof buf, "%02x", k.out.xmm[x][b]);
        out += buf;
      }
      return out;
    }
  }
  if (std::string ymm = YmmUpperDifference(h.out, k.out, mode); !ymm.empty()) return ymm;
  for (int m = 0; m < 8; ++m) {
    if (h.out.mm[m] != k.out.mm[m]) {
      std::snprintf(buf, sizeof buf, "mm%d: host 0x%016llx kiln 0x%016llx", m, (unsigned long long)h.out.mm[m],
                    (unsigned long long)k.out.mm[m]);
      return buf;
    }
  }
  if (h.out.mxcsr != k.out.mxcsr) {
    std::snprintf(buf, sizeof buf, "mxcsr: host 0x%x kiln 0x%x", h.out.mxcsr, k.out.mxcsr);
    return buf;
  }
  // At a host signal the x87 state comes from the kernel's signal frame, where an AMD host's FDP
  // is not that of the last instruction (0 seen): FOP and FDP are then not compared.
  OracleX87 kiln_x87 = k.out.x87;
  if (h.signal != 0) {
    kiln_x87.fop = h.out.x87.fop;
    kiln_x87.fdp = h.out.x87.fdp;
  }
  if (std::string x87 = X87Difference(h.out.x87, kiln_x87, x87_ulps); !x87.empty()) return x87;
  for (size_t i = 0; i < kOracleDataSize; ++i) {
    if (h.out.data[i] != k.out.data[i]) {
      size_t last = i;
      for (size_t j = i; j < kOracleDataSize; ++j)
        if (h.out.data[j] != k.out.data[j]) last = j;
      std::snprintf(buf, sizeof buf, "memory differs at data+0x%zx..0x%zx: host %02x kiln %02x", i, last,
                    h.out.data[i], k.out.data[i]);
      return buf;
    }
  }
  return "";
}

const char* GroupOf(const DecodedInsn& insn) {
  if (const char* group = AvxGroupOf(insn)) return group;
  if (const char* group = SseExtensionGroupOf(insn)) return group;
  const std::string_view name = frontend::MnemonicName(insn.mnemonic);
  // MOVSD and CMPSD are string instructions in the one-byte map, SSE2 ones in 0F.
  if (insn.map == frontend::OpcodeMap::kPrimary && (name == "movsd" || name == "cmpsd")) return "string";
  auto is = [&](std::initializer_list<std::string_view> names) {
    for (std::string_view n : names)
      if (name == n) return true;
    return false;
  };
  auto starts = [&](std::string_view prefix) { return name.substr(0, prefix.size()) == prefix; };
  if (is({"fsin", "fcos", "fsincos", "fptan", "fpatan", "f2xm1", "fyl2x", "fyl2xp1"})) return "x87 transcendental";
  if (starts("xsave") || starts("xrstor")) return "xsave/xrstor";
  if (starts("f")) return "x87";
  if (is({"add", "or", "adc", "sbb", "and", "sub", "xor", "cmp", "test", "inc", "dec", "neg", "not"})) return "alu";
  if (is({"rol", "ror", "rcl", "rcr", "shl", "shr", "sar", "shld", "shrd"})) return "shift/rotate";
  if (is({"mul", "imul", "div", "idiv"})) return "mul/div";
  if (is({"bt", "bts", "btr", "btc", "bsf", "bsr", "popcnt", "lzcnt", "tzcnt", "bswap"})) return "bit";
  if (is({"andn", "bextr", "blsi", "blsmsk", "blsr", "bzhi", "pdep", "pext", "mulx", "rorx", "sarx", "shlx", "shrx",
          "adcx", "adox", "crc32"})) return "bmi/adx/crc32";
  if (is({"push", "pop"})) return "stack";
  if (is({"clc", "stc", "cmc", "lahf", "sahf"})) return "flags";
  if (starts("set") || starts("cmov")) return "setcc/cmovcc";
  if (starts("p") || starts("movdq") || starts("movap") || starts("movup") || starts("movnt") || starts("movh") ||
      starts("movl") || name == "movd" || name == "movq" || name == "lddqu" || starts("xorp") || starts("orp") ||
      starts("andp") || starts("andnp") || starts("unpck") || starts("shufp") || starts("movmskp"))
    return "sse2 int/logic/move";
  if (starts("cvt") || is({"stmxcsr", "movss", "movsd", "cmpsd", "comiss", "comisd", "ucomiss", "ucomisd"}) ||
      name.ends_with("ps") || name.ends_with("pd") || name.ends_with("ss") || name.ends_with("sd"))
    return "sse fp";
  if (starts("j") || starts("loop")) return "jcc/loop/jrcxz";
  if (starts("movs") && name != "movsx" && name != "movsxd") return "string";
  if (starts("stos") || starts("lods") || starts("cmps") || starts("scas")) return "string";
  return "move/convert";
}

void CountGroups(const std::vector<uint8_t>& code, std::map<std::string, long>& counts) {
  size_t pos = 0;
  while (pos < code.size()) {
    DecodedInsn insn;
    frontend::Decode(std::span<const uint8_t>(code).subspan(pos), frontend::CpuMode::k64, insn);
    ++counts[GroupOf(insn)];
    pos += insn.length ? insn.length : 1;
  }
}

std::string StartState(const OracleCase& c) {
  static const char* const kNames[16] = {"rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
                                         "r8",  "r9",  "r10", "r11", "r12", "r13", "r14", "r15"};
  std::string out = "  from";
  char buf[48];
  for (int r = 0; r < 16; ++r) {
    std::snprintf(buf, sizeof buf, " %s=0x%llx", kNames[r], static_cast<unsigned long long>(c.in.gpr[r]));
    out += buf;
  }
  std::snprintf(buf, sizeof buf, " rflags=0x%llx mxcsr=0x%x\n", static_cast<unsigned long long>(c.in.rflags), c.in.mxcsr);
  out += buf;
  for (int x = 0; x < 16; ++x) {
    std::snprintf(buf, sizeof buf, "%sxmm%d=", x % 4 ? " " : "  ", x);
    out += buf;
    for (int b = 15; b >= 0; --b) {
      std::snprintf(buf, sizeof buf, "%02x", c.in.xmm[x][b]);
      out += buf;
    }
    if (x % 4 == 3) out += "\n";
  }
  const OracleX87& x = c.in.x87;
  if (x.fcw == 0x037F && x.fsw == 0 && x.ftw == 0) return out;
  std::snprintf(buf, sizeof buf, "  x87 fcw=%04x fsw=%04x ftw=%02x", x.fcw, x.fsw, x.ftw);
  out += buf;
  for (int i = 0; i < 8; ++i) {
    uint64_t sig;
    uint16_t se;
    std::memcpy(&sig, x.st[i], 8);
    std::memcpy(&se, x.st[i] + 8, 2);
    std::snprintf(buf, sizeof buf, " st%d=%04x:%016llx", i, se, static_cast<unsigned long long>(sig));
    out += buf;
  }
  return out + "\n";
}

std::string Listing(const std::vector<uint8_t>& code, OracleMode mode) {
  std::string out;
  size_t pos = 0;
  while (pos < code.size()) {
    DecodedInsn insn;
    frontend::Decode(std::span<const uint8_t>(code).subspan(pos), CpuModeOf(mode), insn);
    out += "    " + frontend::FormatInsn(insn, kOracleCodeBase + pos) + "\n";
    pos += insn.length ? insn.length : 1;
  }
  return out;
}

}  // namespace kiln::test
