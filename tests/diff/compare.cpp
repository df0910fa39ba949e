// Difference categories between normalized records.
#include "tests/diff/compare.h"

namespace kiln::test {

const char* CategoryName(DiffCategory c) {
  switch (c) {
    case DiffCategory::kNone: return "none";
    case DiffCategory::kValidity: return "validity";
    case DiffCategory::kFaultKind: return "fault-kind";
    case DiffCategory::kLength: return "length";
    case DiffCategory::kMnemonic: return "mnemonic";
    case DiffCategory::kOperandCount: return "operand-count";
    case DiffCategory::kOperandKind: return "operand-kind";
    case DiffCategory::kOperandSize: return "operand-size";
    case DiffCategory::kOperandReg: return "operand-reg";
    case DiffCategory::kOperandMem: return "operand-mem";
    case DiffCategory::kOperandImm: return "operand-imm";
    case DiffCategory::kMask: return "mask";
  }
  return "?";
}

std::string DifferenceName(const Difference& d) {
  std::string generic = CategoryName(d.category);
  if (d.operand < 0) return generic;
  // "operand-size" -> "operand-2-size"
  return "operand-" + std::to_string(d.operand + 1) + generic.substr(7);
}

namespace {

Difference Shallow(const InsnRecord& a, const InsnRecord& b) {
  bool a_ok = a.status == Outcome::kOk;
  bool b_ok = b.status == Outcome::kOk;
  if (a_ok != b_ok) return {DiffCategory::kValidity};
  if (!a_ok) return {};
  if (a.length != b.length) return {DiffCategory::kLength};
  if (a.mnemonic != b.mnemonic) return {DiffCategory::kMnemonic};
  return {};
}

// `address_bits`: displacements are address-size quantities (a 16-bit moffs of 0xEA3B and one of
// -0x15C5 name the same byte), so they compare modulo 2^address_bits.
DiffCategory CompareOperand(const OperandRecord& a, const OperandRecord& b, unsigned address_bits) {
  if (a.kind != b.kind) return DiffCategory::kOperandKind;
  if (a.size_bits != b.size_bits) return DiffCategory::kOperandSize;
  switch (a.kind) {
    case OperandKind::kReg:
      if (a.reg != b.reg) return DiffCategory::kOperandReg;
      break;
    case OperandKind::kMem:
      // An operand that accesses no memory (LEA: size 0 on both sides) has no meaningful segment.
      if ((a.seg != b.seg && a.size_bits != 0) || a.base != b.base || a.index != b.index || a.scale != b.scale ||
          MaskToBits(static_cast<uint64_t>(a.disp), address_bits) !=
              MaskToBits(static_cast<uint64_t>(b.disp), address_bits)) {
        return DiffCategory::kOperandMem;
      }
      break;
    case OperandKind::kImm:
    case OperandKind::kRel:
      if (a.imm != b.imm) return DiffCategory::kOperandImm;
      break;
    case OperandKind::kPtr:
      if (a.imm != b.imm || a.selector != b.selector) return DiffCategory::kOperandImm;
      break;
    case OperandKind::kNone:
      break;
  }
  return DiffCategory::kNone;
}

}  // namespace

Difference CompareShallow(const InsnRecord& a, const InsnRecord& b) { return Shallow(a, b); }

Difference CompareFull(const InsnRecord& a, const InsnRecord& b) {
  if (a.status != b.status) {
    bool a_ok = a.status == Outcome::kOk;
    bool b_ok = b.status == Outcome::kOk;
    return {a_ok != b_ok ? DiffCategory::kValidity : DiffCategory::kFaultKind};
  }
  Difference d = Shallow(a, b);
  if (d || a.status != Outcome::kOk) return d;
  if (a.operands.size() != b.operands.size()) return {DiffCategory::kOperandCount};
  for (size_t i = 0; i < a.operands.size(); ++i) {
    DiffCategory c = CompareOperand(a.operands[i], b.operands[i], b.address_bits);
    if (c != DiffCategory::kNone) return {c, static_cast<int>(i)};
  }
  if (a.mask != b.mask) return {DiffCategory::kMask};
  return {};
}

}  // namespace kiln::test
