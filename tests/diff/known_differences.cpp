// Parser and matcher for known_differences.txt.
#include "tests/diff/known_differences.h"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <set>
#include <sstream>

namespace kiln::test {

namespace {

std::string Lower(std::string_view s) {
  std::string r(s);
  for (char& ch : r) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return r;
}

std::vector<std::string> SplitCommas(std::string_view s) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= s.size()) {
    size_t comma = s.find(',', start);
    if (comma == std::string_view::npos) comma = s.size();
    if (comma > start) out.push_back(Lower(s.substr(start, comma - start)));
    start = comma + 1;
  }
  return out;
}

int HexDigit(char ch) {
  if (ch >= '0' && ch <= '9') return ch - '0';
  if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
  return -1;
}

std::optional<BytePattern> ParsePattern(std::string_view s) {
  if (s.empty() || s.size() % 2 != 0 || s.size() > 30) return std::nullopt;
  BytePattern p;
  for (size_t i = 0; i < s.size(); i += 2) {
    uint8_t value = 0, mask = 0;
    for (int half = 0; half < 2; ++half) {
      char ch = s[i + half];
      int shift = half == 0 ? 4 : 0;
      if (ch == '?' || ch == '.') continue;
      int d = HexDigit(ch);
      if (d < 0) return std::nullopt;
      value |= static_cast<uint8_t>(d << shift);
      mask |= static_cast<uint8_t>(0xF << shift);
    }
    p.value.push_back(value);
    p.mask.push_back(mask);
  }
  return p;
}

std::optional<Outcome> ParseOutcome(std::string_view s) {
  if (s == "ok") return Outcome::kOk;
  if (s == "invalid") return Outcome::kInvalid;
  if (s == "too-long") return Outcome::kTooLong;
  if (s == "need-more-bytes") return Outcome::kNeedMoreBytes;
  return std::nullopt;
}

bool IsCategory(std::string_view s) {
  static const std::set<std::string, std::less<>> kGeneric = {
      "validity",     "fault-kind",  "length",      "mnemonic",    "operand-count",
      "operand-kind", "operand-size", "operand-reg", "operand-mem", "operand-imm", "mask"};
  if (kGeneric.count(s)) return true;
  // operand-N-what
  if (s.size() > 10 && s.substr(0, 8) == "operand-" && s[8] >= '1' && s[8] <= '4' && s[9] == '-') {
    return kGeneric.count(std::string("operand-") + std::string(s.substr(10))) > 0;
  }
  return false;
}

template <class T>
bool AnyOf(const std::vector<T>& list, const T& value) {
  return list.empty() || std::find(list.begin(), list.end(), value) != list.end();
}

bool IsLegacyPrefix(uint8_t b) {
  switch (b) {
    case 0x26: case 0x2E: case 0x36: case 0x3E: case 0x64: case 0x65:
    case 0x66: case 0x67: case 0xF0: case 0xF2: case 0xF3:
      return true;
    default:
      return false;
  }
}

}  // namespace

bool BytePattern::MatchesAt(std::span<const uint8_t> bytes) const {
  if (bytes.size() < value.size()) return false;
  for (size_t i = 0; i < value.size(); ++i) {
    if ((bytes[i] & mask[i]) != value[i]) return false;
  }
  return true;
}

// The class of Kiln's operand that a difference is about, for the kiln-operand key.
static std::string KilnOperandClass(const DiffContext& c) {
  if (c.diff.operand < 0 || static_cast<size_t>(c.diff.operand) >= c.kiln.operands.size()) return "";
  const OperandRecord& op = c.kiln.operands[static_cast<size_t>(c.diff.operand)];
  if (op.kind == OperandKind::kMem) return "mem";
  if (op.kind != OperandKind::kReg) return "";
  const std::string_view r = op.reg;
  if (r.starts_with("xmm") || r.starts_with("ymm") || r.starts_with("zmm")) return "vector-reg";
  if (r.starts_with("mm")) return "mmx-reg";
  return "gpr";
}

bool KnownRule::Matches(const DiffContext& c) const {
  if (!AnyOf(modes, c.mode)) return false;
  if (!AnyOf(kiln_status, c.kiln.status) || !AnyOf(zydis_status, c.zydis.status)) return false;
  if (!isa_ext.empty() && !AnyOf(isa_ext, Lower(c.zydis.isa_ext))) return false;
  if (!isa_set.empty() && !AnyOf(isa_set, Lower(c.zydis.isa_set))) return false;
  if (!zydis_mnemonic.empty() && !AnyOf(zydis_mnemonic, c.zydis.mnemonic)) return false;
  if (!kiln_mnemonic.empty() && !AnyOf(kiln_mnemonic, c.kiln.mnemonic)) return false;
  if (!category.empty() && !AnyOf(category, std::string(CategoryName(c.diff.category))) &&
      !AnyOf(category, DifferenceName(c.diff))) {
    return false;
  }
  if (!kiln_operand.empty() && !AnyOf(kiln_operand, KilnOperandClass(c))) return false;
  if (!prefix.empty()) {
    bool found = false;
    for (size_t i = 0; i < c.bytes.size() && IsLegacyPrefix(c.bytes[i]); ++i)
      found = found || std::find(prefix.begin(), prefix.end(), c.bytes[i]) != prefix.end();
    if (!found) return false;
  }
  if (!bytes.empty() &&
      std::none_of(bytes.begin(), bytes.end(), [&](const BytePattern& p) { return p.MatchesAt(c.bytes); })) {
    return false;
  }
  if (!opcode.empty()) {
    size_t i = 0;
    while (i < c.bytes.size() && IsLegacyPrefix(c.bytes[i])) ++i;
    if (c.mode == Bits::k64) {
      while (i < c.bytes.size() && (c.bytes[i] & 0xF0) == 0x40) ++i;
    }
    auto rest = c.bytes.subspan(i);
    if (std::none_of(opcode.begin(), opcode.end(), [&](const BytePattern& p) { return p.MatchesAt(rest); })) {
      return false;
    }
  }
  return true;
}

