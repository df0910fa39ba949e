// `kiln disasm`: disassembles an ELF file's .text or a raw binary, one objdump-style line per
// instruction.
#pragma once

#include <cstdint>
#include <cstdio>
#include <span>
#include <string_view>

#include "ui/cli/cli.h"

namespace kiln::ui {

/// `kiln disasm [--mode 16|32|64] [--base ADDR] [--offset N] [--length N] FILE`.
/// An ELF file (x86-64 or i386) is disassembled from its .text at the section's address, in the
/// mode its class and machine imply; any other file is raw code loaded at --base (default 0) in
/// 64-bit mode. --offset and --length select a window of that input (.text or the whole file);
/// --base overrides the address of the input's first byte; --mode overrides the mode.
int RunDisasmCommand(std::span<const std::string_view> args, const CommandIo& io);

/// Disassembles `code`, whose first byte is at `address`, in 16-, 32- or 64-bit mode
/// (`mode_bits`), writing objdump-style lines to `out`:
///   `  401000:\t48 89 e5             \tmov rbp, rsp`
/// Undecodable bytes print one at a time as `(bad)`; an instruction cut off by the end of `code`
/// prints its remaining bytes as one `(bad)` line. Returns false when writing to `out` failed.
bool DisassembleToFile(std::span<const uint8_t> code, uint64_t address, int mode_bits,
                       std::FILE* out);

}  // namespace kiln::ui
