// A temporary FILE* whose contents tests read back: stands in for stdout/stderr.
#pragma once

#include <cstdio>
#include <string>

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

}  // namespace kiln::ui::test_support
