// The normalized instruction record that Kiln, Zydis and Capstone are all converted into.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace kiln::test {

/// Decoder modes, named by their default operand size.
enum class Bits : uint8_t { k16 = 16, k32 = 32, k64 = 64 };

/// What a decoder made of a byte string.
enum class Outcome : uint8_t { kOk, kInvalid, kTooLong, kNeedMoreBytes };

enum class OperandKind : uint8_t { kNone, kReg, kMem, kImm, kRel, kPtr };

/// One explicit operand. Strings are lower-case Intel register names ("" when absent).
struct OperandRecord {
  OperandKind kind = OperandKind::kNone;
  uint16_t size_bits = 0;  ///< operand size in bits (Zydis convention)
  std::string reg;         ///< kReg
  std::string seg;         ///< kMem: effective segment ("ds", "ss", ...)
  std::string base;        ///< kMem: base register, "rip"/"eip" for IP-relative
  std::string index;       ///< kMem: index register
  uint8_t scale = 0;       ///< kMem: 0 when there is no index
  int64_t disp = 0;        ///< kMem: displacement (0 when none)
  uint64_t imm = 0;        ///< kImm: value masked to size_bits; kRel: displacement; kPtr: offset
  uint16_t selector = 0;   ///< kPtr

  friend bool operator==(const OperandRecord&, const OperandRecord&) = default;
};

/// One decoded instruction, normalized. The Zydis-only fields (isa_*) are empty for other oracles.
struct InsnRecord {
  Outcome status = Outcome::kInvalid;
  uint8_t length = 0;       ///< meaningful only when status == kOk
  uint8_t address_bits = 0; ///< effective address size: displacements compare modulo 2^this
  std::string mnemonic;     ///< lower-case, Zydis spelling
  std::vector<OperandRecord> operands;  ///< explicit operands, Intel order
  std::string mask;         ///< EVEX opmask register ("k1"), "" when none or k0
  std::string isa_ext;      ///< Zydis ISA extension ("XOP", "AVX512EVEX", ...)
  std::string isa_set;      ///< Zydis ISA set ("FMA4", "AVX512F_512", ...)
  std::string text;         ///< the oracle's own Intel-syntax text, for reports
};

const char* OutcomeName(Outcome o);
const char* OperandKindName(OperandKind k);

/// One-line canonical form of the record ("add r32:eax, imm32:0x1"), identical for all oracles.
std::string FormatRecord(const InsnRecord& r);

/// "0f 1f 44 00 00"
std::string HexBytes(std::span<const uint8_t> bytes);

/// Masks `value` to the low `bits` bits (no-op for 0 or >= 64).
inline uint64_t MaskToBits(uint64_t value, unsigned bits) {
  return (bits == 0 || bits >= 64) ? value : (value & ((uint64_t{1} << bits) - 1));
}

}  // namespace kiln::test
