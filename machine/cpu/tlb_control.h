// INVPCID: the TLB invalidation by process-context identifier (SDM Vol.2 "INVPCID", Vol.3
// 4.10.4.1). INVLPG and the CR3/CR4 flush rules are with the control registers (system_cpu.cpp).
#pragma once

#include "machine/cpu/system_ops.h"

namespace kiln::machine {

/// Emulates INVPCID for the trapped instruction in `o`; false with the fault filled in.
bool Invpcid(SystemOps& o);

}  // namespace kiln::machine
