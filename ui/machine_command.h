// `kiln [QEMU-style options]`: build a PC and boot it (machine/pc/pc_machine.h). The options are
// QEMU's where a QEMU user would look for them: -m, -kernel, -append, -initrd, -bios, -nographic,
// -serial, -debugcon, -chardev, -device (isa-debug-exit, isa-debugcon, pc-testdev), -no-reboot,
// -cpu, -d cpu_reset.
#pragma once

#include <span>
#include <string_view>

#include "ui/cli/cli.h"

namespace kiln::ui {

int RunMachineCommand(std::span<const std::string_view> args, const CommandIo& io);

}  // namespace kiln::ui
