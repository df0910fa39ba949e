// Small helpers for parsing command-line options and numbers.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace kiln::ui {

/// Parses an unsigned 64-bit number: decimal ("4096") or hex with a 0x prefix ("0x1000").
/// Returns nullopt for anything else, including overflow, signs and surrounding spaces.
std::optional<uint64_t> ParseU64(std::string_view text);

/// Walks a command's arguments in order, understanding `--name value` and `--name=value`.
class ArgCursor {
 public:
  explicit ArgCursor(std::span<const std::string_view> args) : args_(args) {}

  bool Done() const { return pos_ >= args_.size(); }
  /// The current argument; only valid when !Done().
  std::string_view Current() const { return args_[pos_]; }
  /// Consumes the current argument and returns it; only valid when !Done().
  std::string_view Take() { return args_[pos_++]; }

  /// When the current argument is the option `name` ("--mode" or "--mode=64"), consumes it and
  /// its value and returns true; `value` is set, or `error` is when the value is missing.
  bool TakeOption(std::string_view name, std::optional<std::string_view>& value,
                  std::string& error);

 private:
  std::span<const std::string_view> args_;
  size_t pos_ = 0;
};

}  // namespace kiln::ui
