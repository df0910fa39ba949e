// Internal to machine/cpu/: the 32-bit hardware task switch (SDM Vol.3 7.3), for JMP/CALL to a
// TSS or through a task gate (call_gates.cpp), an interrupt or exception through a task gate in
// the IDT (interrupts.cpp) and IRET with EFLAGS.NT (transfers.cpp). Not in long mode (#GP).
#pragma once

#include <cstdint>

#include "machine/cpu/system_ops.h"

namespace kiln::machine {

enum class TaskSwitchReason : uint8_t { kJump, kCall, kInterrupt, kIret };

/// Switches to the task whose TSS descriptor `tss_selector` names; `return_rip` is the EIP saved
/// in the outgoing task's TSS. The checks before the commit point fault with the old task's
/// state; a fault while loading the new task's segments is raised after the switch, in the new
/// task, and sets o.keep_state so that the caller does not roll the switch back.
bool TaskSwitch(SystemOps& o, uint16_t tss_selector, TaskSwitchReason why, uint64_t return_rip);

}  // namespace kiln::machine
