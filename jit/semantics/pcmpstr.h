// SSE4.2's packed string compares, PCMPESTRI/PCMPESTRM/PCMPISTRI/PCMPISTRM (SDM Vol.2 4.1): the
// element format, aggregation, polarity and output selection of imm8, the lengths (explicit or up
// to the first null element), and the flags. One function computes IntRes2 and the flags; the
// callers pick the index or the mask.
#pragma once

#include <cstdint>
#include <cstring>

namespace kiln::jit::sem::pcmpstr {

/// The outcome of one compare: IntRes2 (one bit per element), the element count (16 bytes or
/// 8 words), and the arithmetic flags as RFLAGS bits (CF, ZF, SF, OF; AF and PF clear).
struct Result {
  uint32_t mask = 0;
  unsigned elements = 16;
  uint64_t rflags = 0;
};

/// Element i of a 16-byte operand in imm[1:0]'s format (unsigned/signed bytes/words), widened.
inline int32_t Element(const uint8_t* v, unsigned imm, unsigned i) {
  switch (imm & 3) {
    case 0: return v[i];
    case 1: return static_cast<int32_t>(v[2 * i] | v[2 * i + 1] << 8);
    case 2: return static_cast<int8_t>(v[i]);
    default: return static_cast<int16_t>(static_cast<uint16_t>(v[2 * i] | v[2 * i + 1] << 8));
  }
}

/// The implicit length: the index of the first null element, or the element count.
inline unsigned ImplicitLength(const uint8_t* v, unsigned imm) {
  const unsigned n = (imm & 1) ? 8 : 16;
  for (unsigned i = 0; i < n; ++i)
    if (Element(v, imm, i) == 0) return i;
  return n;
}

/// The explicit length from EAX/EDX (or RAX/RDX with REX.W, `value` sign-extended by the
/// caller): its absolute value, saturated to the element count.
inline unsigned ExplicitLength(int64_t value, unsigned imm) {
  const unsigned n = (imm & 1) ? 8 : 16;
  const uint64_t magnitude = value < 0 ? 0 - static_cast<uint64_t>(value) : static_cast<uint64_t>(value);
  return magnitude > n ? n : static_cast<unsigned>(magnitude);
}

/// The compare of a (length la) with b (length lb), imm[6:0] (SDM Vol.2 4.1.3-4.1.6).
inline Result Compare(const uint8_t* a, unsigned la, const uint8_t* b, unsigned lb, unsigned imm) {
  Result r;
  const unsigned n = (imm & 1) ? 8 : 16;
  r.elements = n;
  auto bool_res = [&](unsigned i, unsigned j, unsigned aggregation) -> bool {
    // a[i] against b[j] (SDM Table 4-7: the overrides for invalid elements).
    const bool a_valid = i < la, b_valid = j < lb;
    const int32_t x = Element(a, imm, i), y = Element(b, imm, j);
    switch (aggregation) {
      case 0:  // equal any
        return a_valid && b_valid && x == y;
      case 1:  // ranges: even a elements are lower bounds, odd upper bounds (signed by format)
        if (!a_valid || !b_valid) return false;
        return (i & 1) ? y <= x : y >= x;
      case 2:  // equal each
        if (!a_valid && !b_valid) return true;
        return a_valid && b_valid && x == y;
      default:  // equal ordered
        if (!a_valid) return true;
        return b_valid && x == y;
    }
  };
  const unsigned aggregation = (imm >> 2) & 3;
  uint32_t res1 = 0;
  for (unsigned j = 0; j < n; ++j) {
    bool bit = false;
    switch (aggregation) {
      case 0:
        for (unsigned i = 0; i < n && !bit; ++i) bit = bool_res(i, j, 0);
        break;
      case 1:
        for (unsigned i = 0; i + 1 < n && !bit; i += 2) bit = bool_res(i, j, 1) && bool_res(i + 1, j, 1);
        break;
      case 2:
        bit = bool_res(j, j, 2);
        break;
      default:
        bit = true;
        for (unsigned i = 0; i + j < n && bit; ++i) bit = bool_res(i, j + i, 3);
        break;
    }
    if (bit) res1 |= 1u << j;
  }
  const uint32_t all = (1u << n) - 1;
  const uint32_t valid_b = lb >= n ? all : (1u << lb) - 1;
  switch ((imm >> 4) & 3) {
    case 1: r.mask = ~res1 & all; break;                            // negative polarity
    case 3: r.mask = (res1 ^ valid_b) & all; break;                 // masked negative: valid b only
    default: r.mask = res1; break;                                  // positive, masked positive
  }
  constexpr uint64_t kCf = 1, kZf = 0x40, kSf = 0x80, kOf = 0x800;
  if (r.mask) r.rflags |= kCf;
  if (lb < n) r.rflags |= kZf;
  if (la < n) r.rflags |= kSf;
  if (r.mask & 1) r.rflags |= kOf;
  return r;
}

/// PCMPxSTRI's index: the lowest (imm[6] = 0) or highest set bit of the mask, else the count.
inline uint32_t Index(const Result& r, unsigned imm) {
  if (r.mask == 0) return r.elements;
  if (imm & 0x40) return 31 - static_cast<uint32_t>(__builtin_clz(r.mask));
  return static_cast<uint32_t>(__builtin_ctz(r.mask));
}

/// PCMPxSTRM's XMM0: the mask's bits zero-extended (imm[6] = 0), or each element all ones or
/// zeros.
inline void Mask(const Result& r, unsigned imm, uint8_t out[16]) {
  std::memset(out, 0, 16);
  if (!(imm & 0x40)) {
    out[0] = static_cast<uint8_t>(r.mask);
    out[1] = static_cast<uint8_t>(r.mask >> 8);
    return;
  }
  const unsigned width = 16 / r.elements;
  for (unsigned i = 0; i < r.elements; ++i)
    if ((r.mask >> i) & 1) std::memset(out + width * i, 0xFF, width);
}

}  // namespace kiln::jit::sem::pcmpstr
