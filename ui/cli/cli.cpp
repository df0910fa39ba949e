// Dispatch of `kiln <command> ...`, plus `kiln --help` and `kiln --version`.
#include "ui/cli/cli.h"

#include <string>

#include "ui/machine_command.h"

#ifndef KILN_VERSION
#define KILN_VERSION "unknown"
#endif

namespace kiln::ui {
namespace {

void PrintUsage(std::FILE* out) {
  std::fputs(
      "usage: kiln <command> [arguments]\n"
      "       kiln [-m SIZE] -kernel FILE [-append TEXT] [-initrd FILE] [options]   boot a Linux bzImage\n"
      "                                                                            or a Multiboot kernel\n"
      "       kiln [-m SIZE] -bios FILE [options]                                 boot a firmware image\n"
      "       kiln --help | --version\n"
      "\n"
      "machine options (QEMU's): -m 512|512M|4G, -nographic, -serial mon:stdio|stdio|null|file:PATH\n"
      "  (repeat for COM2-COM4), -debugcon ..., -chardev file,id=ID,path=P|stdio,id=ID,\n"
      "  -device isa-debug-exit[,iobase=N,iosize=N], -device isa-debugcon,iobase=N,chardev=ID,\n"
      "  -device pc-testdev, -no-reboot, -d cpu_reset,stats, -icount N, -uuid UUID,\n"
      "  -cpu kiln|x86-64|x86-64-v2|x86-64-v3, -machine pc, -accel tcg, -smp 1\n"
      "On the terminal (-nographic), Ctrl-A x quits and Ctrl-A h lists the other keys.\n"
      "\n"
      "Kiln is a full-system x86-64 emulator in development: it boots Linux and test kernels\n"
      "on its interpreter, and disassembles.\n"
      "\n"
      "commands:\n",
      out);
  for (const Command& c : Commands()) {
    std::fprintf(out, "  %-10.*s %.*s\n", static_cast<int>(c.name.size()), c.name.data(),
                 static_cast<int>(c.summary.size()), c.summary.data());
  }
  std::fputs("\nRun 'kiln <command> --help' for the options of a command.\n", out);
}

void PrintError(std::FILE* err, const char* what, std::string_view arg) {
  std::fprintf(err, "kiln: %s '%.*s' (try 'kiln --help')\n", what, static_cast<int>(arg.size()),
               arg.data());
}

}  // namespace

int RunCli(std::span<const std::string_view> args, const CommandIo& io) {
  if (args.empty()) {
    std::fputs("kiln: no command given (try 'kiln --help')\n", io.err);
    return kExitUsage;
  }
  const std::string_view first = args[0];
  if (first == "--help" || first == "-h" || first == "help") {
    PrintUsage(io.out);
    return kExitOk;
  }
  if (first == "--version" || first == "-V") {
    std::fputs("kiln " KILN_VERSION "\n", io.out);
    return kExitOk;
  }
  // QEMU-style options boot a machine: kiln -kernel FILE ..., kiln -bios FILE ...
  if (first.starts_with("-")) return RunMachineCommand(args, io);
  for (const Command& c : Commands()) {
    if (c.name == first) return c.run(args.subspan(1), io);
  }
  PrintError(io.err, "unknown command", first);
  return kExitUsage;
}

}  // namespace kiln::ui
