#include "jit/interp/exec.h"
namespace kiln::jit::interp { bool ExecuteMmx(Exec&, Step&) { return false; } }
