// Random instruction generator and system ELF file lists.
#include "tests/diff/corpus.h"

#include <algorithm>
#include <filesystem>
#include <system_error>

namespace kiln::test {

uint64_t RandomInsnGenerator::Next64() {  // splitmix64: fast, and the same on every platform
  uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

void RandomInsnGenerator::Next(std::array<uint8_t, 15>& out) {
  static constexpr uint8_t kLegacy[] = {0x66, 0x67, 0xF0, 0xF2, 0xF3, 0x2E,
                                        0x36, 0x3E, 0x26, 0x64, 0x65};
  static constexpr uint8_t kMandatory[] = {0x66, 0xF2, 0xF3};
  for (auto& b : out) b = Byte();
  size_t n = 0;
  auto put = [&](uint8_t b) {
    if (n < out.size()) out[n++] = b;
  };
  auto legacy_prefixes = [&](unsigned max) {
    unsigned count = Below(max + 1);
    for (unsigned i = 0; i < count; ++i) put(kLegacy[Below(sizeof kLegacy)]);
  };
  // Bits that must be 1 for C4/C5/62 to be VEX/EVEX rather than LES/LDS/BOUND outside 64-bit
  // mode (SDM Vol.2 2.3.5 / 2.7.1); usually set, sometimes not.
  auto high_bits = [&](uint8_t b) { return Below(4) != 0 ? static_cast<uint8_t>(b | 0xC0) : b; };

  unsigned kind = Below(100);
  if (kind < 25) return;  // pure random
  if (kind < 40) {        // legacy prefixes, then anything
    legacy_prefixes(4);
    if (n == 0) put(kLegacy[Below(sizeof kLegacy)]);
  } else if (kind < 48) {  // REX, then anything
    legacy_prefixes(2);
    put(static_cast<uint8_t>(0x40 | Below(16)));
  } else if (kind < 63) {  // 0F map
    legacy_prefixes(2);
    if (Below(2)) put(kMandatory[Below(3)]);
    if (Below(2)) put(static_cast<uint8_t>(0x40 | Below(16)));
    put(0x0F);
  } else if (kind < 73) {  // 0F 38 / 0F 3A maps
    legacy_prefixes(1);
    if (Below(3)) put(kMandatory[Below(3)]);
    if (Below(2)) put(static_cast<uint8_t>(0x40 | Below(16)));
    put(0x0F);
    put(Below(2) ? 0x38 : 0x3A);
  } else if (kind < 84) {  // VEX
    legacy_prefixes(1);
    if (Below(2)) {
      put(0xC5);
      put(high_bits(Byte()));
    } else {
      put(0xC4);
      uint8_t p0 = high_bits(Byte());
      if (Below(8) != 0) p0 = static_cast<uint8_t>((p0 & 0xE0) | (1 + Below(3)));  // maps 1..3
      put(p0);
      put(Byte());
    }
  } else if (kind < 96) {  // EVEX
    legacy_prefixes(1);
    put(0x62);
    uint8_t p0 = high_bits(Byte());
    if (Below(8) != 0) {
      static constexpr uint8_t kMaps[] = {1, 2, 3, 5, 6};
      p0 = static_cast<uint8_t>((p0 & 0xF0) | kMaps[Below(5)]);  // bit 3 clear, a real map
    }
    put(p0);
    uint8_t p1 = Byte();
    if (Below(10) != 0) p1 |= 0x04;  // the fixed 1 bit
    put(p1);
    put(Byte());
  } else {  // XOP (AMD): 8F with map 8..10
    put(0x8F);
    put(static_cast<uint8_t>((high_bits(Byte()) & 0xE0) | (8 + Below(3))));
    put(Byte());
  }
}

std::vector<std::string> DefaultElfSample() {
  // Chosen for variety: libc's hand-written SSE/AVX2/AVX-512 string functions, libcrypto's
  // AES-NI/SHA/AVX code, C++ (libstdc++, LLVM, cmake), and small C programs. All come with the
  // packages scripts/setup.sh installs (or Debian's base system).
  static const char* const kFiles[] = {
      "/usr/lib/x86_64-linux-gnu/libc.so.6",
      "/usr/lib/x86_64-linux-gnu/libm.so.6",
      "/usr/lib/x86_64-linux-gnu/libstdc++.so.6",
      "/usr/lib/x86_64-linux-gnu/libcrypto.so.3",
      "/usr/lib/x86_64-linux-gnu/libz.so.1",
      "/usr/lib/x86_64-linux-gnu/libzstd.so.1",
      "/usr/lib/x86_64-linux-gnu/libgcc_s.so.1",
      "/usr/lib/x86_64-linux-gnu/libcapstone.so.4",
      "/usr/lib/x86_64-linux-gnu/libZydis.so.4.0",
      "/usr/lib/x86_64-linux-gnu/libSDL2-2.0.so.0",
      "/usr/lib/x86_64-linux-gnu/libbenchmark.so.1.7.1",
      "/usr/lib/x86_64-linux-gnu/libLLVM.so.19.1",
      "/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2",
      "/usr/bin/bash",
      "/usr/bin/cmake",
      "/usr/bin/ninja",
      "/usr/bin/nasm",
      "/usr/bin/ccache",
      "/usr/bin/x86_64-linux-gnu-objdump",
      "/usr/bin/x86_64-linux-gnu-ld.bfd",
      "/usr/bin/perl",
      "/usr/bin/python3.11",
      "/usr/bin/ls",
  };
  std::vector<std::string> out;
  for (const char* f : kFiles) {
    std::error_code ec;
    if (std::filesystem::exists(f, ec)) out.emplace_back(f);
  }
  return out;
}

std::vector<std::string> AllSystemFiles() {
  std::vector<std::string> out;
  for (const char* dir : {"/usr/bin", "/usr/lib/x86_64-linux-gnu"}) {
    std::error_code ec;
    auto it = std::filesystem::recursive_directory_iterator(
        dir, std::filesystem::directory_options::skip_permission_denied, ec);
    for (; !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
      std::error_code ec2;
      if (it->is_symlink(ec2) || !it->is_regular_file(ec2)) continue;
      out.push_back(it->path().string());
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace kiln::test
