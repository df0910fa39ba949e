// ReadHostFile: the size from the open file first, then one read.
#include "machine/host_file.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <sys/stat.h>

namespace kiln::machine {

bool ReadHostFile(const std::string& path, const std::string& what, uint64_t max_bytes, const std::string& limit_text,
                  std::vector<uint8_t>& out, std::string& error) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) {
    error = "cannot open " + what + " '" + path + "': " + std::strerror(errno);
    return false;
  }
  struct stat st {};
  if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
    std::fclose(f);
    error = what + " '" + path + "' is not a regular file";
    return false;
  }
  const auto size = static_cast<uint64_t>(st.st_size);
  if (size > max_bytes) {
    std::fclose(f);
    error = what + " '" + path + "' (" + std::to_string((size + (1u << 20) - 1) >> 20) + " MiB) does not fit in " +
            limit_text;
    return false;
  }
  out.resize(size);
  const size_t got = size ? std::fread(out.data(), 1, size, f) : 0;
  const bool failed = std::ferror(f) != 0 || got != size;
  std::fclose(f);
  if (failed) {
    error = "cannot read " + what + " '" + path + "'";
    return false;
  }
  return true;
}

}  // namespace kiln::machine
