// A static x86-64 Linux program run in 64-bit user mode on the interpreter: ELF loading, the
// initial stack, and the small set of Linux system calls that static glibc and musl programs need
// to start, print, allocate, read the clock and exit. The harness behind `kiln user` (a test and
// benchmark tool, not a product feature).
#pragma once

#include <cstdint>
#include <cstdio>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "jit/interp/interpreter.h"
#include "machine/cpu_model.h"
#include "machine/cpu_state.h"
#include "machine/region_memory.h"

namespace kiln::machine {

struct UserProcessOptions {
  std::vector<std::string> argv;  ///< argv[0] first
  std::vector<std::string> envp;
  std::FILE* stdout_file = stdout;  ///< where the guest's fd 1 goes
  std::FILE* stderr_file = stderr;  ///< where the guest's fd 2 goes
  std::FILE* notes = stderr;        ///< Kiln's own one-line notes (unimplemented system calls)
  uint64_t max_instructions = ~uint64_t{0};
  CpuModel cpu_model;               ///< what CPUID reports
};

/// How a run ended.
struct UserExit {
  enum class Kind { kExited, kFault, kInstructionLimit } kind = Kind::kExited;
  int status = 0;        ///< kExited: the exit status
  std::string message;   ///< kFault: one line ("#UD at 0x401000: ...")
};

class LinuxProcess {
 public:
  /// Loads a static x86-64 ELF executable. Returns nullptr and sets `error` to one line when the
  /// file is not one (dynamically linked, wrong machine, bad headers).
  ~LinuxProcess();
  static std::unique_ptr<LinuxProcess> Load(std::span<const uint8_t> elf, UserProcessOptions options,
                                            std::string& error);

  UserExit Run();
  const CpuState& state() const { return state_; }
  uint64_t retired() const { return state_.retired; }

 private:
  explicit LinuxProcess(UserProcessOptions options) : options_(std::move(options)) {}
  bool SetUpStack(std::string& error);
  /// Runs the system call in RAX; false when the process exited (exit_ is set).
  bool SystemCall();
  int64_t Dispatch(uint64_t nr, const uint64_t a[6]);

  UserProcessOptions options_;
  RegionMemory memory_;
  CpuState state_;
  std::unique_ptr<jit::Interpreter> interp_;
  uint64_t brk_start_ = 0, brk_ = 0, brk_limit_ = 0;
  uint64_t mmap_next_ = 0, mmap_limit_ = 0;
  uint64_t phdr_addr_ = 0, phnum_ = 0, entry_ = 0;
  // The guest's file descriptors: host stdin, the stdout/stderr FILEs, and read-only host files.
  struct GuestFd {
    enum Kind : uint8_t { kClosed, kHost, kStdout, kStderr } kind = kClosed;
    int host = -1;       ///< kHost: the host descriptor
    bool owned = false;  ///< kHost: Kiln opened it (and closes it)
  };
  int64_t OpenFile(uint64_t path_addr, uint64_t flags);
  int64_t StatTo(uint64_t dst, int host_fd, const std::string* path);
  int HostFd(uint64_t guest_fd) const;  ///< -1 unless a kHost descriptor
  int64_t Duplicate(uint64_t old_fd, int64_t new_fd, uint64_t lowest);
  void CloseFd(size_t fd);
  std::vector<GuestFd> fds_ = {{GuestFd::kHost, 0, false}, {GuestFd::kStdout}, {GuestFd::kStderr}};
  UserExit exit_;
  bool exited_ = false;
  std::vector<bool> noted_syscalls_;
};

}  // namespace kiln::machine
