// Interpreter handlers for the SSE3 and SSE4.1 floating-point instructions: ADDSUBPS/PD,
// HADDPS/PD, HSUBPS/PD, ROUNDPS/PD/SS/SD and DPPS/DPPD. Every operation is one lane operation
// of jit/semantics/sse_fp.h (MXCSR rounding, DAZ/FTZ, the NaN rules); the flags of all of them
// are ORed into MXCSR, and an unmasked exception raises #XM without writing the destination.
#include "jit/interp/exec.h"
#include "jit/interp/sse_fp_common.h"
#include "jit/interp/vector_access.h"
#include "jit/semantics/sse_fp.h"

namespace kiln::jit::interp {
namespace {

using frontend::Mnemonic;
namespace fp = sem::fp;
using Op = fp::ArithOp;

/// Reads dest and the source (16 bytes aligned, or a narrower memory operand unaligned).
bool ReadOperands(Exec& e, Vec& a, Vec& b, Step& step) {
  const Operand& src = e.insn.operands[1];
  return ReadVec(e, 0, a, step) && ReadVec(e, 1, b, step, src.kind == OperandKind::kMem && src.size == 16);
}

Step Commit(Exec& e, const Vec& r, uint32_t flags) {
  Step step = Step::kNext;
  if (!CommitFlags(e, flags, step)) return step;
  std::memcpy(Xmm(e, e.insn.operands[0]), r.data(), 16);
  return e.Next();
}

/// ADDSUBPS/PD: even lanes a - b, odd lanes a + b.
template <class T>
Step AddSubtract(Exec& e) {
  Step step = Step::kNext;
  Vec a, b;
  if (!ReadOperands(e, a, b, step)) return step;
  Vec r{};
  uint32_t flags = 0;
  for (unsigned i = 0; i < 16 / sizeof(T); ++i) {
    const fp::Result<T> x = fp::Arith<T>(i & 1 ? Op::kAdd : Op::kSub, Lane<T>(a, i), Lane<T>(b, i), e.s.mxcsr);
    flags |= x.flags;
    SetLane<T>(r, i, x.value);
  }
  return Commit(e, r, flags);
}

/// HADDPS/PD, HSUBPS/PD: adjacent pairs of dest, then of the source.
template <class T>
Step Horizontal(Exec& e, Op op) {
  Step step = Step::kNext;
  Vec a, b;
  if (!ReadOperands(e, a, b, step)) return step;
  constexpr unsigned half = 8 / sizeof(T);
  Vec r{};
  uint32_t flags = 0;
  for (unsigned i = 0; i < 2 * half; ++i) {
    const Vec& src = i < half ? a : b;
    const unsigned j = 2 * (i % half);
    const fp::Result<T> x = fp::Arith<T>(op, Lane<T>(src, j), Lane<T>(src, j + 1), e.s.mxcsr);
    flags |= x.flags;
    SetLane<T>(r, i, x.value);
  }
  return Commit(e, r, flags);
}

/// ROUNDPS/PD (every lane) and ROUNDSS/SD (lane 0 of the m32/m64 or register source; the other
/// lanes of dest kept).
template <class T>
Step Round(Exec& e, bool scalar) {
  Step step = Step::kNext;
  Vec a, b;
  if (!ReadOperands(e, a, b, step)) return step;
  const unsigned imm = static_cast<unsigned>(e.insn.operands[2].value) & 0xFF;
  Vec r = scalar ? a : Vec{};
  uint32_t flags = 0;
  for (unsigned i = 0; i < (scalar ? 1 : 16 / sizeof(T)); ++i) {
    const fp::Result<T> x = fp::RoundToIntegral<T>(Lane<T>(b, i), imm, e.s.mxcsr);
    flags |= x.flags;
    SetLane<T>(r, i, x.value);
  }
  return Commit(e, r, flags);
}

/// DPPS/DPPD in the SDM's order: the products selected by imm[7:4] (+0.0 for the others), summed
/// pairwise ((p0 + p1) + (p2 + p3) for singles), each step rounded; the sum goes to the lanes of
/// imm[3:0], +0.0 to the others. The host runs it in stages (the products, then each level of
/// additions), each committing its flags as one SSE instruction does (an unmasked IE/DE/ZE hides
/// the stage's OE/UE/PE): a stage with an unmasked exception raises #XM, with the flags of the
/// earlier stages and its own, before the next stage computes.
template <class T>
Step DotProduct(Exec& e) {
  namespace mx = fp::mxcsr;
  Step step = Step::kNext;
  Vec a, b;
  if (!ReadOperands(e, a, b, step)) return step;
  const unsigned imm = static_cast<unsigned>(e.insn.operands[2].value) & 0xFF;
  const uint32_t csr = e.s.mxcsr;
  const uint32_t masks = (csr >> mx::kMaskShift) & mx::kFlags;
  constexpr unsigned lanes = 16 / sizeof(T);
  uint32_t flags = 0, committed = 0;
  auto stage_ends = [&]() {
    const uint32_t pre = flags & (mx::kIe | mx::kDe | mx::kZe);
    if (pre & ~masks) flags = pre;
    committed |= flags;
    flags = 0;
    if ((committed & ~masks) == 0) return false;
    e.s.mxcsr |= committed;
    step = e.Raise((e.s.cr4 & kCr4Osxmmexcpt) ? vec::kXm : vec::kUd);
    return true;
  };
  fp::Bits<T> p[4] = {};
  for (unsigned i = 0; i < lanes; ++i) {
    if (!((imm >> (4 + i)) & 1)) continue;
    const fp::Result<T> x = fp::Arith<T>(Op::kMul, Lane<T>(a, i), Lane<T>(b, i), csr);
    flags |= x.flags;
    p[i] = x.value;
  }
  if (stage_ends()) return step;
  auto add = [&](fp::Bits<T> x, fp::Bits<T> y) {
    const fp::Result<T> s = fp::Arith<T>(Op::kAdd, x, y, csr);
    flags |= s.flags;
    return s.value;
  };
  fp::Bits<T> sum = add(p[0], p[1]);
  if constexpr (lanes == 4) {
    const fp::Bits<T> high = add(p[2], p[3]);
    if (stage_ends()) return step;
    sum = add(sum, high);
  }
  if (stage_ends()) return step;
  e.s.mxcsr |= committed;
  Vec r{};
  for (unsigned i = 0; i < lanes; ++i)
    if ((imm >> i) & 1) SetLane<T>(r, i, sum);
  std::memcpy(Xmm(e, e.insn.operands[0]), r.data(), 16);
  return e.Next();
}

}  // namespace

bool ExecuteSseFloatExtension(Exec& e, Step& step) {
  using M = Mnemonic;
  if (e.insn.encoding != frontend::Encoding::kLegacy) return false;
  switch (e.insn.mnemonic) {
    case M::ADDSUBPS: step = AddSubtract<float>(e); return true;
    case M::ADDSUBPD: step = AddSubtract<double>(e); return true;
    case M::HADDPS: step = Horizontal<float>(e, Op::kAdd); return true;
    case M::HADDPD: step = Horizontal<double>(e, Op::kAdd); return true;
    case M::HSUBPS: step = Horizontal<float>(e, Op::kSub); return true;
    case M::HSUBPD: step = Horizontal<double>(e, Op::kSub); return true;
    case M::ROUNDPS: step = Round<float>(e, false); return true;
    case M::ROUNDPD: step = Round<double>(e, false); return true;
    case M::ROUNDSS: step = Round<float>(e, true); return true;
    case M::ROUNDSD: step = Round<double>(e, true); return true;
    case M::DPPS: step = DotProduct<float>(e); return true;
    case M::DPPD: step = DotProduct<double>(e); return true;
    default: return false;
  }
}

}  // namespace kiln::jit::interp
