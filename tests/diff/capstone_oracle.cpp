// Capstone 4 adapter: validity, length and normalized mnemonic.
#include "tests/diff/capstone_oracle.h"

#include <cstdlib>
#include <cstring>
#include <string_view>

namespace kiln::test {

namespace {

constexpr std::string_view kPrefixWords[] = {"lock", "rep", "repe", "repz", "repne", "repnz",
                                             "bnd", "notrack", "xacquire", "xrelease", "data16",
                                             "addr32", "rex64", "rex"};

struct Alias {
  std::string_view from, to;
};
// Capstone's spellings of the same instruction. Condition codes: Capstone uses the
// "above/equal/greater" aliases, Zydis the "not below" forms.
constexpr Alias kAliases[] = {
    {"movabs", "mov"},    {"wait", "fwait"},     {"xlatb", "xlat"},    {"sal", "shl"},
    {"pushal", "pushad"}, {"popal", "popad"},    {"pushaw", "pusha"},  {"popaw", "popa"},
    {"jae", "jnb"},       {"ja", "jnbe"},       {"je", "jz"},         {"jne", "jnz"},
    {"jge", "jnl"},       {"jg", "jnle"},
    {"cmovae", "cmovnb"}, {"cmova", "cmovnbe"}, {"cmove", "cmovz"},   {"cmovne", "cmovnz"},
    {"cmovge", "cmovnl"}, {"cmovg", "cmovnle"},
    {"setae", "setnb"},   {"seta", "setnbe"},   {"sete", "setz"},     {"setne", "setnz"},
    {"setge", "setnl"},   {"setg", "setnle"},
};

}  // namespace

std::string NormalizeCapstoneMnemonic(const char* mnemonic) {
  std::string_view m = mnemonic;
  for (;;) {
    size_t space = m.find(' ');
    if (space == std::string_view::npos) break;
    std::string_view word = m.substr(0, space);
    bool is_prefix = false;
    for (std::string_view p : kPrefixWords) is_prefix |= (word == p);
    if (!is_prefix) break;
    m.remove_prefix(space + 1);
  }
  for (const Alias& a : kAliases) {
    if (m == a.from) return std::string(a.to);
  }
  return std::string(m);
}

CapstoneOracle::CapstoneOracle(Bits mode) {
  cs_mode m = mode == Bits::k16 ? CS_MODE_16 : mode == Bits::k32 ? CS_MODE_32 : CS_MODE_64;
  if (cs_open(CS_ARCH_X86, m, &handle_) != CS_ERR_OK) std::abort();
  cs_option(handle_, CS_OPT_DETAIL, CS_OPT_OFF);
  insn_ = cs_malloc(handle_);
}

CapstoneOracle::~CapstoneOracle() {
  cs_free(insn_, 1);
  cs_close(&handle_);
}

void CapstoneOracle::Decode(std::span<const uint8_t> bytes, InsnRecord& out) const {
  const uint8_t* code = bytes.data();
  size_t size = bytes.size();
  uint64_t address = 0;
  out = InsnRecord{};
  if (!cs_disasm_iter(handle_, &code, &size, &address, insn_)) {
    out.status = Outcome::kInvalid;
    return;
  }
  out.status = Outcome::kOk;
  out.length = static_cast<uint8_t>(insn_->size);
  out.mnemonic = NormalizeCapstoneMnemonic(insn_->mnemonic);
  out.text = insn_->mnemonic;
  if (insn_->op_str[0] != '\0') {
    out.text += ' ';
    out.text += insn_->op_str;
  }
}

}  // namespace kiln::test
