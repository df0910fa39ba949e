// Interpreter handlers for SSE/SSE2 floating point in single and double precision: arithmetic,
// square root, min/max, compares, COMIS/UCOMIS, conversions, scalar moves and MXCSR. The lane
// semantics are jit/semantics/sse_fp.h; this file walks the lanes, merges the flags into MXCSR
// and raises #XM for an unmasked exception (SDM Vol.1 11.5.1: the destination is not written,
// the flags are).
#include <bit>

#include "jit/interp/exec.h"
#include "jit/interp/sse_fp_common.h"
#include "jit/interp/vector_access.h"
#include "jit/semantics/flags.h"
#include "jit/semantics/sse_fp.h"

namespace kiln::jit::interp {
namespace {

using frontend::Mnemonic;
namespace fp = sem::fp;
namespace mx = sem::fp::mxcsr;

/// dest = fn(dest lane, src lane) for every lane (packed, src 16 aligned bytes) or lane 0
/// (scalar; the other lanes of dest are kept).
template <class T, class Fn>
Step LaneWise(Exec& e, bool scalar, Fn fn) {
  Step step = Step::kNext;
  Vec a, b;
  if (!ReadVec(e, 0, a, step) || !ReadVec(e, 1, b, step, /*aligned=*/!scalar)) return step;
  const unsigned lanes = scalar ? 1 : 16 / sizeof(T);
  uint32_t flags = 0;
  Vec r = a;
  for (unsigned i = 0; i < lanes; ++i) {
    const fp::Result<T> x = fn(Lane<T>(a, i), Lane<T>(b, i));
    flags |= x.flags;
    SetLane<T>(r, i, x.value);
  }
  if (!CommitFlags(e, flags, step)) return step;
  WriteVec(e, 0, r, step);
  return e.Next();
}

template <class T>
Step Arith(Exec& e, fp::ArithOp op, bool scalar) {
  const uint32_t csr = e.s.mxcsr;
  return LaneWise<T>(e, scalar, [op, csr](fp::Bits<T> a, fp::Bits<T> b) { return fp::Arith<T>(op, a, b, csr); });
}

template <class T>
Step MinMax(Exec& e, bool max, bool scalar) {
  const uint32_t csr = e.s.mxcsr;
  return LaneWise<T>(e, scalar, [max, csr](fp::Bits<T> a, fp::Bits<T> b) { return fp::MinMax<T>(max, a, b, csr); });
}

template <class T>
Step Compare(Exec& e, bool scalar) {
  const uint32_t csr = e.s.mxcsr;
  const auto predicate = static_cast<unsigned>(e.insn.operands[2].value) & 7;
  return LaneWise<T>(e, scalar,
                     [predicate, csr](fp::Bits<T> a, fp::Bits<T> b) { return fp::Compare<T>(predicate, a, b, csr); });
}

/// COMISS/UCOMISS/COMISD/UCOMISD: ZF, PF, CF from the compare; OF, SF, AF cleared.
template <class T>
Step OrderedCompare(Exec& e, bool signaling) {
  Step step = Step::kNext;
  Vec a, b;
  if (!ReadVec(e, 0, a, step) || !ReadVec(e, 1, b, step)) return step;
  const fp::Result<T> r = fp::OrderedCompare<T>(signaling, Lane<T>(a, 0), Lane<T>(b, 0), e.s.mxcsr);
  if (!CommitFlags(e, r.flags, step)) return step;
  sem::UpdateFlags(e.s.flags, machine::rflags::kArith, static_cast<uint64_t>(r.value));
  return e.Next();
}

/// CVTSS2SD, CVTSD2SS (lane 0; the other lanes of dest kept) and CVTPS2PD, CVTPD2PS (packed:
/// PS2PD widens the low two singles, PD2PS narrows into the low half and zeroes the high).
template <class From, class To>
Step ConvertFloat(Exec& e, bool scalar) {
  Step step = Step::kNext;
  Vec a, b;
  // CVTPS2PD reads 8 bytes from memory (no alignment); CVTPD2PS 16 aligned bytes.
  const bool aligned = !scalar && sizeof(From) == 8;
  if (!ReadVec(e, 0, a, step) || !ReadVec(e, 1, b, step, aligned)) return step;
  const unsigned lanes = scalar ? 1 : 2;
  Vec r = scalar ? a : Vec{};
  uint32_t flags = 0;
  for (unsigned i = 0; i < lanes; ++i) {
    const fp::Result<To> x = fp::Convert<From, To>(Lane<From>(b, i), e.s.mxcsr);
    flags |= x.flags;
    SetLane<To>(r, i, x.value);
  }
  if (!CommitFlags(e, flags, step)) return step;
  WriteVec(e, 0, r, step);
  return e.Next();
}

/// CVT(T)SS2SI / CVT(T)SD2SI: lane 0 to a 32- or 64-bit GPR.
template <class T>
Step ToInteger(Exec& e, bool truncate) {
  Step step = Step::kNext;
  Vec b;
  if (!ReadVec(e, 1, b, step)) return step;
  const unsigned bits = e.insn.operands[0].size * 8;
  uint64_t out = 0;
  const fp::Result<T> r = fp::ToInteger<T>(Lane<T>(b, 0), bits, truncate, e.s.mxcsr, out);
  if (!CommitFlags(e, r.flags, step)) return step;
  e.WriteReg(e.insn.operands[0].reg, out);
  return e.Next();
}

/// CVTSI2SS / CVTSI2SD: a 32- or 64-bit integer into lane 0.
template <class T>
Step FromInteger(Exec& e) {
  Step step = Step::kNext;
  Vec a;
  uint64_t v;
  if (!ReadVec(e, 0, a, step) || !e.Read(1, v, step)) return step;
  const unsigned bits = e.insn.operands[1].size * 8;
  const int64_t x = bits == 64 ? static_cast<int64_t>(v) : static_cast<int32_t>(static_cast<uint32_t>(v));
  const fp::Result<T> r = fp::FromInteger<T>(x, e.s.mxcsr);
  if (!CommitFlags(e, r.flags, step)) return step;
  SetLane<T>(a, 0, r.value);
  WriteVec(e, 0, a, step);
  return e.Next();
}

/// CVTPS2DQ / CVTTPS2DQ (four singles) and CVTPD2DQ / CVTTPD2DQ (two doubles into the low half,
/// the high half zeroed): to 32-bit integers.
template <class T>
Step PackedToInteger(Exec& e, bool truncate) {
  Step step = Step::kNext;
  Vec b;
  if (!ReadVec(e, 1, b, step, /*aligned=*/true)) return step;
  Vec r{};
  uint32_t flags = 0;
  for (unsigned i = 0; i < 16 / sizeof(T); ++i) {
    uint64_t out = 0;
    flags |= fp::ToInteger<T>(Lane<T>(b, i), 32, truncate, e.s.mxcsr, out).flags;
    const auto v = static_cast<uint32_t>(out);
    std::memcpy(r.data() + 4 * i, &v, 4);
  }
  if (!CommitFlags(e, flags, step)) return step;
  WriteVec(e, 0, r, step);
  return e.Next();
}

/// CVTDQ2PS (four integers, rounded) and CVTDQ2PD (the low two, exact; 8 bytes from memory).
template <class T>
Step PackedFromInteger(Exec& e) {
  Step step = Step::kNext;
  Vec b;
  if (!ReadVec(e, 1, b, step, /*aligned=*/sizeof(T) == 4)) return step;
  Vec r{};
  uint32_t flags = 0;
  for (unsigned i = 0; i < 16 / sizeof(T); ++i) {
    int32_t v;
    std::memcpy(&v, b.data() + 4 * i, 4);
    const fp::Result<T> x = fp::FromInteger<T>(v, e.s.mxcsr);
    flags |= x.flags;
    SetLane<T>(r, i, x.value);
  }
  if (!CommitFlags(e, flags, step)) return step;
  WriteVec(e, 0, r, step);
  return e.Next();
}

/// MOVSS/MOVSD (XMM forms): register to register moves lane 0 only; a load zeroes the rest of
/// the register; a store writes lane 0.
Step MoveScalarFloat(Exec& e, unsigned size) {
  Step step = Step::kNext;
  const Operand& dst = e.insn.operands[0];
  const Operand& src = e.insn.operands[1];
  Vec v;
  if (!ReadVec(e, 1, v, step)) return step;
  if (dst.kind == OperandKind::kReg && src.kind == OperandKind::kReg) {
    uint8_t* x = Xmm(e, dst);
    std::memcpy(x, v.data(), size);
    return e.Next();
  }
  if (!WriteVec(e, 0, v, step)) return step;  // memory source: v is zero-extended; memory destination: `size` bytes
  return e.Next();
}

Step LoadMxcsr(Exec& e) {
  Step step = Step::kNext;
  uint64_t v;
  if (!e.Read(0, v, step)) return step;
  if (v & ~uint64_t{mx::kWritable}) return e.RaiseWithCode(vec::kGp, 0);  // reserved bits (SDM Vol.2 LDMXCSR)
  e.s.mxcsr = static_cast<uint32_t>(v);
  return e.Next();
}

}  // namespace

bool ExecuteSseFloat(Exec& e, Step& step) {
  using M = Mnemonic;
  using Op = fp::ArithOp;
  if (e.insn.encoding != frontend::Encoding::kLegacy) return false;
  switch (e.insn.mnemonic) {
    case M::ADDPS: step = Arith<float>(e, Op::kAdd, false); return true;
    case M::ADDSS: step = Arith<float>(e, Op::kAdd, true); return true;
    case M::ADDPD: step = Arith<double>(e, Op::kAdd, false); return true;
    case M::ADDSD: step = Arith<double>(e, Op::kAdd, true); return true;
    case M::SUBPS: step = Arith<float>(e, Op::kSub, false); return true;
    case M::SUBSS: step = Arith<float>(e, Op::kSub, true); return true;
    case M::SUBPD: step = Arith<double>(e, Op::kSub, false); return true;
    case M::SUBSD: step = Arith<double>(e, Op::kSub, true); return true;
    case M::MULPS: step = Arith<float>(e, Op::kMul, false); return true;
    case M::MULSS: step = Arith<float>(e, Op::kMul, true); return true;
    case M::MULPD: step = Arith<double>(e, Op::kMul, false); return true;
    case M::MULSD: step = Arith<double>(e, Op::kMul, true); return true;
    case M::DIVPS: step = Arith<float>(e, Op::kDiv, false); return true;
    case M::DIVSS: step = Arith<float>(e, Op::kDiv, true); return true;
    case M::DIVPD: step = Arith<double>(e, Op::kDiv, false); return true;
    case M::DIVSD: step = Arith<double>(e, Op::kDiv, true); return true;
    case M::SQRTPS: step = Arith<float>(e, Op::kSqrt, false); return true;
    case M::SQRTSS: step = Arith<float>(e, Op::kSqrt, true); return true;
    case M::SQRTPD: step = Arith<double>(e, Op::kSqrt, false); return true;
    case M::SQRTSD: step = Arith<double>(e, Op::kSqrt, true); return true;
    case M::MINPS: step = MinMax<float>(e, false, false); return true;
    case M::MINSS: step = MinMax<float>(e, false, true); return true;
    case M::MINPD: step = MinMax<double>(e, false, false); return true;
    case M::MINSD: step = MinMax<double>(e, false, true); return true;
    case M::MAXPS: step = MinMax<float>(e, true, false); return true;
    case M::MAXSS: step = MinMax<float>(e, true, true); return true;
    case M::MAXPD: step = MinMax<double>(e, true, false); return true;
    case M::MAXSD: step = MinMax<double>(e, true, true); return true;
    case M::CMPPS: step = Compare<float>(e, false); return true;
    case M::CMPSS: step = Compare<float>(e, true); return true;
    case M::CMPPD: step = Compare<double>(e, false); return true;
    case M::COMISS: step = OrderedCompare<float>(e, true); return true;
    case M::UCOMISS: step = OrderedCompare<float>(e, false); return true;
    case M::COMISD: step = OrderedCompare<double>(e, true); return true;
    case M::UCOMISD: step = OrderedCompare<double>(e, false); return true;
    case M::CVTSS2SD: step = ConvertFloat<float, double>(e, true); return true;
    case M::CVTSD2SS: step = ConvertFloat<double, float>(e, true); return true;
    case M::CVTPS2PD: step = ConvertFloat<float, double>(e, false); return true;
    case M::CVTPD2PS: step = ConvertFloat<double, float>(e, false); return true;
    case M::CVTSS2SI: step = ToInteger<float>(e, false); return true;
    case M::CVTTSS2SI: step = ToInteger<float>(e, true); return true;
    case M::CVTSD2SI: step = ToInteger<double>(e, false); return true;
    case M::CVTTSD2SI: step = ToInteger<double>(e, true); return true;
    case M::CVTSI2SS: step = FromInteger<float>(e); return true;
    case M::CVTSI2SD: step = FromInteger<double>(e); return true;
    case M::CVTPS2DQ: step = PackedToInteger<float>(e, false); return true;
    case M::CVTTPS2DQ: step = PackedToInteger<float>(e, true); return true;
    case M::CVTPD2DQ: step = PackedToInteger<double>(e, false); return true;
    case M::CVTTPD2DQ: step = PackedToInteger<double>(e, true); return true;
    case M::CVTDQ2PS: step = PackedFromInteger<float>(e); return true;
    case M::CVTDQ2PD: step = PackedFromInteger<double>(e); return true;
    case M::MOVSS: step = MoveScalarFloat(e, 4); return true;
    case M::LDMXCSR: step = LoadMxcsr(e); return true;
    case M::STMXCSR: step = Step::kNext; if (e.Write(0, e.s.mxcsr, step)) step = e.Next(); return true;
    default: break;
  }
  // CMPSD and MOVSD are also string instructions (one-byte map): the SSE2 forms are in 0F.
  if (e.insn.map == frontend::OpcodeMap::k0F && e.insn.mnemonic == M::CMPSD) {
    step = Compare<double>(e, true);
    return true;
  }
  if (e.insn.map == frontend::OpcodeMap::k0F && e.insn.mnemonic == M::MOVSD) {
    step = MoveScalarFloat(e, 8);
    return true;
  }
  return false;
}

}  // namespace kiln::jit::interp
