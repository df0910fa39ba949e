// Internal to machine/cpu/: the instructions that ask about a segment descriptor without loading
// it (LAR, LSL, VERR, VERW) and ARPL (SDM Vol.2). They report through ZF and never fault on a
// selector that names nothing usable; only the descriptor read itself may page-fault.
#pragma once

#include "frontend/decoded_insn.h"
#include "machine/cpu/system_ops.h"

namespace kiln::machine {

/// Emulates LAR, LSL, VERR, VERW or ARPL; false with o.fault set on a fault (#UD outside
/// protected mode, #PF reading the descriptor or the operand).
bool SegmentQuery(SystemOps& o, const frontend::DecodedInsn& insn);

}  // namespace kiln::machine
