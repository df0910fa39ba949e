// Dispatch of `kiln <command> ...`, plus `kiln --help` and `kiln --version`.
#include "ui/cli/cli.h"

#include <string>

#ifndef KILN_VERSION
#define KILN_VERSION "unknown"
#endif

namespace kiln::ui {
namespace {

void PrintUsage(std::FILE* out) {
  std::fputs(
      "usage: kiln <command> [arguments]\n"
      "       kiln --help | --version\n"
      "\n"
      "Kiln is a full-system x86-64 emulator (in development: today it disassembles).\n"
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
  if (first.starts_with("-")) {
    PrintError(io.err, "unknown option", first);
    return kExitUsage;
  }
  for (const Command& c : Commands()) {
    if (c.name == first) return c.run(args.subspan(1), io);
  }
  PrintError(io.err, "unknown command", first);
  return kExitUsage;
}

}  // namespace kiln::ui
