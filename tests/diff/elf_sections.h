// A minimal, bounds-checked ELF64 reader: the executable sections of an x86-64 ELF file.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace kiln::test {

struct CodeSection {
  std::string name;            ///< ".text", ".plt", ...
  uint64_t address = 0;        ///< sh_addr
  std::vector<uint8_t> bytes;
};

/// Reads every SHT_PROGBITS section with SHF_EXECINSTR from a little-endian ELF64 x86-64 file.
/// Returns nullopt (with `why` set) for anything else: not ELF, 32-bit, another machine,
/// truncated or inconsistent headers.
std::optional<std::vector<CodeSection>> ReadX86_64CodeSections(const std::string& path,
                                                              std::string* why = nullptr);

}  // namespace kiln::test
