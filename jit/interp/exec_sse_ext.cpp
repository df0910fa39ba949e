// Interpreter handlers for the XMM integer and data-movement instructions beyond exec_sse.cpp:
// the rest of SSE2 (saturating arithmetic, PMADDWD, PSADBW, PINSRW/PEXTRW, MASKMOVDQU), SSE3's
// MOVSLDUP/MOVSHDUP/MOVDDUP, SSSE3, and SSE4.1's integer, blend, insert/extract, PTEST, MPSADBW
// and PHMINPOSUW. The lane semantics are jit/semantics/vector_int.h (shared with MMX and, later,
// AVX). Legacy SSE writes leave bits 128 and up of the register unchanged (SDM Vol.1 14.8); a
// 16-byte memory operand must be 16-byte aligned (#GP(0)), narrower ones need not be.
#include <cstring>

#include "jit/interp/exec.h"
#include "jit/interp/vector_access.h"
#include "jit/interp/vector_int_ops.h"
#include "jit/semantics/flags.h"
#include "jit/semantics/vector_int.h"

namespace kiln::jit::interp {
namespace {

using frontend::Mnemonic;
namespace v = sem::vec;

bool IsXmm(const Operand& op) { return op.kind == OperandKind::kReg && op.reg.cls == RegClass::kXmm; }
unsigned Imm(const Exec& e, int n) { return static_cast<unsigned>(e.insn.operands[n].value) & 0xFF; }

/// Operand n as a source: an XMM register, or memory of its size (16 bytes aligned).
bool Source(Exec& e, int n, Vec& v, Step& step) {
  const Operand& op = e.insn.operands[n];
  return ReadVec(e, n, v, step, /*aligned=*/op.kind == OperandKind::kMem && op.size == 16);
}

/// dest = fn(dest, src) for an XMM destination.
template <class Fn>
Step Binary(Exec& e, Fn fn) {
  Step step = Step::kNext;
  Vec a, b;
  if (!ReadVec(e, 0, a, step) || !Source(e, 1, b, step)) return step;
  const Vec r = fn(a, b);
  std::memcpy(Xmm(e, e.insn.operands[0]), r.data(), 16);
  return e.Next();
}

// PEXTRB/W/D/Q and EXTRACTPS: element imm of the XMM source to a GPR (zero-extended) or memory.
Step Extract(Exec& e, unsigned width) {
  const uint8_t* x = Xmm(e, e.insn.operands[1]);
  const unsigned imm = Imm(e, 2);
  uint64_t value = 0;
  std::memcpy(&value, x + width * (imm & (16 / width - 1)), width);
  Step step = Step::kNext;
  if (!e.Write(0, value, step)) return step;
  return e.Next();
}

// PINSRB/W/D/Q: the low `width` bytes of a GPR or memory into element imm.
Step Insert(Exec& e, unsigned width) {
  Step step = Step::kNext;
  uint64_t value;
  if (!e.Read(1, value, step)) return step;
  std::memcpy(Xmm(e, e.insn.operands[0]) + width * (Imm(e, 2) & (16 / width - 1)), &value, width);
  return e.Next();
}

// INSERTPS: a dword (source element imm[7:6], or m32) into element imm[5:4], then the elements
// of imm[3:0] zeroed.
Step InsertFloat(Exec& e) {
  Step step = Step::kNext;
  Vec b;
  if (!ReadVec(e, 1, b, step)) return step;
  const unsigned imm = Imm(e, 2);
  const unsigned from = IsXmm(e.insn.operands[1]) ? (imm >> 6) & 3 : 0;
  uint8_t* x = Xmm(e, e.insn.operands[0]);
  std::memcpy(x + 4 * ((imm >> 4) & 3), b.data() + 4 * from, 4);
  for (unsigned i = 0; i < 4; ++i)
    if ((imm >> i) & 1) std::memset(x + 4 * i, 0, 4);
  return e.Next();
}

// PTEST: ZF = (a AND b) == 0, CF = (NOT a AND b) == 0; AF, OF, PF, SF cleared.
Step Test(Exec& e) {
  Step step = Step::kNext;
  Vec a, b;
  if (!ReadVec(e, 0, a, step) || !Source(e, 1, b, step)) return step;
  bool zero = true, carry = true;
  for (unsigned i = 0; i < 16; ++i) {
    if (a[i] & b[i]) zero = false;
    if (~a[i] & b[i]) carry = false;
  }
  sem::UpdateFlags(e.s.flags, machine::rflags::kArith,
                   (zero ? machine::rflags::kZf : 0) | (carry ? machine::rflags::kCf : 0));
  return e.Next();
}

// MOVSLDUP / MOVSHDUP (the even or odd dwords duplicated) and MOVDDUP (the low quadword, from
// m64 unaligned).
Step Duplicate(Exec& e, Mnemonic m) {
  Step step = Step::kNext;
  Vec b;
  if (!Source(e, 1, b, step)) return step;
  Vec r;
  if (m == Mnemonic::MOVDDUP) {
    std::memcpy(r.data(), b.data(), 8);
    std::memcpy(r.data() + 8, b.data(), 8);
  } else {
    const unsigned odd = m == Mnemonic::MOVSHDUP ? 1 : 0;
    for (unsigned i = 0; i < 4; ++i) std::memcpy(r.data() + 4 * i, b.data() + 4 * ((i & ~1u) + odd), 4);
  }
  std::memcpy(Xmm(e, e.insn.operands[0]), r.data(), 16);
  return e.Next();
}

// MASKMOVDQU: the bytes of the first operand whose mask byte (second operand) has its top bit
// set, stored at DS:rDI (the address size's DI), one byte at a time.
Step MaskedStore(Exec& e) {
  const uint8_t* data = Xmm(e, e.insn.operands[0]);
  const uint8_t* mask = Xmm(e, e.insn.operands[1]);
  Step step = Step::kNext;
  if (!MaskedStoreAtDi(e, data, mask, 16, step)) return step;
  return e.Next();
}

template <class From, class To>
Step Extend(Exec& e) {
  return Binary(e, [](const Vec&, const Vec& b) { return v::Extend<From, To, 16>(b); });
}

}  // namespace

bool ExecuteSseExtension(Exec& e, Step& step) {
  using M = Mnemonic;
  if (e.insn.encoding != frontend::Encoding::kLegacy || e.insn.operand_count == 0) return false;
  const Operand& dst = e.insn.operands[0];
  // MMX forms (MM registers) are exec_mmx.cpp's.
  for (int i = 0; i < e.insn.operand_count; ++i)
    if (e.insn.operands[i].kind == OperandKind::kReg && e.insn.operands[i].reg.cls == RegClass::kMmx) return false;
  const M m = e.insn.mnemonic;
  switch (m) {
    case M::PALIGNR: {
      const unsigned imm = Imm(e, 2);
      step = Binary(e, [imm](const Vec& a, const Vec& b) { return v::AlignRight<16>(a, b, imm); });
      return true;
    }
    case M::PBLENDW: {
      const unsigned imm = Imm(e, 2);
      step = Binary(e, [imm](const Vec& a, const Vec& b) { return v::BlendImmediate<uint16_t, 16>(a, b, imm); });
      return true;
    }
    case M::BLENDPS: {
      const unsigned imm = Imm(e, 2);
      step = Binary(e, [imm](const Vec& a, const Vec& b) { return v::BlendImmediate<uint32_t, 16>(a, b, imm & 0xF); });
      return true;
    }
    case M::BLENDPD: {
      const unsigned imm = Imm(e, 2);
      step = Binary(e, [imm](const Vec& a, const Vec& b) { return v::BlendImmediate<uint64_t, 16>(a, b, imm & 3); });
      return true;
    }
    case M::PBLENDVB:
    case M::BLENDVPS:
    case M::BLENDVPD: {
      Vec mask;
      std::memcpy(mask.data(), e.s.zmm[0], 16);  // the implicit XMM0
      step = Binary(e, [m, mask](const Vec& a, const Vec& b) {
        return m == M::PBLENDVB ? v::BlendVariable<uint8_t, 16>(a, b, mask)
               : m == M::BLENDVPS ? v::BlendVariable<uint32_t, 16>(a, b, mask)
                                  : v::BlendVariable<uint64_t, 16>(a, b, mask);
      });
      return true;
    }
    case M::MPSADBW: {
      const unsigned imm = Imm(e, 2);
      step = Binary(e, [imm](const Vec& a, const Vec& b) { return v::MultipleSumAbsoluteDifferences(a, b, imm); });
      return true;
    }
    case M::PHMINPOSUW: step = Binary(e, [](const Vec&, const Vec& b) { return v::MinimumPosition(b); }); return true;
    case M::PMOVSXBW: step = Extend<int8_t, int16_t>(e); return true;
    case M::PMOVSXBD: step = Extend<int8_t, int32_t>(e); return true;
    case M::PMOVSXBQ: step = Extend<int8_t, int64_t>(e); return true;
    case M::PMOVSXWD: step = Extend<int16_t, int32_t>(e); return true;
    case M::PMOVSXWQ: step = Extend<int16_t, int64_t>(e); return true;
    case M::PMOVSXDQ: step = Extend<int32_t, int64_t>(e); return true;
    case M::PMOVZXBW: step = Extend<uint8_t, uint16_t>(e); return true;
    case M::PMOVZXBD: step = Extend<uint8_t, uint32_t>(e); return true;
    case M::PMOVZXBQ: step = Extend<uint8_t, uint64_t>(e); return true;
    case M::PMOVZXWD: step = Extend<uint16_t, uint32_t>(e); return true;
    case M::PMOVZXWQ: step = Extend<uint16_t, uint64_t>(e); return true;
    case M::PMOVZXDQ: step = Extend<uint32_t, uint64_t>(e); return true;
    case M::PEXTRB: step = Extract(e, 1); return true;
    case M::PEXTRW: step = Extract(e, 2); return true;
    case M::PEXTRD:
    case M::EXTRACTPS: step = Extract(e, 4); return true;
    case M::PEXTRQ: step = Extract(e, 8); return true;
    case M::PINSRB: step = Insert(e, 1); return true;
    case M::PINSRW: step = Insert(e, 2); return true;
    case M::PINSRD: step = Insert(e, 4); return true;
    case M::PINSRQ: step = Insert(e, 8); return true;
    case M::INSERTPS: step = InsertFloat(e); return true;
    case M::PTEST: step = Test(e); return true;
    case M::MOVSLDUP:
    case M::MOVSHDUP:
    case M::MOVDDUP: step = Duplicate(e, m); return true;
    case M::MASKMOVDQU: step = MaskedStore(e); return true;
    default: break;
  }
  if (!IsXmm(dst) || e.insn.operand_count != 2) return false;
  Vec probe{};
  if (!IntegerBinary<16>(m, probe, probe, probe)) return false;
  step = Binary(e, [m](const Vec& a, const Vec& b) {
    Vec r{};
    IntegerBinary<16>(m, a, b, r);
    return r;
  });
  return true;
}

}  // namespace kiln::jit::interp
