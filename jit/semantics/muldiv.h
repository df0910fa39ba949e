// Multiply and divide semantics (SDM Vol.2 MUL, IMUL, DIV, IDIV). Results are zero-extended
// `size`-byte values; the one-operand forms produce a double-width result split into `lo` (AL,
// AX, EAX, RAX) and `hi` (AH, DX, EDX, RDX). DIV/IDIV report #DE instead of dividing.
#pragma once

#include <cstdint>

#include "jit/semantics/flags.h"

namespace kiln::jit::sem {

struct WideResult {
  uint64_t lo = 0;
  uint64_t hi = 0;
};

struct DivResult {
  uint64_t quotient = 0;
  uint64_t remainder = 0;
  bool divide_error = false;  ///< #DE: division by zero or a quotient that does not fit
};

namespace detail {
constexpr int64_t SignExtend(uint64_t v, unsigned size) {
  const unsigned shift = 64 - size * 8;
  return static_cast<int64_t>(v << shift) >> shift;
}
// CF = OF = `overflow`. SF, ZF, AF and PF are undefined in the SDM; the AMD host leaves them
// unchanged, and so does Kiln: the previous operation's record stays, under a CF/OF overlay.
constexpr void SetMulFlags(LazyFlags& f, bool overflow) { f.cf_of = overflow ? 2 : 1; }
}  // namespace detail

/// MUL: unsigned a * b; CF = OF = (hi != 0).
constexpr WideResult Mul(LazyFlags& f, uint64_t a, uint64_t b, unsigned size) {
  const uint64_t mask = SizeMask(size);
  const unsigned __int128 p = static_cast<unsigned __int128>(a & mask) * (b & mask);
  const WideResult r{static_cast<uint64_t>(p) & mask, static_cast<uint64_t>(p >> (size * 8)) & mask};
  detail::SetMulFlags(f, r.hi != 0);
  return r;
}

/// One-operand IMUL: signed a * b; CF = OF = (the product does not fit in the low half).
constexpr WideResult Imul(LazyFlags& f, uint64_t a, uint64_t b, unsigned size) {
  const uint64_t mask = SizeMask(size);
  const __int128 p = static_cast<__int128>(detail::SignExtend(a, size)) * detail::SignExtend(b, size);
  const uint64_t lo = static_cast<uint64_t>(p) & mask;
  const WideResult r{lo, static_cast<uint64_t>(p >> (size * 8)) & mask};
  detail::SetMulFlags(f, static_cast<__int128>(detail::SignExtend(lo, size)) != p);
  return r;
}

/// Two- and three-operand IMUL: the truncated product; CF = OF as for the one-operand form.
constexpr uint64_t ImulTruncated(LazyFlags& f, uint64_t a, uint64_t b, unsigned size) {
  return Imul(f, a, b, size).lo;
}

/// DIV: (hi:lo) / divisor, unsigned. The flags are undefined; they are left unchanged here.
constexpr DivResult Div(uint64_t hi, uint64_t lo, uint64_t divisor, unsigned size) {
  const uint64_t mask = SizeMask(size);
  divisor &= mask;
  if (divisor == 0) return {0, 0, true};
  const unsigned __int128 dividend =
      (static_cast<unsigned __int128>(hi & mask) << (size * 8)) | (lo & mask);
  const unsigned __int128 q = dividend / divisor;
  if (q > mask) return {0, 0, true};
  return {static_cast<uint64_t>(q), static_cast<uint64_t>(dividend % divisor), false};
}

/// IDIV: (hi:lo) / divisor, signed, quotient truncated toward zero.
constexpr DivResult Idiv(uint64_t hi, uint64_t lo, uint64_t divisor, unsigned size) {
  const uint64_t mask = SizeMask(size);
  const int64_t d = detail::SignExtend(divisor & mask, size);
  if (d == 0) return {0, 0, true};
  const unsigned bits = size * 8;
  const unsigned __int128 raw = (static_cast<unsigned __int128>(hi & mask) << bits) | (lo & mask);
  // Sign-extend the 2*bits-wide dividend to 128 bits.
  const unsigned shift = 128 - 2 * bits;
  const __int128 dividend = static_cast<__int128>(raw << shift) >> shift;
  // The one quotient that overflows even 128 bits: the most negative dividend divided by -1.
  const __int128 dividend_min =
      static_cast<__int128>(static_cast<unsigned __int128>(1) << 127) >> (128 - 2 * bits);
  if (d == -1 && dividend == dividend_min) return {0, 0, true};
  const __int128 q = dividend / d;
  const __int128 min = -(static_cast<__int128>(1) << (bits - 1));
  const __int128 max = (static_cast<__int128>(1) << (bits - 1)) - 1;
  if (q < min || q > max) return {0, 0, true};
  return {static_cast<uint64_t>(q) & mask, static_cast<uint64_t>(dividend % d) & mask, false};
}

}  // namespace kiln::jit::sem
