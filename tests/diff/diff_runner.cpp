// The differential loop over byte strings, with per-rule and per-category tallies.
#include "tests/diff/diff_runner.h"

#include <algorithm>
#include <array>
#include <cinttypes>
#include <cstdarg>
#include <cstdio>

#include "tests/diff/corpus.h"
#include "tests/diff/elf_sections.h"
#include "tests/diff/kiln_adapter.h"

namespace kiln::test {

namespace {

constexpr size_t kMaxLength = 15;

std::string StatusOrMnemonic(const InsnRecord& r) {
  return r.status == Outcome::kOk ? r.mnemonic : std::string("(") + OutcomeName(r.status) + ")";
}

__attribute__((format(printf, 2, 3))) void Appendf(std::string& out, const char* fmt, ...) {
  char line[2048];
  va_list args;
  va_start(args, fmt);
  std::vsnprintf(line, sizeof line, fmt, args);
  va_end(args);
  out += line;
}

std::string Basename(std::string_view path) {
  size_t slash = path.rfind('/');
  return std::string(slash == std::string_view::npos ? path : path.substr(slash + 1));
}

}  // namespace

DiffRunner::DiffRunner(Bits mode, const KnownDifferences* known, bool use_capstone,
                       ZydisOperands zydis_operands)
    : mode_(mode),
      known_(known),
      use_capstone_(use_capstone),
      zydis_(mode, zydis_operands),
      capstone_(mode) {}

unsigned DiffRunner::Check(std::span<const uint8_t> bytes, std::string_view source, uint64_t offset) {
  bytes = bytes.first(std::min(bytes.size(), kMaxLength));
  KilnDecode(bytes, mode_, kiln_rec_);
  zydis_.Decode(bytes, zydis_rec_);
  ++stats_.compared;
  bool both_ok = kiln_rec_.status == Outcome::kOk && zydis_rec_.status == Outcome::kOk;
  stats_.valid_in_both += both_ok;
  Difference d = CompareFull(kiln_rec_, zydis_rec_);
  if (d) {
    Record(bytes, source, offset, kiln_rec_, zydis_rec_, d);
  } else {
    ++stats_.matched;
    if (use_capstone_) {
      capstone_.Decode(bytes, cs_rec_);
      if (CompareShallow(kiln_rec_, cs_rec_)) RecordCapstone(bytes, source, offset, kiln_rec_, cs_rec_);
    }
  }
  return zydis_rec_.status == Outcome::kOk ? zydis_rec_.length : 0;
}

DiffExample DiffRunner::MakeExample(std::span<const uint8_t> bytes, std::string_view source,
                                    uint64_t offset, const InsnRecord& kiln,
                                    const InsnRecord& zydis, std::string category) {
  DiffExample e;
  char off[32];
  std::snprintf(off, sizeof off, "+0x%" PRIx64, offset);
  e.source = std::string(source) + off;
  e.mode = mode_;
  size_t shown = zydis.status == Outcome::kOk ? zydis.length : bytes.size();
  if (kiln.status == Outcome::kOk) shown = std::max<size_t>(shown, kiln.length);
  shown = std::min(shown, bytes.size());
  e.bytes.assign(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(shown));
  e.category = std::move(category);
  e.kiln = FormatRecord(kiln);
  e.zydis = FormatRecord(zydis);
  InsnRecord with_text;
  zydis_.Decode(bytes, with_text, /*with_text=*/true);
  e.zydis_text = with_text.status == Outcome::kOk
                     ? with_text.text
                     : std::string("(") + OutcomeName(with_text.status) + ")";
  InsnRecord cs;
  capstone_.Decode(bytes, cs);
  e.capstone_text = cs.status == Outcome::kOk ? cs.text : "(invalid)";
  return e;
}

void DiffRunner::Record(std::span<const uint8_t> bytes, std::string_view source, uint64_t offset,
                        const InsnRecord& kiln, const InsnRecord& zydis, Difference d) {
  ++stats_.by_category[CategoryName(d.category)];
  if (known_) {
    int rule = known_->Match(DiffContext{mode_, bytes, kiln, zydis, d});
    if (rule >= 0) {
      ++stats_.known_by_rule[known_->rules()[static_cast<size_t>(rule)].id];
      return;
    }
  }
  ++stats_.unexplained;
  ++stats_.unexplained_by_category[CategoryName(d.category)];
  ++stats_.unexplained_by_isa_set[std::string(CategoryName(d.category)) + "  " +
                                  (zydis.status == Outcome::kOk ? zydis.isa_set
                                                                : "zydis-" + StatusOrMnemonic(zydis) +
                                                                      " kiln=" + StatusOrMnemonic(kiln))];
  std::string name = DifferenceName(d);
  std::string group = name + "  zydis=" + StatusOrMnemonic(zydis) + " kiln=" + StatusOrMnemonic(kiln);
  bool new_group = stats_.unexplained_by_group[group]++ == 0;
  bool want_example = stats_.examples.size() < stats_.max_examples;
  if (new_group || want_example) {
    DiffExample e = MakeExample(bytes, source, offset, kiln, zydis, name);
    if (new_group) stats_.group_example.emplace(group, e);
    if (want_example) stats_.examples.push_back(std::move(e));
  }
}

void DiffRunner::RecordCapstone(std::span<const uint8_t> bytes, std::string_view source,
                                uint64_t offset, const InsnRecord& kiln, const InsnRecord& cs) {
  ++stats_.capstone_differences;
  std::string key = StatusOrMnemonic(cs);
  if (stats_.capstone_by_mnemonic[key]++ == 0) {
    Difference d = CompareShallow(kiln, cs);
    stats_.capstone_example.emplace(
        key, MakeExample(bytes, source, offset, kiln, zydis_rec_, DifferenceName(d)));
  }
}

uint64_t DiffRunner::Sweep(std::span<const uint8_t> code, std::string_view source,
                           uint64_t max_insns, uint64_t base) {
  uint64_t done = 0;
  size_t pos = 0;
  while (pos < code.size() && done < max_insns) {
    unsigned len = Check(code.subspan(pos), source, base + pos);
    ++done;
    pos += len ? len : 1;
  }
  return done;
}

void DiffRunner::RunRandom(uint64_t count, uint64_t seed) {
  RandomInsnGenerator gen(seed);
  std::array<uint8_t, 15> buf;
  char source[32];
  std::snprintf(source, sizeof source, "random/%d", static_cast<int>(mode_));
  for (uint64_t i = 0; i < count; ++i) {
    gen.Next(buf);
    Check(buf, source, i);
  }
}

bool DiffRunner::RunElf(const std::string& path, uint64_t max_insns, std::string* why) {
  auto sections = ReadX86_64CodeSections(path, why);
  if (!sections) return false;
  std::string base = Basename(path);
  uint64_t total_bytes = 0;
  for (const auto& s : *sections) total_bytes += s.bytes.size();
  // Real code averages ~4 bytes per instruction; sweep everything when that fits the budget.
  constexpr uint64_t kWindows = 16;
  uint64_t done = 0;
  if (total_bytes / 4 <= max_insns) {
    for (const auto& s : *sections) {
      if (done >= max_insns) break;
      done += Sweep(s.bytes, base + ":" + s.name, max_insns - done);
    }
    return true;
  }
  for (uint64_t w = 0; w < kWindows; ++w) {
    uint64_t at = w * (total_bytes / kWindows);
    for (const auto& s : *sections) {
      if (at < s.bytes.size()) {
        std::span<const uint8_t> code(s.bytes);
        Sweep(code.subspan(at), base + ":" + s.name, max_insns / kWindows, at);
        break;
      }
      at -= s.bytes.size();
    }
  }
  return true;
}

std::string FormatReport(const DiffStats& st, const KnownDifferences* known, std::string_view title) {
  std::string out;
  auto example_lines = [&](const DiffExample& e, const char* indent) {
    Appendf(out, "%s[%d-bit] %s  %s  (%s)\n", indent, static_cast<int>(e.mode), e.source.c_str(),
        HexBytes(e.bytes).c_str(), e.category.c_str());
    Appendf(out, "%s    kiln:     %s\n", indent, e.kiln.c_str());
    Appendf(out, "%s    zydis:    %s   \"%s\"\n", indent, e.zydis.c_str(), e.zydis_text.c_str());
    Appendf(out, "%s    capstone: %s\n", indent, e.capstone_text.c_str());
  };
  uint64_t differences = st.compared - st.matched;
  Appendf(out, "== Kiln vs Zydis: %.*s ==\n", static_cast<int>(title.size()), title.data());
  Appendf(out, "compared %" PRIu64 ", valid in both %" PRIu64 ", identical %" PRIu64 " (%.3f%%)\n",
      st.compared, st.valid_in_both, st.matched,
      st.compared ? 100.0 * static_cast<double>(st.matched) / static_cast<double>(st.compared) : 0.0);
  Appendf(out, "differences %" PRIu64 ": explained by rules %" PRIu64 ", UNEXPLAINED %" PRIu64 "\n",
      differences, differences - st.unexplained, st.unexplained);
  if (!st.by_category.empty()) {
    Appendf(out, "by category (all / unexplained):\n");
    for (const auto& [cat, n] : st.by_category) {
      auto it = st.unexplained_by_category.find(cat);
      Appendf(out, "  %-14s %10" PRIu64 " / %" PRIu64 "\n", cat.c_str(), n,
          it == st.unexplained_by_category.end() ? uint64_t{0} : it->second);
    }
  }
  if (known && !known->rules().empty()) {
    Appendf(out, "known differences by rule:\n");
    std::string unused;
    for (const auto& r : known->rules()) {
      auto it = st.known_by_rule.find(r.id);
      if (it == st.known_by_rule.end()) {
        unused += " " + r.id;
      } else {
        Appendf(out, "  %-28s %10" PRIu64 "\n", r.id.c_str(), it->second);
      }
    }
    if (!unused.empty()) Appendf(out, "  (no hits:%s)\n", unused.c_str());
  }
  if (st.unexplained) {
    std::vector<std::pair<uint64_t, std::string>> groups;
    for (const auto& [g, n] : st.unexplained_by_group) groups.emplace_back(n, g);
    std::sort(groups.begin(), groups.end(), [](const auto& a, const auto& b) {
      return a.first != b.first ? a.first > b.first : a.second < b.second;
    });
    std::vector<std::pair<uint64_t, std::string>> sets;
    for (const auto& [g, n] : st.unexplained_by_isa_set) sets.emplace_back(n, g);
    std::sort(sets.begin(), sets.end(), [](const auto& a, const auto& b) {
      return a.first != b.first ? a.first > b.first : a.second < b.second;
    });
    size_t set_rows = std::max<size_t>(25, st.max_groups);
    Appendf(out, "unexplained by category and Zydis ISA set (top %zu of %zu):\n",
            std::min(set_rows, sets.size()), sets.size());
    for (size_t i = 0; i < sets.size() && i < set_rows; ++i) {
      Appendf(out, "  %8" PRIu64 "  %s\n", sets[i].first, sets[i].second.c_str());
    }
    Appendf(out, "unexplained, grouped by mnemonic (top %zu of %zu groups):\n",
            std::min(st.max_groups, groups.size()), groups.size());
    for (size_t i = 0; i < groups.size() && i < st.max_groups; ++i) {
      Appendf(out, "  %8" PRIu64 "  %s\n", groups[i].first, groups[i].second.c_str());
      example_lines(st.group_example.at(groups[i].second), "            ");
    }
    Appendf(out, "first %zu unexplained:\n", st.examples.size());
    for (const auto& e : st.examples) example_lines(e, "  ");
  }
  if (st.capstone_differences) {
    std::vector<std::pair<uint64_t, std::string>> cs;
    for (const auto& [m, n] : st.capstone_by_mnemonic) cs.emplace_back(n, m);
    std::sort(cs.begin(), cs.end(), [](const auto& a, const auto& b) {
      return a.first != b.first ? a.first > b.first : a.second < b.second;
    });
    Appendf(out, "Capstone differences where Kiln and Zydis agree (not failures): %" PRIu64
        ", by Capstone mnemonic (%zu, top 20):\n",
        st.capstone_differences, cs.size());
    for (size_t i = 0; i < cs.size() && i < 20; ++i) {
      const DiffExample& e = st.capstone_example.at(cs[i].second);
      Appendf(out, "  %8" PRIu64 "  %-16s e.g. %s  (%s): zydis \"%s\", capstone \"%s\"\n", cs[i].first,
          cs[i].second.c_str(), HexBytes(e.bytes).c_str(), e.category.c_str(),
          e.zydis_text.c_str(), e.capstone_text.c_str());
    }
  }
  return out;
}

}  // namespace kiln::test
