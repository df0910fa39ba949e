// Character backends for consoles and serial ports (devices::CharBackend): a file (QEMU
// `-chardev file,path=...[,append=on]`), the process's stdout/stdin, and a null sink. Output is
// buffered and written out at a newline, when 4 KiB have gathered, on Flush() and on destruction.
// Errors (a file that cannot be opened, a failed write) are one-line messages, never a crash.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "devices/io.h"

struct termios;

namespace kiln::machine {

/// Shared buffering and write-out to a file descriptor.
class FdCharBackend : public devices::CharBackend {
 public:
  ~FdCharBackend() override;
  FdCharBackend(const FdCharBackend&) = delete;
  FdCharBackend& operator=(const FdCharBackend&) = delete;

  void Write(const uint8_t* data, size_t size) override;
  size_t Read(uint8_t* data, size_t size) override;
  void Flush() override;
  /// The first write or read error ("<name>: <strerror>"), empty when none occurred. After an
  /// output error further output is dropped.
  const std::string& error() const { return error_; }

 protected:
  /// `out_fd`/`in_fd` may be -1 (no output / no input); owned ones are closed on destruction.
  FdCharBackend(std::string name, int out_fd, bool owns_out, int in_fd);

 private:
  std::string name_;
  int out_fd_;
  bool owns_out_;
  int in_fd_;
  bool in_eof_ = false;
  std::vector<uint8_t> pending_;
  std::string error_;
};

/// Writes to a host file, truncating it (QEMU's default) or appending; reads nothing.
class FileCharBackend final : public FdCharBackend {
 public:
  /// nullptr with `error` ("cannot open 'x' for writing: Permission denied") on failure.
  static std::unique_ptr<FileCharBackend> Open(const std::string& path, bool append, std::string& error);

 private:
  FileCharBackend(const std::string& path, int fd) : FdCharBackend(path, fd, true, -1) {}
};

/// Output to stdout, input from stdin without blocking (poll before read). At end of input,
/// Read() returns 0 forever.
///
/// As QEMU's "mux" stdio of -nographic: when stdin is a terminal it is put in raw mode (no echo,
/// no line editing, Ctrl-C goes to the guest; restored on destruction), and Ctrl-A is an escape:
/// Ctrl-A x quits (calls `on_quit`), Ctrl-A a sends a Ctrl-A, Ctrl-A h prints the keys.
class StdioCharBackend final : public FdCharBackend {
 public:
  explicit StdioCharBackend(bool mux = false);
  ~StdioCharBackend() override;
  size_t Read(uint8_t* data, size_t size) override;
  std::function<void()> on_quit;

 private:
  bool mux_;
  bool escape_ = false;  ///< the last byte read was Ctrl-A
  bool restore_terminal_ = false;
  ::termios* saved_ = nullptr;
};

/// Swallows output, never has input.
class NullCharBackend final : public devices::CharBackend {
 public:
  void Write(const uint8_t*, size_t) override {}
  size_t Read(uint8_t*, size_t) override { return 0; }
};

/// A backend from a QEMU-style spec: "null", "stdio", "mux:stdio" (StdioCharBackend with the
/// Ctrl-A escape), "file:PATH" (truncate) or "file:PATH,append". nullptr with `error` on an unknown kind or an unopenable file.
std::unique_ptr<devices::CharBackend> OpenCharBackend(const std::string& spec, std::string& error);

}  // namespace kiln::machine
