// Intel-syntax text for a DecodedInsn (objdump -M intel / Zydis style, lower case).
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "frontend/decoded_insn.h"

namespace kiln::frontend {

/// Formats `insn`, located at `address`, as `[prefixes ]mnemonic op1, op2, ...`:
/// - registers by RegName(); an EVEX opmask follows the first operand: `zmm1 {k1}{z}`;
/// - memory as `dword ptr fs:[rax+rbx*4+0x10]`: the size keyword comes from Operand::size
///   (1 byte, 2 word, 4 dword, 6 fword, 8 qword, 10 tbyte, 16 xmmword, 32 ymmword, 64 zmmword,
///   anything else none; never for LEA), the segment only when the instruction has a segment
///   override prefix (the encoded one, ES on a string destination), RIP-relative as
///   `[rip+0x10]`, EVEX broadcast as `[rax]{1to16}`;
/// - immediates in hex, masked to the operand's size (`add eax, 0xffffffff` for -1);
/// - branch targets (kRel) as the absolute address `address + length + displacement`, masked to
///   the operand size in 16- and 32-bit modes;
/// - EVEX embedded rounding (EVEX.b without a memory operand) as a last operand, `{rn-sae}`;
/// - far pointers as `0x1234:0x5678`; CALLF and JMPF print as `call` and `jmp`;
/// - `lock `, `rep `, `repe ` (CMPS/SCAS), `repne `, `bnd ` (F2 on a branch), `xacquire ` and
///   `xrelease ` (F2/F3 with LOCK) before the mnemonic.
/// An INVALID instruction prints as `(bad)`.
std::string FormatInsn(const DecodedInsn& insn, uint64_t address);

/// Bytes as lower-case hex pairs separated by single spaces: `48 89 e5`.
std::string FormatBytes(std::span<const uint8_t> bytes);

}  // namespace kiln::frontend
