// Random x87 instruction sequences for the host-CPU oracle (see oracle_cases.h): a random x87
// state (registers from edge values, empty and full stacks, any control word) and memory
// operands filled with edge values in every format the instructions read.
#include <cstring>
#include <iterator>

#include "tests/jit/oracle_cases.h"

namespace kiln::test {
namespace {

constexpr uint64_t kRbx = kOracleDataBase + 2048;  // RandomCase's memory base
constexpr int kOperandLow = -128;                  // memory operands: [rbx - 128, rbx + 128)
constexpr int kFxDisp = -1024;                     // FXSAVE/FXRSTOR area: [rbx - 1024, rbx - 512)
constexpr int kEnvDisp = -1536;                    // FNSAVE/FRSTOR/FNSTENV/FLDENV area
constexpr int kTranscendentalUlps = 2;             // see docs/floating_point.md

struct Ext {
  uint16_t se;
  uint64_t sig;
};

// Extended-precision edge values (sign drawn separately): zeros, denormals and pseudo-denormals,
// the smallest and largest normals, unnormals, infinities, QNaNs and SNaNs with payloads,
// pseudo-NaNs and pseudo-infinities, the real indefinite, ties and near-ties, integer and BCD
// boundaries, and values at the binary32/binary64 overflow and underflow thresholds.
const Ext kEdges[] = {
    {0x0000, 0},                     {0x0000, 1},                     {0x0000, 0x7FFFFFFFFFFFFFFF},
    {0x0000, 0x8000000000000000},    {0x0000, 0xC000000000000001},    {0x0001, 0x8000000000000000},
    {0x7FFE, 0xFFFFFFFFFFFFFFFF},    {0x3FFF, 0x8000000000000000},    {0x3FFF, 0xC000000000000000},
    {0x4000, 0xA000000000000000},    {0x3FFE, 0x8000000000000000},    {0x3FFF, 0x8000000000000001},
    {0x3FFF, 0xFFFFFFFFFFFFFFFF},    {0x4000, 0xC90FDAA22168C235},    {0x3FFF, 0x0000000000000000},
    {0x4005, 0x4000000000000000},    {0x7FFF, 0x8000000000000000},    {0x7FFF, 0xC000000000000000},
    {0x7FFF, 0xC000000012345678},    {0x7FFF, 0x8000000000000001},    {0x7FFF, 0xA000000000000000},
    {0x7FFF, 0x4000000000000000},    {0x7FFF, 0x0000000000000000},    {0x400D, 0xFFFF000000000000},
    {0x400E, 0x8000000000000000},    {0x401D, 0xFFFFFFFF00000000},    {0x401E, 0x8000000000000000},
    {0x403D, 0xFFFFFFFFFFFFFFFF},    {0x403E, 0x8000000000000000},    {0x403E, 0x8000000000000001},
    {0x403A, 0xDE0B6B3A763FFFF0},    {0x403A, 0xDE0B6B3A76400000},    {0x407E, 0xFFFFFF8000000000},
    {0x407F, 0x8000000000000000},    {0x43FE, 0xFFFFFFFFFFFFF800},    {0x43FF, 0x8000000000000000},
    {0x3F81, 0x8000000000000000},    {0x3F80, 0xFFFFFF0000000000},    {0x3F6A, 0x8000000000000000},
    {0x3C01, 0x8000000000000000},    {0x3C00, 0xFFFFFFFFFFFFF800},    {0x3BCD, 0x8000000000000000},
    {0x3FFF, 0x8000008000000000},    {0x3FFF, 0x8000000000000400},    {0x3FFF, 0x8000018000000000},
    {0x3FFE, 0xFFFFFFFFFFFFFFFF},    {0x4001, 0xA000000000000000},    {0x3FFD, 0x8000000000000000},
};

Ext RandomExt(std::mt19937_64& rng) {
  Ext v;
  switch (rng() % 8) {
    case 0: case 1: case 2: case 3: v = kEdges[rng() % std::size(kEdges)]; break;
    case 4:  // a normal value near 1 with random digits
      v = {static_cast<uint16_t>(0x3FFF + rng() % 16 - 8), rng() | 0x8000000000000000};
      break;
    case 5:  // any exponent
      v = {static_cast<uint16_t>(rng() & 0x7FFF), rng() | (rng() % 8 ? 0x8000000000000000 : 0)};
      break;
    case 6:  // a small integer
      v = {static_cast<uint16_t>(0x3FFF + rng() % 20), (rng() | 0x8000000000000000) & ~((uint64_t{1} << (44 + rng() % 20)) - 1)};
      break;
    default:  // an edge with a low bit or two changed (rounding)
      v = kEdges[rng() % std::size(kEdges)];
      v.sig ^= rng() & 3;
      if (rng() % 2) v.sig ^= uint64_t{1} << (rng() % 64);
      break;
  }
  if (rng() % 2) v.se |= 0x8000;
  return v;
}

void PutExt(uint8_t* p, Ext v) {
  std::memcpy(p, &v.sig, 8);
  std::memcpy(p + 8, &v.se, 2);
}

// binary32/binary64 edges from the SSE generator's lists, plus integers and BCD.
const uint32_t kFloats[] = {0x00000000, 0x3F800000, 0x3FC00000, 0x40200000, 0x3F000000, 0x00000001,
                            0x007FFFFF, 0x00800000, 0x7F7FFFFF, 0x7F800000, 0x7FC00000, 0x7FC12345,
                            0x7F800001, 0x7FA00000, 0x3F800001, 0x4B000000, 0x4EFFFFFF, 0x4F000000};
const uint64_t kDoubles[] = {0x0000000000000000, 0x3FF0000000000000, 0x3FF8000000000000, 0x0000000000000001,
                             0x000FFFFFFFFFFFFF, 0x0010000000000000, 0x7FEFFFFFFFFFFFFF, 0x7FF0000000000000,
                             0x7FF8000000000000, 0x7FF8000012345678, 0x7FF0000000000001, 0x7FF4000000000000,
                             0x3FF0000000000001, 0x4330000000000000, 0x43E0000000000000, 0x400921FB54442D18};
const uint64_t kInts[] = {0, 1, 2, 3, 0x7FFF, 0x8000, 0xFFFF, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF,
                          0x7FFFFFFFFFFFFFFF, 0x8000000000000000, 0xFFFFFFFFFFFFFFFF, 1000000, 12345};

// One 16-byte slot of operand memory: a value of a random format at its start.
void FillSlot(std::mt19937_64& rng, uint8_t* p) {
  switch (rng() % 7) {
    case 0: {
      uint32_t v = rng() % 4 ? kFloats[rng() % std::size(kFloats)] : static_cast<uint32_t>(rng());
      if (rng() % 4 == 0) v ^= static_cast<uint32_t>(rng() & 3);
      if (rng() % 2) v |= 0x80000000u;
      std::memcpy(p, &v, 4);
      break;
    }
    case 1: {
      uint64_t v = rng() % 4 ? kDoubles[rng() % std::size(kDoubles)] : rng();
      if (rng() % 4 == 0) v ^= rng() & 3;
      if (rng() % 2) v |= 0x8000000000000000u;
      std::memcpy(p, &v, 8);
      break;
    }
    case 2: case 3: PutExt(p, RandomExt(rng)); break;
    case 4: {
      uint64_t v = kInts[rng() % std::size(kInts)];
      if (rng() % 2) v = 0 - v;
      if (rng() % 3 == 0) v = rng() >> (rng() % 64);
      std::memcpy(p, &v, 8);
      break;
    }
    case 5: {  // packed BCD: 18 digits (sometimes few) and a sign
      const unsigned digits = rng() % 3 ? 18 : static_cast<unsigned>(rng() % 19);
      std::memset(p, 0, 10);
      for (unsigned d = 0; d < digits; ++d) p[d / 2] = static_cast<uint8_t>(p[d / 2] | (rng() % 10) << (4 * (d % 2)));
      if (rng() % 2) p[9] = 0x80;
      break;
    }
    default:
      for (int i = 0; i < 16; ++i) p[i] = static_cast<uint8_t>(rng());
      break;
  }
}

uint16_t RandomControlWord(std::mt19937_64& rng) {
  uint16_t masks = 0x3F;
  if (rng() % 3 == 0) masks = static_cast<uint16_t>(rng() & 0x3F);
  static const uint16_t kPc[] = {0, 2, 3, 3, 3, 1};
  const uint16_t pc = kPc[rng() % std::size(kPc)];
  const uint16_t rc = static_cast<uint16_t>(rng() % 3 == 0 ? rng() & 3 : 0);
  return static_cast<uint16_t>(masks | 0x40 | pc << 8 | rc << 10 | (rng() % 8 == 0 ? 0x1000 : 0));
}

// A consistent x87 state: ES and B are set exactly when a flag is unmasked (the host recomputes
// them), and mostly no exception is pending so that the case gets past its first instruction.
void RandomX87State(std::mt19937_64& rng, OracleX87& x) {
  x.fcw = RandomControlWord(rng);
  const unsigned top = static_cast<unsigned>(rng() & 7);
  uint16_t flags = rng() % 2 ? static_cast<uint16_t>(rng() & 0x7F) : 0;
  if (rng() % 8) flags = static_cast<uint16_t>(flags & (x.fcw | 0x40));
  uint16_t fsw = static_cast<uint16_t>(flags | (rng() & 0x4700) | top << 11);
  if (fsw & ~x.fcw & 0x3F) fsw |= 0x8080;
  x.fsw = fsw;
  switch (rng() % 5) {
    case 0: x.ftw = 0; break;
    case 1: x.ftw = 0xFF; break;
    case 2: {  // a stack of depth d: ST(0)..ST(d-1) in use
      const unsigned d = static_cast<unsigned>(rng() % 9);
      x.ftw = 0;
      for (unsigned i = 0; i < d; ++i) x.ftw = static_cast<uint8_t>(x.ftw | 1u << ((top + i) & 7));
      break;
    }
    default: x.ftw = static_cast<uint8_t>(rng()); break;
  }
  x.fop = 0;
  x.fip = 0;
  x.fdp = 0;
  for (auto& r : x.st) PutExt(r, RandomExt(rng));
}

void PushDisp32(std::vector<uint8_t>& b, int32_t d) {
  for (int i = 0; i < 4; ++i) b.push_back(static_cast<uint8_t>(static_cast<uint32_t>(d) >> (8 * i)));
}

// mov word/dword [rbx + disp32], 0 (valid in 64-bit and 32-bit code): overwrites bytes of a
// stored image that the two sides store differently by design (see below) with zeros.
void Scrub(std::vector<uint8_t>& code, int32_t disp, unsigned size) {
  if (size == 2) code.push_back(0x66);
  code.insert(code.end(), {0xC7, 0x83});
  PushDisp32(code, disp);
  code.insert(code.end(), {0, 0});
  if (size != 2) code.insert(code.end(), {0, 0});
}

// One transcendental on operands in its defined domain (outside it the hardware's results are
// implementation-specific: F2XM1 returns the operand, FYL2XP1 does not report IE), compared with
// a tolerance of kTranscendentalUlps: Kiln rounds the exact value once, the hardware is within
// one ulp of it. Special operands (zeros, denormals, infinities, NaNs, empty registers) too.
OracleCase TranscendentalCase(std::mt19937_64& rng, OracleCase& c) {
  static const uint8_t kOps[] = {0xF0, 0xF1, 0xF2, 0xF3, 0xF9, 0xFB, 0xFE, 0xFF};
  const uint8_t op = kOps[rng() % std::size(kOps)];
  c.code = {0xD9, op};
  c.x87_ulps = kTranscendentalUlps;
  OracleX87& x = c.in.x87;
  const unsigned top = (x.fsw >> 11) & 7;
  Ext v;
  if (rng() % 5 == 0) {
    static const Ext kSpecial[] = {{0x0000, 0}, {0x0000, 5}, {0x0000, 0x8000000000000001}, {0x7FFF, 0xC000000000000001},
                                   {0x7FFF, 0x8000000000000001}, {0x3F00, 0x8000000000000000}, {0x7FFF, 0x8000000000000000}};
    v = kSpecial[rng() % std::size(kSpecial)];
    // F2XM1(+inf) lies outside the defined domain: a pseudo-denormal instead.
    if (op == 0xF0 && v.se == 0x7FFF && v.sig == 0x8000000000000000) v.se = 0;
  } else {
    const int max_exp = op == 0xF0 ? -1 : op == 0xF9 ? -3 : op == 0xF1 || op == 0xF3 ? 60 : 20;
    const int e = max_exp - static_cast<int>(rng() % 40);
    v = {static_cast<uint16_t>(0x3FFF + e), rng() | 0x8000000000000000};
    if (op == 0xF0 && rng() % 8 == 0) v = {0x3FFF, 0x8000000000000000};  // exactly 1
  }
  if (rng() % 2 && op != 0xF1) v.se |= 0x8000;  // FYL2X: positive x
  PutExt(x.st[0], v);
  x.ftw = static_cast<uint8_t>(x.ftw | 1u << top | 1u << ((top + 1) & 7));
  if (rng() % 6 == 0) x.ftw = static_cast<uint8_t>(x.ftw & ~(1u << ((top + rng() % 2) & 7)));
  if ((op == 0xF2 || op == 0xFB) && rng() % 2) x.ftw = static_cast<uint8_t>(x.ftw & ~(1u << ((top + 7) & 7)));
  return c;
}

}  // namespace

OracleCase RandomX87Case(std::mt19937_64& rng, OracleMode mode) {
  OracleCase c = RandomCase(rng, mode);
  const bool compat = mode == OracleMode::k32;
  c.code.clear();
  RandomX87State(rng, c.in.x87);
  uint8_t* rbx = c.in.data + (kRbx - kOracleDataBase);
  for (int slot = kOperandLow; slot < 128; slot += 16) FillSlot(rng, rbx + slot);
  // Images for FXRSTOR and FRSTOR/FLDENV: random consistent states (an FXRSTOR image with
  // reserved MXCSR bits would only test #GP).
  {
    OracleState st;
    RandomX87State(rng, st.x87);
    uint8_t* fx = rbx + kFxDisp;
    std::memset(fx, 0, 512);
    std::memcpy(fx + 0, &st.x87.fcw, 2);
    std::memcpy(fx + 2, &st.x87.fsw, 2);
    fx[4] = st.x87.ftw;
    const uint32_t mxcsr = 0x1F80 | static_cast<uint32_t>(rng() & 0x3F) | static_cast<uint32_t>((rng() & 3) << 13);
    std::memcpy(fx + 24, &mxcsr, 4);
    for (int i = 0; i < 8; ++i) std::memcpy(fx + 32 + 16 * i, st.x87.st[i], 10);
    for (int i = 160; i < 416; ++i) fx[i] = static_cast<uint8_t>(rng());
    RandomX87State(rng, st.x87);
    uint8_t* env = rbx + kEnvDisp;
    const bool small = rng() % 2;  // the layout FRSTOR/FLDENV with or without 66 reads
    std::memset(env, 0, 108);
    uint16_t tags = 0;
    for (unsigned p = 0; p < 8; ++p)
      if (!((st.x87.ftw >> p) & 1)) tags = static_cast<uint16_t>(tags | 3u << (2 * p));
    const unsigned step = small ? 2 : 4;
    std::memcpy(env + 0, &st.x87.fcw, 2);
    std::memcpy(env + step, &st.x87.fsw, 2);
    std::memcpy(env + 2 * step, &tags, 2);
    for (int i = 0; i < 8; ++i) std::memcpy(env + (small ? 14 : 28) + 10 * i, st.x87.st[i], 10);
  }
  if (rng() % 10 == 0) return TranscendentalCase(rng, c);
  const int n = 1 + static_cast<int>(rng() % 4);
  for (int k = 0; k < n; ++k) {
    std::vector<uint8_t> b;
    const unsigned kind = static_cast<unsigned>(rng() % 100);
    if (kind < 40) {
      // A memory form of D8-DF with [rbx + disp8]; the environment forms get their own area.
      const uint8_t op = static_cast<uint8_t>(0xD8 + rng() % 8);
      const unsigned reg = static_cast<unsigned>(rng() % 8);
      const bool env = (op == 0xD9 && (reg == 4 || reg == 6)) || (op == 0xDD && (reg == 4 || reg == 6));
      if (env) {
        const bool small = rng() % 2;
        if (small) b.push_back(0x66);
        b.push_back(op);
        b.push_back(static_cast<uint8_t>(0x83 | reg << 3));
        PushDisp32(b, kEnvDisp);
        // FIP: natively the case runs behind the oracle's prologue, at another address. FDS:
        // the oracle child keeps DS = 2Bh after its first 32-bit case, also for 64-bit ones.
        // FCS and FDP: the host's differed from the last instruction's in 2 of 10^6 cases
        // (FCS 0 after FXCH, FDP 0 after FSTP m64 + FDIVR), not understood; FDP is still
        // compared in the register state.
        if (reg == 6) {
          Scrub(b, kEnvDisp + (small ? 6 : 12), small ? 2 : 4);   // FIP
          Scrub(b, kEnvDisp + (small ? 8 : 16), 2);               // FCS
          Scrub(b, kEnvDisp + (small ? 10 : 20), small ? 2 : 4);  // FDP
          Scrub(b, kEnvDisp + (small ? 12 : 24), 2);              // FDS
        }
      } else {
        b.push_back(op);
        b.push_back(static_cast<uint8_t>(0x43 | reg << 3));
        b.push_back(static_cast<uint8_t>(kOperandLow + 16 * static_cast<int>(rng() % 16)));
      }
    } else if (kind < 85) {
      // A register form. A transcendental ends the case: its result may differ from the host's
      // in the last place (compared with a tolerance), which later instructions would amplify.
      const uint8_t op = static_cast<uint8_t>(0xD8 + rng() % 8);
      const uint8_t modrm = static_cast<uint8_t>(0xC0 | rng());
      b = {op, modrm};
      if (op == 0xD9 && (modrm == 0xF0 || modrm == 0xF1 || modrm == 0xF2 || modrm == 0xF3 || modrm == 0xF9 ||
                         modrm == 0xFB || modrm == 0xFE || modrm == 0xFF)) {
        --k;
        continue;
      }
    } else if (kind < 89) {
      b = {0x9B};  // fwait
    } else if (kind < 95) {
      // fxsave/fxrstor (REX.W: 64-bit FIP/FDP), now and then misaligned (#GP).
      const bool save = rng() % 2;
      const int32_t disp = kFxDisp + (rng() % 16 == 0 ? 8 : 0);
      if (!compat && rng() % 3) b.push_back(0x48);  // REX.W (48 is DEC EAX in 32-bit mode)
      b.insert(b.end(), {0x0F, 0xAE, static_cast<uint8_t>(save ? 0x83 : 0x8B)});
      PushDisp32(b, disp);
      if (save) {
        // FOP/FIP/FDP: an AMD host stores them only while an exception is pending, Kiln always
        // (as Intel does); MXCSR_MASK: the host's includes bit 17 (MM). Overwritten on both sides.
        Scrub(b, disp + 6, 2);
        for (const int at : {8, 12, 16, 20, 28}) Scrub(b, disp + at, 4);
      }
    } else {
      // fldcw / fnstcw / fnstsw m16 / fnstsw ax / fnclex / fninit
      switch (rng() % 6) {
        case 0: b = {0xD9, 0x6B, static_cast<uint8_t>(kOperandLow + 16 * static_cast<int>(rng() % 16))}; break;
        case 1: b = {0xD9, 0x7B, static_cast<uint8_t>(kOperandLow + 16 * static_cast<int>(rng() % 16))}; break;
        case 2: b = {0xDD, 0x7B, static_cast<uint8_t>(kOperandLow + 16 * static_cast<int>(rng() % 16))}; break;
        case 3: b = {0xDF, 0xE0}; break;
        case 4: b = {0xDB, 0xE2}; break;
        default: b = {0xDB, 0xE3}; break;
      }
    }
    c.code.insert(c.code.end(), b.begin(), b.end());
  }
  // A control word for FLDCW in some slot.
  if (rng() % 2) {
    const uint16_t cw = rng() % 4 ? RandomControlWord(rng) : static_cast<uint16_t>(rng());
    std::memcpy(rbx + kOperandLow + 16 * static_cast<int>(rng() % 16), &cw, 2);
  }
  return c;
}

}  // namespace kiln::test
