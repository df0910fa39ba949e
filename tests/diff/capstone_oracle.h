// Capstone 4 as a second opinion on validity, length and mnemonic (it has known bugs).
#pragma once

#include <capstone/capstone.h>

#include <cstdint>
#include <span>
#include <string>

#include "tests/diff/insn_record.h"

namespace kiln::test {

class CapstoneOracle {
 public:
  explicit CapstoneOracle(Bits mode);
  ~CapstoneOracle();
  CapstoneOracle(const CapstoneOracle&) = delete;
  CapstoneOracle& operator=(const CapstoneOracle&) = delete;

  /// Decodes one instruction: status (ok or invalid only), length, normalized mnemonic, and
  /// Capstone's own text in `out.text`. No operands.
  void Decode(std::span<const uint8_t> bytes, InsnRecord& out) const;

 private:
  csh handle_ = 0;
  cs_insn* insn_ = nullptr;
};

/// Maps Capstone's spelling to Zydis's: drops prefix words ("rep", "lock", "bnd", ...), maps
/// condition-code aliases (jne -> jnz, seta -> setnbe, cmovae -> cmovnb) and other spellings
/// (movabs -> mov, wait -> fwait, xlatb -> xlat, sal -> shl, pushal -> pushad).
std::string NormalizeCapstoneMnemonic(const char* mnemonic);

}  // namespace kiln::test
