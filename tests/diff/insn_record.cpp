// Printing of normalized instruction records.
#include "tests/diff/insn_record.h"

#include <cinttypes>
#include <cstdio>

namespace kiln::test {

const char* OutcomeName(Outcome o) {
  switch (o) {
    case Outcome::kOk: return "ok";
    case Outcome::kInvalid: return "invalid";
    case Outcome::kTooLong: return "too-long";
    case Outcome::kNeedMoreBytes: return "need-more-bytes";
  }
  return "?";
}

const char* OperandKindName(OperandKind k) {
  switch (k) {
    case OperandKind::kNone: return "none";
    case OperandKind::kReg: return "reg";
    case OperandKind::kMem: return "mem";
    case OperandKind::kImm: return "imm";
    case OperandKind::kRel: return "rel";
    case OperandKind::kPtr: return "ptr";
  }
  return "?";
}

namespace {

std::string FormatOperand(const OperandRecord& op) {
  char buf[160];
  switch (op.kind) {
    case OperandKind::kReg:
      std::snprintf(buf, sizeof buf, "r%u:%s", op.size_bits, op.reg.c_str());
      break;
    case OperandKind::kMem: {
      std::string inner = op.base;
      if (!op.index.empty()) {
        if (!inner.empty()) inner += '+';
        inner += op.index + '*' + std::to_string(op.scale);
      }
      char disp[32];
      if (op.disp < 0) {
        std::snprintf(disp, sizeof disp, "-0x%" PRIx64, static_cast<uint64_t>(-op.disp));
      } else {
        std::snprintf(disp, sizeof disp, "%s0x%" PRIx64, inner.empty() ? "" : "+",
                      static_cast<uint64_t>(op.disp));
      }
      inner += disp;
      std::snprintf(buf, sizeof buf, "m%u:%s:[%s]", op.size_bits, op.seg.c_str(), inner.c_str());
      break;
    }
    case OperandKind::kImm:
      std::snprintf(buf, sizeof buf, "imm%u:0x%" PRIx64, op.size_bits, op.imm);
      break;
    case OperandKind::kRel:
      std::snprintf(buf, sizeof buf, "rel%u:%+" PRId64, op.size_bits, static_cast<int64_t>(op.imm));
      break;
    case OperandKind::kPtr:
      std::snprintf(buf, sizeof buf, "ptr%u:0x%x:0x%" PRIx64, op.size_bits, op.selector, op.imm);
      break;
    case OperandKind::kNone:
      std::snprintf(buf, sizeof buf, "none");
      break;
  }
  return buf;
}

}  // namespace

std::string FormatRecord(const InsnRecord& r) {
  if (r.status != Outcome::kOk) return std::string("(") + OutcomeName(r.status) + ")";
  std::string s = r.mnemonic;
  if (!r.mask.empty()) s += " {" + r.mask + "}";
  for (size_t i = 0; i < r.operands.size(); ++i) {
    s += i == 0 ? " " : ", ";
    s += FormatOperand(r.operands[i]);
  }
  s += "  [len " + std::to_string(r.length) + "]";
  return s;
}

std::string HexBytes(std::span<const uint8_t> bytes) {
  static const char kHex[] = "0123456789abcdef";
  std::string s;
  s.reserve(bytes.size() * 3);
  for (size_t i = 0; i < bytes.size(); ++i) {
    if (i) s += ' ';
    s += kHex[bytes[i] >> 4];
    s += kHex[bytes[i] & 15];
  }
  return s;
}

}  // namespace kiln::test
