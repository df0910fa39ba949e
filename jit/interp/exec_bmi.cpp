// Interpreter handlers for the bit-manipulation extensions CPUID advertises: BMI1 (ANDN, BEXTR,
// BLSI, BLSMSK, BLSR), BMI2 (BZHI, PDEP, PEXT, MULX, RORX, SARX, SHLX, SHRX), ADX (ADCX, ADOX)
// and SSE4.2's CRC32. The semantics are jit/semantics/bits.h; operands are in Intel order as the
// decoder gives them (VEX.vvvv is the operand it names in the SDM's operand encoding table).
#include "jit/interp/exec.h"
#include "jit/semantics/bits.h"

namespace kiln::jit::interp {
namespace {

using frontend::Mnemonic;
using machine::LazyFlags;

/// dest = fn(flags, operand 1, operand 2); the flags are committed with the result.
template <class Fn>
Step ThreeOperand(Exec& e, Fn fn) {
  Step step = Step::kNext;
  uint64_t a, b;
  if (!e.Read(1, a, step) || !e.Read(2, b, step)) return step;
  LazyFlags f = e.s.flags;
  const uint64_t r = fn(f, a, b, e.insn.operands[0].size);
  e.WriteReg(e.insn.operands[0].reg, r);
  e.s.flags = f;
  return e.Next();
}

Step BlsFamily(Exec& e, sem::BlsOp op) {
  Step step = Step::kNext;
  uint64_t src;
  if (!e.Read(1, src, step)) return step;
  e.WriteReg(e.insn.operands[0].reg, sem::Bls(e.s.flags, op, src, e.insn.operands[0].size));
  return e.Next();
}

/// MULX hi, lo, r/m: RDX/EDX * r/m; when hi and lo name the same register it gets the high half.
Step Mulx(Exec& e) {
  Step step = Step::kNext;
  uint64_t src;
  if (!e.Read(2, src, step)) return step;
  const unsigned size = e.insn.operands[0].size;
  const sem::MulxResult r = sem::Mulx(e.s.gpr[machine::kRdx], src, size);
  e.WriteReg(e.insn.operands[1].reg, r.lo);
  e.WriteReg(e.insn.operands[0].reg, r.hi);
  return e.Next();
}

Step AddCarry(Exec& e, bool overflow_flag) {
  Step step = Step::kNext;
  uint64_t a, b;
  if (!e.Read(0, a, step) || !e.Read(1, b, step)) return step;
  const uint64_t r = sem::AddCarryFlag(e.s.flags, overflow_flag, a, b, e.insn.operands[0].size);
  e.WriteReg(e.insn.operands[0].reg, r);
  return e.Next();
}

/// CRC32 r32/r64, r/m: the low 32 bits of the destination accumulate the source's bytes; the
/// result is zero-extended (also with REX.W).
Step Crc32(Exec& e) {
  Step step = Step::kNext;
  uint64_t data;
  if (!e.Read(1, data, step)) return step;
  const auto crc = static_cast<uint32_t>(e.s.gpr[e.insn.operands[0].reg.index & 15]);
  e.WriteReg(e.insn.operands[0].reg, sem::Crc32c(crc, data, e.insn.operands[1].size));
  return e.Next();
}

}  // namespace

bool ExecuteBmi(Exec& e, Step& step) {
  using M = Mnemonic;
  switch (e.insn.mnemonic) {
    case M::ANDN: step = ThreeOperand(e, [](LazyFlags& f, uint64_t a, uint64_t b, unsigned n) { return sem::Andn(f, a, b, n); }); return true;
    case M::BEXTR: step = ThreeOperand(e, [](LazyFlags& f, uint64_t a, uint64_t b, unsigned n) { return sem::Bextr(f, a, b, n); }); return true;
    case M::BZHI: step = ThreeOperand(e, [](LazyFlags& f, uint64_t a, uint64_t b, unsigned n) { return sem::Bzhi(f, a, b, n); }); return true;
    case M::PDEP: step = ThreeOperand(e, [](LazyFlags&, uint64_t a, uint64_t b, unsigned n) { return sem::Pdep(a, b, n); }); return true;
    case M::PEXT: step = ThreeOperand(e, [](LazyFlags&, uint64_t a, uint64_t b, unsigned n) { return sem::Pext(a, b, n); }); return true;
    case M::SHLX: step = ThreeOperand(e, [](LazyFlags&, uint64_t a, uint64_t b, unsigned n) { return sem::Shlx(a, b, n); }); return true;
    case M::SHRX: step = ThreeOperand(e, [](LazyFlags&, uint64_t a, uint64_t b, unsigned n) { return sem::Shrx(a, b, n); }); return true;
    case M::SARX: step = ThreeOperand(e, [](LazyFlags&, uint64_t a, uint64_t b, unsigned n) { return sem::Sarx(a, b, n); }); return true;
    case M::RORX:
      step = ThreeOperand(e, [](LazyFlags&, uint64_t a, uint64_t b, unsigned n) { return sem::Rorx(a, static_cast<unsigned>(b), n); });
      return true;
    case M::BLSI: step = BlsFamily(e, sem::BlsOp::kBlsi); return true;
    case M::BLSMSK: step = BlsFamily(e, sem::BlsOp::kBlsmsk); return true;
    case M::BLSR: step = BlsFamily(e, sem::BlsOp::kBlsr); return true;
    case M::MULX: step = Mulx(e); return true;
    case M::ADCX: step = AddCarry(e, false); return true;
    case M::ADOX: step = AddCarry(e, true); return true;
    case M::CRC32: step = Crc32(e); return true;
    default: return false;
  }
}

}  // namespace kiln::jit::interp
