// Bit test/scan/count and the BMI1, BMI2, ADX, BSWAP and CRC32 semantics (SDM Vol.2 BT, BTS,
// BTR, BTC, BSF, BSR, POPCNT, LZCNT, TZCNT, ANDN, BEXTR, BLSI, BLSMSK, BLSR, BZHI, PDEP, PEXT,
// RORX, SARX, SHLX, SHRX, MULX, ADCX, ADOX, BSWAP, CRC32). Undefined flags follow the host CPU
// (docs/flags.md).
#pragma once

#include <bit>
#include <cstdint>

#include "jit/semantics/flags.h"

namespace kiln::jit::sem {

enum class BitTestOp : uint8_t { kBt, kBts, kBtr, kBtc };

/// BT/BTS/BTR/BTC on a `size`-byte value with an already reduced bit offset (register forms
/// take the offset modulo the width; the memory forms' address arithmetic is the caller's).
/// CF = the old bit; OF, SF, AF and PF are undefined (the AMD host keeps them) and ZF is kept.
constexpr uint64_t BitTest(LazyFlags& f, BitTestOp op, uint64_t value, uint64_t offset, unsigned size) {
  const uint64_t bit = uint64_t{1} << (offset & (size * 8 - 1));
  const bool old = (value & bit) != 0;
  UpdateFlags(f, rflags::kCf, old ? rflags::kCf : 0);
  switch (op) {
    case BitTestOp::kBt: return value;
    case BitTestOp::kBts: return value | bit;
    case BitTestOp::kBtr: return value & ~bit;
    case BitTestOp::kBtc: return value ^ bit;
  }
  return value;
}

/// BSF/BSR: the index of the lowest/highest set bit; with a zero source ZF = 1 and the
/// destination keeps `dest` (as AMD documents and Intel CPUs do). CF, OF, SF, AF and PF are
/// undefined: the AMD host keeps them, and so does Kiln.
constexpr uint64_t BitScan(LazyFlags& f, bool reverse, uint64_t src, uint64_t dest, unsigned size) {
  src &= SizeMask(size);
  if (src == 0) {
    UpdateFlags(f, rflags::kZf, rflags::kZf);
    return dest & SizeMask(size);
  }
  UpdateFlags(f, rflags::kZf, 0);
  return reverse ? static_cast<uint64_t>(63 - std::countl_zero(src)) : static_cast<uint64_t>(std::countr_zero(src));
}

/// POPCNT: ZF = (src == 0); CF, OF, SF, AF and PF are cleared.
constexpr uint64_t Popcnt(LazyFlags& f, uint64_t src, unsigned size) {
  src &= SizeMask(size);
  UpdateFlags(f, rflags::kArith, src == 0 ? rflags::kZf : 0);
  return static_cast<uint64_t>(std::popcount(src));
}

/// LZCNT/TZCNT: CF = (src == 0), ZF = (result == 0); OF, SF, AF and PF are undefined: the AMD
/// host clears SF, AF and PF and keeps OF.
constexpr uint64_t CountZeros(LazyFlags& f, bool leading, uint64_t src, unsigned size) {
  const unsigned bits = size * 8;
  src &= SizeMask(size);
  uint64_t r = bits;
  if (src != 0) {
    r = leading ? static_cast<uint64_t>(std::countl_zero(src) - (64 - bits)) : static_cast<uint64_t>(std::countr_zero(src));
  }
  UpdateFlags(f, rflags::kCf | rflags::kZf | rflags::kSf | rflags::kAf | rflags::kPf,
              (src == 0 ? rflags::kCf : 0) | (r == 0 ? rflags::kZf : 0));
  return r;
}

// --- BMI1 ---------------------------------------------------------------------------------

/// ANDN: ~a & b; SF, ZF from the result, CF = OF = 0. AF and PF are undefined: the AMD host
/// clears AF and sets PF from the result, as for the other BMI1 results below.
constexpr uint64_t Andn(LazyFlags& f, uint64_t a, uint64_t b, unsigned size) {
  const uint64_t r = ~a & b & SizeMask(size);
  UpdateFlags(f, rflags::kArith, ResultFlags(r, size));
  return r;
}

/// BEXTR: bits [start, start+len) of src (start = ctl[7:0], len = ctl[15:8]); ZF from the result,
/// CF = OF = 0. SF, AF and PF are undefined: the AMD host clears SF, sets AF and sets PF from the
/// result.
constexpr uint64_t Bextr(LazyFlags& f, uint64_t src, uint64_t ctl, unsigned size) {
  const unsigned bits = size * 8;
  const unsigned start = ctl & 0xFF, len = (ctl >> 8) & 0xFF;
  src &= SizeMask(size);
  uint64_t r = 0;
  if (start < bits) {
    r = src >> start;
    if (len < 64) r &= (uint64_t{1} << len) - 1;
  }
  UpdateFlags(f, rflags::kArith, (r == 0 ? rflags::kZf : 0) | ParityFlag(r) | rflags::kAf);
  return r;
}

/// BLSI (src & -src), BLSMSK (src ^ (src - 1)), BLSR (src & (src - 1)).
enum class BlsOp : uint8_t { kBlsi, kBlsmsk, kBlsr };
constexpr uint64_t Bls(LazyFlags& f, BlsOp op, uint64_t src, unsigned size) {
  const uint64_t mask = SizeMask(size);
  src &= mask;
  uint64_t r = 0;
  bool cf = false;
  switch (op) {
    case BlsOp::kBlsi: r = src & (0 - src) & mask; cf = src != 0; break;
    case BlsOp::kBlsmsk: r = (src ^ (src - 1)) & mask; cf = src == 0; break;
    case BlsOp::kBlsr: r = src & (src - 1) & mask; cf = src == 0; break;
  }
  uint64_t values = ResultFlags(r, size) | (cf ? rflags::kCf : 0);
  UpdateFlags(f, rflags::kArith, values);
  return r;
}

// --- BMI2 ---------------------------------------------------------------------------------

/// BZHI: src with the bits from index n = ctl[7:0] up cleared; CF = (n > width - 1);
/// ZF, SF from the result, OF = 0; AF and PF undefined (AMD host: AF = 0, PF from the result).
constexpr uint64_t Bzhi(LazyFlags& f, uint64_t src, uint64_t ctl, unsigned size) {
  const unsigned bits = size * 8;
  const unsigned n = ctl & 0xFF;
  uint64_t r = src & SizeMask(size);
  if (n < bits) r &= (uint64_t{1} << n) - 1;
  const uint64_t values = ResultFlags(r, size) | (n > bits - 1 ? rflags::kCf : 0);
  UpdateFlags(f, rflags::kArith, values);
  return r;
}

/// PDEP: deposit the low bits of src at the positions of mask's set bits. No flags.
constexpr uint64_t Pdep(uint64_t src, uint64_t mask, unsigned size) {
  mask &= SizeMask(size);
  uint64_t r = 0;
  for (uint64_t bit = 1; mask != 0; bit <<= 1) {
    const uint64_t lowest = mask & (0 - mask);
    if (src & bit) r |= lowest;
    mask &= mask - 1;
  }
  return r;
}

/// PEXT: gather the bits of src at mask's set bits into the low bits. No flags.
constexpr uint64_t Pext(uint64_t src, uint64_t mask, unsigned size) {
  mask &= SizeMask(size);
  uint64_t r = 0;
  for (uint64_t bit = 1; mask != 0; bit <<= 1) {
    const uint64_t lowest = mask & (0 - mask);
    if (src & lowest) r |= bit;
    mask &= mask - 1;
  }
  return r;
}

/// RORX, SARX, SHLX, SHRX: shifts with the count masked to the width - 1 and no flags.
constexpr uint64_t Rorx(uint64_t src, unsigned count, unsigned size) {
  const unsigned bits = size * 8, c = count & (bits - 1);
  src &= SizeMask(size);
  return c == 0 ? src : ((src >> c) | (src << (bits - c))) & SizeMask(size);
}
constexpr uint64_t Shlx(uint64_t src, uint64_t count, unsigned size) {
  return (src << (count & (size * 8 - 1))) & SizeMask(size);
}
constexpr uint64_t Shrx(uint64_t src, uint64_t count, unsigned size) {
  return (src & SizeMask(size)) >> (count & (size * 8 - 1));
}
constexpr uint64_t Sarx(uint64_t src, uint64_t count, unsigned size) {
  const unsigned bits = size * 8;
  const int64_t s = static_cast<int64_t>(src << (64 - bits)) >> (64 - bits);
  return static_cast<uint64_t>(s >> (count & (bits - 1))) & SizeMask(size);
}

/// MULX: unsigned a * b without touching the flags; hi:lo.
struct MulxResult {
  uint64_t lo = 0, hi = 0;
};
constexpr MulxResult Mulx(uint64_t a, uint64_t b, unsigned size) {
  const uint64_t mask = SizeMask(size);
  const unsigned __int128 p = static_cast<unsigned __int128>(a & mask) * (b & mask);
  return {static_cast<uint64_t>(p) & mask, static_cast<uint64_t>(p >> (size * 8)) & mask};
}

// --- ADX ----------------------------------------------------------------------------------

/// ADCX (carry in and out through CF) and ADOX (through OF); no other flag changes.
constexpr uint64_t AddCarryFlag(LazyFlags& f, bool overflow_flag, uint64_t a, uint64_t b, unsigned size) {
  const uint64_t flag = overflow_flag ? rflags::kOf : rflags::kCf;
  const bool carry_in = (ArithmeticFlags(f) & flag) != 0;
  const uint64_t mask = SizeMask(size);
  const unsigned __int128 sum = static_cast<unsigned __int128>(a & mask) + (b & mask) + (carry_in ? 1 : 0);
  const bool carry_out = (sum >> (size * 8)) != 0;
  UpdateFlags(f, flag, carry_out ? flag : 0);
  return static_cast<uint64_t>(sum) & mask;
}

// --- BSWAP, CRC32 ---------------------------------------------------------------------------

/// BSWAP of a 32- or 64-bit value (the 16-bit form is undefined: the host gives 0).
constexpr uint64_t Bswap(uint64_t v, unsigned size) {
  if (size == 8) return __builtin_bswap64(v);
  if (size == 4) return __builtin_bswap32(static_cast<uint32_t>(v));
  return 0;
}

/// CRC32 (the CRC-32C polynomial 0x11EDC6F41, bit-reflected), accumulating `size` bytes of data
/// into `crc`. No flags.
constexpr uint32_t Crc32c(uint32_t crc, uint64_t data, unsigned size) {
  for (unsigned i = 0; i < size * 8; ++i) {
    const bool bit = ((crc ^ (data >> i)) & 1) != 0;
    crc = (crc >> 1) ^ (bit ? 0x82F63B78u : 0u);
  }
  return crc;
}

}  // namespace kiln::jit::sem
