// Conversion of Zydis's decoded instructions into normalized records.
#include "tests/diff/zydis_oracle.h"

#include <cstdlib>

namespace kiln::test {

namespace {

const char* RegString(ZydisRegister r) {
  return r == ZYDIS_REGISTER_NONE ? "" : ZydisRegisterGetString(r);
}

Outcome OutcomeOf(ZyanStatus status) {
  if (ZYAN_SUCCESS(status)) return Outcome::kOk;
  if (status == ZYDIS_STATUS_INSTRUCTION_TOO_LONG) return Outcome::kTooLong;
  if (status == ZYDIS_STATUS_NO_MORE_DATA) return Outcome::kNeedMoreBytes;
  return Outcome::kInvalid;
}

OperandRecord Convert(const ZydisDecodedOperand& op, const ZydisDecodedInstruction& insn) {
  OperandRecord r;
  r.size_bits = op.size;
  switch (op.type) {
    case ZYDIS_OPERAND_TYPE_REGISTER:
      r.kind = OperandKind::kReg;
      r.reg = RegString(op.reg.value);
      break;
    case ZYDIS_OPERAND_TYPE_MEMORY:
      r.kind = OperandKind::kMem;
      r.seg = RegString(op.mem.segment);
      r.base = RegString(op.mem.base);
      r.index = RegString(op.mem.index);
      r.scale = op.mem.index == ZYDIS_REGISTER_NONE ? 0 : op.mem.scale;
      r.disp = op.mem.disp.has_displacement ? op.mem.disp.value : 0;
      if (op.mem.type == ZYDIS_MEMOP_TYPE_AGEN) r.size_bits = 0;
      break;
    case ZYDIS_OPERAND_TYPE_POINTER:
      r.kind = OperandKind::kPtr;
      r.selector = op.ptr.segment;
      r.imm = op.ptr.offset;
      break;
    case ZYDIS_OPERAND_TYPE_IMMEDIATE:
      if (op.imm.is_relative) {
        r.kind = OperandKind::kRel;
        r.imm = static_cast<uint64_t>(op.imm.value.s);
      } else {
        r.kind = OperandKind::kImm;
        if (op.imm.is_signed && op.size < insn.operand_width) r.size_bits = insn.operand_width;
        r.imm = MaskToBits(op.imm.value.u, r.size_bits);
      }
      break;
    default:
      r.kind = OperandKind::kNone;
      break;
  }
  return r;
}

}  // namespace

ZydisOracle::ZydisOracle(Bits mode, ZydisOperands operands) : operands_(operands) {
  ZydisMachineMode machine = ZYDIS_MACHINE_MODE_LONG_64;
  ZydisStackWidth stack = ZYDIS_STACK_WIDTH_64;
  if (mode == Bits::k16) {
    machine = ZYDIS_MACHINE_MODE_LEGACY_16;
    stack = ZYDIS_STACK_WIDTH_16;
  } else if (mode == Bits::k32) {
    machine = ZYDIS_MACHINE_MODE_LEGACY_32;
    stack = ZYDIS_STACK_WIDTH_32;
  }
  if (!ZYAN_SUCCESS(ZydisDecoderInit(&decoder_, machine, stack)) ||
      !ZYAN_SUCCESS(ZydisDecoderEnableMode(&decoder_, ZYDIS_DECODER_MODE_MPX, ZYAN_FALSE)) ||
      !ZYAN_SUCCESS(ZydisDecoderEnableMode(&decoder_, ZYDIS_DECODER_MODE_KNC, ZYAN_FALSE)) ||
      // F3 0F 09 is WBNOINVD in the SDM; Zydis decodes it as WBINVD unless told otherwise.
      !ZYAN_SUCCESS(ZydisDecoderEnableMode(&decoder_, ZYDIS_DECODER_MODE_WBNOINVD, ZYAN_TRUE)) ||
      !ZYAN_SUCCESS(ZydisFormatterInit(&formatter_, ZYDIS_FORMATTER_STYLE_INTEL))) {
    std::abort();
  }
}

void ZydisOracle::Decode(std::span<const uint8_t> bytes, InsnRecord& out, bool with_text) const {
  ZydisDecodedInstruction insn;
  ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
  ZyanStatus status = ZydisDecoderDecodeFull(&decoder_, bytes.data(), bytes.size(), &insn, ops);
  out = InsnRecord{};
  out.status = OutcomeOf(status);
  if (out.status != Outcome::kOk) return;
  out.length = insn.length;
  out.address_bits = insn.address_width;
  out.mnemonic = ZydisMnemonicGetString(insn.mnemonic);
  out.isa_ext = ZydisISAExtGetString(insn.meta.isa_ext);
  out.isa_set = ZydisISASetGetString(insn.meta.isa_set);
  for (int i = 0; i < insn.operand_count; ++i) {
    const ZydisDecodedOperand& op = ops[i];
    bool wanted = op.visibility == ZYDIS_OPERAND_VISIBILITY_EXPLICIT ||
                  (op.visibility == ZYDIS_OPERAND_VISIBILITY_IMPLICIT &&
                   operands_ == ZydisOperands::kVisible);
    if (!wanted) continue;
    if (op.encoding == ZYDIS_OPERAND_ENCODING_MASK) {
      // EVEX.aaa: Kiln keeps it in Prefixes::evex_aaa, not in the operand list.
      if (op.type == ZYDIS_OPERAND_TYPE_REGISTER && op.reg.value != ZYDIS_REGISTER_K0) {
        out.mask = RegString(op.reg.value);
      }
      continue;
    }
    out.operands.push_back(Convert(op, insn));
  }
  if (with_text) {
    char buf[256];
    if (ZYAN_SUCCESS(ZydisFormatterFormatInstruction(&formatter_, &insn, ops,
                                                     insn.operand_count_visible, buf, sizeof buf,
                                                     ZYDIS_RUNTIME_ADDRESS_NONE, nullptr))) {
      out.text = buf;
    }
  }
}

}  // namespace kiln::test
