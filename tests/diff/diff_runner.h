// Runs Kiln, Zydis and Capstone side by side over byte strings and tallies the differences.
#pragma once

#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "tests/diff/capstone_oracle.h"
#include "tests/diff/compare.h"
#include "tests/diff/known_differences.h"
#include "tests/diff/zydis_oracle.h"

namespace kiln::test {

/// One difference, with everything needed to reproduce and triage it.
struct DiffExample {
  std::string source;     ///< "random#1234" or "libc.so.6:.text+0x1f2e0"
  Bits mode = Bits::k64;
  std::vector<uint8_t> bytes;
  std::string category;   ///< DifferenceName()
  std::string kiln;       ///< FormatRecord(Kiln)
  std::string zydis;      ///< FormatRecord(Zydis)
  std::string zydis_text; ///< Zydis's formatter
  std::string capstone_text;
};

struct DiffStats {
  uint64_t compared = 0;        ///< instructions (byte strings) compared
  uint64_t valid_in_both = 0;   ///< accepted by Kiln and Zydis
  uint64_t matched = 0;         ///< no difference at all
  std::map<std::string, uint64_t> by_category;              ///< all differences, generic name
  std::map<std::string, uint64_t> unexplained_by_category;  ///< not covered by a rule
  std::map<std::string, uint64_t> known_by_rule;            ///< rule id -> count
  uint64_t unexplained = 0;
  /// "category zydis-mnemonic/kiln-mnemonic" -> count, for grouping unexplained ones in reports
  std::map<std::string, uint64_t> unexplained_by_group;
  std::map<std::string, DiffExample> group_example;  ///< first example of each group
  /// "category ISA-set" (Zydis's ISA set, or the Kiln mnemonic when Zydis rejects) -> count
  std::map<std::string, uint64_t> unexplained_by_isa_set;
  std::vector<DiffExample> examples;                 ///< first `max_examples` unexplained
  size_t max_examples = 50;
  size_t max_groups = 40;  ///< groups shown in reports (mnemonic groups; ISA-set rows get 25 or this)
  /// Kiln and Zydis agree, Capstone does not: counted by Capstone's mnemonic ("(invalid)" when
  /// Capstone rejects the bytes), with the first example of each.
  uint64_t capstone_differences = 0;
  std::map<std::string, uint64_t> capstone_by_mnemonic;
  std::map<std::string, DiffExample> capstone_example;
};

class DiffRunner {
 public:
  /// `known` may be null (then every difference is unexplained).
  DiffRunner(Bits mode, const KnownDifferences* known, bool use_capstone = true,
             ZydisOperands zydis_operands = ZydisOperands::kVisible);

  /// Compares one instruction at the start of `bytes` (at most 15 are looked at). Returns
  /// Zydis's length when it decoded one, else 0.
  unsigned Check(std::span<const uint8_t> bytes, std::string_view source, uint64_t offset);

  /// Linear sweep of a code buffer following Zydis's lengths (one byte on failure), at most
  /// `max_insns` instructions; `code[0]` is at offset `base` of `source`. Returns the number of
  /// instructions compared.
  uint64_t Sweep(std::span<const uint8_t> code, std::string_view source, uint64_t max_insns,
                 uint64_t base = 0);

  /// `count` random 15-byte strings from RandomInsnGenerator(seed).
  void RunRandom(uint64_t count, uint64_t seed);

  /// Sweeps the code sections of an x86-64 ELF file; large files are sampled in `windows` evenly
  /// spaced windows so that at most `max_insns` are compared. Returns false (with `why`) when the
  /// file is not x86-64 ELF.
  bool RunElf(const std::string& path, uint64_t max_insns, std::string* why = nullptr);

  DiffStats& stats() { return stats_; }
  Bits mode() const { return mode_; }

 private:
  void Record(std::span<const uint8_t> bytes, std::string_view source, uint64_t offset,
              const InsnRecord& kiln, const InsnRecord& zydis, Difference d);
  void RecordCapstone(std::span<const uint8_t> bytes, std::string_view source, uint64_t offset,
                      const InsnRecord& kiln, const InsnRecord& cs);
  DiffExample MakeExample(std::span<const uint8_t> bytes, std::string_view source, uint64_t offset,
                          const InsnRecord& kiln, const InsnRecord& zydis, std::string category);

  Bits mode_;
  const KnownDifferences* known_;
  bool use_capstone_;
  ZydisOracle zydis_;
  CapstoneOracle capstone_;
  DiffStats stats_;
  InsnRecord kiln_rec_, zydis_rec_, cs_rec_;  // reused to avoid reallocations
};

/// The human-readable summary: counts, categories, rules, unexplained groups and examples.
std::string FormatReport(const DiffStats& stats, const KnownDifferences* known,
                         std::string_view title);

}  // namespace kiln::test