std::optional<KnownDifferences> KnownDifferences::Parse(std::string_view text, std::string* error) {
  KnownDifferences result;
  std::set<std::string> ids;
  std::istringstream in{std::string(text)};
  std::string line;
  int line_no = 0;
  auto fail = [&](const std::string& what) {
    if (error) *error = "line " + std::to_string(line_no) + ": " + what;
    return std::nullopt;
  };
  while (std::getline(in, line)) {
    ++line_no;
    size_t first = line.find_first_not_of(" \t\r");
    if (first == std::string::npos || line[first] == '#') continue;
    size_t reason_at = line.find("reason:");
    if (reason_at == std::string::npos) return fail("rule has no 'reason:'");
    KnownRule rule;
    rule.line = line_no;
    rule.reason = line.substr(reason_at + 7);
    rule.reason.erase(0, rule.reason.find_first_not_of(" \t"));
    while (!rule.reason.empty() && (rule.reason.back() == '\r' || rule.reason.back() == ' ')) rule.reason.pop_back();
    if (rule.reason.empty()) return fail("empty reason");
    std::istringstream fields(line.substr(0, reason_at));
    if (!(fields >> rule.id) || rule.id.find('=') != std::string::npos) return fail("rule has no id");
    if (!ids.insert(rule.id).second) return fail("duplicate rule id '" + rule.id + "'");
    int matchers = 0;
    std::string field;
    while (fields >> field) {
      size_t eq = field.find('=');
      if (eq == std::string::npos || eq + 1 == field.size()) return fail("expected key=value, got '" + field + "'");
      std::string key = Lower(std::string_view(field).substr(0, eq));
      std::vector<std::string> values = SplitCommas(std::string_view(field).substr(eq + 1));
      ++matchers;
      if (key == "isa-ext") {
        rule.isa_ext = values;
      } else if (key == "isa-set") {
        rule.isa_set = values;
      } else if (key == "zydis-mnemonic") {
        rule.zydis_mnemonic = values;
      } else if (key == "kiln-mnemonic") {
        rule.kiln_mnemonic = values;
      } else if (key == "category") {
        for (const auto& v : values) {
          if (!IsCategory(v)) return fail("unknown category '" + v + "'");
        }
        rule.category = values;
      } else if (key == "mode") {
        for (const auto& v : values) {
          if (v == "16") rule.modes.push_back(Bits::k16);
          else if (v == "32") rule.modes.push_back(Bits::k32);
          else if (v == "64") rule.modes.push_back(Bits::k64);
          else return fail("mode must be 16, 32 or 64, got '" + v + "'");
        }
      } else if (key == "kiln" || key == "zydis") {
        for (const auto& v : values) {
          auto o = ParseOutcome(v);
          if (!o) return fail("status must be ok, invalid, too-long or need-more-bytes, got '" + v + "'");
          (key == "kiln" ? rule.kiln_status : rule.zydis_status).push_back(*o);
        }
      } else if (key == "prefix") {
        for (const auto& v : values) {
          auto p = ParsePattern(v);
          if (!p || p->value.size() != 1 || p->mask[0] != 0xFF) return fail("bad prefix byte '" + v + "'");
          rule.prefix.push_back(p->value[0]);
        }
      } else if (key == "kiln-operand") {
        for (const auto& v : values) {
          if (v != "vector-reg" && v != "mmx-reg" && v != "gpr" && v != "mem")
            return fail("kiln-operand must be vector-reg, mmx-reg, gpr or mem, got '" + v + "'");
        }
        rule.kiln_operand = values;
      } else if (key == "bytes" || key == "opcode") {
        for (const auto& v : values) {
          auto p = ParsePattern(v);
          if (!p) return fail("bad byte pattern '" + v + "'");
          (key == "bytes" ? rule.bytes : rule.opcode).push_back(*p);
        }
      } else {
        return fail("unknown key '" + key + "'");
      }
    }
    if (matchers == 0) return fail("rule '" + rule.id + "' has no matcher");
    result.rules_.push_back(std::move(rule));
  }
  return result;
}

std::optional<KnownDifferences> KnownDifferences::Load(const std::string& path, std::string* error) {
  std::ifstream f(path, std::ios::binary);
  if (!f) {
    if (error) *error = "cannot open " + path;
    return std::nullopt;
  }
  std::stringstream ss;
  ss << f.rdbuf();
  std::string inner;
  auto r = Parse(ss.str(), &inner);
  if (!r && error) *error = path + ":" + inner;
  return r;
}

int KnownDifferences::Match(const DiffContext& c) const {
  for (size_t i = 0; i < rules_.size(); ++i) {
    if (rules_[i].Matches(c)) return static_cast<int>(i);
  }
  return -1;
}

std::string DefaultKnownDifferencesPath() {
#ifdef KILN_DIFF_KNOWN_DIFFERENCES
  return KILN_DIFF_KNOWN_DIFFERENCES;
#else
  return "tests/diff/known_differences.txt";
#endif
}

}  // namespace kiln::test
