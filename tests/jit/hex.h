// Hex strings to bytes, for tests that spell machine code out ("b96400000031c0").
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace kiln::test {

inline std::vector<uint8_t> Hex(const std::string& hex) {
  std::vector<uint8_t> out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) out.push_back(static_cast<uint8_t>(std::stoul(hex.substr(i, 2), nullptr, 16)));
  return out;
}

}  // namespace kiln::test
