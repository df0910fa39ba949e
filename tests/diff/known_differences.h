// The checked-in list of accepted Kiln-vs-Zydis differences (known_differences.txt) and its matcher.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "tests/diff/compare.h"
#include "tests/diff/insn_record.h"

namespace kiln::test {

/// Everything a rule may look at for one difference.
struct DiffContext {
  Bits mode;
  std::span<const uint8_t> bytes;  ///< the instruction's bytes (at most 15)
  const InsnRecord& kiln;
  const InsnRecord& zydis;
  Difference diff;
};

/// A byte pattern such as "0f0f" or "8f?8": two hex digits per byte, "?" matches any nibble.
struct BytePattern {
  std::vector<uint8_t> value, mask;
  bool MatchesAt(std::span<const uint8_t> bytes) const;
};

/// One rule. Every matcher that is present must match; a list matches when any element does.
struct KnownRule {
  std::string id;
  std::string reason;
  int line = 0;
  std::vector<std::string> isa_ext, isa_set, zydis_mnemonic, kiln_mnemonic, category;
  std::vector<Bits> modes;
  std::vector<Outcome> kiln_status, zydis_status;
  std::vector<BytePattern> bytes;   ///< at the first byte of the instruction
  std::vector<BytePattern> opcode;  ///< after legacy prefixes (and REX in 64-bit mode)
  /// What Kiln's differing operand is: "vector-reg" (xmm/ymm/zmm), "mmx-reg", "gpr", "mem".
  std::vector<std::string> kiln_operand;
  std::vector<uint8_t> prefix;  ///< legacy prefix bytes, any of which must be present

  bool Matches(const DiffContext& c) const;
};

class KnownDifferences {
 public:
  /// Parses the file format described at the top of known_differences.txt. On error returns
  /// nullopt and sets `error` to "line N: what".
  static std::optional<KnownDifferences> Parse(std::string_view text, std::string* error);
  static std::optional<KnownDifferences> Load(const std::string& path, std::string* error);

  /// The index of the first rule that explains the difference, or -1.
  int Match(const DiffContext& c) const;

  const std::vector<KnownRule>& rules() const { return rules_; }

 private:
  std::vector<KnownRule> rules_;
};

/// Where the checked-in file lives (set by CMake; overridable with --known in the CLI).
std::string DefaultKnownDifferencesPath();

}  // namespace kiln::test
