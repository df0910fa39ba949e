// Interpreter handlers for the x87 FPU (SDM Vol.1 chapter 8, Vol.2 F*): the register stack,
// loads and stores in every format, arithmetic, compares, the control and environment
// instructions and FXSAVE/FXRSTOR. The arithmetic is jit/semantics/x87_float.h; this file keeps
// the stack (TOP, tags, stack faults), the status and control words, FIP/FDP/FOP and raises
// #NM and the delayed #MF.
//
// State (machine/cpu_state.h): st[8] are the physical registers R0-R7, ST(i) is R((TOP + i) & 7);
// fsw holds TOP in bits 11-13; ftw is the full tag word (2 bits per physical register, 11 empty).
#include <cstring>

#include "jit/interp/exec.h"
#include "jit/semantics/flags.h"
#include "jit/semantics/sse_fp.h"
#include "jit/semantics/x87_float.h"
#include "jit/semantics/xsave.h"

namespace kiln::jit::interp {
namespace {

using frontend::Mnemonic;
using sem::x87::Float80;
namespace x87 = sem::x87;
namespace sw = sem::x87::fsw;

constexpr uint64_t kCr0Mp = 1u << 1, kCr0Em = 1u << 2, kCr0Ts = 1u << 3, kCr0Ne = 1u << 5;

enum class ArithOp : uint8_t { kAdd, kSub, kSubR, kMul, kDiv, kDivR };

void Summarize(CpuState& s) {
  if (s.fsw & ~s.fcw & sw::kFlags) s.fsw |= sw::kEs | sw::kB;
  else s.fsw = static_cast<uint16_t>(s.fsw & ~(sw::kEs | sw::kB));
}

/// The x87 state of one instruction's execution.
class Fpu {
 public:
  explicit Fpu(Exec& e) : e(e), s(e.s) {}

  Exec& e;
  CpuState& s;
  Step step = Step::kNext;

  unsigned Top() const { return (s.fsw >> sw::kTopShift) & 7; }
  void SetTop(unsigned t) { s.fsw = static_cast<uint16_t>((s.fsw & ~(7u << sw::kTopShift)) | ((t & 7) << sw::kTopShift)); }
  unsigned Phys(unsigned i) const { return (Top() + i) & 7; }
  bool Empty(unsigned i) const { return ((s.ftw >> (2 * Phys(i))) & 3) == 3; }
  Float80 Get(unsigned i) const {
    const machine::X87Reg& r = s.st[Phys(i)];
    return {r.significand, r.sign_exponent};
  }
  void SetPhys(unsigned p, Float80 v) {
    s.st[p] = {v.sig, v.se};
    s.ftw = static_cast<uint16_t>((s.ftw & ~(3u << (2 * p))) | (x87::TagOf(v) << (2 * p)));
  }
  void Set(unsigned i, Float80 v) { SetPhys(Phys(i), v); }
  void Free(unsigned i) { s.ftw = static_cast<uint16_t>(s.ftw | (3u << (2 * Phys(i)))); }
  void Pop() {
    Free(0);
    SetTop(Top() + 1);
  }
  void Push(Float80 v) {
    SetTop(Top() - 1);
    Set(0, v);
  }
  void SetC1(bool on) { s.fsw = static_cast<uint16_t>(on ? s.fsw | sw::kC1 : s.fsw & ~sw::kC1); }
  void SetConditions(uint16_t c) { s.fsw = static_cast<uint16_t>((s.fsw & ~sw::kConditions) | c); }
  bool Masked(uint16_t flag) const { return (s.fcw & flag) != 0; }
  /// ES and B follow the unmasked flags that are set (the host recomputes them on every FCW or
  /// FSW load too: FXRSTOR of ES without an unmasked flag clears it).
  void UpdateSummary() { Summarize(s); }
  /// Merges an operation's flags into FSW. After an unmasked IE, DE or ZE only those are
  /// reported (the operation did not complete): returns false then.
  bool Commit(const x87::Context& c, bool clear_c1 = true) {
    uint16_t flags = c.flags;
    const bool faulted = c.Faulted();
    if (faulted) {
      flags &= sw::kIe | sw::kDe | sw::kZe;
      if (clear_c1) SetC1(false);
    }
    s.fsw |= flags;
    UpdateSummary();
    return !faulted;
  }
  /// A stack overflow or underflow (#IS): IE and SF, C1 = 1 for overflow. Returns true when IE
  /// is masked (the caller then writes the masked response).
  bool StackFault(bool overflow) {
    s.fsw |= sw::kIe | sw::kSf;
    SetC1(overflow);
    UpdateSummary();
    return Masked(sw::kIe);
  }
  x87::Context NewContext() const { return x87::Context{s.fcw}; }

  // --- instruction entry ----------------------------------------------------------------------
  /// #NM when CR0.EM or CR0.TS is set; #MF for a pending unmasked exception at a waiting
  /// instruction (with CR0.NE; without it the FERR# line is not modelled); then FIP, FOP and FDP
  /// for non-control instructions. Returns false when the instruction must not run.
  bool Begin(bool waiting = true, bool control = false) {
    if (s.cr0 & (kCr0Em | kCr0Ts)) {
      step = e.Raise(vec::kNm);
      return false;
    }
    if (waiting && (s.fsw & sw::kEs) && (s.cr0 & kCr0Ne)) {
      step = e.Raise(vec::kMf);
      return false;
    }
    if (!control) {
      s.fip = s.rip;
      s.fcs = s.seg[machine::kCs].selector;
      s.fop = static_cast<uint16_t>(((e.insn.opcode & 7) << 8) | e.insn.modrm);
      for (int i = 0; i < e.insn.operand_count; ++i) {
        const Operand& op = e.insn.operands[i];
        if (op.kind != OperandKind::kMem) continue;
        s.fdp = e.Offset(op);
        s.fds = op.seg <= frontend::Seg::kGs ? s.seg[static_cast<unsigned>(op.seg)].selector : 0;
      }
    }
    return true;
  }

