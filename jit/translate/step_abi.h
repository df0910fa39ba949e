// The ABI between compiled blocks and the shared instruction semantics: one call per guest
// instruction, through the interpreter's handlers (interp::ExecuteOne), so the JIT runs exactly
// the interpreter's semantics. Compiled blocks reach it as an absolute symbol (block_jit.cpp).
#pragma once

#include <cstdint>

#include "frontend/decoded_insn.h"
#include "jit/interp/guest_memory.h"
#include "jit/interp/interpreter.h"
#include "machine/cpu_state.h"

/// Executes `insn` on `state`; returns the interpreter's Step (0 next, 1 branch, 2 exception with
/// `exit` filled in, 3 exit). Unimplemented instructions raise #UD. `group` is the caller's cache
/// of which handler group runs `insn` (0 until the first execution finds it), as in the interpreter.
extern "C" uint32_t kiln_step(kiln::machine::CpuState* state, kiln::jit::GuestMemory* memory,
                              const kiln::frontend::DecodedInsn* insn, kiln::jit::Exit* exit, uint8_t* group);
