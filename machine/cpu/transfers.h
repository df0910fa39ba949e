// Internal to machine/cpu/: far transfers and the fast system calls (transfers.cpp), and
// software interrupts (interrupts.cpp). Each returns false with ops.fault set, the state as
// before the instruction.
#pragma once

#include <cstdint>

#include "machine/cpu/system_ops.h"

namespace kiln::machine {

bool FarJumpOrCall(SystemOps& o, bool call, uint16_t selector, uint64_t offset, unsigned size);
/// Far JMP/CALL whose selector names a system descriptor `gate` (call_gates.cpp): a call gate
/// (16/32-bit, or 64-bit in long mode), or a TSS or task gate (a task switch, outside long mode).
bool FarTransferThroughGate(SystemOps& o, bool call, uint16_t selector, const Descriptor& gate);
/// JMP/CALL to a TSS descriptor or through a task gate (task_switch.cpp, SDM Vol.3 7.3).
bool FarTaskSwitch(SystemOps& o, bool call, uint16_t selector, const Descriptor& d);
/// RET far with `release` bytes of parameters (RET imm16).
bool FarReturn(SystemOps& o, unsigned size, uint64_t release);
bool InterruptReturn(SystemOps& o, unsigned size);
bool Syscall(SystemOps& o);
bool Sysret(SystemOps& o);
bool Sysenter(SystemOps& o);
bool Sysexit(SystemOps& o);
/// INT n, INT3, INTO (software: the gate's DPL is checked) with the return address pushed;
/// `icebp`: INT1, delivered like a hardware #DB (no DPL check).
bool DeliverSoftwareInterrupt(SystemOps& o, uint8_t vector, uint64_t return_rip, bool icebp = false);

}  // namespace kiln::machine
