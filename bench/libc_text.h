// The code the decoder benchmarks sweep: the .text section of the host's libc.
#pragma once

#include <cstdint>
#include <vector>

namespace kiln::bench {

/// Debian 12's libc, the file docs/performance.md's figures were measured on.
inline constexpr const char* kLibc = "/usr/lib/x86_64-linux-gnu/libc.so.6";

/// The bytes of the .text section of the ELF64 little-endian file at `path` (every offset
/// bounds-checked), or empty when it cannot be read or has none.
std::vector<uint8_t> LoadText(const char* path);

}  // namespace kiln::bench
