// AES-NI round primitives (SDM Vol.2 AESENC ... AESKEYGENASSIST; FIPS-197) in portable software:
// the S-boxes are computed at compile time from GF(2^8) inverses, the state is the 16 bytes of an
// XMM register in column-major order (byte 4c + r is row r of column c).
#pragma once

#include <array>
#include <cstdint>

namespace kiln::jit::sem::aes {

using Block = std::array<uint8_t, 16>;

/// Multiplication in GF(2^8) modulo x^8 + x^4 + x^3 + x + 1.
constexpr uint8_t Mul(uint8_t a, uint8_t b) {
  uint8_t r = 0;
  while (b) {
    if (b & 1) r ^= a;
    a = static_cast<uint8_t>((a << 1) ^ ((a & 0x80) ? 0x1B : 0));
    b >>= 1;
  }
  return r;
}

constexpr std::array<uint8_t, 256> MakeSbox() {
  std::array<uint8_t, 256> s{};
  for (unsigned x = 0; x < 256; ++x) {
    // The inverse is x^254 (0 for 0).
    uint8_t inv = 1, power = static_cast<uint8_t>(x);
    for (unsigned e = 254; e; e >>= 1) {
      if (e & 1) inv = Mul(inv, power);
      power = Mul(power, power);
    }
    auto rotl = [](uint8_t v, unsigned n) { return static_cast<uint8_t>((v << n) | (v >> (8 - n))); };
    s[x] = static_cast<uint8_t>(inv ^ rotl(inv, 1) ^ rotl(inv, 2) ^ rotl(inv, 3) ^ rotl(inv, 4) ^ 0x63);
  }
  return s;
}
inline constexpr std::array<uint8_t, 256> kSbox = MakeSbox();
constexpr std::array<uint8_t, 256> MakeInverseSbox() {
  std::array<uint8_t, 256> s{};
  for (unsigned x = 0; x < 256; ++x) s[kSbox[x]] = static_cast<uint8_t>(x);
  return s;
}
inline constexpr std::array<uint8_t, 256> kInverseSbox = MakeInverseSbox();

inline Block ShiftRowsSubBytes(const Block& in) {
  Block out{};
  for (unsigned c = 0; c < 4; ++c)
    for (unsigned r = 0; r < 4; ++r) out[r + 4 * c] = kSbox[in[r + 4 * ((c + r) % 4)]];
  return out;
}
inline Block InverseShiftRowsSubBytes(const Block& in) {
  Block out{};
  for (unsigned c = 0; c < 4; ++c)
    for (unsigned r = 0; r < 4; ++r) out[r + 4 * ((c + r) % 4)] = kInverseSbox[in[r + 4 * c]];
  return out;
}
/// MixColumns with the matrix rows {m0 m1 m2 m3} rotated: {2 3 1 1} forward, {14 11 13 9} inverse.
inline Block MixColumns(const Block& in, const uint8_t (&m)[4]) {
  Block out{};
  for (unsigned c = 0; c < 4; ++c)
    for (unsigned r = 0; r < 4; ++r) {
      uint8_t v = 0;
      for (unsigned k = 0; k < 4; ++k) v ^= Mul(m[(k + 4 - r) % 4], in[k + 4 * c]);
      out[r + 4 * c] = v;
    }
  return out;
}
inline constexpr uint8_t kForward[4] = {2, 3, 1, 1}, kInverse[4] = {14, 11, 13, 9};

inline Block Xor(Block a, const Block& b) {
  for (unsigned i = 0; i < 16; ++i) a[i] ^= b[i];
  return a;
}

/// AESENC / AESENCLAST: one encryption round (the last without MixColumns), then the round key.
inline Block Encrypt(const Block& state, const Block& key, bool last) {
  const Block s = ShiftRowsSubBytes(state);
  return Xor(last ? s : MixColumns(s, kForward), key);
}
/// AESDEC / AESDECLAST: one decryption round of the equivalent inverse cipher.
inline Block Decrypt(const Block& state, const Block& key, bool last) {
  const Block s = InverseShiftRowsSubBytes(state);
  return Xor(last ? s : MixColumns(s, kInverse), key);
}
/// AESIMC: InvMixColumns of a round key.
inline Block InverseMixColumns(const Block& key) { return MixColumns(key, kInverse); }

/// AESKEYGENASSIST: SubWord and RotWord of dwords 1 and 3, with RCON = imm8.
inline Block KeyGenAssist(const Block& src, uint8_t rcon) {
  auto word = [&](unsigned i) {
    return static_cast<uint32_t>(src[4 * i] | src[4 * i + 1] << 8 | src[4 * i + 2] << 16) | static_cast<uint32_t>(src[4 * i + 3]) << 24;
  };
  auto sub = [](uint32_t w) {
    uint32_t r = 0;
    for (unsigned i = 0; i < 4; ++i) r |= static_cast<uint32_t>(kSbox[(w >> (8 * i)) & 0xFF]) << (8 * i);
    return r;
  };
  const uint32_t x1 = sub(word(1)), x3 = sub(word(3));
  const uint32_t out[4] = {x1, ((x1 >> 8) | (x1 << 24)) ^ rcon, x3, ((x3 >> 8) | (x3 << 24)) ^ rcon};
  Block r{};
  for (unsigned i = 0; i < 4; ++i)
    for (unsigned b = 0; b < 4; ++b) r[4 * i + b] = static_cast<uint8_t>(out[i] >> (8 * b));
  return r;
}

}  // namespace kiln::jit::sem::aes
