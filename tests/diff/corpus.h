// Inputs for the differential harness: biased random instruction bytes and system ELF files.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace kiln::test {

/// Deterministic generator of 15-byte candidate instructions. The mix: pure random bytes, and
/// random bytes behind legacy prefixes, REX, 0F / 0F 38 / 0F 3A escapes, VEX (C4/C5), EVEX (62)
/// and XOP (8F) headers whose fixed bits are usually right, so that every map is reached.
class RandomInsnGenerator {
 public:
  explicit RandomInsnGenerator(uint64_t seed) : state_(seed) {}
  void Next(std::array<uint8_t, 15>& out);

 private:
  uint64_t Next64();
  uint8_t Byte() { return static_cast<uint8_t>(Next64()); }
  unsigned Below(unsigned n) { return static_cast<unsigned>((Next64() >> 32) % n); }
  uint64_t state_;
};

/// The fixed default sample: ~20 x86-64 ELF files (libc.so.6 first) that a Debian 12 machine set
/// up by scripts/setup.sh has. Files that do not exist are left out.
std::vector<std::string> DefaultElfSample();

/// Every regular file (not symlink) under /usr/bin and /usr/lib/x86_64-linux-gnu, sorted.
/// Non-ELF and non-x86-64 files are filtered later by the section reader.
std::vector<std::string> AllSystemFiles();

}  // namespace kiln::test
