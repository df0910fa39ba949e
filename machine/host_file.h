// Reading a file the user named (a kernel, an initrd, a firmware image, a Multiboot module)
// into memory, with a size limit checked before anything is read: an impossible file is one
// error line, not minutes of reading gigabytes.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace kiln::machine {

/// Reads all of `path` into `out`. `what` names it in errors ("kernel", "initrd"); files larger
/// than `max_bytes` are refused with "WHAT 'PATH' (N MiB) does not fit in ...", `limit_text`
/// completing the sentence ("512 MiB of RAM").
bool ReadHostFile(const std::string& path, const std::string& what, uint64_t max_bytes, const std::string& limit_text,
                  std::vector<uint8_t>& out, std::string& error);

}  // namespace kiln::machine
