// Specialised Uop handlers for the SSE floating-point arithmetic that numeric loops are made of:
// ADD, SUB, MUL, DIV in their PS, PD, SS and SD forms, register or memory source, and the scalar
// moves MOVSS/MOVSD between them. The lane
// semantics are the same jit/semantics/sse_fp.h functions as the generic handlers of
// exec_sse_fp.cpp (the fast round-to-nearest path first, the complete one otherwise); what is
// saved is the per-instruction work of the generic path: the mnemonic switch, operand decoding
// and copies through Vec.
#include <cstring>

#include "jit/interp/exec.h"
#include "jit/interp/sse_access.h"
#include "jit/interp/uop_operands.h"
#include "jit/interp/sse_fp_common.h"
#include "jit/semantics/sse_fp.h"

namespace kiln::jit::interp {
namespace {

namespace fp = sem::fp;
using frontend::Mnemonic;

/// dest = dest op src, lane-wise: all 16 bytes (packed) or the low lane (scalar, the others
/// kept). kMem: the source is memory (16 aligned bytes packed, #GP(0) otherwise; one element
/// scalar, any alignment). An unmasked exception raises #XM and writes nothing.
template <class T, fp::ArithOp Op, bool kScalar, bool kMem>
Step SseArith(Exec& e, const Uop& u) {
  using B = fp::Bits<T>;
  constexpr unsigned kLanes = kScalar ? 1 : 16 / sizeof(T);
  CpuState& s = e.s;
  if (SseUnavailable(s)) [[unlikely]] return RaiseSseUnavailable(e);
  B src[kLanes], dst[kLanes];
  if constexpr (kMem) {
    const uint64_t addr = Address(s, u);
    if (!kScalar && (addr & 15)) return e.RaiseWithCode(vec::kGp, 0);
    Step step = Step::kNext;
    if (!ReadMemory<sizeof src>(e, u, addr, src, step)) return step;
  } else {
    std::memcpy(src, s.zmm[u.r1], sizeof src);
  }
  std::memcpy(dst, s.zmm[u.r0], sizeof dst);
  const uint32_t csr = s.mxcsr;
  const bool nearest = (csr & (3u << fp::mxcsr::kRoundingShift)) == 0;
  uint32_t flags = 0;
  for (unsigned i = 0; i < kLanes; ++i) {
    fp::Result<T> r;
    if (!nearest || !fp::ArithNearestFast<T>(Op, dst[i], src[i], r)) r = fp::Arith<T>(Op, dst[i], src[i], csr);
    flags |= r.flags;
    dst[i] = r.value;
  }
  if (flags) {
    Step step = Step::kNext;
    if (!CommitFlags(e, flags, step)) return step;
  }
  std::memcpy(s.zmm[u.r0], dst, sizeof dst);
  KILN_MUSTTAIL return Continue(e, u);
}

/// MOVSS/MOVSD (legacy SSE): register to register moves the low element only; a load zeroes
/// the rest of bits 0-127; a store writes the element. Bits 128 and up are left alone.
template <unsigned N, Form F>
Step ScalarMove(Exec& e, const Uop& u) {
  CpuState& s = e.s;
  if (SseUnavailable(s)) [[unlikely]] return RaiseSseUnavailable(e);
  if constexpr (F == Form::kRR) {
    std::memcpy(s.zmm[u.r0], s.zmm[u.r1], N);
  } else {
    Step step = Step::kNext;
    uint8_t bytes[N];
    if constexpr (F == Form::kRM) {
      if (!ReadMemory<N>(e, u, Address(s, u), bytes, step)) return step;
      std::memcpy(s.zmm[u.r0], bytes, N);
      std::memset(s.zmm[u.r0] + N, 0, 16 - N);
    } else {
      std::memcpy(bytes, s.zmm[u.r1], N);
      if (!WriteMemory<N>(e, u, Address(s, u), bytes, step)) return step;
    }
  }
  KILN_MUSTTAIL return Continue(e, u);
}

template <unsigned N>
Handler SelectScalarMove(const DecodedInsn& insn, uint64_t next_rip, Uop& u) {
  const Operand& d = insn.operands[0];
  const Operand& src = insn.operands[1];
  const auto xmm = [](const Operand& op) { return op.kind == OperandKind::kReg && op.reg.cls == RegClass::kXmm; };
  if (xmm(d) && xmm(src)) {
    u.r0 = d.reg.index & 15;
    u.r1 = src.reg.index & 15;
    return &ScalarMove<N, Form::kRR>;
  }
  if (xmm(d) && src.kind == OperandKind::kMem && ResolveMemory(insn, src, next_rip, u)) {
    u.r0 = d.reg.index & 15;
    return &ScalarMove<N, Form::kRM>;
  }
  if (d.kind == OperandKind::kMem && xmm(src) && ResolveMemory(insn, d, next_rip, u)) {
    u.r1 = src.reg.index & 15;
    return &ScalarMove<N, Form::kMR>;
  }
  return nullptr;
}

template <class T, fp::ArithOp Op, bool kScalar>
Handler Pick(bool mem) {
  return mem ? &SseArith<T, Op, kScalar, true> : &SseArith<T, Op, kScalar, false>;
}

template <fp::ArithOp Op>
Handler PickType(Mnemonic m, Mnemonic ps, Mnemonic pd, Mnemonic ss, bool mem) {
  if (m == ps) return Pick<float, Op, false>(mem);
  if (m == pd) return Pick<double, Op, false>(mem);
  if (m == ss) return Pick<float, Op, true>(mem);
  return Pick<double, Op, true>(mem);
}

}  // namespace

Handler SelectSseFloat(const DecodedInsn& insn, uint64_t next_rip, Uop& u) {
  using M = Mnemonic;
  using Op = fp::ArithOp;
  // Legacy SSE only: the VEX forms have a third operand and zero the upper bits (AVX).
  if (insn.operand_count != 2 || insn.encoding != frontend::Encoding::kLegacy) return nullptr;
  if (insn.mnemonic == M::MOVSS) return SelectScalarMove<4>(insn, next_rip, u);
  // MOVSD is also the string instruction (one-byte map A5 with F3/none): only the 0F 10/11 form.
  if (insn.mnemonic == M::MOVSD) return insn.map == frontend::OpcodeMap::k0F ? SelectScalarMove<8>(insn, next_rip, u) : nullptr;
  const Operand& d = insn.operands[0];
  const Operand& src = insn.operands[1];
  if (d.kind != OperandKind::kReg || d.reg.cls != RegClass::kXmm) return nullptr;
  const bool mem = src.kind == OperandKind::kMem;
  if (mem ? !ResolveMemory(insn, src, next_rip, u) : src.kind != OperandKind::kReg || src.reg.cls != RegClass::kXmm)
    return nullptr;
  u.r0 = d.reg.index & 15;
  if (!mem) u.r1 = src.reg.index & 15;
  switch (insn.mnemonic) {
    case M::ADDPS: case M::ADDPD: case M::ADDSS: case M::ADDSD:
      return PickType<Op::kAdd>(insn.mnemonic, M::ADDPS, M::ADDPD, M::ADDSS, mem);
    case M::SUBPS: case M::SUBPD: case M::SUBSS: case M::SUBSD:
      return PickType<Op::kSub>(insn.mnemonic, M::SUBPS, M::SUBPD, M::SUBSS, mem);
    case M::MULPS: case M::MULPD: case M::MULSS: case M::MULSD:
      return PickType<Op::kMul>(insn.mnemonic, M::MULPS, M::MULPD, M::MULSS, mem);
    case M::DIVPS: case M::DIVPD: case M::DIVSS: case M::DIVSD:
      return PickType<Op::kDiv>(insn.mnemonic, M::DIVPS, M::DIVPD, M::DIVSS, mem);
    default:
      return nullptr;
  }
}

}  // namespace kiln::jit::interp
