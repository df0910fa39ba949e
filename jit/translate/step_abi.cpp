// kiln_step: one guest instruction through the interpreter's handlers (see step_abi.h).
#include "jit/translate/step_abi.h"

#include "jit/interp/exec.h"

extern "C" uint32_t kiln_step(kiln::machine::CpuState* state, kiln::jit::GuestMemory* memory,
                              kiln::jit::interp::Uop* uop, kiln::jit::Exit* exit) {
  using namespace kiln::jit;
  interp::Exec e(*state, *memory, *uop, *exit);
  if (uop->handler) return static_cast<uint32_t>(uop->handler(e, *uop));
  bool unimplemented = false;
  return static_cast<uint32_t>(interp::ExecuteUnselected(e, *uop, unimplemented));
}
