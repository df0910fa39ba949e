// `kiln user ELF [ARGS...]`: run a static x86-64 Linux program on the interpreter.
#pragma once

#include <span>
#include <string_view>

#include "ui/cli/cli.h"

namespace kiln::ui {

int RunUserCommand(std::span<const std::string_view> args, const CommandIo& io);

}  // namespace kiln::ui
