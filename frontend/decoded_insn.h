// DecodedInsn: the plain value the decoder produces and every later stage consumes.
#pragma once

#include <array>
#include <cstdint>

#include "frontend/mnemonic.h"
#include "frontend/registers.h"

namespace kiln::frontend {

/// The processor mode that decides default operand and address sizes (SDM Vol.1 3.6).
/// k16 covers real mode, virtual-8086 mode and 16-bit protected mode; k32 covers 32-bit
/// protected mode and 32-bit compatibility mode; k64 is 64-bit mode.
enum class CpuMode : uint8_t { k16 = 0, k32 = 1, k64 = 2 };

/// How the opcode was encoded.
enum class Encoding : uint8_t { kLegacy, kVex, kEvex };

/// The opcode map the opcode byte was looked up in (SDM Vol.2 Appendix A).
enum class OpcodeMap : uint8_t { kPrimary = 0, k0F = 1, k0F38 = 2, k0F3A = 3, kMap5 = 5, kMap6 = 6 };

enum class OperandKind : uint8_t {
  kNone,
  kReg,     ///< `reg`
  kMem,     ///< `seg:[base + index*scale + value]`
  kImm,     ///< `value` (sign- or zero-extended as the instruction defines)
  kRel,     ///< branch target: `value` is the displacement from the next instruction
  kFarPtr,  ///< direct far pointer: `selector:value`
};

/// One explicit operand. 24 bytes, so that a DecodedInsn stays within two cache lines.
struct Operand {
  OperandKind kind = OperandKind::kNone;
  Seg seg = Seg::kNone;  ///< kMem: the effective segment (after overrides and defaults)
  uint16_t size = 0;     ///< bytes read or written (register width, memory access size)
  Reg reg;               ///< kReg: the register
  Reg base;              ///< kMem: base register (kIp for RIP-relative), or none
  Reg index;             ///< kMem: index register (an XMM/YMM/ZMM register for VSIB), or none
  uint8_t scale = 0;     ///< kMem: 1, 2, 4 or 8 when there is an index
  uint8_t broadcast = 0; ///< kMem: EVEX embedded broadcast factor (1toN), 0 when none
  uint16_t selector = 0; ///< kFarPtr: the segment selector
  int64_t value = 0;     ///< kMem: displacement; kImm: immediate; kRel: displacement; kFarPtr: offset
};
static_assert(sizeof(Operand) == 24);

/// The prefixes of an instruction, decoded into named fields (SDM Vol.2 2.1.1, 2.2, 2.3, 2.7).
struct Prefixes {
  bool lock = false;         ///< F0
  bool rep = false;          ///< F3 acting as REP/REPE (not as a mandatory prefix)
  bool repne = false;        ///< F2 acting as REPNE (not as a mandatory prefix)
  bool operand_size = false; ///< 66 present
  bool address_size = false; ///< 67 present
  Seg segment = Seg::kNone;  ///< the last segment override prefix, if any
  uint8_t rex = 0;           ///< the REX byte (0x40..0x4F) in effect, 0 when none
  uint8_t mandatory = 0;     ///< the mandatory prefix that selected the opcode: 0, 0x66, 0xF3 or 0xF2
  // VEX / EVEX fields, already un-inverted.
  uint8_t vex_l = 0;         ///< VEX.L or EVEX.L'L: 0 = 128, 1 = 256, 2 = 512 bits
  bool vex_w = false;        ///< VEX.W / EVEX.W (REX.W in legacy encodings)
  uint8_t vvvv = 0;          ///< VEX.vvvv / EVEX.V':vvvv, the extra source register
  uint8_t evex_aaa = 0;      ///< EVEX opmask register
  bool evex_z = false;       ///< EVEX zeroing-masking
  bool evex_b = false;       ///< EVEX broadcast / rounding control / SAE
  uint8_t evex_rc = 0;       ///< EVEX.L'L as the rounding mode when evex_er is set
  bool evex_er = false;      ///< EVEX.b with registers means embedded rounding (evex_rc) ...
  bool evex_sae = false;     ///< ... or only suppress-all-exceptions ({sae})
};

/// A decoded instruction. Operands appear in Intel order, destination first.
struct DecodedInsn {
  Mnemonic mnemonic = Mnemonic::INVALID;
  uint8_t length = 0;         ///< total bytes, 1..15
  uint8_t operand_count = 0;  ///< explicit operands in `operands`
  CpuMode mode = CpuMode::k64;
  Encoding encoding = Encoding::kLegacy;
  OpcodeMap map = OpcodeMap::kPrimary;
  uint8_t opcode = 0;         ///< the opcode byte within `map`
  uint8_t modrm = 0;          ///< valid when has_modrm
  uint8_t operand_size = 0;   ///< effective operand size in bytes: 2, 4 or 8
  uint8_t address_size = 0;   ///< effective address size in bytes: 2, 4 or 8
  bool has_modrm = false;
  Prefixes prefixes;
  std::array<Operand, 4> operands{};  ///< only the first operand_count are meaningful; the
                                      ///< rest are unspecified (a decode may overwrite them)
};

}  // namespace kiln::frontend
