// A temporary FILE* whose contents tests read back: stands in for stdout/stderr; and running a
// command with both captured.
#pragma once

#include <algorithm>
#include <cstdio>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ui/cli/cli.h"

namespace kiln::ui::test_support {

class CapturedFile {
 public:
  CapturedFile() : file_(std::tmpfile()) {}
  ~CapturedFile() {
    if (file_ != nullptr) std::fclose(file_);
  }
  CapturedFile(const CapturedFile&) = delete;
  CapturedFile& operator=(const CapturedFile&) = delete;

  std::FILE* get() const { return file_; }

  /// Everything written so far.
  std::string Text() const {
    std::fflush(file_);
    std::string text;
    std::rewind(file_);
    char chunk[4096];
    size_t n;
    while ((n = std::fread(chunk, 1, sizeof chunk, file_)) > 0) text.append(chunk, n);
    return text;
  }

 private:
  std::FILE* file_;
};

/// A command's exit code and what it printed.
struct CommandResult {
  int code;
  std::string out;
  std::string err;
};

/// Runs `command` (RunCli, RunDisasmCommand, ...) with stdout and stderr captured.
inline CommandResult RunCaptured(int (*command)(std::span<const std::string_view>, const CommandIo&),
                                 std::vector<std::string_view> args) {
  CapturedFile out, err;
  const int code = command(args, {out.get(), err.get()});
  return {code, out.Text(), err.Text()};
}

inline int Lines(const std::string& s) { return static_cast<int>(std::count(s.begin(), s.end(), '\n')); }

}  // namespace kiln::ui::test_support
