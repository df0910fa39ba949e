// One instruction through the handler groups: the interpreter's run loop and the JIT's compiled
// blocks (jit/translate/step_abi.cpp) both come here, so they share every semantic.
#include <iterator>

#include "jit/interp/exec.h"

namespace kiln::jit::interp {
namespace {

using GroupFn = bool (*)(Exec&, Step&);
// The order they are tried in the first time an instruction executes.
constexpr GroupFn kGroups[] = {ExecuteInteger, ExecuteControl, ExecuteData, ExecuteString, ExecuteSse, ExecuteSystem, ExecuteLegacy};

}  // namespace

bool ExecuteOne(Exec& e, Step& step, uint8_t& group) {
  if (group != 0) return kGroups[group - 1](e, step);
  for (uint8_t g = 0; g < std::size(kGroups); ++g) {
    if (kGroups[g](e, step)) {
      group = static_cast<uint8_t>(g + 1);
      return true;
    }
  }
  return false;
}

}  // namespace kiln::jit::interp
