// `kiln user`: reads the ELF, starts a LinuxProcess with the given arguments and the host's
// environment, and exits with the program's exit status.
#include "ui/user_command.h"

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "machine/user/linux_process.h"

extern char** environ;

namespace kiln::ui {

namespace {
constexpr char kUsage[] =
    "usage: kiln user [-cpu MODEL] [--max-insns N] [--stats] ELF [ARGS...]\n"
    "\n"
    "Runs a static x86-64 Linux program in 64-bit user mode on Kiln's interpreter, with the\n"
    "system calls static glibc and musl programs need to start, print, allocate, read the clock\n"
    "and exit (others return -ENOSYS with a note on stderr). A test and benchmark harness.\n"
    "\n"
    "  -cpu MODEL     the CPU CPUID describes: kiln (default: all Kiln implements), x86-64, x86-64-v2 or x86-64-v3\n"
    "                 (the baseline, so that programs take their plain code paths)\n"
    "  --max-insns N  stop after N instructions (exit status 124)\n"
    "  --stats        print the instructions retired and the time taken on stderr\n";
}  // namespace

int RunUserCommand(std::span<const std::string_view> args, const CommandIo& io) {
  machine::UserProcessOptions options;
  bool stats = false;
  size_t i = 0;
  for (; i < args.size() && args[i].starts_with("-"); ++i) {
    if (args[i] == "--help") {
      std::fputs(kUsage, io.out);
      return kExitOk;
    }
    if (args[i] == "--stats") {
      stats = true;
    } else if ((args[i] == "-cpu" || args[i] == "--cpu") && i + 1 < args.size()) {
      const std::string_view name = args[++i];
      if (!machine::CpuModelByName(name, options.cpu_model)) {
        std::fprintf(io.err, "kiln user: unknown CPU model '%.*s' (known: %.*s)\n", static_cast<int>(name.size()),
                     name.data(), static_cast<int>(machine::kCpuModelNames.size()), machine::kCpuModelNames.data());
        return kExitUsage;
      }
    } else if (args[i] == "--max-insns" && i + 1 < args.size()) {
      const std::string v(args[++i]);
      char* end = nullptr;
      errno = 0;
      const unsigned long long n = std::strtoull(v.c_str(), &end, 0);
      if (errno || !end || *end || v.empty()) {
        std::fprintf(io.err, "kiln user: --max-insns needs a number, not '%s'\n", v.c_str());
        return kExitUsage;
      }
      options.max_instructions = n;
    } else {
      std::fprintf(io.err, "kiln user: unknown option '%.*s' (try 'kiln user --help')\n",
                   static_cast<int>(args[i].size()), args[i].data());
      return kExitUsage;
    }
  }
  if (i >= args.size()) {
    std::fprintf(io.err, "kiln user: missing ELF file (try 'kiln user --help')\n");
    return kExitUsage;
  }
  const std::string path(args[i]);
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::fprintf(io.err, "kiln user: cannot read '%s': %s\n", path.c_str(), std::strerror(errno));
    return kExitFailure;
  }
  // One read of the whole file (an istreambuf_iterator copy costs milliseconds on a 2 MB ELF).
  in.seekg(0, std::ios::end);
  const std::streamoff size = in.tellg();
  in.seekg(0, std::ios::beg);
  std::vector<uint8_t> bytes(size > 0 ? static_cast<size_t>(size) : 0);
  if (size > 0 && !in.read(reinterpret_cast<char*>(bytes.data()), size)) {
    std::fprintf(io.err, "kiln user: cannot read '%s'\n", path.c_str());
    return kExitFailure;
  }
  for (size_t k = i; k < args.size(); ++k) options.argv.emplace_back(args[k]);
  for (char** e = environ; e && *e; ++e) options.envp.emplace_back(*e);
  options.stdout_file = io.out;
  options.stderr_file = io.err;
  options.notes = io.err;
  std::string error;
  auto process = machine::LinuxProcess::Load(bytes, std::move(options), error);
  if (!process) {
    std::fprintf(io.err, "kiln user: %s: %s\n", path.c_str(), error.c_str());
    return kExitFailure;
  }
  const auto start = std::chrono::steady_clock::now();
  const machine::UserExit exit = process->Run();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (stats) {
    std::fprintf(io.err, "kiln user: %llu instructions in %.3f s (%.1f MIPS)\n",
                 static_cast<unsigned long long>(process->retired()), seconds,
                 seconds > 0 ? static_cast<double>(process->retired()) / seconds / 1e6 : 0.0);
  }
  switch (exit.kind) {
    case machine::UserExit::Kind::kExited: return exit.status;
    case machine::UserExit::Kind::kInstructionLimit:
      std::fprintf(io.err, "kiln user: %s\n", exit.message.c_str());
      return 124;
    case machine::UserExit::Kind::kFault:
      std::fprintf(io.err, "kiln user: %s: %s\n", path.c_str(), exit.message.c_str());
      return 139;
  }
  return kExitFailure;
}

}  // namespace kiln::ui
