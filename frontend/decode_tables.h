// The types of the generated decode tables (frontend/gen/gen_decode_tables.py writes the data).
// Internal to the decoder: nothing outside frontend/ includes this.
#pragma once

#include <cstdint>

#include "frontend/mnemonic.h"

namespace kiln::frontend::detail {

/// Operand addressing methods, SDM Vol.2 A.2.1 letters plus Kiln's additions.
/// Order must match METHODS in gen_decode_tables.py.
enum class OperandMethod : uint8_t {
  kNone,
  kE,         ///< ModRM.rm: a GPR or memory
  kG,         ///< ModRM.reg: a GPR
  kM,         ///< ModRM.rm: memory only
  kR,         ///< ModRM.rm: a GPR only (mod = 11b)
  kZ,         ///< opcode bits 2:0 (+REX.B): a GPR
  kI,         ///< immediate, zero-extended
  kIs,        ///< immediate, sign-extended to the operand size
  kJ,         ///< relative branch displacement
  kO,         ///< moffs: an absolute offset of the address size
  kA,         ///< direct far pointer
  kS,         ///< ModRM.reg: a segment register
  kC,         ///< ModRM.reg: a control register
  kD,         ///< ModRM.reg: a debug register
  kV,         ///< ModRM.reg: a vector register
  kW,         ///< ModRM.rm: a vector register or memory
  kU,         ///< ModRM.rm: a vector register only
  kH,         ///< VEX.vvvv: a vector register
  kL,         ///< imm8[7:4]: a vector register
  kP,         ///< ModRM.reg: an MMX register
  kQ,         ///< ModRM.rm: an MMX register or memory
  kN,         ///< ModRM.rm: an MMX register only
  kB,         ///< VEX.vvvv: a GPR
  kFixed,     ///< a fixed GPR; `extra` is its index
  kFixedSeg,  ///< a fixed segment register; `extra` is its index
  kOne,       ///< the constant 1 (shift group D0/D1)
  kSt0,       ///< x87 ST(0)
  kSti,       ///< x87 ST(ModRM.rm)
  kEv,        ///< ModRM.rm: GPR of size `extra` (an OperandSize) or memory of `size`
  kWv,        ///< ModRM.rm: vector register of size `extra` or memory of `size`
  kQv,        ///< ModRM.rm: MMX register of size `extra` or memory of `size`
  kK,         ///< ModRM.reg: an opmask register
  kKR,        ///< ModRM.rm: an opmask register only
  kKH,        ///< VEX.vvvv: an opmask register
  kKE,        ///< ModRM.rm: an opmask register or memory
  kY,         ///< VSIB memory; the size gives the index register's vector length
  kT,         ///< ModRM.reg: an AMX tile register
  kTR,        ///< ModRM.rm: an AMX tile register only
  kTH,        ///< VEX.vvvv: an AMX tile register
};

/// Operand sizes, SDM Vol.2 A.2.2 letters plus x87 formats. Order must match SIZES.
enum class OperandSize : uint8_t {
  k_none, k_b, k_w, k_d, k_q, k_dq, k_qq, k_v, k_z, k_y, k_x, k_h, k_p, k_s, k_a, k_r,
  k_t, k_env, k_fst, k_fx, k_xs, k_agen, k_xq, k_xo, k_adr, k_by48, k_by64,
};

struct OperandSpec {
  OperandMethod method = OperandMethod::kNone;
  OperandSize size = OperandSize::k_none;
  uint8_t extra = 0;
};

/// Instruction attributes, generated from ATTRIBUTE_LIST in the generator.
namespace attr {
#include "frontend/generated/decode_attrs.inc"
}  // namespace attr

struct InsnDef {
  Mnemonic mnemonic;
  uint8_t num_ops;
  uint32_t attrs;
  OperandSpec ops[4];
};

/// A node of the decode tree. Selector nodes pick child `arg + index`, where the index
/// comes from the field the selector names; leaves name an InsnDef.
enum class NodeKind : uint8_t {
  kInvalid, kLeaf,
  kSel_mode, kSel_pfx, kSel_w, kSel_wg, kSel_l, kSel_osz, kSel_asz, kSel_rexb, kSel_mod, kSel_reg, kSel_rm,
};

struct DecodeNode {
  NodeKind kind;
  uint16_t arg;
};

#include "frontend/generated/decode_tables.inc"

}  // namespace kiln::frontend::detail
