// Intel-syntax printer: DecodedInsn -> "lock add dword ptr [rax+rbx*4+0x10], 0x1".
#include "frontend/disasm/printer.h"

#include <string_view>

#include "frontend/mnemonic.h"
#include "frontend/registers.h"

namespace kiln::frontend {
namespace {

constexpr char kHexDigits[] = "0123456789abcdef";

void AppendHex(std::string& out, uint64_t v) {
  char digits[16];
  int n = 0;
  do {
    digits[n++] = kHexDigits[v & 15];
    v >>= 4;
  } while (v != 0);
  out += "0x";
  while (n > 0) out += digits[--n];
}

void AppendDecimal(std::string& out, unsigned v) {
  char digits[10];
  int n = 0;
  do {
    digits[n++] = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v != 0);
  while (n > 0) out += digits[--n];
}

/// `v` truncated to its low `bytes` bytes (no truncation for 0 or >= 8).
uint64_t MaskToBytes(uint64_t v, unsigned bytes) {
  if (bytes == 0 || bytes >= 8) return v;
  return v & ((uint64_t{1} << (bytes * 8)) - 1);
}

unsigned DefaultSize(CpuMode mode) {
  switch (mode) {
    case CpuMode::k16: return 2;
    case CpuMode::k32: return 4;
    case CpuMode::k64: return 8;
  }
  return 8;
}

/// Intel size keyword for a memory access of `size` bytes; nullptr when there is none.
const char* SizeKeyword(uint16_t size) {
  switch (size) {
    case 1: return "byte";
    case 2: return "word";
    case 4: return "dword";
    case 6: return "fword";
    case 8: return "qword";
    case 10: return "tbyte";
    case 16: return "xmmword";
    case 32: return "ymmword";
    case 64: return "zmmword";
    default: return nullptr;
  }
}

const char* SegName(Seg seg) {
  switch (seg) {
    case Seg::kEs: return "es";
    case Seg::kCs: return "cs";
    case Seg::kSs: return "ss";
    case Seg::kDs: return "ds";
    case Seg::kFs: return "fs";
    case Seg::kGs: return "gs";
    case Seg::kNone: break;
  }
  return "?";
}

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

void AppendMemory(std::string& out, const DecodedInsn& insn, const Operand& op) {
  const char* keyword = SizeKeyword(op.size);
  if (keyword != nullptr && insn.mnemonic != Mnemonic::LEA) {  // LEA reads no memory
    out += keyword;
    out += " ptr ";
  }
  if (insn.prefixes.segment != Seg::kNone) {
    // The encoded override, as objdump and Zydis print it (also where 64-bit mode ignores it),
    // except on a string destination, which always uses ES.
    out += SegName(op.seg == Seg::kEs ? Seg::kEs : insn.prefixes.segment);
    out += ':';
  }
  const unsigned address_size =
      insn.address_size != 0 ? insn.address_size : DefaultSize(insn.mode);
  out += '[';
  bool has_register = false;
  bool rip_relative = false;
  if (op.base.valid()) {
    if (op.base.cls == RegClass::kIp) {
      rip_relative = true;
      out += address_size == 4 ? "eip" : "rip";
    } else {
      out += RegName(op.base);
    }
    has_register = true;
  }
  if (op.index.valid()) {
    if (has_register) out += '+';
    out += RegName(op.index);
    out += '*';
    AppendDecimal(out, op.scale != 0 ? op.scale : 1);
    has_register = true;
  }
  if (!has_register) {
    AppendHex(out, MaskToBytes(static_cast<uint64_t>(op.value), address_size));
  } else if (op.value != 0 || rip_relative) {
    const uint64_t raw = static_cast<uint64_t>(op.value);
    const uint64_t magnitude = op.value < 0 ? uint64_t{0} - raw : raw;
    out += op.value < 0 ? '-' : '+';
    AppendHex(out, magnitude);
  }
  out += ']';
  if (op.broadcast != 0) {
    out += "{1to";
    AppendDecimal(out, op.broadcast);
    out += '}';
  }
}

void AppendOperand(std::string& out, const DecodedInsn& insn, const Operand& op,
                   uint64_t address) {
  const unsigned operand_size =
      insn.operand_size != 0 ? insn.operand_size : DefaultSize(insn.mode);
  switch (op.kind) {
    case OperandKind::kNone:
      break;
    case OperandKind::kReg:
      out += RegName(op.reg);
      break;
    case OperandKind::kMem:
      AppendMemory(out, insn, op);
      break;
    case OperandKind::kImm:
      AppendHex(out, MaskToBytes(static_cast<uint64_t>(op.value),
                                 op.size != 0 ? op.size : operand_size));
      break;
    case OperandKind::kRel: {
      // Wraps like the instruction pointer: at 16 or 32 bits outside 64-bit mode.
      const uint64_t target = address + insn.length + static_cast<uint64_t>(op.value);
      AppendHex(out, insn.mode == CpuMode::k64 ? target : MaskToBytes(target, operand_size));
      break;
    }
    case OperandKind::kFarPtr:
      AppendHex(out, op.selector);
      out += ':';
      AppendHex(out, MaskToBytes(static_cast<uint64_t>(op.value), operand_size));
      break;
  }
}

void AppendPrefixes(std::string& out, const DecodedInsn& insn, std::string_view name) {
  const Prefixes& p = insn.prefixes;
  if (p.lock) {
    if (p.repne) out += "xacquire ";
    if (p.rep) out += "xrelease ";
    out += "lock ";
    return;
  }
  if (p.rep) {
    out += StartsWith(name, "cmps") || StartsWith(name, "scas") ? "repe " : "rep ";
  }
  if (p.repne) {
    const bool branch = StartsWith(name, "j") || StartsWith(name, "call") ||
                        StartsWith(name, "ret");
    out += branch ? "bnd " : "repne ";
  }
}

// EVEX.b on a register-only instruction: static rounding (SDM Vol.2 2.7.5, EVEX.L'L = RC).
bool HasEmbeddedRounding(const DecodedInsn& insn, int /*count*/) {
  return insn.encoding == Encoding::kEvex && (insn.prefixes.evex_er || insn.prefixes.evex_sae);
}

void AppendOpmask(std::string& out, const Prefixes& p) {
  if (p.evex_aaa != 0) {
    out += " {k";
    AppendDecimal(out, p.evex_aaa);
    out += '}';
  }
  if (p.evex_z) out += p.evex_aaa != 0 ? "{z}" : " {z}";
}

}  // namespace

std::string FormatInsn(const DecodedInsn& insn, uint64_t address) {
  if (insn.mnemonic == Mnemonic::INVALID) return "(bad)";
  // Far CALL/JMP have their own mnemonics in Kiln; Intel syntax spells them like the near ones.
  const std::string_view name = insn.mnemonic == Mnemonic::CALLF  ? "call"
                                : insn.mnemonic == Mnemonic::JMPF ? "jmp"
                                                                  : MnemonicName(insn.mnemonic);
  std::string out;
  out.reserve(64);
  AppendPrefixes(out, insn, name);
  out += name;
  const int count = insn.operand_count <= insn.operands.size()
                        ? insn.operand_count
                        : static_cast<int>(insn.operands.size());
  for (int i = 0; i < count; ++i) {
    out += i == 0 ? " " : ", ";
    AppendOperand(out, insn, insn.operands[i], address);
    if (i == 0 && insn.encoding == Encoding::kEvex) AppendOpmask(out, insn.prefixes);
  }
  if (HasEmbeddedRounding(insn, count)) {
    static constexpr const char* kRounding[4] = {"{rn-sae}", "{rd-sae}", "{ru-sae}", "{rz-sae}"};
    out += count == 0 ? " " : ", ";
    out += insn.prefixes.evex_er ? kRounding[insn.prefixes.evex_rc & 3] : "{sae}";
  }
  return out;
}

std::string FormatBytes(std::span<const uint8_t> bytes) {
  std::string out;
  out.reserve(bytes.size() * 3);
  for (size_t i = 0; i < bytes.size(); ++i) {
    if (i != 0) out += ' ';
    out += kHexDigits[bytes[i] >> 4];
    out += kHexDigits[bytes[i] & 15];
  }
  return out;
}

}  // namespace kiln::frontend
