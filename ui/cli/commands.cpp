// The table of kiln subcommands: one row per command.
#include "ui/cli/cli.h"
#include "ui/disasm_command.h"
#include "ui/user_command.h"

namespace kiln::ui {

std::span<const Command> Commands() {
  static constexpr Command kCommands[] = {
      {"disasm", "disassemble an ELF file's .text or a raw binary (Intel syntax)",
       RunDisasmCommand},
      {"user", "run a static x86-64 Linux program on the interpreter (test and benchmark harness)",
       RunUserCommand},
  };
  return kCommands;
}

}  // namespace kiln::ui
