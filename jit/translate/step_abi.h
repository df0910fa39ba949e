// The ABI between compiled blocks and the shared instruction semantics: one call per guest
// instruction, through the interpreter's handlers (the Uop's), so the JIT runs exactly
// the interpreter's semantics. Compiled blocks reach it as an absolute symbol (block_jit.cpp).
#pragma once

#include <cstdint>

#include "frontend/decoded_insn.h"
#include "jit/interp/guest_memory.h"
#include "jit/interp/interpreter.h"
#include "jit/interp/uop.h"
#include "machine/cpu_state.h"

/// Executes the instruction of `uop` (interp::MakeUop) on `state` through the interpreter's
/// handler for it; returns the interpreter's Step (0 next, 1 branch, 2 exception with `exit`
/// filled in, 3 exit). Unimplemented instructions raise #UD. The first execution of an
/// instruction with no specialised handler stores the generic one in `uop`, as in the interpreter.
extern "C" uint32_t kiln_step(kiln::machine::CpuState* state, kiln::jit::GuestMemory* memory,
                              kiln::jit::interp::Uop* uop, kiln::jit::Exit* exit);
