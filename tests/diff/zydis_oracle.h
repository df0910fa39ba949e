// Zydis 4 as the reference decoder, configured as an Intel CPU without MPX or KNC.
#pragma once

#include <Zydis/Zydis.h>

#include <cstdint>
#include <span>

#include "tests/diff/insn_record.h"

namespace kiln::test {

/// Which Zydis operands are compared with Kiln's operand list.
enum class ZydisOperands : uint8_t {
  kVisible,       ///< EXPLICIT and IMPLICIT: every operand Intel syntax shows ("add eax, imm32",
                  ///< "shl eax, 1", "push gs"); what Kiln's operand list holds. The default.
  kExplicitOnly,  ///< only operands encoded in ModRM/SIB/VEX/immediate fields
};

/// Normalizations applied to Zydis's operands (so that equal meanings compare equal):
/// - a sign-extended immediate (imm8 of "83 /0", imm32 of "48 05") takes the instruction's
///   effective operand width, as the SDM describes it ("sign-extended imm8"); Zydis reports the
///   encoded width;
/// - an address-generation memory operand (LEA) has size 0: no memory is accessed;
/// - the EVEX opmask {k1} goes into InsnRecord::mask, not into the operand list.
class ZydisOracle {
 public:
  explicit ZydisOracle(Bits mode, ZydisOperands operands = ZydisOperands::kVisible);

  /// Decodes one instruction from the start of `bytes` into `out`. With `with_text`, also
  /// formats Zydis's Intel-syntax text into `out.text`.
  void Decode(std::span<const uint8_t> bytes, InsnRecord& out, bool with_text = false) const;

 private:
  ZydisOperands operands_;
  ZydisDecoder decoder_;
  ZydisFormatter formatter_;
};

}  // namespace kiln::test
