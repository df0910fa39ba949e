// Register names and widths.
#include "frontend/registers.h"

#include <array>
#include <cstdio>

namespace kiln::frontend {
namespace {

constexpr const char* kGpr64[16] = {"rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
                                    "r8",  "r9",  "r10", "r11", "r12", "r13", "r14", "r15"};
constexpr const char* kGpr32[16] = {"eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi",
                                    "r8d", "r9d", "r10d", "r11d", "r12d", "r13d", "r14d", "r15d"};
constexpr const char* kGpr16[16] = {"ax",  "cx",  "dx",   "bx",   "sp",   "bp",   "si",   "di",
                                    "r8w", "r9w", "r10w", "r11w", "r12w", "r13w", "r14w", "r15w"};
constexpr const char* kGpr8[16] = {"al",  "cl",  "dl",   "bl",   "spl",  "bpl",  "sil",  "dil",
                                   "r8b", "r9b", "r10b", "r11b", "r12b", "r13b", "r14b", "r15b"};
constexpr const char* kGpr8High[4] = {"ah", "ch", "dh", "bh"};
constexpr const char* kSeg[8] = {"es", "cs", "ss", "ds", "fs", "gs", "?", "?"};

// Names of numbered registers ("xmm17", "cr8"), built once.
template <int N>
struct NumberedNames {
  std::array<std::array<char, 8>, N> names{};
  explicit NumberedNames(const char* prefix, const char* fmt = "%s%d") {
    for (int i = 0; i < N; ++i) std::snprintf(names[i].data(), names[i].size(), fmt, prefix, i);
  }
  const char* operator[](unsigned i) const { return i < N ? names[i].data() : "?"; }
};

}  // namespace

uint16_t RegWidth(RegClass cls) {
  switch (cls) {
    case RegClass::kNone: return 0;
    case RegClass::kGpr8:
    case RegClass::kGpr8High: return 1;
    case RegClass::kGpr16:
    case RegClass::kSeg: return 2;
    case RegClass::kGpr32: return 4;
    case RegClass::kGpr64:
    case RegClass::kCr:
    case RegClass::kDr:
    case RegClass::kMmx:
    case RegClass::kMask:
    case RegClass::kIp: return 8;
    case RegClass::kSt: return 10;
    case RegClass::kXmm:
    case RegClass::kBnd: return 16;
    case RegClass::kYmm: return 32;
    case RegClass::kZmm: return 64;
    case RegClass::kTmm: return 1024;
  }
  return 0;
}

const char* RegName(Reg reg) {
  static const NumberedNames<16> cr("cr"), dr("dr");
  static const NumberedNames<8> st("st", "%s(%d)"), mm("mm"), k("k"), tmm("tmm");
  static const NumberedNames<4> bnd("bnd");
  static const NumberedNames<32> xmm("xmm"), ymm("ymm"), zmm("zmm");
  const unsigned i = reg.index;
  switch (reg.cls) {
    case RegClass::kNone: return "?";
    case RegClass::kGpr8: return i < 16 ? kGpr8[i] : "?";
    case RegClass::kGpr8High: return i < 4 ? kGpr8High[i] : "?";
    case RegClass::kGpr16: return i < 16 ? kGpr16[i] : "?";
    case RegClass::kGpr32: return i < 16 ? kGpr32[i] : "?";
    case RegClass::kGpr64: return i < 16 ? kGpr64[i] : "?";
    case RegClass::kSeg: return kSeg[i & 7];
    case RegClass::kCr: return cr[i];
    case RegClass::kDr: return dr[i];
    case RegClass::kSt: return st[i];
    case RegClass::kMmx: return mm[i];
    case RegClass::kXmm: return xmm[i];
    case RegClass::kYmm: return ymm[i];
    case RegClass::kZmm: return zmm[i];
    case RegClass::kMask: return k[i];
    case RegClass::kBnd: return bnd[i];
    case RegClass::kTmm: return tmm[i];
    case RegClass::kIp: return "rip";
  }
  return "?";
}

}  // namespace kiln::frontend
