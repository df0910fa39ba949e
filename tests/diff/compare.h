// Comparison of two normalized records into a single difference category.
#pragma once

#include <string>

#include "tests/diff/insn_record.h"

namespace kiln::test {

/// The first way two records differ, checked in this order.
enum class DiffCategory : uint8_t {
  kNone,
  kValidity,      ///< one decoder accepts the bytes, the other does not
  kFaultKind,     ///< both reject them, one as invalid (#UD), the other as too long (#GP)
  kLength,
  kMnemonic,
  kOperandCount,
  kOperandKind,
  kOperandSize,
  kOperandReg,
  kOperandMem,
  kOperandImm,
  kMask,          ///< EVEX opmask {kN}
};

struct Difference {
  DiffCategory category = DiffCategory::kNone;
  int operand = -1;  ///< 0-based operand index for the kOperand* categories

  explicit operator bool() const { return category != DiffCategory::kNone; }
};

/// Generic name: "validity", "fault-kind", "length", "mnemonic", "operand-count",
/// "operand-kind", ..., "mask".
const char* CategoryName(DiffCategory c);

/// Specific name: the generic name, with the operand number for operand categories
/// ("operand-2-size", 1-based like the SDM's "operand 2").
std::string DifferenceName(const Difference& d);

/// Compares everything: Kiln (`a`) against Zydis (`b`).
Difference CompareFull(const InsnRecord& a, const InsnRecord& b);

/// Compares what Capstone can be trusted with: acceptance, length and mnemonic.
Difference CompareShallow(const InsnRecord& a, const InsnRecord& b);

}  // namespace kiln::test
