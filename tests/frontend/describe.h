// A compact, printer-independent description of a DecodedInsn for decoder tests.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "frontend/decoder.h"

namespace kiln::test {

/// "mnemonic op, op": registers by name, memory as "m<bytes>:<seg>:[base+index*scale+disp]",
/// immediates as "#<hex>", branch displacements as "rel<hex>", far pointers as "sel:off".
std::string Describe(const frontend::DecodedInsn& insn);

/// Parses "48 8b 04 24" into bytes.
std::vector<uint8_t> Hex(const std::string& text);

/// Decodes `hex` in `mode`; returns Describe() of the result, or "invalid", "too-long",
/// "need-more"; appends " /len=N" when the length differs from the byte count.
std::string DecodeHex(frontend::CpuMode mode, const std::string& hex);

}  // namespace kiln::test