  // --- memory ---------------------------------------------------------------------------------
  const Operand* MemOperand() const {
    for (int i = 0; i < e.insn.operand_count; ++i)
      if (e.insn.operands[i].kind == OperandKind::kMem) return &e.insn.operands[i];
    return nullptr;
  }
  /// `n` bytes at memory operand `op`, after its segment checks.
  bool ReadMem(const Operand& op, void* out, unsigned n) { return e.ReadOperandBytes(op, out, n, step); }
  bool WriteMem(const Operand& op, const void* in, unsigned n) { return e.WriteOperandBytes(op, in, n, step); }

  /// A memory source operand as an extended value: m32fp, m64fp, m80fp or (integer) m16int,
  /// m32int, m64int. Conversion flags go to `c`.
  bool LoadOperand(const Operand& op, bool integer, x87::Context& c, Float80& v) {
    uint8_t b[10] = {};
    if (!ReadMem(op, b, op.size)) return false;
    uint64_t lo = 0;
    std::memcpy(&lo, b, 8);
    if (integer) {
      switch (op.size) {
        case 2: v = x87::FromInt(static_cast<int16_t>(lo)); break;
        case 4: v = x87::FromInt(static_cast<int32_t>(lo)); break;
        default: v = x87::FromInt(static_cast<int64_t>(lo)); break;
      }
      return true;
    }
    switch (op.size) {
      case 4: v = x87::FromFloat32(static_cast<uint32_t>(lo), c); break;
      case 8: v = x87::FromFloat64(lo, c); break;
      default: {
        uint16_t se;
        std::memcpy(&se, b + 8, 2);
        v = {lo, se};
        break;
      }
    }
    return true;
  }

