// Kiln's decoder seen through the same normalized record as the oracles.
#pragma once

#include <cstdint>
#include <span>

#include "frontend/decoded_insn.h"
#include "frontend/decoder.h"
#include "tests/diff/insn_record.h"

namespace kiln::test {

frontend::CpuMode ToCpuMode(Bits mode);

/// Converts a Kiln decode result into a normalized record (operand sizes in bits, registers by
/// name with "st(0)" spelled "st0", RIP-relative bases named "rip"/"eip").
InsnRecord ToRecord(frontend::DecodeStatus status, const frontend::DecodedInsn& insn);

/// Decodes one instruction with Kiln and converts it.
void KilnDecode(std::span<const uint8_t> bytes, Bits mode, InsnRecord& out);

}  // namespace kiln::test
