// Interpreter handlers for the MM-register forms: MMX (arithmetic, compares, packs, unpacks,
// logic, shifts, MOVD/MOVQ, EMMS), the SSE/SSE2 extensions on MM registers (PAVG, PMIN/PMAX,
// PMULHUW, PSADBW, PSHUFW, PEXTRW/PINSRW, PMOVMSKB, MASKMOVQ, MOVNTQ, PMULUDQ/PADDQ/PSUBQ,
// MOVQ2DQ/MOVDQ2Q, CVTPI2PS/CVTPS2PI/CVTTPS2PI/CVTPI2PD/CVTPD2PI/CVTTPD2PI) and SSSE3's MM forms.
// The element operations are the XMM ones on an 8-byte block (vector_int_ops.h); the register
// file is the x87 stack's significands (mmx_access.h). MMX memory operands need no alignment.
#include <cstring>

#include "jit/interp/exec.h"
#include "jit/interp/mmx_access.h"
#include "jit/interp/sse_fp_common.h"
#include "jit/interp/vector_access.h"
#include "jit/interp/vector_int_ops.h"
#include "jit/semantics/sse_fp.h"
#include "jit/semantics/vector_int.h"

namespace kiln::jit::interp {
namespace {

using frontend::Mnemonic;
namespace v = sem::vec;
namespace fp = sem::fp;
using Mm = v::Bytes<8>;

bool IsMm(const Operand& op) { return op.kind == OperandKind::kReg && op.reg.cls == RegClass::kMmx; }
unsigned Imm(const Exec& e, int n) { return static_cast<unsigned>(e.insn.operands[n].value) & 0xFF; }

Mm ToBytes(uint64_t x) {
  Mm b;
  std::memcpy(b.data(), &x, 8);
  return b;
}
uint64_t FromBytes(const Mm& b) {
  uint64_t x;
  std::memcpy(&x, b.data(), 8);
  return x;
}

/// Operand n as up to 64 bits: an MM register, an XMM register's low quadword, a GPR, or memory
/// of the operand's size (zero-extended).
bool Read64(Exec& e, int n, uint64_t& value, Step& step) {
  const Operand& op = e.insn.operands[n];
  if (IsMm(op)) {
    value = ReadMm(e.s, op.reg.index);
    return true;
  }
  if (op.kind == OperandKind::kReg && op.reg.cls == RegClass::kXmm) {
    std::memcpy(&value, Xmm(e, op), 8);
    return true;
  }
  return e.Read(n, value, step);
}

/// Writes an MM register, or a GPR or memory of the operand's size.
bool Write64(Exec& e, int n, uint64_t value, Step& step) {
  const Operand& op = e.insn.operands[n];
  if (IsMm(op)) {
    WriteMm(e.s, op.reg.index, value);
    return true;
  }
  return e.Write(n, value, step);
}

Step Done(Exec& e) {
  EnterMmxState(e.s);
  return e.Next();
}

/// dest = fn(dest, src) on MM registers.
template <class Fn>
Step Binary(Exec& e, Fn fn) {
  Step step = Step::kNext;
  uint64_t a, b;
  if (!Read64(e, 0, a, step) || !Read64(e, 1, b, step)) return step;
  WriteMm(e.s, e.insn.operands[0].reg.index, FromBytes(fn(ToBytes(a), ToBytes(b))));
  return Done(e);
}

/// PSLL/PSRL/PSRA by an immediate, or by the 64-bit count in an MM register or m64.
Step Shift(Exec& e, Mnemonic m) {
  using M = Mnemonic;
  Step step = Step::kNext;
  uint64_t count = 0;
  if (e.insn.operands[1].kind == OperandKind::kImm) count = Imm(e, 1);
  else if (!Read64(e, 1, count, step)) return step;
  const unsigned reg = e.insn.operands[0].reg.index;
  const Mm a = ToBytes(ReadMm(e.s, reg));
  Mm r;
  switch (m) {
    case M::PSLLW: r = v::ShiftLeft<uint16_t, 8>(a, count); break;
    case M::PSLLD: r = v::ShiftLeft<uint32_t, 8>(a, count); break;
    case M::PSLLQ: r = v::ShiftLeft<uint64_t, 8>(a, count); break;
    case M::PSRLW: r = v::ShiftRightLogical<uint16_t, 8>(a, count); break;
    case M::PSRLD: r = v::ShiftRightLogical<uint32_t, 8>(a, count); break;
    case M::PSRLQ: r = v::ShiftRightLogical<uint64_t, 8>(a, count); break;
    case M::PSRAW: r = v::ShiftRightArithmetic<uint16_t, 8>(a, count); break;
    default: r = v::ShiftRightArithmetic<uint32_t, 8>(a, count); break;
  }
  WriteMm(e.s, reg, FromBytes(r));
  return Done(e);
}

/// MOVD/MOVQ in every direction (MM from/to a GPR, memory or MM), MOVNTQ, MOVDQ2Q (the low
/// quadword of an XMM register) and MOVQ2DQ (an MM register into an XMM one, zeroing bits
/// 64-127).
Step Move(Exec& e) {
  Step step = Step::kNext;
  uint64_t value;
  if (!Read64(e, 1, value, step)) return step;
  const Operand& dst = e.insn.operands[0];
  if (dst.kind == OperandKind::kReg && dst.reg.cls == RegClass::kXmm) {
    uint8_t* x = Xmm(e, dst);
    std::memcpy(x, &value, 8);
    std::memset(x + 8, 0, 8);
  } else if (!Write64(e, 0, value, step)) {
    return step;
  }
  return Done(e);
}

/// MASKMOVQ: the bytes of the first operand whose mask byte has its top bit set, at DS:rDI.
Step MaskedStore(Exec& e) {
  const Mm data = ToBytes(ReadMm(e.s, e.insn.operands[0].reg.index));
  const Mm mask = ToBytes(ReadMm(e.s, e.insn.operands[1].reg.index));
  Step step = Step::kNext;
  if (!MaskedStoreAtDi(e, data.data(), mask.data(), 8, step)) return step;
  return Done(e);
}

/// CVTPI2PS (two integers into the low half of an XMM register, rounded) and CVTPI2PD (exact,
/// the whole register). A memory source does not touch the x87 state.
template <class T>
Step FromIntegers(Exec& e) {
  Step step = Step::kNext;
  uint64_t src;
  if (!Read64(e, 1, src, step)) return step;
  Vec r;
  std::memcpy(r.data(), Xmm(e, e.insn.operands[0]), 16);
  uint32_t flags = 0;
  for (unsigned i = 0; i < 2; ++i) {
    const fp::Result<T> x = fp::FromInteger<T>(static_cast<int32_t>(static_cast<uint32_t>(src >> (32 * i))), e.s.mxcsr);
    flags |= x.flags;
    SetLane<T>(r, i, x.value);
  }
  // An MM source puts the x87 unit in the MMX state even when the conversion then raises #XM
  // (as the host does).
  if (IsMm(e.insn.operands[1])) EnterMmxState(e.s);
  if (!CommitFlags(e, flags, step)) return step;
  std::memcpy(Xmm(e, e.insn.operands[0]), r.data(), 16);
  return e.Next();
}

/// CVT(T)PS2PI (the low two singles, m64) and CVT(T)PD2PI (two doubles, m128 aligned) to two
/// 32-bit integers in an MM register.
template <class T>
Step ToIntegers(Exec& e, bool truncate) {
  Step step = Step::kNext;
  Vec b;
  if (!ReadVec(e, 1, b, step, /*aligned=*/sizeof(T) == 8)) return step;
  uint64_t out = 0;
  uint32_t flags = 0;
  for (unsigned i = 0; i < 2; ++i) {
    uint64_t x = 0;
    flags |= fp::ToInteger<T>(Lane<T>(b, i), 32, truncate, e.s.mxcsr, x).flags;
    out |= (x & 0xFFFFFFFF) << (32 * i);
  }
  // The x87 unit enters the MMX state even when the conversion then raises #XM (as the host does).
  EnterMmxState(e.s);
  if (!CommitFlags(e, flags, step)) return step;
  WriteMm(e.s, e.insn.operands[0].reg.index, out);
  return Done(e);
}

bool UsesMm(const DecodedInsn& insn) {
  for (int i = 0; i < insn.operand_count; ++i)
    if (IsMm(insn.operands[i])) return true;
  return false;
}

}  // namespace

bool ExecuteMmx(Exec& e, Step& step) {
  using M = Mnemonic;
  if (e.insn.encoding != frontend::Encoding::kLegacy) return false;
  const M m = e.insn.mnemonic;
  if (m == M::EMMS) {
    if (MmxAvailable(e, step)) {
      EmptyMmxState(e.s);
      step = e.Next();
    }
    return true;
  }
  // CVTPI2PS/PD with a memory source have no MM operand and are still these handlers'.
  const bool from_memory = m == M::CVTPI2PS || m == M::CVTPI2PD;
  if (!UsesMm(e.insn) && !from_memory) return false;
  if (!MmxAvailable(e, step)) return true;
  switch (m) {
    case M::MOVD:
    case M::MOVQ:
    case M::MOVNTQ:
    case M::MOVQ2DQ:
    case M::MOVDQ2Q: step = Move(e); return true;
    case M::PSLLW:
    case M::PSLLD:
    case M::PSLLQ:
    case M::PSRLW:
    case M::PSRLD:
    case M::PSRLQ:
    case M::PSRAW:
    case M::PSRAD: step = Shift(e, m); return true;
    case M::PSHUFW: {
      const unsigned imm = Imm(e, 2);
      step = Binary(e, [imm](const Mm&, const Mm& b) { return v::ShuffleFour<uint16_t, 8>(b, imm); });
      return true;
    }
    case M::PALIGNR: {
      const unsigned imm = Imm(e, 2);
      step = Binary(e, [imm](const Mm& a, const Mm& b) { return v::AlignRight<8>(a, b, imm); });
      return true;
    }
    case M::PINSRW: {
      uint64_t value;
      step = Step::kNext;
      if (!e.Read(1, value, step)) return true;
      const unsigned reg = e.insn.operands[0].reg.index, shift = 16 * (Imm(e, 2) & 3);
      const uint64_t old = ReadMm(e.s, reg);
      WriteMm(e.s, reg, (old & ~(uint64_t{0xFFFF} << shift)) | (value & 0xFFFF) << shift);
      step = Done(e);
      return true;
    }
    case M::PEXTRW:
      e.WriteReg(e.insn.operands[0].reg, (ReadMm(e.s, e.insn.operands[1].reg.index) >> (16 * (Imm(e, 2) & 3))) & 0xFFFF);
      step = Done(e);
      return true;
    case M::PMOVMSKB:
      e.WriteReg(e.insn.operands[0].reg, v::MoveMaskBytes<8>(ToBytes(ReadMm(e.s, e.insn.operands[1].reg.index))));
      step = Done(e);
      return true;
    case M::MASKMOVQ: step = MaskedStore(e); return true;
    case M::CVTPI2PS: step = FromIntegers<float>(e); return true;
    case M::CVTPI2PD: step = FromIntegers<double>(e); return true;
    case M::CVTPS2PI: step = ToIntegers<float>(e, false); return true;
    case M::CVTTPS2PI: step = ToIntegers<float>(e, true); return true;
    case M::CVTPD2PI: step = ToIntegers<double>(e, false); return true;
    case M::CVTTPD2PI: step = ToIntegers<double>(e, true); return true;
    default: break;
  }
  if (!IsMm(e.insn.operands[0]) || e.insn.operand_count != 2) return false;
  Mm probe{};
  if (!IntegerBinary<8>(m, probe, probe, probe)) return false;
  step = Binary(e, [m](const Mm& a, const Mm& b) {
    Mm r{};
    IntegerBinary<8>(m, a, b, r);
    return r;
  });
  return true;
}

}  // namespace kiln::jit::interp
