// The mnemonic list: generated from the opcode tables (frontend/tables/*.txt), so that one list
// drives the decoder, the printer and the execution engines' visitors.
#pragma once

#include <cstdint>

namespace kiln::frontend {

/// Every mnemonic the decoder can produce. INVALID is first; the rest come from the tables in
/// alphabetical order. Enumerator names are the upper-case Intel mnemonics (ADD, VPADDD, ...).
enum class Mnemonic : uint16_t {
#define KILN_MNEMONIC(name) name,
#include "frontend/generated/mnemonics.inc"
#undef KILN_MNEMONIC
};

/// Number of mnemonics, INVALID included.
inline constexpr int kMnemonicCount = 0
#define KILN_MNEMONIC(name) +1
#include "frontend/generated/mnemonics.inc"
#undef KILN_MNEMONIC
    ;

/// Lower-case Intel mnemonic ("add", "vpaddd"); "invalid" for INVALID.
const char* MnemonicName(Mnemonic m);

}  // namespace kiln::frontend
