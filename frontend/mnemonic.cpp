// Mnemonic names, generated at compile time from the one mnemonic list.
#include "frontend/mnemonic.h"

#include <array>
#include <string_view>

namespace kiln::frontend {
namespace {

constexpr std::string_view kUpperNames[] = {
#define KILN_MNEMONIC(name) #name,
#include "frontend/generated/mnemonics.inc"
#undef KILN_MNEMONIC
};

constexpr size_t kMaxNameLength = 24;

// The lower-case spelling of every mnemonic, built by the compiler.
constexpr auto kLowerNames = [] {
  std::array<std::array<char, kMaxNameLength>, kMnemonicCount> out{};
  for (size_t i = 0; i < kMnemonicCount; ++i) {
    const std::string_view up = kUpperNames[i];
    for (size_t j = 0; j < up.size() && j + 1 < kMaxNameLength; ++j) {
      const char c = up[j];
      out[i][j] = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    }
  }
  return out;
}();

static_assert([] {
  for (auto name : kUpperNames)
    if (name.size() + 1 > kMaxNameLength) return false;
  return true;
}(), "a mnemonic is longer than kMaxNameLength");

}  // namespace

const char* MnemonicName(Mnemonic m) {
  const auto i = static_cast<size_t>(m);
  return i < kLowerNames.size() ? kLowerNames[i].data() : "invalid";
}

}  // namespace kiln::frontend
