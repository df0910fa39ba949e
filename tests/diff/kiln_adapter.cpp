// Conversion of Kiln's DecodedInsn into the normalized record.
#include "tests/diff/kiln_adapter.h"

#include <string>


namespace kiln::test {

namespace {

using frontend::DecodedInsn;
using frontend::DecodeStatus;
using frontend::Reg;
using frontend::RegClass;
using frontend::Seg;

const char* SegName(Seg s) {
  static const char* const kNames[] = {"es", "cs", "ss", "ds", "fs", "gs", "", ""};
  return kNames[static_cast<uint8_t>(s) & 7];
}

std::string RegString(Reg r, uint8_t address_size) {
  if (!r.valid()) return "";
  if (r.cls == RegClass::kIp) return address_size == 8 ? "rip" : address_size == 4 ? "eip" : "ip";
  std::string name = frontend::RegName(r);
  if (r.cls == RegClass::kSt && name.size() == 5 && name[2] == '(') {  // "st(3)" -> "st3"
    name = std::string("st") + name[3];
  }
  return name;
}

OperandRecord Convert(const frontend::Operand& op, uint8_t address_size) {
  OperandRecord r;
  r.size_bits = static_cast<uint16_t>(op.size * 8);
  switch (op.kind) {
    case frontend::OperandKind::kReg:
      r.kind = OperandKind::kReg;
      r.reg = RegString(op.reg, address_size);
      break;
    case frontend::OperandKind::kMem:
      r.kind = OperandKind::kMem;
      r.seg = SegName(op.seg);
      r.base = RegString(op.base, address_size);
      r.index = RegString(op.index, address_size);
      r.scale = op.index.valid() ? op.scale : 0;
      r.disp = op.value;
      break;
    case frontend::OperandKind::kImm:
      r.kind = OperandKind::kImm;
      r.imm = MaskToBits(static_cast<uint64_t>(op.value), r.size_bits);
      break;
    case frontend::OperandKind::kRel:
      r.kind = OperandKind::kRel;
      r.imm = static_cast<uint64_t>(op.value);
      break;
    case frontend::OperandKind::kFarPtr:
      r.kind = OperandKind::kPtr;
      r.selector = op.selector;
      r.imm = static_cast<uint64_t>(op.value);
      break;
    case frontend::OperandKind::kNone:
      r.kind = OperandKind::kNone;
      break;
  }
  return r;
}

}  // namespace

frontend::CpuMode ToCpuMode(Bits mode) {
  return mode == Bits::k16   ? frontend::CpuMode::k16
         : mode == Bits::k32 ? frontend::CpuMode::k32
                             : frontend::CpuMode::k64;
}

// Kiln gives far transfers their own mnemonics so that visitors can tell them from near ones;
// Zydis (like the SDM's mnemonic column) names both CALL, JMP and RET.
static const char* ZydisName(frontend::Mnemonic m) {
  switch (m) {
    case frontend::Mnemonic::CALLF: return "call";
    case frontend::Mnemonic::JMPF: return "jmp";
    case frontend::Mnemonic::RETF: return "ret";
    default: return frontend::MnemonicName(m);
  }
}

InsnRecord ToRecord(DecodeStatus status, const DecodedInsn& insn) {
  InsnRecord out;
  switch (status) {
    case DecodeStatus::kOk: out.status = Outcome::kOk; break;
    case DecodeStatus::kInvalid: out.status = Outcome::kInvalid; break;
    case DecodeStatus::kTooLong: out.status = Outcome::kTooLong; break;
    case DecodeStatus::kNeedMoreBytes: out.status = Outcome::kNeedMoreBytes; break;
  }
  if (out.status != Outcome::kOk) return out;
  out.length = insn.length;
  out.address_bits = static_cast<uint8_t>(insn.address_size * 8);
  out.mnemonic = ZydisName(insn.mnemonic);
  int count = insn.operand_count < 4 ? insn.operand_count : 4;
  for (int i = 0; i < count; ++i) out.operands.push_back(Convert(insn.operands[i], insn.address_size));
  if (insn.encoding == frontend::Encoding::kEvex && insn.prefixes.evex_aaa != 0) {
    out.mask = "k" + std::to_string(insn.prefixes.evex_aaa);
  }
  return out;
}

void KilnDecode(std::span<const uint8_t> bytes, Bits mode, InsnRecord& out) {
  frontend::DecodedInsn insn;
  DecodeStatus status = frontend::Decode(bytes, ToCpuMode(mode), insn);
  out = ToRecord(status, insn);
}

}  // namespace kiln::test
