// A second, independent oracle for the EVEX tables: LLVM's MC disassembler (in libLLVM).
//
// The EVEX rows were derived from Zydis (see the provenance note in frontend/tables/evex.txt), so
// agreeing with Zydis there proves little. LLVM's X86 disassembler was written from Intel's
// specifications independently of Zydis. Where both LLVM and Kiln decode a random EVEX string,
// they must agree on its length and mnemonic. LLVM is more lenient than the SDM in places (it
// accepts {z} without an opmask, ignores EVEX.W on WIG instructions differently, ...), so the
// strings only one side accepts are counted and printed, not failed.
#include <gtest/gtest.h>
#include <llvm-c/Disassembler.h>
#include <llvm-c/Target.h>

#include <cstdio>
#include <cstring>
#include <map>
#include <random>
#include <string>

#include "frontend/decoder.h"

namespace kiln::test {
namespace {

using frontend::CpuMode;
using frontend::DecodedInsn;
using frontend::DecodeStatus;

// LLVM prints compares with their predicate folded into the mnemonic (vcmpnltps for vcmpps with
// imm8 5, vpcmpnleub for vpcmpub with imm8 6); the SDM's mnemonic is the one without it.
bool SameMnemonic(const std::string& kiln, const std::string& llvm) {
  if (kiln == llvm) return true;
  static const char* kCompares[] = {"vcmpps", "vcmppd", "vcmpss", "vcmpsd", "vcmpph", "vcmpsh",
                                    "vpcmpb", "vpcmpw", "vpcmpd", "vpcmpq",
                                    "vpcmpub", "vpcmpuw", "vpcmpud", "vpcmpuq"};
  for (const char* c : kCompares) {
    const std::string cmp = c;
    if (kiln != cmp) continue;
    const bool unsigned_int = cmp.size() == 7 && cmp[5] == 'u';
    const std::string base = cmp.rfind("vpcmp", 0) == 0 ? "vpcmp" : "vcmp";
    const std::string suffix = cmp.substr(unsigned_int ? 5 : (base == "vpcmp" ? 5 : 4));
    if (!unsigned_int && base == "vpcmp" && llvm.ends_with("u" + suffix)) return false;
    return llvm.rfind(base, 0) == 0 && llvm.ends_with(suffix);
  }
  return false;
}

class LlvmX86Disassembler {
 public:
  LlvmX86Disassembler() {
    LLVMInitializeX86TargetInfo();
    LLVMInitializeX86TargetMC();
    LLVMInitializeX86Disassembler();
    ctx_ = LLVMCreateDisasm("x86_64-pc-linux-gnu", nullptr, 0, nullptr, nullptr);
    if (ctx_) LLVMSetDisasmOptions(ctx_, LLVMDisassembler_Option_AsmPrinterVariant);  // Intel
  }
  ~LlvmX86Disassembler() {
    if (ctx_) LLVMDisasmDispose(ctx_);
  }
  bool ok() const { return ctx_ != nullptr; }
  /// Returns the length (0 when LLVM rejects the bytes) and the mnemonic.
  size_t Decode(const uint8_t* bytes, size_t n, std::string& mnemonic) {
    uint8_t copy[16] = {};
    std::memcpy(copy, bytes, std::min<size_t>(n, sizeof copy));
    char text[256] = {};
    const size_t len = LLVMDisasmInstruction(ctx_, copy, n, 0, text, sizeof text);
    std::string t = text;
    const size_t start = t.find_first_not_of("\t ");
    t = start == std::string::npos ? "" : t.substr(start);
    mnemonic = t.substr(0, t.find_first_of("\t "));
    return len;
  }

 private:
  LLVMDisasmContextRef ctx_ = nullptr;
};

TEST(DecoderEvexLlvm, WhereBothDecode_LengthAndMnemonicAgree) {
  LlvmX86Disassembler llvm;
  ASSERT_TRUE(llvm.ok());
  std::mt19937_64 rng(0x45564558);  // fixed seed
  constexpr int kStrings = 500'000;
  static constexpr uint8_t kMaps[] = {1, 2, 3, 5, 6};
  int both = 0, kiln_only = 0, llvm_only = 0, length_diff = 0, mnemonic_diff = 0;
  std::map<std::string, int> kiln_only_by_mnemonic;
  for (int i = 0; i < kStrings; ++i) {
    uint8_t b[15];
    for (auto& x : b) x = static_cast<uint8_t>(rng());
    b[0] = 0x62;                                             // EVEX
    b[1] = static_cast<uint8_t>((b[1] & 0xF0) | kMaps[rng() % 5]);  // P0: reserved bit 3 = 0
    b[2] |= 0x04;                                            // P1: fixed bit 2 = 1
    DecodedInsn insn;
    const bool kiln_ok = frontend::Decode(b, CpuMode::k64, insn) == DecodeStatus::kOk;
    std::string llvm_mnemonic;
    const size_t llvm_len = llvm.Decode(b, sizeof b, llvm_mnemonic);
    if (kiln_ok && llvm_len) {
      ++both;
      if (llvm_len != insn.length) {
        ++length_diff;
        ADD_FAILURE() << "length: Kiln " << int{insn.length} << " LLVM " << llvm_len << " for "
                      << frontend::MnemonicName(insn.mnemonic);
      } else if (!SameMnemonic(frontend::MnemonicName(insn.mnemonic), llvm_mnemonic)) {
        ++mnemonic_diff;
        ADD_FAILURE() << "mnemonic: Kiln " << frontend::MnemonicName(insn.mnemonic) << " LLVM "
                      << llvm_mnemonic;
      }
    } else if (kiln_ok) {
      ++kiln_only;
      ++kiln_only_by_mnemonic[frontend::MnemonicName(insn.mnemonic)];
    } else if (llvm_len) {
      ++llvm_only;
    }
    if (length_diff + mnemonic_diff > 20) break;
  }
  std::printf("EVEX vs LLVM MC: %d strings, both decode %d (length mismatches %d, mnemonic "
              "mismatches %d), only Kiln %d, only LLVM %d\n",
              kStrings, both, length_diff, mnemonic_diff, kiln_only, llvm_only);
  std::printf("only Kiln, by mnemonic (LLVM rejects EVEX.W on WIG and L'L on LIG forms the SDM allows):\n");
  for (const auto& [m, n] : kiln_only_by_mnemonic) std::printf("  %6d %s\n", n, m.c_str());
  EXPECT_GT(both, 5000);
}

}  // namespace
}  // namespace kiln::test
