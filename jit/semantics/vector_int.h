// Integer vector semantics (MMX, SSE2-SSE4.2 integer, and later AVX/AVX2): each instruction as a
// function of one block of N bytes (N = 8 for MMX, 16 for SSE; AVX2 applies the in-lane ones to
// each 128-bit half and the element-wise ones to 32 bytes), on little-endian element arrays. The
// element type and the block size are template parameters, so the same function serves every
// register width; the callers (jit/interp/exec_sse_ext.cpp, exec_mmx.cpp) only move operands.
#pragma once

#include <array>
#include <cstdint>
#include <cstring>
#include <limits>
#include <type_traits>

namespace kiln::jit::sem::vec {

template <unsigned N>
using Bytes = std::array<uint8_t, N>;

// Element access (the host is assumed little-endian for lanes here, as in jit/interp; a
// big-endian port byte-swaps in these two functions).
template <class T, unsigned N>
T Get(const Bytes<N>& v, unsigned i) {
  T x;
  std::memcpy(&x, v.data() + i * sizeof(T), sizeof(T));
  return x;
}
template <class T, unsigned N>
void Set(Bytes<N>& v, unsigned i, T x) {
  std::memcpy(v.data() + i * sizeof(T), &x, sizeof(T));
}

/// r[i] = fn(a[i], b[i]) over the elements of type T.
template <class T, unsigned N, class Fn>
Bytes<N> Map(const Bytes<N>& a, const Bytes<N>& b, Fn fn) {
  Bytes<N> r{};
  for (unsigned i = 0; i < N / sizeof(T); ++i) Set<T, N>(r, i, static_cast<T>(fn(Get<T, N>(a, i), Get<T, N>(b, i))));
  return r;
}

/// `v` clamped to T's range (signed or unsigned saturation).
template <class T>
constexpr T Saturate(int64_t v) {
  constexpr int64_t lo = std::numeric_limits<T>::min(), hi = std::numeric_limits<T>::max();
  return static_cast<T>(v < lo ? lo : v > hi ? hi : v);
}

// --- element-wise ----------------------------------------------------------------------------
template <class T, unsigned N>
Bytes<N> Add(const Bytes<N>& a, const Bytes<N>& b) {
  return Map<T, N>(a, b, [](T x, T y) { return static_cast<T>(x + y); });
}
template <class T, unsigned N>
Bytes<N> Sub(const Bytes<N>& a, const Bytes<N>& b) {
  return Map<T, N>(a, b, [](T x, T y) { return static_cast<T>(x - y); });
}
/// PADDS/PADDUS (T signed or unsigned) and PSUBS/PSUBUS.
template <class T, unsigned N>
Bytes<N> AddSaturate(const Bytes<N>& a, const Bytes<N>& b) {
  return Map<T, N>(a, b, [](T x, T y) { return Saturate<T>(int64_t{x} + int64_t{y}); });
}
template <class T, unsigned N>
Bytes<N> SubSaturate(const Bytes<N>& a, const Bytes<N>& b) {
  return Map<T, N>(a, b, [](T x, T y) { return Saturate<T>(int64_t{x} - int64_t{y}); });
}
template <class T, unsigned N>
Bytes<N> Min(const Bytes<N>& a, const Bytes<N>& b) {
  return Map<T, N>(a, b, [](T x, T y) { return x < y ? x : y; });
}
template <class T, unsigned N>
Bytes<N> Max(const Bytes<N>& a, const Bytes<N>& b) {
  return Map<T, N>(a, b, [](T x, T y) { return x > y ? x : y; });
}
/// PAVGB/PAVGW: (x + y + 1) >> 1 without overflow.
template <class T, unsigned N>
Bytes<N> Average(const Bytes<N>& a, const Bytes<N>& b) {
  return Map<T, N>(a, b, [](T x, T y) { return static_cast<T>((uint64_t{x} + y + 1) >> 1); });
}
template <class T, unsigned N>
Bytes<N> CompareEqual(const Bytes<N>& a, const Bytes<N>& b) {
  return Map<T, N>(a, b, [](T x, T y) { return x == y ? static_cast<T>(~T{0}) : T{0}; });
}
/// PCMPGT: T signed.
template <class T, unsigned N>
Bytes<N> CompareGreater(const Bytes<N>& a, const Bytes<N>& b) {
  return Map<T, N>(a, b, [](T x, T y) { return x > y ? static_cast<T>(~T{0}) : T{0}; });
}
template <unsigned N>
Bytes<N> And(const Bytes<N>& a, const Bytes<N>& b) {
  return Map<uint8_t, N>(a, b, [](uint8_t x, uint8_t y) { return x & y; });
}
template <unsigned N>
Bytes<N> AndNot(const Bytes<N>& a, const Bytes<N>& b) {
  return Map<uint8_t, N>(a, b, [](uint8_t x, uint8_t y) { return ~x & y; });
}
template <unsigned N>
Bytes<N> Or(const Bytes<N>& a, const Bytes<N>& b) {
  return Map<uint8_t, N>(a, b, [](uint8_t x, uint8_t y) { return x | y; });
}
template <unsigned N>
Bytes<N> Xor(const Bytes<N>& a, const Bytes<N>& b) {
  return Map<uint8_t, N>(a, b, [](uint8_t x, uint8_t y) { return x ^ y; });
}
/// PMULLW/PMULLD: the low half of the product.
template <class T, unsigned N>
Bytes<N> MulLow(const Bytes<N>& a, const Bytes<N>& b) {
  return Map<T, N>(a, b, [](T x, T y) { return static_cast<T>(static_cast<uint64_t>(x) * static_cast<uint64_t>(y)); });
}
/// PMULHW (int16_t) / PMULHUW (uint16_t): the high half of the 32-bit product.
template <class T, unsigned N>
Bytes<N> MulHigh(const Bytes<N>& a, const Bytes<N>& b) {
  return Map<T, N>(a, b, [](T x, T y) { return static_cast<T>((int64_t{x} * int64_t{y}) >> 16); });
}
/// PMULHRSW: the product's bits 30:15 rounded, (x * y >> 14) + 1 >> 1.
template <unsigned N>
Bytes<N> MulHighRoundScale(const Bytes<N>& a, const Bytes<N>& b) {
  return Map<int16_t, N>(a, b, [](int16_t x, int16_t y) { return static_cast<int16_t>((((int32_t{x} * y) >> 14) + 1) >> 1); });
}
/// PMULUDQ (uint32_t) / PMULDQ (int32_t): the even doublewords multiplied into quadwords.
template <class T, unsigned N>
Bytes<N> MulEvenDoublewords(const Bytes<N>& a, const Bytes<N>& b) {
  Bytes<N> r{};
  using Wide = std::conditional_t<std::is_signed_v<T>, int64_t, uint64_t>;  // uint32 * uint32 overflows int64
  for (unsigned i = 0; i < N / 8; ++i)
    Set<uint64_t, N>(r, i, static_cast<uint64_t>(Wide{Get<T, N>(a, 2 * i)} * Wide{Get<T, N>(b, 2 * i)}));
  return r;
}
/// PABS: |b| (the most negative value stays, as unsigned it is its own magnitude).
template <class T, unsigned N>
Bytes<N> Abs(const Bytes<N>& b) {
  return Map<T, N>(b, b, [](T x, T) { return static_cast<T>(x < 0 ? -static_cast<int64_t>(x) : x); });
}
/// PSIGN: a negated where b is negative, zeroed where b is zero.
template <class T, unsigned N>
Bytes<N> Sign(const Bytes<N>& a, const Bytes<N>& b) {
  return Map<T, N>(a, b, [](T x, T y) { return static_cast<T>(y < 0 ? -static_cast<int64_t>(x) : y == 0 ? 0 : x); });
}
/// PMADDWD: signed word products, adjacent pairs summed into doublewords (wrapping only for
/// 0x8000 * 0x8000 twice).
template <unsigned N>
Bytes<N> MultiplyAddWords(const Bytes<N>& a, const Bytes<N>& b) {
  Bytes<N> r{};
  for (unsigned i = 0; i < N / 4; ++i) {
    const int64_t s = int64_t{Get<int16_t, N>(a, 2 * i)} * Get<int16_t, N>(b, 2 * i) +
                      int64_t{Get<int16_t, N>(a, 2 * i + 1)} * Get<int16_t, N>(b, 2 * i + 1);
    Set<uint32_t, N>(r, i, static_cast<uint32_t>(s));
  }
  return r;
}
/// PMADDUBSW: unsigned bytes of a times signed bytes of b, adjacent pairs summed with signed
/// saturation into words.
template <unsigned N>
Bytes<N> MultiplyAddUnsignedSignedBytes(const Bytes<N>& a, const Bytes<N>& b) {
  Bytes<N> r{};
  for (unsigned i = 0; i < N / 2; ++i) {
    const int64_t s = int64_t{a[2 * i]} * static_cast<int8_t>(b[2 * i]) + int64_t{a[2 * i + 1]} * static_cast<int8_t>(b[2 * i + 1]);
    Set<int16_t, N>(r, i, Saturate<int16_t>(s));
  }
  return r;
}
/// PSADBW: per 8 bytes, the sum of absolute differences into the low word of the quadword.
template <unsigned N>
Bytes<N> SumAbsoluteDifferences(const Bytes<N>& a, const Bytes<N>& b) {
  Bytes<N> r{};
  for (unsigned q = 0; q < N / 8; ++q) {
    uint64_t sum = 0;
    for (unsigned i = 0; i < 8; ++i) sum += a[8 * q + i] > b[8 * q + i] ? a[8 * q + i] - b[8 * q + i] : b[8 * q + i] - a[8 * q + i];
    Set<uint64_t, N>(r, q, sum);
  }
  return r;
}

// --- horizontal, packing, shuffles (in one block) --------------------------------------------
/// PHADDW/D, PHADDSW (saturating, words) and PHSUB*: adjacent pairs of a, then of b.
template <class T, bool kSubtract, bool kSaturate, unsigned N>
Bytes<N> Horizontal(const Bytes<N>& a, const Bytes<N>& b) {
  constexpr unsigned half = N / sizeof(T) / 2;
  Bytes<N> r{};
  for (unsigned i = 0; i < 2 * half; ++i) {
    const Bytes<N>& src = i < half ? a : b;
    const unsigned j = 2 * (i % half);
    const int64_t x = Get<T, N>(src, j), y = Get<T, N>(src, j + 1);
    const int64_t v = kSubtract ? x - y : x + y;
    Set<T, N>(r, i, kSaturate ? Saturate<T>(v) : static_cast<T>(v));
  }
  return r;
}
/// PACKSSWB (int16_t -> int8_t), PACKUSWB (int16_t -> uint8_t), PACKSSDW, PACKUSDW: the elements
/// of a then of b, saturated.
template <class From, class To, unsigned N>
Bytes<N> Pack(const Bytes<N>& a, const Bytes<N>& b) {
  constexpr unsigned n = N / sizeof(From);
  Bytes<N> r{};
  for (unsigned i = 0; i < 2 * n; ++i) Set<To, N>(r, i, Saturate<To>(Get<From, N>(i < n ? a : b, i % n)));
  return r;
}
/// PUNPCKL* / PUNPCKH*: the low (high) halves of a and b interleaved in elements of T.
template <class T, bool kHigh, unsigned N>
Bytes<N> Unpack(const Bytes<N>& a, const Bytes<N>& b) {
  constexpr unsigned n = N / sizeof(T) / 2;
  Bytes<N> r{};
  for (unsigned i = 0; i < n; ++i) {
    Set<T, N>(r, 2 * i, Get<T, N>(a, (kHigh ? n : 0) + i));
    Set<T, N>(r, 2 * i + 1, Get<T, N>(b, (kHigh ? n : 0) + i));
  }
  return r;
}
/// PSHUFB: byte i is a[b[i] mod N], or zero when b[i]'s top bit is set.
template <unsigned N>
Bytes<N> ShuffleBytes(const Bytes<N>& a, const Bytes<N>& b) {
  Bytes<N> r{};
  for (unsigned i = 0; i < N; ++i) r[i] = (b[i] & 0x80) ? 0 : a[b[i] & (N - 1)];
  return r;
}
/// PALIGNR: the 2N-byte concatenation a:b (a high) shifted right by `imm` bytes, low N bytes.
template <unsigned N>
Bytes<N> AlignRight(const Bytes<N>& a, const Bytes<N>& b, unsigned imm) {
  Bytes<N> r{};
  for (unsigned i = 0; i < N; ++i) {
    const unsigned k = i + imm;
    r[i] = k < N ? b[k] : k < 2 * N ? a[k - N] : 0;
  }
  return r;
}
/// PSHUFW / PSHUFD / PSHUFLW / PSHUFHW: 4 elements of T starting at element `base` of b picked by
/// two bits of imm each; the other elements are copied.
template <class T, unsigned N>
Bytes<N> ShuffleFour(const Bytes<N>& b, unsigned imm, unsigned base = 0) {
  Bytes<N> r = b;
  for (unsigned i = 0; i < 4; ++i) Set<T, N>(r, base + i, Get<T, N>(b, base + ((imm >> (2 * i)) & 3)));
  return r;
}
/// PSLL/PSRL/PSRA by a 64-bit count: counts of the element width or more clear the element (or
/// fill it with the sign).
template <class T, unsigned N>
Bytes<N> ShiftLeft(const Bytes<N>& a, uint64_t count) {
  return Map<T, N>(a, a, [count](T x, T) { return count >= 8 * sizeof(T) ? T{0} : static_cast<T>(x << count); });
}
template <class T, unsigned N>
Bytes<N> ShiftRightLogical(const Bytes<N>& a, uint64_t count) {
  return Map<T, N>(a, a, [count](T x, T) { return count >= 8 * sizeof(T) ? T{0} : static_cast<T>(x >> count); });
}
template <class T, unsigned N>
Bytes<N> ShiftRightArithmetic(const Bytes<N>& a, uint64_t count) {
  using S = std::make_signed_t<T>;
  return Map<T, N>(a, a, [count](T x, T) {
    return static_cast<T>(static_cast<S>(x) >> (count >= 8 * sizeof(T) ? 8 * sizeof(T) - 1 : count));
  });
}
/// PMOVMSKB: the top bit of each byte.
template <unsigned N>
uint32_t MoveMaskBytes(const Bytes<N>& a) {
  uint32_t m = 0;
  for (unsigned i = 0; i < N; ++i) m |= static_cast<uint32_t>(a[i] >> 7) << i;
  return m;
}

// --- SSE4.1 --------------------------------------------------------------------------------
/// PMOVSX / PMOVZX: the low elements of b (From) widened to To, sign- or zero-extended by From.
template <class From, class To, unsigned N>
Bytes<N> Extend(const Bytes<N>& b) {
  Bytes<N> r{};
  for (unsigned i = 0; i < N / sizeof(To); ++i) Set<To, N>(r, i, static_cast<To>(Get<From, N>(b, i)));
  return r;
}
/// BLENDPS/BLENDPD/PBLENDW: element i from b where imm bit i is set (bits wrap for 8 words).
template <class T, unsigned N>
Bytes<N> BlendImmediate(const Bytes<N>& a, const Bytes<N>& b, unsigned imm) {
  Bytes<N> r = a;
  for (unsigned i = 0; i < N / sizeof(T); ++i)
    if ((imm >> (i % 8)) & 1) Set<T, N>(r, i, Get<T, N>(b, i));
  return r;
}
/// PBLENDVB/BLENDVPS/BLENDVPD: element i from b where the top bit of mask's element i is set.
template <class T, unsigned N>
Bytes<N> BlendVariable(const Bytes<N>& a, const Bytes<N>& b, const Bytes<N>& mask) {
  Bytes<N> r = a;
  for (unsigned i = 0; i < N / sizeof(T); ++i)
    if (mask[(i + 1) * sizeof(T) - 1] & 0x80) Set<T, N>(r, i, Get<T, N>(b, i));
  return r;
}
/// MPSADBW (one 128-bit block): eight sums of absolute differences of 4 bytes of a starting at
/// byte 4 * imm[2] + i with the 4 bytes of b at 4 * imm[1:0].
inline Bytes<16> MultipleSumAbsoluteDifferences(const Bytes<16>& a, const Bytes<16>& b, unsigned imm) {
  const unsigned ao = 4 * ((imm >> 2) & 1), bo = 4 * (imm & 3);
  Bytes<16> r{};
  for (unsigned i = 0; i < 8; ++i) {
    unsigned sum = 0;
    for (unsigned j = 0; j < 4; ++j) {
      const int d = int{a[ao + i + j]} - int{b[bo + j]};
      sum += static_cast<unsigned>(d < 0 ? -d : d);
    }
    Set<uint16_t, 16>(r, i, static_cast<uint16_t>(sum));
  }
  return r;
}
/// PHMINPOSUW: the smallest unsigned word of b in bits 15:0 and its (first) index in 18:16.
inline Bytes<16> MinimumPosition(const Bytes<16>& b) {
  unsigned best = 0;
  for (unsigned i = 1; i < 8; ++i)
    if (Get<uint16_t, 16>(b, i) < Get<uint16_t, 16>(b, best)) best = i;
  Bytes<16> r{};
  Set<uint32_t, 16>(r, 0, Get<uint16_t, 16>(b, best) | best << 16);
  return r;
}

/// PCLMULQDQ: the carry-less product of two quadwords.
inline Bytes<16> CarrylessMultiply(uint64_t x, uint64_t y) {
  uint64_t lo = 0, hi = 0;
  for (unsigned i = 0; i < 64; ++i) {
    if ((y >> i) & 1) {
      lo ^= x << i;
      if (i) hi ^= x >> (64 - i);
    }
  }
  Bytes<16> r{};
  Set<uint64_t, 16>(r, 0, lo);
  Set<uint64_t, 16>(r, 1, hi);
  return r;
}

}  // namespace kiln::jit::sem::vec
