// kiln_step: one guest instruction through the interpreter's handlers (see step_abi.h).
#include "jit/translate/step_abi.h"

#include "jit/interp/exec.h"

extern "C" uint32_t kiln_step(kiln::machine::CpuState* state, kiln::jit::GuestMemory* memory,
                              kiln::jit::interp::Uop* uop, kiln::jit::Exit* exit) {
  using namespace kiln::jit;
  // One instruction only: a copy of the Uop followed by the end-of-block Uop, so that the
  // handler's fall-through stops there; what the first execution learns goes back into `uop`.
  interp::Uop single[2] = {*uop, interp::kEndOfBlock};
  single[0].position = 0;
  interp::Exec e(*state, *memory, single[0], *exit);
  bool unimplemented = false;
  const interp::Step step =
      single[0].handler ? single[0].handler(e, single[0]) : interp::ExecuteUnselected(e, single[0], unimplemented);
  uop->handler = single[0].handler;
  return static_cast<uint32_t>(step);
}
