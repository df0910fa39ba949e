// Reads the .text section of an ELF64 file (see libc_text.h).
#include "bench/libc_text.h"

#include <cstring>
#include <fstream>
#include <iterator>

namespace kiln::bench {
namespace {

template <class T>
T Load(const uint8_t* p) {
  T v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

}  // namespace

std::vector<uint8_t> LoadText(const char* path) {
  std::ifstream f(path, std::ios::binary);
  std::vector<uint8_t> file((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  auto in_file = [&](uint64_t off, uint64_t len) { return off <= file.size() && len <= file.size() - off; };
  if (!in_file(0, 64) || std::memcmp(file.data(), "\x7f" "ELF", 4) != 0 || file[4] != 2) return {};
  uint64_t shoff = Load<uint64_t>(&file[40]);
  uint16_t shnum = Load<uint16_t>(&file[60]);
  uint16_t shstrndx = Load<uint16_t>(&file[62]);
  if (shstrndx >= shnum || !in_file(shoff, uint64_t{shnum} * 64)) return {};
  const uint8_t* strtab_hdr = &file[shoff + uint64_t{shstrndx} * 64];
  uint64_t stroff = Load<uint64_t>(strtab_hdr + 24), strsize = Load<uint64_t>(strtab_hdr + 32);
  if (!in_file(stroff, strsize)) return {};
  for (unsigned i = 0; i < shnum; ++i) {
    const uint8_t* sh = &file[shoff + uint64_t{i} * 64];
    uint32_t name = Load<uint32_t>(sh);
    uint64_t off = Load<uint64_t>(sh + 24), size = Load<uint64_t>(sh + 32);
    if (name + 6 > strsize || std::memcmp(&file[stroff + name], ".text", 6) != 0) continue;
    if (!in_file(off, size)) return {};
    return std::vector<uint8_t>(file.begin() + static_cast<std::ptrdiff_t>(off),
                                file.begin() + static_cast<std::ptrdiff_t>(off + size));
  }
  return {};
}

}  // namespace kiln::bench