  /// Full tag word for FNSTENV/FNSAVE: empty as kept, the others from the register contents.
  uint16_t FullTags() const {
    uint16_t t = 0;
    for (unsigned p = 0; p < 8; ++p) {
      const unsigned tag = ((s.ftw >> (2 * p)) & 3) == 3 ? 3 : x87::TagOf({s.st[p].significand, s.st[p].sign_exponent});
      t = static_cast<uint16_t>(t | (tag << (2 * p)));
    }
    return t;
  }
  /// Loads a tag word: empty registers as given, the others tagged by their contents.
  void LoadTags(uint16_t full) {
    uint16_t t = 0;
    for (unsigned p = 0; p < 8; ++p) {
      const unsigned tag = ((full >> (2 * p)) & 3) == 3 ? 3 : x87::TagOf({s.st[p].significand, s.st[p].sign_exponent});
      t = static_cast<uint16_t>(t | (tag << (2 * p)));
    }
    s.ftw = t;
  }
};

unsigned StIndex(const Operand& op) { return op.reg.index & 7; }

Float80 Compute(ArithOp op, Float80 a, Float80 b, x87::Context& c) {
  switch (op) {
    case ArithOp::kAdd: return x87::Add(a, b, c);
    case ArithOp::kSub: return x87::Sub(a, b, c);
    case ArithOp::kSubR: return x87::Sub(b, a, c);
    case ArithOp::kMul: return x87::Mul(a, b, c);
    case ArithOp::kDiv: return x87::Div(a, b, c);
    default: return x87::Div(b, a, c);
  }
}

/// FADD/FSUB/FSUBR/FMUL/FDIV/FDIVR in every form: ST(0) op memory (fp or integer), ST(0) op
/// ST(i), ST(i) op ST(0) (and popping).
Step Arith(Exec& e, ArithOp op, bool integer, bool pop) {
  Fpu f(e);
  if (!f.Begin()) return f.step;
  x87::Context c = f.NewContext();
  unsigned dst = 0;
  Float80 src{};
  const DecodedInsn& insn = e.insn;
  bool src_empty = false;
  if (const Operand* m = f.MemOperand()) {
    if (!f.LoadOperand(*m, integer, c, src)) return f.step;
  } else if (insn.operand_count == 2) {
    dst = StIndex(insn.operands[0]);
    const unsigned si = StIndex(insn.operands[1]);
    src_empty = f.Empty(si);
    src = f.Get(si);
  } else {  // one-operand register form: ST(0) op ST(i)
    const unsigned si = StIndex(insn.operands[0]);
    src_empty = f.Empty(si);
    src = f.Get(si);
  }
  if (f.Empty(dst) || src_empty) {
    if (f.StackFault(false)) {
      f.Set(dst, x87::kIndefinite);
      if (pop) f.Pop();
    }
    return e.Next();
  }
  const Float80 r = Compute(op, f.Get(dst), src, c);
  if (!f.Commit(c)) return e.Next();
  f.Set(dst, r);
  f.SetC1(c.rounded_up);
  if (pop) f.Pop();
  return e.Next();
}

/// One-operand operations on ST(0): FSQRT, FRNDINT, FCHS, FABS.
template <class Fn>
Step Unary(Exec& e, Fn fn, bool rounds) {
  Fpu f(e);
  if (!f.Begin()) return f.step;
  if (f.Empty(0)) {
    if (f.StackFault(false)) f.Set(0, x87::kIndefinite);
    return e.Next();
  }
  x87::Context c = f.NewContext();
  const Float80 r = fn(f.Get(0), c);
  if (!f.Commit(c)) return e.Next();
  f.Set(0, r);
  f.SetC1(rounds && c.rounded_up);
  return e.Next();
}

/// FLD m32fp/m64fp/m80fp, FLD ST(i), FILD, FBLD and the constants: a push.
Step Load(Exec& e, bool integer, bool bcd) {
  Fpu f(e);
  if (!f.Begin()) return f.step;
  x87::Context c = f.NewContext();
  Float80 v{};
  bool src_empty = false;
  if (const Operand* m = f.MemOperand()) {
    if (bcd) {
      uint8_t b[10];
      if (!f.ReadMem(*m, b, 10)) return f.step;
      v = x87::FromBcd(b);
    } else if (!f.LoadOperand(*m, integer, c, v)) {
      return f.step;
    }
  } else {
    const unsigned si = StIndex(e.insn.operands[0]);
    src_empty = f.Empty(si);
    v = f.Get(si);
  }
  if (src_empty || !f.Empty(7)) {
    if (f.StackFault(!src_empty)) f.Push(x87::kIndefinite);
    return e.Next();
  }
  if (c.source_denormal) c.flags |= sw::kDe;
  // FLD m32fp/m64fp of an SNaN: IE, and the QNaN is loaded.
  if (const Operand* m = f.MemOperand(); m && !integer && !bcd && m->size != 10 && x87::Classify(v) == x87::Class::kSNaN) {
    c.flags |= sw::kIe;
    v.sig |= uint64_t{1} << 62;
  }
  // An unmasked DE does not stop the load (the host pushes the value and reports DE).
  const bool only_denormal = (c.flags & ~e.s.fcw & (sw::kIe | sw::kDe | sw::kZe)) == sw::kDe;
  if (!f.Commit(c) && !only_denormal) return e.Next();
  f.Push(v);
  f.SetC1(false);
  return e.Next();
}

Step LoadConstant(Exec& e, uint64_t hi, uint64_t lo, int exponent) {
  Fpu f(e);
  if (!f.Begin()) return f.step;
  if (!f.Empty(7)) {
    if (f.StackFault(true)) f.Push(x87::kIndefinite);
    return e.Next();
  }
  f.Push(hi == 0 ? x87::Zero(false) : x87::RoundConstant(hi, lo, exponent, (e.s.fcw >> x87::fcw::kRcShift) & 3));
  f.SetC1(false);
  return e.Next();
}

enum class StoreKind : uint8_t { kFloat, kInt, kIntTruncate, kBcd };

/// FST/FSTP to memory (m32fp, m64fp, m80fp), FIST/FISTP/FISTTP (m16/m32/m64 int), FBSTP.
Step StoreMem(Exec& e, StoreKind kind, bool pop) {
  Fpu f(e);
  if (!f.Begin()) return f.step;
  const Operand& m = *f.MemOperand();
  const unsigned n = kind == StoreKind::kBcd ? 10 : m.size;
  uint8_t b[10] = {};
  x87::Context c = f.NewContext();
  const bool empty = f.Empty(0);
  const Float80 v = empty ? x87::kIndefinite : f.Get(0);
  if (empty) c.flags |= sw::kIe;  // the masked response stores the indefinite of the format
  switch (kind) {
    case StoreKind::kFloat:
      if (n == 4) {
        const uint32_t r = x87::ToFloat32(v, c);
        std::memcpy(b, &r, 4);
      } else if (n == 8) {
        const uint64_t r = x87::ToFloat64(v, c);
        std::memcpy(b, &r, 8);
      } else {
        std::memcpy(b, &v.sig, 8);
        std::memcpy(b + 8, &v.se, 2);
      }
      break;
    case StoreKind::kInt:
    case StoreKind::kIntTruncate: {
      const int64_t r = x87::ToInt(v, n * 8, kind == StoreKind::kIntTruncate, c);
      std::memcpy(b, &r, n);
      break;
    }
    case StoreKind::kBcd: x87::ToBcd(v, c, b); break;
  }
  if (empty) {
    if (f.Masked(sw::kIe) && !f.WriteMem(m, b, n)) return f.step;
    if (f.StackFault(false) && pop) f.Pop();
    return e.Next();
  }
  if (c.Faulted() || c.suppress_store) {
    f.Commit(c);
    f.SetC1(false);
    return e.Next();
  }
  if (!f.WriteMem(m, b, n)) return f.step;
  f.Commit(c);
  f.SetC1(c.rounded_up);
  if (pop) f.Pop();
  return e.Next();
}

/// FST/FSTP ST(i) and FSTPNCE (D9 D8+i, which the host pops without a stack fault when ST(0)
/// is empty).
Step StoreReg(Exec& e, bool pop) {
  Fpu f(e);
  if (!f.Begin()) return f.step;
  const unsigned i = StIndex(e.insn.operands[0]);
  if (f.Empty(0) && e.insn.mnemonic == Mnemonic::FSTPNCE) {
    f.Pop();
    f.SetC1(false);
    return e.Next();
  }
  if (f.Empty(0)) {
    if (f.StackFault(false)) {
      f.Set(i, x87::kIndefinite);
      if (pop) f.Pop();
    }
    return e.Next();
  }
  f.Set(i, f.Get(0));
  f.SetC1(false);
  if (pop) f.Pop();
  return e.Next();
}

Step Exchange(Exec& e) {
  Fpu f(e);
  if (!f.Begin()) return f.step;
  const unsigned i = StIndex(e.insn.operands[0]);
  if (f.Empty(0) || f.Empty(i)) {
    if (!f.StackFault(false)) return e.Next();
    const Float80 a = f.Empty(0) ? x87::kIndefinite : f.Get(0);
    const Float80 b = f.Empty(i) ? x87::kIndefinite : f.Get(i);
    f.Set(0, b);
    f.Set(i, a);
    return e.Next();
  }
  const Float80 a = f.Get(0), b = f.Get(i);
  f.Set(0, b);
  f.Set(i, a);
  f.SetC1(false);
  return e.Next();
}

/// C3, C2, C0 for an x87 compare (SDM Vol.2 FCOM Table 3-21).
uint16_t ConditionBits(x87::Order o) {
  switch (o) {
    case x87::Order::kGreater: return 0;
    case x87::Order::kLess: return sw::kC0;
    case x87::Order::kEqual: return sw::kC3;
    default: return sw::kC3 | sw::kC2 | sw::kC0;
  }
}

/// FCOM/FCOMP/FCOMPP/FUCOM*/FICOM*/FTST (to C3, C2, C0) and FCOMI/FUCOMI(P) (to ZF, PF, CF).
Step CompareOp(Exec& e, bool quiet, bool integer, int pops, bool to_eflags, bool with_zero = false) {
  Fpu f(e);
  if (!f.Begin()) return f.step;
  x87::Context c = f.NewContext();
  Float80 b{};
  bool empty = f.Empty(0);
  if (with_zero) {
    b = x87::Zero(false);
  } else if (const Operand* m = f.MemOperand()) {
    if (!f.LoadOperand(*m, integer, c, b)) return f.step;
  } else {
    const unsigned i = e.insn.operand_count ? StIndex(e.insn.operands[e.insn.operand_count - 1]) : 1;
    empty = empty || f.Empty(i);
    b = f.Get(i);
  }
  x87::Order o = x87::Order::kUnordered;
  if (empty) {
    // The condition codes (or flags) say "unordered" even when the fault is unmasked.
    if (!f.StackFault(false)) pops = 0;
  } else {
    o = x87::Compare(f.Get(0), b, quiet, c);
    if (!to_eflags) f.SetC1(false);
    if (!f.Commit(c, !to_eflags)) pops = 0;
  }
  const uint16_t bits = ConditionBits(o);
  if (to_eflags) {
    uint64_t fl = 0;
    if (bits & sw::kC3) fl |= machine::rflags::kZf;
    if (bits & sw::kC2) fl |= machine::rflags::kPf;
    if (bits & sw::kC0) fl |= machine::rflags::kCf;
    sem::UpdateFlags(e.s.flags, machine::rflags::kArith, fl);
  } else {
    e.s.fsw = static_cast<uint16_t>((e.s.fsw & ~(sw::kC3 | sw::kC2 | sw::kC0)) | bits);
  }
  for (int i = 0; i < pops; ++i) f.Pop();
  return e.Next();
}

Step Examine(Exec& e) {
  Fpu f(e);
  if (!f.Begin()) return f.step;
  const Float80 v = f.Get(0);
  uint16_t bits;
  if (f.Empty(0)) {
    bits = sw::kC3 | sw::kC0;
  } else {
    switch (x87::Classify(v)) {
      case x87::Class::kUnsupported: bits = 0; break;
      case x87::Class::kQNaN:
      case x87::Class::kSNaN: bits = sw::kC0; break;
      case x87::Class::kNormal: bits = sw::kC2; break;
      case x87::Class::kInfinity: bits = sw::kC2 | sw::kC0; break;
      case x87::Class::kZero: bits = sw::kC3; break;
      default: bits = sw::kC3 | sw::kC2; break;
    }
  }
  if (v.sign()) bits |= sw::kC1;
  f.SetConditions(bits);
  return e.Next();
}

/// FCMOVcc: the condition (B, E, BE, U and their negations) from RFLAGS.
Step ConditionalMove(Exec& e, unsigned cond, bool negate) {
  Fpu f(e);
  if (!f.Begin()) return f.step;
  const uint64_t fl = sem::ReadRflags(e.s);
  bool take = false;
  switch (cond) {
    case 0: take = fl & machine::rflags::kCf; break;
    case 1: take = fl & machine::rflags::kZf; break;
    case 2: take = fl & (machine::rflags::kCf | machine::rflags::kZf); break;
    default: take = fl & machine::rflags::kPf; break;
  }
  if (negate) take = !take;
  const unsigned i = StIndex(e.insn.operands[1]);
  if (f.Empty(0) || f.Empty(i)) {
    if (f.StackFault(false)) f.Set(0, x87::kIndefinite);
    return e.Next();
  }
  if (take) f.Set(0, f.Get(i));
  return e.Next();
}

/// FSCALE, FPREM, FPREM1: ST(0) from ST(0) and ST(1).
Step Binary01(Exec& e, Mnemonic m) {
  Fpu f(e);
  if (!f.Begin()) return f.step;
  if (f.Empty(0) || f.Empty(1)) {
    if (m != Mnemonic::FSCALE) e.s.fsw = static_cast<uint16_t>(e.s.fsw & ~sw::kC2);
    if (f.StackFault(false)) f.Set(0, x87::kIndefinite);
    return e.Next();
  }
  x87::Context c = f.NewContext();
  uint16_t status = 0;
  const Float80 r = m == Mnemonic::FSCALE ? x87::Scale(f.Get(0), f.Get(1), c)
                                          : x87::Remainder(f.Get(0), f.Get(1), m == Mnemonic::FPREM1, c, status);
  if (!f.Commit(c)) {
    if (m != Mnemonic::FSCALE) e.s.fsw = static_cast<uint16_t>(e.s.fsw & ~(sw::kC1 | sw::kC2));
    return e.Next();
  }
  f.Set(0, r);
  if (m == Mnemonic::FSCALE) f.SetC1(c.rounded_up);
  else if (status == x87::kRemainderSpecial) e.s.fsw = static_cast<uint16_t>(e.s.fsw & ~(sw::kC1 | sw::kC2));
  else f.SetConditions(status);
  return e.Next();
}

Step ExtractOp(Exec& e) {
  Fpu f(e);
  if (!f.Begin()) return f.step;
  if (f.Empty(0) || !f.Empty(7)) {
    const bool overflow = !f.Empty(0);
    if (f.StackFault(overflow)) {
      f.Set(0, x87::kIndefinite);
      f.Push(x87::kIndefinite);
    }
    return e.Next();
  }
  x87::Context c = f.NewContext();
  Float80 exponent, significand;
  x87::Extract(f.Get(0), c, exponent, significand);
  if (!f.Commit(c)) return e.Next();
  f.Set(0, exponent);
  f.Push(significand);
  f.SetC1(false);
  return e.Next();
}

/// FSIN, FCOS, FPTAN, FSINCOS (|x| >= 2^63: C2 = 1 and nothing else changes), F2XM1 on ST(0);
/// FPATAN, FYL2X, FYL2XP1 on ST(1) and ST(0), popping.
Step Transcendental(Exec& e, Mnemonic m) {
  Fpu f(e);
  if (!f.Begin()) return f.step;
  const bool binary = m == Mnemonic::FPATAN || m == Mnemonic::FYL2X || m == Mnemonic::FYL2XP1;
  const bool pushes = m == Mnemonic::FPTAN || m == Mnemonic::FSINCOS;
  const bool trig = pushes || m == Mnemonic::FSIN || m == Mnemonic::FCOS;
  if (f.Empty(0) || (binary && f.Empty(1)) || (pushes && !f.Empty(7))) {
    const bool overflow = !f.Empty(0) && !(binary && f.Empty(1));
    if (trig) e.s.fsw = static_cast<uint16_t>(e.s.fsw & ~sw::kC2);
    if (f.StackFault(overflow)) {
      if (binary) {
        f.Set(1, x87::kIndefinite);
        f.Pop();
      } else {
        f.Set(0, x87::kIndefinite);
        if (pushes) f.Push(x87::kIndefinite);
      }
    }
    return e.Next();
  }
  const Float80 a = f.Get(0);
  if (trig && !x87::InTrigRange(a)) {
    e.s.fsw |= sw::kC2;
    return e.Next();
  }
  x87::Context c = f.NewContext();
  Float80 r, second{};
  switch (m) {
    case Mnemonic::FSIN: r = x87::Sin(a, c); break;
    case Mnemonic::FCOS: r = x87::Cos(a, c); break;
    case Mnemonic::FPTAN: r = x87::Tan(a, c); second = x87::One(); break;
    case Mnemonic::FSINCOS: {
      x87::Context cc = c;
      r = x87::Sin(a, c);
      second = x87::Cos(a, cc);
      c.flags |= cc.flags;
      c.rounded_up = c.rounded_up || cc.rounded_up;
      break;
    }
    case Mnemonic::F2XM1: r = x87::Exp2Minus1(a, c); break;
    case Mnemonic::FPATAN: r = x87::Atan2(f.Get(1), a, c); break;
    case Mnemonic::FYL2X: r = x87::YLog2X(f.Get(1), a, c); break;
    default: r = x87::YLog2XPlus1(f.Get(1), a, c); break;
  }
  if (trig) e.s.fsw = static_cast<uint16_t>(e.s.fsw & ~sw::kC2);
  if (!f.Commit(c)) return e.Next();
  if (binary) {
    f.Set(1, r);
    f.Pop();
  } else {
    f.Set(0, r);
    // FPTAN pushes 1.0 after a number and the NaN again after a NaN.
    if (pushes) f.Push(m == Mnemonic::FSINCOS || x87::Classify(r) != x87::Class::kQNaN ? second : r);
  }
  f.SetC1(c.rounded_up);
  return e.Next();
}

// --- control and state --------------------------------------------------------------------------

void Initialize(CpuState& s) {
  s.fcw = 0x037F;
  s.fsw = 0;
  s.ftw = 0xFFFF;
  s.fop = 0;
  s.fip = 0;
  s.fdp = 0;
  s.fcs = 0;
  s.fds = 0;
}

/// The value FCW keeps: bit 6 reads as 1, bits 13-15 as 0.
uint16_t ControlWord(uint64_t v) { return static_cast<uint16_t>((v & 0x1F3F) | 0x40); }

Step LoadControl(Exec& e) {
  Fpu f(e);
  if (!f.Begin(true, true)) return f.step;
  uint8_t b[2];
  if (!f.ReadMem(*f.MemOperand(), b, 2)) return f.step;
  e.s.fcw = ControlWord(b[0] | b[1] << 8);
  // Unmasking a pending exception makes it pending for the next waiting instruction.
  Summarize(e.s);
  return e.Next();
}

Step StoreWord(Exec& e, uint16_t v) {
  Fpu f(e);
  if (!f.Begin(false, true)) return f.step;
  const Operand& op = e.insn.operands[0];
  if (op.kind == OperandKind::kReg) {
    e.WriteReg(op.reg, v);
    return e.Next();
  }
  const uint8_t b[2] = {static_cast<uint8_t>(v), static_cast<uint8_t>(v >> 8)};
  if (!f.WriteMem(op, b, 2)) return f.step;
  return e.Next();
}

void Put16(uint8_t* p, uint64_t v) { p[0] = static_cast<uint8_t>(v); p[1] = static_cast<uint8_t>(v >> 8); }
void Put32(uint8_t* p, uint64_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<uint8_t>(v >> (8 * i));
}
uint64_t Get16(const uint8_t* p) { return p[0] | p[1] << 8; }
uint64_t Get32(const uint8_t* p) { return Get16(p) | Get16(p + 2) << 16; }

/// The environment image (SDM Vol.1 Figures 8-9 to 8-12): 28 bytes with a 32-bit operand size,
/// 14 with a 16-bit one, in the protected-mode or the real-mode layout; reserved halves read as
/// 1s.
unsigned EnvironmentSize(const Exec& e) { return e.insn.operand_size == 2 ? 14 : 28; }

/// Real mode (and virtual-8086 mode) store FIP and FDP as 20/32-bit linear addresses split
/// around FOP (SDM Vol.1 Figures 8-10 and 8-12).
bool RealModeLayout(const Fpu& f) { return (f.s.cr0 & 1) == 0 || (f.s.rflags_rest & (1u << 17)) != 0; }

void StoreEnvironment(const Fpu& f, uint8_t* b, bool small) {
  const CpuState& s = f.s;
  if (RealModeLayout(f)) {
    const uint64_t ip = (uint64_t{s.fcs} << 4) + s.fip, dp = (uint64_t{s.fds} << 4) + s.fdp;
    if (small) {
      Put16(b + 0, s.fcw);
      Put16(b + 2, s.fsw);
      Put16(b + 4, f.FullTags());
      Put16(b + 6, ip);
      Put16(b + 8, ((ip >> 16) & 0xF) << 12 | (s.fop & 0x7FF));
      Put16(b + 10, dp);
      Put16(b + 12, ((dp >> 16) & 0xF) << 12);
    } else {
      Put32(b + 0, 0xFFFF0000u | s.fcw);
      Put32(b + 4, 0xFFFF0000u | s.fsw);
      Put32(b + 8, 0xFFFF0000u | f.FullTags());
      Put32(b + 12, 0xFFFF0000u | (ip & 0xFFFF));
      Put32(b + 16, ((ip >> 16) & 0xFFFF) << 12 | (s.fop & 0x7FF));
      Put32(b + 20, 0xFFFF0000u | (dp & 0xFFFF));
      Put32(b + 24, ((dp >> 16) & 0xFFFF) << 12);
    }
    return;
  }
  if (small) {
    Put16(b + 0, s.fcw);
    Put16(b + 2, s.fsw);
    Put16(b + 4, f.FullTags());
    Put16(b + 6, s.fip);
    Put16(b + 8, s.fcs);
    Put16(b + 10, s.fdp);
    Put16(b + 12, s.fds);
    return;
  }
  Put32(b + 0, 0xFFFF0000u | s.fcw);
  Put32(b + 4, 0xFFFF0000u | s.fsw);
  Put32(b + 8, 0xFFFF0000u | f.FullTags());
  Put32(b + 12, s.fip);
  Put32(b + 16, uint32_t{s.fop & 0x7FFu} << 16 | s.fcs);
  Put32(b + 20, s.fdp);
  Put32(b + 24, 0xFFFF0000u | s.fds);
}

void LoadEnvironment(Fpu& f, const uint8_t* b, bool small) {
  CpuState& s = f.s;
  s.fcw = ControlWord(Get16(b));
  s.fsw = static_cast<uint16_t>(Get16(b + (small ? 2 : 4)));
  const uint16_t tags = static_cast<uint16_t>(Get16(b + (small ? 4 : 8)));
  if (RealModeLayout(f)) {
    // Linear pointers: kept as offsets with zero selectors.
    s.fcs = s.fds = 0;
    if (small) {
      s.fip = Get16(b + 6) | (Get16(b + 8) >> 12) << 16;
      s.fop = static_cast<uint16_t>(Get16(b + 8) & 0x7FF);
      s.fdp = Get16(b + 10) | (Get16(b + 12) >> 12) << 16;
    } else {
      s.fip = Get16(b + 12) | ((Get32(b + 16) >> 12) & 0xFFFF) << 16;
      s.fop = static_cast<uint16_t>(Get32(b + 16) & 0x7FF);
      s.fdp = Get16(b + 20) | ((Get32(b + 24) >> 12) & 0xFFFF) << 16;
    }
    f.LoadTags(tags);
    return;
  }
  if (small) {
    s.fip = Get16(b + 6);
    s.fcs = static_cast<uint16_t>(Get16(b + 8));
    s.fdp = Get16(b + 10);
    s.fds = static_cast<uint16_t>(Get16(b + 12));
    s.fop = 0;
  } else {
    s.fip = Get32(b + 12);
    s.fcs = static_cast<uint16_t>(Get16(b + 16));
    s.fop = static_cast<uint16_t>((Get32(b + 16) >> 16) & 0x7FF);
    s.fdp = Get32(b + 20);
    s.fds = static_cast<uint16_t>(Get16(b + 24));
  }
  f.LoadTags(tags);
}

/// FNSTENV/FNSAVE (store = true) and FLDENV/FRSTOR, with the registers for the SAVE forms.
Step Environment(Exec& e, bool store, bool registers) {
  Fpu f(e);
  if (!f.Begin(!store, true)) return f.step;
  const bool small = e.insn.operand_size == 2;
  const unsigned env = EnvironmentSize(e);
  const unsigned n = env + (registers ? 80 : 0);
  const Operand& m = *f.MemOperand();
  uint8_t b[108] = {};
  if (store) {
    StoreEnvironment(f, b, small);
    if (registers)
      for (unsigned i = 0; i < 8; ++i) {
        const Float80 v = f.Get(i);
        std::memcpy(b + env + 10 * i, &v.sig, 8);
        std::memcpy(b + env + 10 * i + 8, &v.se, 2);
      }
    if (!f.WriteMem(m, b, n)) return f.step;
    if (registers) Initialize(e.s);
    else e.s.fcw |= sw::kFlags;  // FNSTENV masks all exceptions (and so clears ES)
    Summarize(e.s);
    return e.Next();
  }
  if (!f.ReadMem(m, b, n)) return f.step;
  // The registers first (in stack order by the loaded TOP), then the tags from their contents.
  const unsigned top = (Get16(b + (small ? 2 : 4)) >> sw::kTopShift) & 7;
  if (registers)
    for (unsigned i = 0; i < 8; ++i) {
      machine::X87Reg& r = e.s.st[(top + i) & 7];
      std::memcpy(&r.significand, b + env + 10 * i, 8);
      std::memcpy(&r.sign_exponent, b + env + 10 * i + 8, 2);
    }
  LoadEnvironment(f, b, small);
  Summarize(e.s);
  return e.Next();
}

/// FXSAVE/FXSAVE64 and FXRSTOR/FXRSTOR64 (SDM Vol.2 FXSAVE Tables 3-53, 3-56): x87 state with the
/// abridged tag word, MXCSR, XMM0-7 (XMM0-15 in 64-bit mode). Bytes 416-511 are not touched. The
/// layout is the XSAVE legacy region's (jit/semantics/xsave.h).
Step FxState(Exec& e, bool save, bool rex_w) {
  // #NM for CR0.TS and, unlike other x87 instructions, CR0.EM (SDM Vol.2 FXSAVE, FXRSTOR).
  if (e.s.cr0 & (kCr0Em | kCr0Ts)) return e.Raise(vec::kNm);
  Fpu f(e);
  const Operand& m = *f.MemOperand();
  if (e.Address(m) & 15) return e.RaiseWithCode(vec::kGp, 0);
  const unsigned xmms = e.mode == frontend::CpuMode::k64 ? 16 : 8;
  const unsigned n = 160 + 16 * xmms;
  uint8_t b[416] = {};
  if (save) {
    sem::xsave::SaveX87(e.s, b, rex_w);
    sem::xsave::SaveMxcsr(e.s, b);
    sem::xsave::SaveXmm(e.s, b, xmms);
    if (!f.WriteMem(m, b, n)) return f.step;
    return e.Next();
  }
  if (!f.ReadMem(m, b, n)) return f.step;
  if (!sem::xsave::MxcsrValid(b)) return e.RaiseWithCode(vec::kGp, 0);
  sem::xsave::LoadX87(e.s, b, rex_w);
  e.s.mxcsr = static_cast<uint32_t>(Get32(b + 24));
  sem::xsave::LoadXmm(e.s, b, xmms);
  return e.Next();
}

Step Simple(Exec& e, bool waiting, bool control, void (*fn)(Fpu&)) {
  Fpu f(e);
  if (!f.Begin(waiting, control)) return f.step;
  fn(f);
  return e.Next();
}

}  // namespace

bool ExecuteX87(Exec& e, Step& step) {
  using M = Mnemonic;
  if (e.insn.encoding != frontend::Encoding::kLegacy) return false;
  const M m = e.insn.mnemonic;
  switch (m) {
    case M::FADD: step = Arith(e, ArithOp::kAdd, false, false); return true;
    case M::FADDP: step = Arith(e, ArithOp::kAdd, false, true); return true;
    case M::FIADD: step = Arith(e, ArithOp::kAdd, true, false); return true;
    case M::FSUB: step = Arith(e, ArithOp::kSub, false, false); return true;
    case M::FSUBP: step = Arith(e, ArithOp::kSub, false, true); return true;
    case M::FISUB: step = Arith(e, ArithOp::kSub, true, false); return true;
    case M::FSUBR: step = Arith(e, ArithOp::kSubR, false, false); return true;
    case M::FSUBRP: step = Arith(e, ArithOp::kSubR, false, true); return true;
    case M::FISUBR: step = Arith(e, ArithOp::kSubR, true, false); return true;
    case M::FMUL: step = Arith(e, ArithOp::kMul, false, false); return true;
    case M::FMULP: step = Arith(e, ArithOp::kMul, false, true); return true;
    case M::FIMUL: step = Arith(e, ArithOp::kMul, true, false); return true;
    case M::FDIV: step = Arith(e, ArithOp::kDiv, false, false); return true;
    case M::FDIVP: step = Arith(e, ArithOp::kDiv, false, true); return true;
    case M::FIDIV: step = Arith(e, ArithOp::kDiv, true, false); return true;
    case M::FDIVR: step = Arith(e, ArithOp::kDivR, false, false); return true;
    case M::FDIVRP: step = Arith(e, ArithOp::kDivR, false, true); return true;
    case M::FIDIVR: step = Arith(e, ArithOp::kDivR, true, false); return true;
    case M::FSQRT: step = Unary(e, [](Float80 a, x87::Context& c) { return x87::Sqrt(a, c); }, true); return true;
    case M::FRNDINT:
      step = Unary(e, [](Float80 a, x87::Context& c) { return x87::RoundToInteger(a, c); }, true);
      return true;
    case M::FCHS:
      step = Unary(e, [](Float80 a, x87::Context&) { return Float80{a.sig, static_cast<uint16_t>(a.se ^ 0x8000)}; }, false);
      return true;
    case M::FABS:
      step = Unary(e, [](Float80 a, x87::Context&) { return Float80{a.sig, static_cast<uint16_t>(a.se & 0x7FFF)}; }, false);
      return true;
    case M::FLD: step = Load(e, false, false); return true;
    case M::FILD: step = Load(e, true, false); return true;
    case M::FBLD: step = Load(e, false, true); return true;
    case M::FLD1: step = LoadConstant(e, 0x8000000000000000u, 0, 0); return true;
    case M::FLDZ: step = LoadConstant(e, 0, 0, 0); return true;
    case M::FLDPI: step = LoadConstant(e, 0xC90FDAA22168C234u, 0xC4C6628B80DC1CD1u, 1); return true;
    case M::FLDL2E: step = LoadConstant(e, 0xB8AA3B295C17F0BBu, 0xBE87FED0691D3E88u, 0); return true;
    case M::FLDL2T: step = LoadConstant(e, 0xD49A784BCD1B8AFEu, 0x492BF6FF4DAFDB4Cu, 1); return true;
    case M::FLDLG2: step = LoadConstant(e, 0x9A209A84FBCFF798u, 0x8F8959AC0B7C9178u, -2); return true;
    case M::FLDLN2: step = LoadConstant(e, 0xB17217F7D1CF79ABu, 0xC9E3B39803F2F6AFu, -1); return true;
    case M::FST:
    case M::FSTP:
    case M::FSTPNCE:
      if (e.insn.operands[0].kind == OperandKind::kMem) step = StoreMem(e, StoreKind::kFloat, m != M::FST);
      else step = StoreReg(e, m != M::FST);
      return true;
    case M::FIST: step = StoreMem(e, StoreKind::kInt, false); return true;
    case M::FISTP: step = StoreMem(e, StoreKind::kInt, true); return true;
    case M::FISTTP: step = StoreMem(e, StoreKind::kIntTruncate, true); return true;
    case M::FBSTP: step = StoreMem(e, StoreKind::kBcd, true); return true;
    case M::FXCH: step = Exchange(e); return true;
    case M::FCOM: step = CompareOp(e, false, false, 0, false); return true;
    case M::FCOMP: step = CompareOp(e, false, false, 1, false); return true;
    case M::FCOMPP: step = CompareOp(e, false, false, 2, false); return true;
    case M::FUCOM: step = CompareOp(e, true, false, 0, false); return true;
    case M::FUCOMP: step = CompareOp(e, true, false, 1, false); return true;
    case M::FUCOMPP: step = CompareOp(e, true, false, 2, false); return true;
    case M::FICOM: step = CompareOp(e, false, true, 0, false); return true;
    case M::FICOMP: step = CompareOp(e, false, true, 1, false); return true;
    case M::FCOMI: step = CompareOp(e, false, false, 0, true); return true;
    case M::FCOMIP: step = CompareOp(e, false, false, 1, true); return true;
    case M::FUCOMI: step = CompareOp(e, true, false, 0, true); return true;
    case M::FUCOMIP: step = CompareOp(e, true, false, 1, true); return true;
    case M::FTST: step = CompareOp(e, false, false, 0, false, true); return true;
    case M::FXAM: step = Examine(e); return true;
    case M::FCMOVB: step = ConditionalMove(e, 0, false); return true;
    case M::FCMOVE: step = ConditionalMove(e, 1, false); return true;
    case M::FCMOVBE: step = ConditionalMove(e, 2, false); return true;
    case M::FCMOVU: step = ConditionalMove(e, 3, false); return true;
    case M::FCMOVNB: step = ConditionalMove(e, 0, true); return true;
    case M::FCMOVNE: step = ConditionalMove(e, 1, true); return true;
    case M::FCMOVNBE: step = ConditionalMove(e, 2, true); return true;
    case M::FCMOVNU: step = ConditionalMove(e, 3, true); return true;
    case M::FSCALE:
    case M::FPREM:
    case M::FPREM1: step = Binary01(e, m); return true;
    case M::FXTRACT: step = ExtractOp(e); return true;
    case M::FSIN:
    case M::FCOS:
    case M::FPTAN:
    case M::FSINCOS:
    case M::F2XM1:
    case M::FPATAN:
    case M::FYL2X:
    case M::FYL2XP1: step = Transcendental(e, m); return true;
    case M::FNINIT: step = Simple(e, false, true, [](Fpu& f) { Initialize(f.s); }); return true;
    case M::FNCLEX:
      step = Simple(e, false, true, [](Fpu& f) { f.s.fsw = static_cast<uint16_t>(f.s.fsw & ~(sw::kFlags | sw::kSf | sw::kEs | sw::kB)); });
      return true;
    case M::FLDCW: step = LoadControl(e); return true;
    case M::FNSTCW: step = StoreWord(e, e.s.fcw); return true;
    case M::FNSTSW: step = StoreWord(e, e.s.fsw); return true;
    case M::FNSTENV: step = Environment(e, true, false); return true;
    case M::FLDENV: step = Environment(e, false, false); return true;
    case M::FNSAVE: step = Environment(e, true, true); return true;
    case M::FRSTOR: step = Environment(e, false, true); return true;
    case M::FXSAVE: step = FxState(e, true, false); return true;
    case M::FXSAVE64: step = FxState(e, true, true); return true;
    case M::FXRSTOR: step = FxState(e, false, false); return true;
    case M::FXRSTOR64: step = FxState(e, false, true); return true;
    case M::FFREE:
      step = Simple(e, true, false, [](Fpu& f) {
        f.Free(StIndex(f.e.insn.operands[0]));
        f.SetC1(false);
      });
      return true;
    case M::FFREEP:
      step = Simple(e, true, false, [](Fpu& f) {
        f.Free(StIndex(f.e.insn.operands[0]));
        f.Pop();
        f.SetC1(false);
      });
      return true;
    case M::FDECSTP:
      step = Simple(e, true, false, [](Fpu& f) {
        f.SetTop(f.Top() - 1);
        f.SetC1(false);
      });
      return true;
    case M::FINCSTP:
      step = Simple(e, true, false, [](Fpu& f) {
        f.SetTop(f.Top() + 1);
        f.SetC1(false);
      });
      return true;
    case M::FNOP: step = Simple(e, true, false, [](Fpu&) {}); return true;
    case M::FENI8087_NOP:
    case M::FDISI8087_NOP:
    case M::FSETPM287_NOP: step = Simple(e, false, true, [](Fpu&) {}); return true;
    case M::FWAIT:
      // WAIT checks only CR0.TS with CR0.MP for #NM (SDM Vol.3 2.5, Table 2-2).
      if ((e.s.cr0 & (kCr0Mp | kCr0Ts)) == (kCr0Mp | kCr0Ts)) {
        step = e.Raise(vec::kNm);
      } else if ((e.s.fsw & sw::kEs) && (e.s.cr0 & kCr0Ne)) {
        step = e.Raise(vec::kMf);
      } else {
        step = e.Next();
      }
      return true;
    default: return false;
  }
}

}  // namespace kiln::jit::interp
