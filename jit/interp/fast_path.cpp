// Handlers specialised per operand form for the instructions that dominate real code (MOV, the
// ALU, LEA, Jcc, CALL/RET, PUSH/POP, SETcc, CMOVcc, shifts, IMUL): the operand kinds and sizes
// are template parameters, the register numbers, immediate and address parts come pre-resolved
// in the Uop, so a handler does no decoding work at run time (Bochs's per-form handlers, e.g.
// ADD_GdEdR / ADD_GdEdM). Everything else, and every form not listed here, runs through the
// generic group handlers of exec_*.cpp. Both use the same jit/semantics/ functions, and the
// host-CPU oracle tests exercise both.
#include <array>
#include <bit>
#include <cstring>
#include <utility>

#include "jit/interp/exec.h"
#include "jit/interp/sse_access.h"
#include "jit/interp/uop_operands.h"
#include "jit/semantics/alu.h"
#include "jit/semantics/conditions.h"
#include "jit/semantics/muldiv.h"
#include "jit/semantics/shift.h"

namespace kiln::jit::interp {
namespace {

using frontend::CpuMode;
using frontend::Mnemonic;
using machine::LazyFlags;


// --- ALU --------------------------------------------------------------------------------------

struct AddOp {
  static constexpr bool kWrites = true;
  static uint64_t Apply(LazyFlags& f, uint64_t a, uint64_t b, unsigned n) { return sem::Add(f, a, b, n); }
};
struct OrOp {
  static constexpr bool kWrites = true;
  static uint64_t Apply(LazyFlags& f, uint64_t a, uint64_t b, unsigned n) { return sem::Or(f, a, b, n); }
};
struct AdcOp {
  static constexpr bool kWrites = true;
  static uint64_t Apply(LazyFlags& f, uint64_t a, uint64_t b, unsigned n) { return sem::Adc(f, a, b, sem::CarryFlag(f), n); }
};
struct SbbOp {
  static constexpr bool kWrites = true;
  static uint64_t Apply(LazyFlags& f, uint64_t a, uint64_t b, unsigned n) { return sem::Sbb(f, a, b, sem::CarryFlag(f), n); }
};
struct AndOp {
  static constexpr bool kWrites = true;
  static uint64_t Apply(LazyFlags& f, uint64_t a, uint64_t b, unsigned n) { return sem::And(f, a, b, n); }
};
struct SubOp {
  static constexpr bool kWrites = true;
  static uint64_t Apply(LazyFlags& f, uint64_t a, uint64_t b, unsigned n) { return sem::Sub(f, a, b, n); }
};
struct XorOp {
  static constexpr bool kWrites = true;
  static uint64_t Apply(LazyFlags& f, uint64_t a, uint64_t b, unsigned n) { return sem::Xor(f, a, b, n); }
};
struct CmpOp {
  static constexpr bool kWrites = false;
  static uint64_t Apply(LazyFlags& f, uint64_t a, uint64_t b, unsigned n) { return sem::Sub(f, a, b, n); }
};
struct TestOp {
  static constexpr bool kWrites = false;
  static uint64_t Apply(LazyFlags& f, uint64_t a, uint64_t b, unsigned n) { return sem::And(f, a, b, n); }
};

/// dest = op(dest, src). With a memory destination the flags are committed only after the store
/// succeeded, so a faulting store leaves the state untouched (precise exceptions).
template <class Op, unsigned N, Form F>
Step Alu(Exec& e, const Uop& u) {
  CpuState& s = e.s;
  Step step = Step::kNext;
  if constexpr (F == Form::kRR || F == Form::kRI || F == Form::kRM) {
    const uint64_t a = GetReg<N>(s, u.r0);
    uint64_t b;
    if constexpr (F == Form::kRR) b = GetReg<N>(s, u.r1);
    else if constexpr (F == Form::kRI) b = u.imm;
    else if (!e.Load(Address(s, u), N, b, step, StackRef(u))) return step;
    const uint64_t r = Op::Apply(s.flags, a, b, N);
    if constexpr (Op::kWrites) SetReg<N>(s, u.r0, r);
  } else {
    const uint64_t addr = Address(s, u);
    uint64_t a;
    if (!e.Load(addr, N, a, step, StackRef(u))) return step;
    const uint64_t b = F == Form::kMR ? GetReg<N>(s, u.r1) : u.imm;
    LazyFlags f = s.flags;
    const uint64_t r = Op::Apply(f, a, b, N);
    if constexpr (Op::kWrites) {
      if (!e.Store(addr, N, r, step, StackRef(u))) return step;
    }
    s.flags = f;
  }
  KILN_MUSTTAIL return Continue(e, u);
}

enum class UnaryKind : uint8_t { kInc, kDec, kNeg, kNot };

template <UnaryKind K, unsigned N>
[[gnu::always_inline]] inline uint64_t ApplyUnary(LazyFlags& f, uint64_t a) {
  if constexpr (K == UnaryKind::kInc) return sem::Inc(f, a, N);
  else if constexpr (K == UnaryKind::kDec) return sem::Dec(f, a, N);
  else if constexpr (K == UnaryKind::kNeg) return sem::Neg(f, a, N);
  else return sem::Not(a, N);
}

template <UnaryKind K, unsigned N, bool kMem>
Step Unary(Exec& e, const Uop& u) {
  CpuState& s = e.s;
  if constexpr (!kMem) {
    SetReg<N>(s, u.r0, ApplyUnary<K, N>(s.flags, GetReg<N>(s, u.r0)));
  } else {
    Step step = Step::kNext;
    const uint64_t addr = Address(s, u);
    uint64_t a;
    if (!e.Load(addr, N, a, step, StackRef(u))) return step;
    LazyFlags f = s.flags;
    if (!e.Store(addr, N, ApplyUnary<K, N>(f, a), step, StackRef(u))) return step;
    s.flags = f;
  }
  KILN_MUSTTAIL return Continue(e, u);
}

// --- moves ------------------------------------------------------------------------------------

template <unsigned N, Form F>
Step Mov(Exec& e, const Uop& u) {
  CpuState& s = e.s;
  Step step = Step::kNext;
  if constexpr (F == Form::kRR) {
    SetReg<N>(s, u.r0, GetReg<N>(s, u.r1));
  } else if constexpr (F == Form::kRI) {
    SetReg<N>(s, u.r0, u.imm);
  } else if constexpr (F == Form::kRM) {
    uint64_t v;
    if (!e.Load(Address(s, u), N, v, step, StackRef(u))) return step;
    SetReg<N>(s, u.r0, v);
  } else if (!e.Store(Address(s, u), N, F == Form::kMR ? GetReg<N>(s, u.r1) : u.imm, step, StackRef(u))) {
    return step;
  }
  KILN_MUSTTAIL return Continue(e, u);
}

/// MOVZX, MOVSX, MOVSXD: a D-byte destination from an S-byte register or memory source.
template <unsigned D, unsigned S, bool kSigned, bool kMem>
Step MovExtend(Exec& e, const Uop& u) {
  CpuState& s = e.s;
  Step step = Step::kNext;
  uint64_t v;
  if (!ReadRm<S, kMem>(e, u, v, step)) return step;
  if constexpr (kSigned) v = static_cast<uint64_t>(static_cast<int64_t>(v << (64 - 8 * S)) >> (64 - 8 * S));
  SetReg<D>(s, u.r0, v);
  KILN_MUSTTAIL return Continue(e, u);
}

/// LEA: the offset in the operand size, no segment base (SDM Vol.2 LEA).
template <unsigned N>
Step Lea(Exec& e, const Uop& u) {
  SetReg<N>(e.s, u.r0, Offset(e.s, u));
  KILN_MUSTTAIL return Continue(e, u);
}

Step Nop(Exec& e, const Uop& u) { KILN_MUSTTAIL return Continue(e, u); }

// --- control flow (64-bit mode, 64-bit operand size: flat stack, no target wrapping) ----------

template <unsigned CC>
Step Jcc(Exec& e, const Uop& u) {
  if (sem::Condition(e.s.flags, CC)) {
    e.s.rip = u.imm;
    KILN_MUSTTAIL return LeaveBlock(e, u);
  }
  KILN_MUSTTAIL return Continue(e, u);
}

Step JmpRel(Exec& e, const Uop& u) {
  e.s.rip = u.imm;
  KILN_MUSTTAIL return LeaveBlock(e, u);
}

Step CallRel64(Exec& e, const Uop& u) {
  Step step = Step::kNext;
  if (!e.Push64(u.next_rip, step)) return step;
  e.s.rip = u.imm;
  KILN_MUSTTAIL return LeaveBlock(e, u);
}

Step Ret64(Exec& e, const Uop& u) {
  Step step = Step::kNext;
  uint64_t target;
  if (!e.Pop64(target, step)) return step;
  e.s.rip = target;
  KILN_MUSTTAIL return LeaveBlock(e, u);
}

Step PushReg64(Exec& e, const Uop& u) {
  Step step = Step::kNext;
  if (!e.Push64(e.s.gpr[u.r0], step)) return step;
  KILN_MUSTTAIL return Continue(e, u);
}

Step PopReg64(Exec& e, const Uop& u) {
  Step step = Step::kNext;
  uint64_t v;
  if (!e.Pop64(v, step)) return step;
  e.s.gpr[u.r0] = v;  // after the increment: POP RSP loads the popped value (SDM Vol.2 POP)
  KILN_MUSTTAIL return Continue(e, u);
}

template <unsigned CC>
Step SetccReg(Exec& e, const Uop& u) {
  SetReg<1>(e.s, u.r0, sem::Condition(e.s.flags, CC) ? 1 : 0);
  KILN_MUSTTAIL return Continue(e, u);
}

/// CMOVcc: the source is read either way, and a 32-bit destination is zero-extended either way.
template <unsigned CC, unsigned N, bool kMem>
Step Cmovcc(Exec& e, const Uop& u) {
  CpuState& s = e.s;
  Step step = Step::kNext;
  uint64_t v;
  if (!ReadRm<N, kMem>(e, u, v, step)) return step;
  SetReg<N>(s, u.r0, sem::Condition(s.flags, CC) ? v : GetReg<N>(s, u.r0));
  KILN_MUSTTAIL return Continue(e, u);
}

// --- 16-byte SSE moves (glibc's memcpy and memset loops) ------------------------------------

/// MOVDQA/MOVAPS/MOVAPD/MOVNT* (kAligned: #GP(0) unless the address is 16-byte aligned) and
/// MOVDQU/MOVUPS/MOVUPD/LDDQU: XMM from XMM (kRR), XMM from m128 (kRM), m128 from XMM (kMR).
/// Legacy SSE leaves bits 128 and up of the register unchanged.
template <bool kAligned, Form F>
Step VectorMove(Exec& e, const Uop& u) {
  CpuState& s = e.s;
  if (SseUnavailable(s)) [[unlikely]] return RaiseSseUnavailable(e);
  if constexpr (F == Form::kRR) {
    std::memcpy(s.zmm[u.r0], s.zmm[u.r1], 16);
  } else {
    const uint64_t addr = Address(s, u);
    if (kAligned && (addr & 15)) return e.RaiseWithCode(vec::kGp, 0);
    Step step = Step::kNext;
    uint8_t bytes[16];
    if constexpr (F == Form::kRM) {
      if (!ReadMemory<16>(e, u, addr, bytes, step)) return step;
      std::memcpy(s.zmm[u.r0], bytes, 16);
    } else {
      std::memcpy(bytes, s.zmm[u.r1], 16);
      if (!WriteMemory<16>(e, u, addr, bytes, step)) return step;
    }
  }
  KILN_MUSTTAIL return Continue(e, u);
}

// --- shifts and multiply ----------------------------------------------------------------------

/// A shift or rotate of a register by an immediate count (kByCl = false: in u.imm) or by CL.
template <sem::ShiftOp Op, unsigned N, bool kByCl>
Step ShiftReg(Exec& e, const Uop& u) {
  CpuState& s = e.s;
  const uint64_t count = kByCl ? s.gpr[machine::kRcx] & 0xFF : u.imm;
  SetReg<N>(s, u.r0, sem::Shift(s.flags, Op, GetReg<N>(s, u.r0), count, N));
  KILN_MUSTTAIL return Continue(e, u);
}

/// IMUL r, r/m and IMUL r, r/m, imm: the truncated product.
template <unsigned N, bool kMem, bool kImm>
Step ImulReg(Exec& e, const Uop& u) {
  CpuState& s = e.s;
  Step step = Step::kNext;
  uint64_t rm;
  if (!ReadRm<N, kMem>(e, u, rm, step)) return step;
  const uint64_t a = kImm ? rm : GetReg<N>(s, u.r0);
  const uint64_t b = kImm ? u.imm : rm;
  SetReg<N>(s, u.r0, sem::ImulTruncated(s.flags, a, b, N));
  KILN_MUSTTAIL return Continue(e, u);
}

// --- selection --------------------------------------------------------------------------------

bool IsGpr(const frontend::Operand& op) {
  if (op.kind != OperandKind::kReg) return false;
  switch (op.reg.cls) {
    case RegClass::kGpr8: case RegClass::kGpr8High: case RegClass::kGpr16: case RegClass::kGpr32:
    case RegClass::kGpr64: return true;
    default: return false;
  }
}
uint8_t RegNumber(Reg r) {
  return r.cls == RegClass::kGpr8High ? static_cast<uint8_t>(16 + (r.index & 3)) : static_cast<uint8_t>(r.index & 15);
}
bool IsAddressGpr(Reg r) { return r.cls == RegClass::kGpr16 || r.cls == RegClass::kGpr32 || r.cls == RegClass::kGpr64; }

/// Resolves memory operand `m` into `u`; false for forms the fast path does not take (VSIB).

/// The form of a two-operand instruction whose operands have the same size, with `u` filled
/// in; false when the operands are not GPRs, immediates or a plain memory operand.
bool ResolveTwo(const DecodedInsn& insn, uint64_t next_rip, Uop& u, Form& form) {
  const frontend::Operand& d = insn.operands[0];
  const frontend::Operand& src = insn.operands[1];
  if (insn.operand_count != 2) return false;
  const bool dst_mem = d.kind == OperandKind::kMem;
  if (!dst_mem && !IsGpr(d)) return false;
  if (dst_mem && !ResolveMemory(insn, d, next_rip, u)) return false;
  if (!dst_mem) u.r0 = RegNumber(d.reg);
  if (IsGpr(src)) {
    if (src.size != d.size) return false;
    u.r1 = RegNumber(src.reg);
    form = dst_mem ? Form::kMR : Form::kRR;
  } else if (src.kind == OperandKind::kImm) {
    u.imm = static_cast<uint64_t>(src.value) & sem::SizeMask(d.size);
    form = dst_mem ? Form::kMI : Form::kRI;
  } else if (src.kind == OperandKind::kMem && !dst_mem && src.size == d.size) {
    if (!ResolveMemory(insn, src, next_rip, u)) return false;
    form = Form::kRM;
  } else {
    return false;
  }
  return true;
}

template <template <unsigned, Form> class H>
struct BySizeAndForm {
  template <unsigned N>
  static Handler ForForm(Form f) {
    switch (f) {
      case Form::kRR: return &H<N, Form::kRR>::Run;
      case Form::kRI: return &H<N, Form::kRI>::Run;
      case Form::kRM: return &H<N, Form::kRM>::Run;
      case Form::kMR: return &H<N, Form::kMR>::Run;
      case Form::kMI: return &H<N, Form::kMI>::Run;
    }
    return nullptr;
  }
  static Handler Pick(unsigned size, Form f) {
    switch (size) {
      case 1: return ForForm<1>(f);
      case 2: return ForForm<2>(f);
      case 4: return ForForm<4>(f);
      case 8: return ForForm<8>(f);
      default: return nullptr;
    }
  }
};

template <class Op>
struct AluAdapter {
  template <unsigned N, Form F>
  struct H {
    static Step Run(Exec& e, const Uop& u) { KILN_MUSTTAIL return Alu<Op, N, F>(e, u); }
  };
};
template <unsigned N, Form F>
struct MovAdapter {
  static Step Run(Exec& e, const Uop& u) { KILN_MUSTTAIL return Mov<N, F>(e, u); }
};

template <class Op>
Handler SelectAlu(const DecodedInsn& insn, uint64_t next_rip, Uop& u) {
  Form form;
  if (!ResolveTwo(insn, next_rip, u, form)) return nullptr;
  return BySizeAndForm<AluAdapter<Op>::template H>::Pick(insn.operands[0].size, form);
}

Handler SelectMov(const DecodedInsn& insn, uint64_t next_rip, Uop& u) {
  Form form;
  if (!ResolveTwo(insn, next_rip, u, form)) return nullptr;
  return BySizeAndForm<MovAdapter>::Pick(insn.operands[0].size, form);
}

template <UnaryKind K>
Handler SelectUnary(const DecodedInsn& insn, uint64_t next_rip, Uop& u) {
  const frontend::Operand& d = insn.operands[0];
  if (insn.operand_count != 1) return nullptr;
  if (IsGpr(d)) {
    u.r0 = RegNumber(d.reg);
    switch (d.size) {
      case 1: return &Unary<K, 1, false>;
      case 2: return &Unary<K, 2, false>;
      case 4: return &Unary<K, 4, false>;
      case 8: return &Unary<K, 8, false>;
      default: return nullptr;
    }
  }
  if (d.kind != OperandKind::kMem || !ResolveMemory(insn, d, next_rip, u)) return nullptr;
  switch (d.size) {
    case 1: return &Unary<K, 1, true>;
    case 2: return &Unary<K, 2, true>;
    case 4: return &Unary<K, 4, true>;
    case 8: return &Unary<K, 8, true>;
    default: return nullptr;
  }
}

template <bool kSigned>
Handler SelectExtend(const DecodedInsn& insn, uint64_t next_rip, Uop& u) {
  const frontend::Operand& d = insn.operands[0];
  const frontend::Operand& src = insn.operands[1];
  if (insn.operand_count != 2 || !IsGpr(d)) return nullptr;
  u.r0 = RegNumber(d.reg);
  const bool mem = src.kind == OperandKind::kMem;
  if (mem ? !ResolveMemory(insn, src, next_rip, u) : !IsGpr(src)) return nullptr;
  if (!mem) u.r1 = RegNumber(src.reg);
  const unsigned key = d.size * 16 + src.size;
#define KILN_EXTEND(D, S) \
  case D * 16 + S: return mem ? &MovExtend<D, S, kSigned, true> : &MovExtend<D, S, kSigned, false>;
  switch (key) {
    KILN_EXTEND(2, 1) KILN_EXTEND(4, 1) KILN_EXTEND(8, 1) KILN_EXTEND(4, 2) KILN_EXTEND(8, 2) KILN_EXTEND(8, 4)
    default: return nullptr;
  }
#undef KILN_EXTEND
}

Handler SelectLea(const DecodedInsn& insn, uint64_t next_rip, Uop& u) {
  const frontend::Operand& d = insn.operands[0];
  if (insn.operand_count != 2 || !IsGpr(d) || insn.operands[1].kind != OperandKind::kMem) return nullptr;
  if (!ResolveMemory(insn, insn.operands[1], next_rip, u)) return nullptr;
  u.r0 = RegNumber(d.reg);
  switch (d.size) {
    case 2: return &Lea<2>;
    case 4: return &Lea<4>;
    case 8: return &Lea<8>;
    default: return nullptr;
  }
}

template <size_t... I>
constexpr std::array<Handler, 16> JccTable(std::index_sequence<I...>) { return {&Jcc<I>...}; }
template <size_t... I>
constexpr std::array<Handler, 16> SetccTable(std::index_sequence<I...>) { return {&SetccReg<I>...}; }
template <unsigned N, bool kMem, size_t... I>
constexpr std::array<Handler, 16> CmovTable(std::index_sequence<I...>) { return {&Cmovcc<I, N, kMem>...}; }

constexpr auto kJcc = JccTable(std::make_index_sequence<16>());
constexpr auto kSetcc = SetccTable(std::make_index_sequence<16>());

Handler SelectConditional(const DecodedInsn& insn, uint64_t next_rip, Uop& u) {
  CondKind kind;
  const int cc = ConditionOf(insn, kind);
  if (cc < 0) return nullptr;
  const frontend::Operand& d = insn.operands[0];
  switch (kind) {
    case CondKind::kJcc:
      u.imm = Exec::WrapBranchTarget(insn, next_rip + static_cast<uint64_t>(d.value));
      return kJcc[cc];
    case CondKind::kSetcc:
      if (!IsGpr(d)) return nullptr;
      u.r0 = RegNumber(d.reg);
      return kSetcc[cc];
    case CondKind::kCmovcc: {
      const frontend::Operand& src = insn.operands[1];
      if (!IsGpr(d)) return nullptr;
      u.r0 = RegNumber(d.reg);
      const bool mem = src.kind == OperandKind::kMem;
      if (mem ? !ResolveMemory(insn, src, next_rip, u) : !IsGpr(src)) return nullptr;
      if (!mem) u.r1 = RegNumber(src.reg);
      static constexpr auto k2 = CmovTable<2, false>(std::make_index_sequence<16>());
      static constexpr auto k4 = CmovTable<4, false>(std::make_index_sequence<16>());
      static constexpr auto k8 = CmovTable<8, false>(std::make_index_sequence<16>());
      static constexpr auto k2m = CmovTable<2, true>(std::make_index_sequence<16>());
      static constexpr auto k4m = CmovTable<4, true>(std::make_index_sequence<16>());
      static constexpr auto k8m = CmovTable<8, true>(std::make_index_sequence<16>());
      switch (d.size) {
        case 2: return (mem ? k2m : k2)[cc];
        case 4: return (mem ? k4m : k4)[cc];
        case 8: return (mem ? k8m : k8)[cc];
        default: return nullptr;
      }
    }
    case CondKind::kNone: break;
  }
  return nullptr;
}

template <sem::ShiftOp Op>
Handler SelectShift(const DecodedInsn& insn, Uop& u) {
  const frontend::Operand& d = insn.operands[0];
  if (!IsGpr(d) || insn.operand_count > 2) return nullptr;
  u.r0 = RegNumber(d.reg);
  bool by_cl = false;
  if (insn.operand_count == 1) {
    u.imm = 1;
  } else if (insn.operands[1].kind == OperandKind::kImm) {
    u.imm = static_cast<uint64_t>(insn.operands[1].value) & 0xFF;
  } else if (IsGpr(insn.operands[1]) && insn.operands[1].reg.index == machine::kRcx) {
    by_cl = true;
  } else {
    return nullptr;
  }
  switch (d.size) {
    case 1: return by_cl ? &ShiftReg<Op, 1, true> : &ShiftReg<Op, 1, false>;
    case 2: return by_cl ? &ShiftReg<Op, 2, true> : &ShiftReg<Op, 2, false>;
    case 4: return by_cl ? &ShiftReg<Op, 4, true> : &ShiftReg<Op, 4, false>;
    case 8: return by_cl ? &ShiftReg<Op, 8, true> : &ShiftReg<Op, 8, false>;
    default: return nullptr;
  }
}

bool IsXmm(const frontend::Operand& op) { return op.kind == OperandKind::kReg && op.reg.cls == RegClass::kXmm; }

Handler SelectVectorMove(const DecodedInsn& insn, uint64_t next_rip, Uop& u, bool aligned) {
  const frontend::Operand& d = insn.operands[0];
  const frontend::Operand& src = insn.operands[1];
  if (insn.operand_count != 2) return nullptr;
  if (IsXmm(d) && IsXmm(src)) {
    u.r0 = d.reg.index & 15;
    u.r1 = src.reg.index & 15;
    return aligned ? &VectorMove<true, Form::kRR> : &VectorMove<false, Form::kRR>;
  }
  if (IsXmm(d) && src.kind == OperandKind::kMem && src.size == 16 && ResolveMemory(insn, src, next_rip, u)) {
    u.r0 = d.reg.index & 15;
    return aligned ? &VectorMove<true, Form::kRM> : &VectorMove<false, Form::kRM>;
  }
  if (d.kind == OperandKind::kMem && d.size == 16 && IsXmm(src) && ResolveMemory(insn, d, next_rip, u)) {
    u.r1 = src.reg.index & 15;
    return aligned ? &VectorMove<true, Form::kMR> : &VectorMove<false, Form::kMR>;
  }
  return nullptr;
}

Handler SelectImul(const DecodedInsn& insn, uint64_t next_rip, Uop& u) {
  // The two- and three-operand forms: IMUL r, r/m (r *= r/m) and IMUL r, r/m, imm.
  if (insn.operand_count < 2 || !IsGpr(insn.operands[0])) return nullptr;
  const frontend::Operand& d = insn.operands[0];
  const frontend::Operand& src = insn.operands[1];
  u.r0 = RegNumber(d.reg);
  const bool mem = src.kind == OperandKind::kMem;
  if (mem ? !ResolveMemory(insn, src, next_rip, u) : !IsGpr(src)) return nullptr;
  if (!mem) u.r1 = RegNumber(src.reg);
  const bool imm = insn.operand_count == 3;
  if (imm) {
    if (insn.operands[2].kind != OperandKind::kImm) return nullptr;
    u.imm = static_cast<uint64_t>(insn.operands[2].value) & sem::SizeMask(d.size);
  }
#define KILN_IMUL(N) \
  case N: return mem ? (imm ? &ImulReg<N, true, true> : &ImulReg<N, true, false>) \
                     : (imm ? &ImulReg<N, false, true> : &ImulReg<N, false, false>);
  switch (d.size) {
    KILN_IMUL(2) KILN_IMUL(4) KILN_IMUL(8)
    default: return nullptr;
  }
#undef KILN_IMUL
}

}  // namespace

bool ResolveMemory(const DecodedInsn& insn, const frontend::Operand& m, uint64_t next_rip, Uop& u) {
  u.disp = static_cast<uint64_t>(m.value);
  if (m.base.cls == RegClass::kIp) {
    u.disp += next_rip;  // RIP-relative: the block's address is fixed, so this is a constant
  } else if (m.base.valid()) {
    if (!IsAddressGpr(m.base)) return false;
    u.base = m.base.index & 15;
  }
  if (m.index.valid()) {
    if (!IsAddressGpr(m.index) || !std::has_single_bit(unsigned{m.scale})) return false;
    u.index = m.index.index & 15;
    u.scale_shift = static_cast<uint8_t>(std::countr_zero(unsigned{m.scale}));
  }
  u.address_mask = insn.address_size == 8 ? ~uint64_t{0} : insn.address_size == 4 ? 0xFFFFFFFF : 0xFFFF;
  const auto seg = static_cast<unsigned>(m.seg);
  if (seg > 5) return false;
  // In 64-bit mode only FS and GS have a base (SDM Vol.1 3.4.2.1).
  const bool flat = insn.mode == CpuMode::k64 && m.seg != frontend::Seg::kFs && m.seg != frontend::Seg::kGs;
  // A flat stack reference (SS: RSP/RBP bases, or an override, see Interpreter::FindOrDecode).
  u.seg = !flat ? static_cast<uint8_t>(seg) : m.seg == frontend::Seg::kSs ? kFlatStack : kNoSeg;
  return true;
}

Handler SelectHandler(const DecodedInsn& insn, uint64_t pc, Uop& u) {
  using M = Mnemonic;
  if (insn.encoding != frontend::Encoding::kLegacy) return nullptr;
  const uint64_t next_rip = pc + insn.length;
  const bool flat_stack = insn.mode == CpuMode::k64 && insn.operand_size == 8;
  switch (insn.mnemonic) {
    case M::ADD: return SelectAlu<AddOp>(insn, next_rip, u);
    case M::OR: return SelectAlu<OrOp>(insn, next_rip, u);
    case M::ADC: return SelectAlu<AdcOp>(insn, next_rip, u);
    case M::SBB: return SelectAlu<SbbOp>(insn, next_rip, u);
    case M::AND: return SelectAlu<AndOp>(insn, next_rip, u);
    case M::SUB: return SelectAlu<SubOp>(insn, next_rip, u);
    case M::XOR: return SelectAlu<XorOp>(insn, next_rip, u);
    case M::CMP: return SelectAlu<CmpOp>(insn, next_rip, u);
    case M::TEST: return SelectAlu<TestOp>(insn, next_rip, u);
    case M::INC: return SelectUnary<UnaryKind::kInc>(insn, next_rip, u);
    case M::DEC: return SelectUnary<UnaryKind::kDec>(insn, next_rip, u);
    case M::NEG: return SelectUnary<UnaryKind::kNeg>(insn, next_rip, u);
    case M::NOT: return SelectUnary<UnaryKind::kNot>(insn, next_rip, u);
    case M::MOV: return SelectMov(insn, next_rip, u);
    case M::MOVZX: return SelectExtend<false>(insn, next_rip, u);
    case M::MOVSX:
    case M::MOVSXD: return SelectExtend<true>(insn, next_rip, u);
    case M::LEA: return SelectLea(insn, next_rip, u);
    case M::NOP:
    case M::ENDBR64:
    case M::ENDBR32:
    case M::PAUSE: return &Nop;
    case M::JMP:
      if (insn.operands[0].kind != OperandKind::kRel) return nullptr;
      u.imm = Exec::WrapBranchTarget(insn, next_rip + static_cast<uint64_t>(insn.operands[0].value));
      return &JmpRel;
    case M::CALL:
      if (!flat_stack || insn.operands[0].kind != OperandKind::kRel) return nullptr;
      u.imm = next_rip + static_cast<uint64_t>(insn.operands[0].value);
      return &CallRel64;
    case M::RET: return flat_stack && insn.operand_count == 0 ? &Ret64 : nullptr;
    case M::PUSH:
      if (!flat_stack || !IsGpr(insn.operands[0]) || insn.operands[0].size != 8) return nullptr;
      u.r0 = RegNumber(insn.operands[0].reg);
      return &PushReg64;
    case M::POP:
      if (!flat_stack || !IsGpr(insn.operands[0]) || insn.operands[0].size != 8) return nullptr;
      u.r0 = RegNumber(insn.operands[0].reg);
      return &PopReg64;
    case M::SHL: return SelectShift<sem::ShiftOp::kShl>(insn, u);
    case M::SHR: return SelectShift<sem::ShiftOp::kShr>(insn, u);
    case M::SAR: return SelectShift<sem::ShiftOp::kSar>(insn, u);
    case M::ROL: return SelectShift<sem::ShiftOp::kRol>(insn, u);
    case M::ROR: return SelectShift<sem::ShiftOp::kRor>(insn, u);
    case M::IMUL: return SelectImul(insn, next_rip, u);
    case M::MOVDQA:
    case M::MOVAPS:
    case M::MOVAPD:
    case M::MOVNTDQ:
    case M::MOVNTPS:
    case M::MOVNTPD: return SelectVectorMove(insn, next_rip, u, true);
    case M::MOVDQU:
    case M::MOVUPS:
    case M::MOVUPD:
    case M::LDDQU: return SelectVectorMove(insn, next_rip, u, false);
    case M::ADDPS: case M::ADDPD: case M::ADDSS: case M::ADDSD:
    case M::SUBPS: case M::SUBPD: case M::SUBSS: case M::SUBSD:
    case M::MULPS: case M::MULPD: case M::MULSS: case M::MULSD:
    case M::DIVPS: case M::DIVPD: case M::DIVSS: case M::DIVSD:
    case M::MOVSS: case M::MOVSD: return SelectSseFloat(insn, next_rip, u);
    default: return SelectConditional(insn, next_rip, u);
  }
}

Uop MakeUop(const DecodedInsn& insn, uint64_t pc) {
  Uop u;
  u.handler = SelectHandler(insn, pc, u);
  u.insn = &insn;
  u.length = insn.length;
  u.next_rip = pc + insn.length;
  return u;
}

}  // namespace kiln::jit::interp
