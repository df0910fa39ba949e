// XSAVE, XSAVEOPT, XSAVEC and XRSTOR cases for the host-CPU oracle: saves of a random state in
// both formats and REX.W forms, and round trips (save, clobber x87/SSE/AVX/MXCSR, restore with
// another mask), now and then with a header or MXCSR the restore must reject (#GP) or a
// misaligned area. The host runs with the XCR0 its Linux enabled (x87, SSE, AVX and maybe more):
// every mask here stays within bits 0-2, so RFBM is the same on both sides, and nothing depends
// on components Kiln does not have.
//
// XINUSE: Kiln derives it from the values, the host tracks it. The cases keep the x87 state out of
// its initial configuration (FCW) and the XMM registers random, so both report those components
// in use; the AVX state is either random (in use) or untouched since the oracle's VZEROUPPER
// (initial on both sides), which exercises the init optimization of XSAVEOPT and XSAVEC.
#include <cstring>

#include "tests/jit/oracle_cases.h"

namespace kiln::test {
namespace {

constexpr uint64_t kRbx = kOracleDataBase + 2048;  // memory operands are [rbx + ...]
constexpr int kAreaDisp = -1024;                   // the XSAVE area: [rbx - 1024, rbx - 192), 64-byte aligned
constexpr int kMxcsrDisp = -64;                    // a scratch dword for LDMXCSR

void PushDisp32(std::vector<uint8_t>& b, int32_t d) {
  for (int i = 0; i < 4; ++i) b.push_back(static_cast<uint8_t>(static_cast<uint32_t>(d) >> (8 * i)));
}

// mov word/dword [rbx + disp32], imm (valid in 64-bit and 32-bit code).
void StoreImm(std::vector<uint8_t>& code, int32_t disp, unsigned size, uint32_t imm) {
  if (size == 2) code.push_back(0x66);
  code.insert(code.end(), {0xC7, 0x83});
  PushDisp32(code, disp);
  for (unsigned i = 0; i < size; ++i) code.push_back(static_cast<uint8_t>(imm >> (8 * i)));
}
// mov byte [rbx + disp32], imm8
void StoreByte(std::vector<uint8_t>& code, int32_t disp, uint8_t imm) {
  code.insert(code.end(), {0xC6, 0x83});
  PushDisp32(code, disp);
  code.push_back(imm);
}

/// An instruction mask in EDX:EAX: x87/SSE/AVX subsets, all ones (= XCR0), or nothing.
void LoadMask(std::mt19937_64& rng, std::vector<uint8_t>& code) {
  const uint32_t choices[] = {7, 7, 7, 3, 1, 2, 4, 5, 6, 0};
  const uint32_t eax = choices[rng() % std::size(choices)];
  code.push_back(0xB8);  // mov eax, imm32
  for (int i = 0; i < 4; ++i) code.push_back(static_cast<uint8_t>(eax >> (8 * i)));
  code.insert(code.end(), {0x31, 0xD2});  // xor edx, edx
}

/// XSAVE (/4), XSAVEOPT (/6) in 0F AE, XSAVEC (/4) in 0F C7, XRSTOR (/5) in 0F AE, [rbx + disp32].
void Emit(std::vector<uint8_t>& code, bool rex_w, uint8_t opcode, unsigned reg, int32_t disp) {
  if (rex_w) code.push_back(0x48);
  code.insert(code.end(), {0x0F, opcode, static_cast<uint8_t>(0x83 | reg << 3)});
  PushDisp32(code, disp);
}

}  // namespace

OracleCase RandomXsaveCase(std::mt19937_64& rng, OracleMode mode) {
  OracleCase c = RandomCase(rng, mode);
  const bool compat = mode == OracleMode::k32;
  c.code.clear();
  c.in.gpr[3] = kRbx;
  RandomVectorState(rng, c.in);
  c.in.mxcsr &= 0xFFFF;
  // x87: not in its initial configuration (FCW 037Fh), all exceptions masked.
  c.in.x87 = OracleX87{};
  c.in.x87.fcw = static_cast<uint16_t>(0x027F | (rng() & 0xC00));
  // A case that only saves may leave the AVX state initial (not loaded); a round trip loads it
  // (it compares the upper halves after the restore), with random values: the host counts
  // loaded zeros as in use.
  const bool round_trip = rng() % 3 != 0;
  c.ymm = round_trip || rng() % 2;
  if (c.ymm)
    for (auto& hi : c.in.ymm_hi)
      for (uint8_t& b : hi) b = static_cast<uint8_t>(rng());
  // The area: random bytes (XSAVE must leave what it does not write), with a header that a
  // standard-format XRSTOR accepts.
  uint8_t* area = c.in.data + (kRbx - kOracleDataBase) + kAreaDisp;
  for (int i = 0; i < 832; ++i) area[i] = static_cast<uint8_t>(rng());
  std::memset(area + 512, 0, 64);
  area[512] = static_cast<uint8_t>(rng() & 7);
  const uint32_t mxcsr = 0x1F80 | static_cast<uint32_t>(rng() & 0x3F);
  std::memcpy(area + 24, &mxcsr, 4);

  const bool rex_w = !compat && rng() % 2;
  const unsigned save = static_cast<unsigned>(rng() % 3);  // 0 XSAVE, 1 XSAVEOPT, 2 XSAVEC
  int32_t disp = kAreaDisp;
  if (rng() % 24 == 0) disp += 8 << (rng() % 3);  // misaligned: #GP
  LoadMask(rng, c.code);
  if (save == 2) Emit(c.code, rex_w, 0xC7, 4, disp);
  else Emit(c.code, rex_w, 0xAE, save == 0 ? 4 : 6, disp);
  // Stored differently by design (as for FXSAVE, oracle_cases_x87.cpp): FOP/FIP/FCS/FDP/FDS
  // (an AMD host without XSAVEERPTR keeps them only with an exception pending; FCS/FDS are the
  // host's), MXCSR_MASK (the host's may include bit 17). Zeroed on both sides.
  StoreImm(c.code, kAreaDisp + 6, 2, 0);
  for (const int at : {8, 12, 16, 20, 28}) StoreImm(c.code, kAreaDisp + at, 4, 0);
  if (!round_trip) return c;

  // Clobber every component, then restore with another mask.
  c.code.insert(c.code.end(), {0xDB, 0xE3});              // fninit
  c.code.insert(c.code.end(), {0x66, 0x0F, 0x76, 0xDB});  // pcmpeqd xmm3, xmm3
  c.code.insert(c.code.end(), {0xC5, 0xD5, 0x76, 0xED});  // vpcmpeqd ymm5, ymm5, ymm5
  StoreImm(c.code, kMxcsrDisp, 4, 0x7F80);
  c.code.insert(c.code.end(), {0x0F, 0xAE, 0x93});        // ldmxcsr [rbx + disp32]
  PushDisp32(c.code, kMxcsrDisp);
  if (rng() % 4 == 0) {
    // A header change: XSTATE_BV within x87/SSE/AVX (components initialized), XCOMP_BV's low
    // byte (#GP in the standard form; in the compacted one when XSTATE_BV is not within it), a
    // reserved header byte (#GP), a reserved MXCSR bit (#GP when MXCSR is loaded).
    switch (rng() % 4) {
      case 0: StoreByte(c.code, kAreaDisp + 512, static_cast<uint8_t>(rng() & 7)); break;
      case 1: StoreByte(c.code, kAreaDisp + 520, static_cast<uint8_t>(rng() & 7)); break;
      case 2: StoreByte(c.code, kAreaDisp + 528 + static_cast<int>(rng() % 48), static_cast<uint8_t>(1 + rng() % 255)); break;
      default: StoreByte(c.code, kAreaDisp + 27, 0x80); break;
    }
  }
  LoadMask(rng, c.code);
  Emit(c.code, !compat && rng() % 2 ? !rex_w : rex_w, 0xAE, 5, kAreaDisp);
  return c;
}

}  // namespace kiln::test
