// The code the decoder benchmarks sweep: the .text section of the host's libc.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace kiln::bench {

/// Debian 12's libc, the file docs/performance.md's figures were measured on.
inline constexpr const char* kLibc = "/usr/lib/x86_64-linux-gnu/libc.so.6";

/// The bytes of the .text section of the ELF64 little-endian file at `path` (every offset
/// bounds-checked), or empty when it cannot be read or has none.
std::vector<uint8_t> LoadText(const char* path);

/// A sweep's position past an undecodable byte. Every sweep moves on with
///   if (decoded) [[likely]] pos += length; else pos = SkipUndecodedByte(pos);
/// a branch that the predictor gets right (failures are rare), not a select: the next decode waits
/// for the new position, and a select puts a compare and a conditional move on that wait. The
/// empty asm statement keeps the compiler from making the branch a select, which clang 19 does
/// with [[likely]] alone.
[[gnu::always_inline]] inline size_t SkipUndecodedByte(size_t pos) {
  asm volatile("");
  return pos + 1;
}

}  // namespace kiln::bench
