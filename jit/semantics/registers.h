// Register operands of a decoded instruction in CpuState: the one place that knows how the
// x86-64 register classes map onto the register file (AH..BH, zero-extending 32-bit writes,
// merging 8- and 16-bit ones, segment registers reading as their selectors). The interpreter's
// Exec and the system CPU's operand access (machine/cpu/system_ops.h) both use it.
#pragma once

#include <cstdint>

#include "frontend/registers.h"
#include "machine/cpu_state.h"

namespace kiln::jit::sem {

/// The value of a general-purpose or segment register operand.
[[gnu::always_inline]] inline uint64_t ReadRegister(const machine::CpuState& s, frontend::Reg r) {
  const uint64_t v = s.gpr[r.index & 15];
  switch (r.cls) {
    case frontend::RegClass::kGpr8: return v & 0xFF;
    case frontend::RegClass::kGpr8High: return (s.gpr[r.index & 3] >> 8) & 0xFF;
    case frontend::RegClass::kGpr16: return v & 0xFFFF;
    case frontend::RegClass::kGpr32: return v & 0xFFFFFFFF;
    case frontend::RegClass::kSeg: return r.index < 6 ? s.seg[r.index].selector : 0;  // MOV r/m, Sreg; PUSH Sreg
    default: return v;
  }
}

/// Writes a general-purpose register operand with the x86-64 rules: 32-bit results
/// zero-extend, 8- and 16-bit ones merge.
[[gnu::always_inline]] inline void WriteRegister(machine::CpuState& s, frontend::Reg r, uint64_t v) {
  uint64_t& g = s.gpr[r.index & 15];
  switch (r.cls) {
    case frontend::RegClass::kGpr8: g = (g & ~uint64_t{0xFF}) | (v & 0xFF); break;
    case frontend::RegClass::kGpr8High: {
      uint64_t& h = s.gpr[r.index & 3];
      h = (h & ~uint64_t{0xFF00}) | ((v & 0xFF) << 8);
      break;
    }
    case frontend::RegClass::kGpr16: g = (g & ~uint64_t{0xFFFF}) | (v & 0xFFFF); break;
    case frontend::RegClass::kGpr32: g = v & 0xFFFFFFFF; break;
    default: g = v; break;
  }
}

}  // namespace kiln::jit::sem
