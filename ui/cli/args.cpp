// Option and number parsing for the kiln command line.
#include "ui/cli/args.h"

namespace kiln::ui {

std::optional<uint64_t> ParseU64(std::string_view text) {
  unsigned base = 10;
  if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
    base = 16;
    text.remove_prefix(2);
  }
  if (text.empty()) return std::nullopt;
  uint64_t value = 0;
  for (const char ch : text) {
    unsigned digit;
    if (ch >= '0' && ch <= '9') {
      digit = static_cast<unsigned>(ch - '0');
    } else if (base == 16 && ch >= 'a' && ch <= 'f') {
      digit = static_cast<unsigned>(ch - 'a' + 10);
    } else if (base == 16 && ch >= 'A' && ch <= 'F') {
      digit = static_cast<unsigned>(ch - 'A' + 10);
    } else {
      return std::nullopt;
    }
    if (value > (UINT64_MAX - digit) / base) return std::nullopt;
    value = value * base + digit;
  }
  return value;
}

bool ArgCursor::TakeOption(std::string_view name, std::optional<std::string_view>& value,
                           std::string& error) {
  if (Done()) return false;
  const std::string_view arg = Current();
  if (arg.substr(0, name.size()) != name) return false;
  if (arg.size() == name.size()) {
    ++pos_;
    if (Done()) {
      error = "option " + std::string(name) + " needs a value";
      return true;
    }
    value = Take();
    return true;
  }
  if (arg[name.size()] != '=') return false;
  ++pos_;
  value = arg.substr(name.size() + 1);
  return true;
}

}  // namespace kiln::ui
