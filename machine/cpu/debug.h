// Internal to machine/cpu/: the debug exception (#DB, SDM Vol.3 17.2-17.3) for the instructions
// the machine emulates. The engine checks the instructions it runs itself
// (jit::Interpreter::RunStepping); these are the same rules for trapped instructions.
#pragma once

#include "frontend/decoded_insn.h"
#include "machine/cpu/system_ops.h"

namespace kiln::machine {

namespace dr6 {
inline constexpr uint64_t kHits = 0xF, kBd = 1u << 13, kBs = 1u << 14;
}  // namespace dr6
namespace dr7 {
inline constexpr uint64_t kEnables = 0xFF, kGd = 1u << 13;
}  // namespace dr7

/// MOV to or from a debug register with DR7.GD set: the #DB fault of general detection, with
/// DR6.BD (the caller keeps DR6 when it restores the state).
bool GeneralDetect(SystemOps& o);

/// I/O breakpoints (SDM Vol.3 17.2.4-17.2.5): with CR4.DE, a DR0-DR3 whose DR7 R/W field is 10
/// and that is enabled matches an access to ports [port, port + size) that overlaps its own
/// range (DRn's port, aligned down to its LEN). Matches join the data breakpoints' hits, and
/// DebugTrapAfter raises the #DB trap for them after the instruction (or the REP iteration).
void NoteIoBreakpoints(SystemOps& o, uint16_t port, unsigned size);

/// After a trapped instruction completed (RIP past it): clears RF, and raises the #DB trap of
/// single-stepping (TF was set as it started, `flags_before`) or of the data breakpoints its
/// accesses hit. No single-step trap after MOV SS/POP SS (`shadow`: it comes after the next
/// instruction), after INT n/INT3/INTO/INT1 (the handler runs with TF clear), or after HLT.
/// False with o.fault set when a trap is due.
bool DebugTrapAfter(SystemOps& o, uint64_t flags_before, const frontend::DecodedInsn& insn, bool shadow);

}  // namespace kiln::machine
