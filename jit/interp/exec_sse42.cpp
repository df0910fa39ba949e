// Interpreter handlers for SSE4.2's packed string compares PCMPESTRI, PCMPESTRM, PCMPISTRI and
// PCMPISTRM (the semantics are jit/semantics/pcmpstr.h). Their memory operand need not be
// aligned (SDM Vol.2 4.1.1). PCMPGTQ and CRC32 are in exec_sse_ext.cpp and exec_bmi.cpp.
#include <cstring>

#include "jit/interp/exec.h"
#include "jit/interp/vector_access.h"
#include "jit/semantics/flags.h"
#include "jit/semantics/pcmpstr.h"

namespace kiln::jit::interp {
namespace {

namespace ps = sem::pcmpstr;

Step StringCompare(Exec& e, bool explicit_lengths, bool index) {
  Step step = Step::kNext;
  Vec a, b;
  if (!ReadVec(e, 0, a, step) || !ReadVec(e, 1, b, step)) return step;
  const unsigned imm = static_cast<unsigned>(e.insn.operands[2].value) & 0x7F;
  unsigned la, lb;
  if (explicit_lengths) {
    // EAX and EDX as signed 32-bit values, or RAX and RDX with REX.W.
    const bool wide = e.insn.prefixes.rex & 8;
    auto length = [&](unsigned reg) {
      const uint64_t v = e.s.gpr[reg];
      return ps::ExplicitLength(wide ? static_cast<int64_t>(v) : static_cast<int32_t>(static_cast<uint32_t>(v)), imm);
    };
    la = length(machine::kRax);
    lb = length(machine::kRdx);
  } else {
    la = ps::ImplicitLength(a.data(), imm);
    lb = ps::ImplicitLength(b.data(), imm);
  }
  const ps::Result r = ps::Compare(a.data(), la, b.data(), lb, imm);
  if (index) e.s.gpr[machine::kRcx] = ps::Index(r, imm);
  else ps::Mask(r, imm, e.s.zmm[0]);
  sem::UpdateFlags(e.s.flags, machine::rflags::kArith, r.rflags);
  return e.Next();
}

}  // namespace

bool ExecuteSseStrings(Exec& e, Step& step) {
  using M = frontend::Mnemonic;
  if (e.insn.encoding != frontend::Encoding::kLegacy) return false;
  switch (e.insn.mnemonic) {
    case M::PCMPESTRI: step = StringCompare(e, true, true); return true;
    case M::PCMPESTRM: step = StringCompare(e, true, false); return true;
    case M::PCMPISTRI: step = StringCompare(e, false, true); return true;
    case M::PCMPISTRM: step = StringCompare(e, false, false); return true;
    default: return false;
  }
}

}  // namespace kiln::jit::interp
