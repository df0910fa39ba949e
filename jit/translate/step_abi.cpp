// kiln_step: one guest instruction through the interpreter's handlers (see step_abi.h).
#include "jit/translate/step_abi.h"

#include "jit/interp/exec.h"

extern "C" uint32_t kiln_step(kiln::machine::CpuState* state, kiln::jit::GuestMemory* memory,
                              const kiln::frontend::DecodedInsn* insn, kiln::jit::Exit* exit, uint8_t* group) {
  using namespace kiln::jit;
  interp::Exec e(*state, *memory, *insn, *exit);
  interp::Step step = interp::Step::kNext;
  if (insn->mnemonic == kiln::frontend::Mnemonic::INVALID || !interp::ExecuteOne(e, step, *group)) step = e.Raise(vec::kUd);
  return static_cast<uint32_t>(step);
}
