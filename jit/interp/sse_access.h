// Whether the OS has made the SSE state usable (SDM Vol.3 2.5 and 13.1, Vol.2 "SIMD
// Floating-Point Exceptions" tables): a legacy SSE instruction raises #UD with CR0.EM set or
// CR4.OSFXSR clear, then #NM with CR0.TS set (a lazy-FPU OS's cue to load the task's state).
// VEX instructions have their own rule (exec_avx.cpp), MMX and x87 theirs (mmx_access.h,
// exec_x87.cpp). Internal to jit/interp/.
#pragma once

#include "jit/interp/exec.h"

namespace kiln::jit::interp {

namespace sse_control {
inline constexpr uint64_t kCr0Em = 1u << 2, kCr0Ts = 1u << 3, kCr4Osfxsr = 1u << 9;
}  // namespace sse_control

/// True when a legacy SSE instruction must fault instead of running. Only a full machine
/// (CpuState::trap_system) has these controls; `kiln user` runs as under Linux, with SSE on.
/// The control-register test comes first, so the common case reads one cache line.
[[gnu::always_inline]] inline bool SseUnavailable(const machine::CpuState& s) {
  using namespace sse_control;
  return ((s.cr0 & (kCr0Em | kCr0Ts)) || !(s.cr4 & kCr4Osfxsr)) && s.trap_system;
}

/// The fault for an SSE instruction when SseUnavailable(): #UD before #NM.
[[gnu::cold]] inline Step RaiseSseUnavailable(Exec& e) {
  using namespace sse_control;
  if ((e.s.cr0 & kCr0Em) || !(e.s.cr4 & kCr4Osfxsr)) return e.Raise(vec::kUd);
  return e.Raise(vec::kNm);
}

/// Whether a legacy-encoded instruction uses the SSE state: an XMM register operand (which
/// includes the MMX/XMM conversions), MXCSR, or one of the scalar conversions to a GPR whose
/// source may be memory. The integer instructions of the SSE extensions that touch neither
/// (CRC32, POPCNT, MOVNTI, the fences, prefetches, CLFLUSH) do not fault.
inline bool UsesSseState(const frontend::DecodedInsn& insn) {
  using M = frontend::Mnemonic;
  if (insn.encoding != frontend::Encoding::kLegacy) return false;
  for (unsigned i = 0; i < insn.operand_count; ++i) {
    const frontend::Operand& op = insn.operands[i];
    if (op.kind == frontend::OperandKind::kReg && op.reg.cls == frontend::RegClass::kXmm) return true;
  }
  switch (insn.mnemonic) {
    case M::LDMXCSR: case M::STMXCSR: case M::CVTSS2SI: case M::CVTSD2SI: case M::CVTTSS2SI:
    case M::CVTTSD2SI:
      return true;
    default: return false;
  }
}

}  // namespace kiln::jit::interp
