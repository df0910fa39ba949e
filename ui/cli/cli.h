// The kiln command line: exit codes, the subcommand table and the dispatcher behind main().
#pragma once

#include <cstdio>
#include <span>
#include <string_view>

namespace kiln::ui {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;  ///< the command ran and failed (unreadable file, ...)
inline constexpr int kExitUsage = 2;    ///< bad command line: unknown command, option or value

/// Where a command writes. Commands never use stdout/stderr directly, so tests can capture them.
struct CommandIo {
  std::FILE* out;
  std::FILE* err;
};

/// One subcommand, `kiln <name> [args...]`. To add one, add a row in cli/commands.cpp.
struct Command {
  std::string_view name;      ///< "disasm"
  std::string_view summary;   ///< one line for `kiln --help`
  /// Runs the command on the arguments after its name; returns the process exit code.
  int (*run)(std::span<const std::string_view> args, const CommandIo& io);
};

/// The command table, in the order `kiln --help` lists it.
std::span<const Command> Commands();

/// Runs `kiln` with `args` (argv without argv[0]): `--help`, `--version` or a subcommand.
/// Errors are one line on `io.err`; returns the exit code (kExitUsage for a bad command line).
int RunCli(std::span<const std::string_view> args, const CommandIo& io);

}  // namespace kiln::ui
