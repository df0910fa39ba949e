// IsaDebugExit: the write-to-exit port (QEMU hw/misc/debugexit.c behaviour).
#include "devices/isa_debug_exit.h"

#include "devices/isa_bytes.h"

namespace kiln::devices {

uint32_t IsaDebugExit::PortRead(uint16_t /*port*/, unsigned /*size*/) { return 0; }

void IsaDebugExit::PortWrite(uint16_t /*port*/, unsigned size, uint32_t value) {
  control_.RequestExit(ExitStatus(MaskToSize(value, size)));
}

}  // namespace kiln::devices
