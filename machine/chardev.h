// Character backends for consoles and serial ports (devices::CharBackend): a file (QEMU
// `-chardev file,path=...[,append=on]`), the process's stdout/stdin, and a null sink. Output is
// buffered and written out at a newline, when 4 KiB have gathered, on Flush() and on destruction.
// Errors (a file that cannot be opened, a failed write) are one-line messages, never a crash.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "devices/io.h"

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

/// Output to stdout, input from stdin without blocking (poll before read; no raw-terminal
/// handling: a terminal delivers whole lines). At end of input, Read() returns 0 forever.
class StdioCharBackend final : public FdCharBackend {
 public:
  StdioCharBackend();
};

/// Swallows output, never has input.
class NullCharBackend final : public devices::CharBackend {
 public:
  void Write(const uint8_t*, size_t) override {}
  size_t Read(uint8_t*, size_t) override { return 0; }
};

/// A backend from a QEMU-style spec: "null", "stdio", "file:PATH" (truncate) or
/// "file:PATH,append". nullptr with `error` on an unknown kind or an unopenable file.
std::unique_ptr<devices::CharBackend> OpenCharBackend(const std::string& spec, std::string& error);

}  // namespace kiln::machine
