// Printer-independent instruction descriptions for decoder tests.
#include "tests/frontend/describe.h"

#include <cstdio>
#include <sstream>

namespace kiln::test {

using frontend::DecodedInsn;
using frontend::OperandKind;

namespace {
const char* SegName(frontend::Seg s) {
  static constexpr const char* kNames[8] = {"es", "cs", "ss", "ds", "fs", "gs", "?", "-"};
  return kNames[static_cast<unsigned>(s) & 7];
}
std::string HexValue(int64_t v) {
  char buf[32];
  if (v < 0) std::snprintf(buf, sizeof buf, "-0x%llx", static_cast<unsigned long long>(-v));
  else std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
  return buf;
}
}  // namespace

std::string Describe(const DecodedInsn& insn) {
  std::string out = frontend::MnemonicName(insn.mnemonic);
  for (int i = 0; i < insn.operand_count; ++i) {
    const auto& op = insn.operands[i];
    out += i == 0 ? " " : ", ";
    switch (op.kind) {
      case OperandKind::kNone: out += "none"; break;
      case OperandKind::kReg: out += frontend::RegName(op.reg); break;
      case OperandKind::kImm: out += "#" + HexValue(op.value); break;
      case OperandKind::kRel: out += "rel" + HexValue(op.value); break;
      case OperandKind::kFarPtr: out += HexValue(op.selector) + ":" + HexValue(op.value); break;
      case OperandKind::kMem: {
        out += "m" + std::to_string(op.size) + ":" + SegName(op.seg) + ":[";
        bool any = false;
        if (op.base.valid()) { out += frontend::RegName(op.base); any = true; }
        if (op.index.valid()) {
          if (any) out += "+";
          out += std::string(frontend::RegName(op.index)) + "*" + std::to_string(op.scale);
          any = true;
        }
        if (op.value != 0 || !any) {
          if (any && op.value >= 0) out += "+";
          out += HexValue(op.value);
        }
        out += "]";
        if (op.broadcast) out += "{1to" + std::to_string(op.broadcast) + "}";
        break;
      }
    }
  }
  return out;
}

std::vector<uint8_t> Hex(const std::string& text) {
  std::vector<uint8_t> bytes;
  std::istringstream in(text);
  std::string tok;
  while (in >> tok) bytes.push_back(static_cast<uint8_t>(std::stoul(tok, nullptr, 16)));
  return bytes;
}

std::string DecodeHex(frontend::CpuMode mode, const std::string& hex) {
  const auto bytes = Hex(hex);
  DecodedInsn insn;
  switch (frontend::Decode(bytes, mode, insn)) {
    case frontend::DecodeStatus::kInvalid: return "invalid";
    case frontend::DecodeStatus::kTooLong: return "too-long";
    case frontend::DecodeStatus::kNeedMoreBytes: return "need-more";
    case frontend::DecodeStatus::kOk: break;
  }
  std::string d = Describe(insn);
  if (insn.length != bytes.size()) d += " /len=" + std::to_string(insn.length);
  return d;
}

}  // namespace kiln::test
