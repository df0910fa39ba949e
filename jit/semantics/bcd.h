// BCD adjustment semantics (SDM Vol.2 AAA, AAS, AAM, AAD, DAA, DAS): pure functions of AX and the
// incoming CF/AF that return the new AX and all six arithmetic flags as RFLAGS bits. The SDM
// leaves some flags undefined; these functions give what the AMD EPYC host produces, found by
// running every AL x AF x CF input natively in 32-bit mode (tests/jit/legacy_oracle_test.cpp,
// docs/flags.md "BCD adjustments").
#pragma once

#include <cstdint>

#include "jit/semantics/flags.h"

namespace kiln::jit::sem {

struct BcdResult {
  uint16_t ax;
  uint64_t flags;  ///< CF, PF, AF, ZF, SF, OF as RFLAGS bits
};

/// SF, ZF and PF of a 16-bit value (PF from its low byte, as always).
constexpr uint64_t WordResultFlags(uint16_t v) { return ResultFlags(v, 2); }

/// OF of an 8-bit a + b = r (or a - b = r with `subtract`).
constexpr uint64_t ByteOverflow(uint8_t a, uint8_t b, uint8_t r, bool subtract) {
  const unsigned bit = subtract ? ((a ^ b) & (a ^ r)) : ((a ^ r) & (b ^ r));
  return (bit & 0x80) ? rflags::kOf : 0;
}

/// OF of a 16-bit a + b = r (or a - b = r with `subtract`).
constexpr uint64_t WordOverflow(uint16_t a, uint16_t b, uint16_t r, bool subtract) {
  const unsigned bit = subtract ? ((a ^ b) & (a ^ r)) : ((a ^ r) & (b ^ r));
  return (bit & 0x8000) ? rflags::kOf : 0;
}

/// AAA (SDM Vol.2 AAA): if AL's low nibble > 9 or AF, AX += 106h and AF = CF = 1, else AF = CF = 0;
/// then AL &= 0Fh. Undefined OF/SF/ZF/PF on the host: those of the 16-bit addition AX + 106h
/// (of AX itself, OF = 0, without the adjustment), taken before AL is masked.
constexpr BcdResult Aaa(uint16_t ax, bool af) {
  const bool adjust = (ax & 0xF) > 9 || af;
  const uint16_t t = adjust ? static_cast<uint16_t>(ax + 0x106) : ax;
  const uint64_t flags = WordResultFlags(t) | (adjust ? rflags::kAf | rflags::kCf | WordOverflow(ax, 0x106, t, false) : 0);
  return {static_cast<uint16_t>((t & 0xFF00) | (t & 0x0F)), flags};
}

/// AAS (SDM Vol.2 AAS): if AL's low nibble > 9 or AF, AX -= 6, AH -= 1, AF = CF = 1, else
/// AF = CF = 0; then AL &= 0Fh. Undefined flags on the host: as for AAA, those of the 16-bit
/// subtraction AX - 106h before the mask.
constexpr BcdResult Aas(uint16_t ax, bool af) {
  const bool adjust = (ax & 0xF) > 9 || af;
  const uint16_t t = adjust ? static_cast<uint16_t>(ax - 0x106) : ax;
  const uint64_t flags = WordResultFlags(t) | (adjust ? rflags::kAf | rflags::kCf | WordOverflow(ax, 0x106, t, true) : 0);
  return {static_cast<uint16_t>((t & 0xFF00) | (t & 0x0F)), flags};
}

/// DAA (SDM Vol.2 DAA, the pseudocode with old_AL/old_CF). Undefined OF on the host: the signed
/// overflow of old_AL + (the total adjustment: 0, 6, 60h or 66h).
constexpr BcdResult Daa(uint16_t ax, bool af, bool cf) {
  const uint8_t old_al = static_cast<uint8_t>(ax);
  uint8_t al = old_al;
  bool carry = false, aux = false;
  if ((al & 0xF) > 9 || af) {
    carry = cf || al > 0xFF - 6;
    al = static_cast<uint8_t>(al + 6);
    aux = true;
  }
  if (old_al > 0x99 || cf) {
    al = static_cast<uint8_t>(al + 0x60);
    carry = true;
  } else {
    carry = false;
  }
  const uint8_t adjustment = static_cast<uint8_t>(al - old_al);
  const uint64_t flags = ResultFlags(al, 1) | (carry ? rflags::kCf : 0) | (aux ? rflags::kAf : 0) |
                         ByteOverflow(old_al, adjustment, al, false);
  return {static_cast<uint16_t>((ax & 0xFF00) | al), flags};
}

/// DAS (SDM Vol.2 DAS). Unlike DAA, the second step has no "else CF = 0": a borrow from the first
/// step stays (AL = 00h with AF = 1 gives FAh with CF = 1, as on the host). Undefined OF on the
/// host: the signed overflow of old_AL - (the total adjustment).
constexpr BcdResult Das(uint16_t ax, bool af, bool cf) {
  const uint8_t old_al = static_cast<uint8_t>(ax);
  uint8_t al = old_al;
  bool carry = false, aux = false;
  if ((al & 0xF) > 9 || af) {
    carry = cf || al < 6;
    al = static_cast<uint8_t>(al - 6);
    aux = true;
  }
  if (old_al > 0x99 || cf) {
    al = static_cast<uint8_t>(al - 0x60);
    carry = true;
  }
  const uint8_t adjustment = static_cast<uint8_t>(old_al - al);
  const uint64_t flags = ResultFlags(al, 1) | (carry ? rflags::kCf : 0) | (aux ? rflags::kAf : 0) |
                         ByteOverflow(old_al, adjustment, al, true);
  return {static_cast<uint16_t>((ax & 0xFF00) | al), flags};
}

/// AAM imm8 (SDM Vol.2 AAM): AH = AL / base, AL = AL mod base; the caller raises #DE for base 0.
/// SF, ZF, PF from AL; undefined OF, AF, CF are 0 on the host.
constexpr BcdResult Aam(uint16_t ax, uint8_t base) {
  const uint8_t al = static_cast<uint8_t>(ax);
  const uint8_t q = static_cast<uint8_t>(al / base), r = static_cast<uint8_t>(al % base);
  return {static_cast<uint16_t>((q << 8) | r), ResultFlags(r, 1)};
}

/// AAD imm8 (SDM Vol.2 AAD): AL = (AL + AH * base) & FFh, AH = 0. Undefined OF, AF, CF on the
/// host: those of the 8-bit addition AL + ((AH * base) & FFh).
constexpr BcdResult Aad(uint16_t ax, uint8_t base) {
  const uint8_t al = static_cast<uint8_t>(ax);
  const uint8_t product = static_cast<uint8_t>((ax >> 8) * base);
  const uint8_t r = static_cast<uint8_t>(al + product);
  uint64_t flags = ResultFlags(r, 1) | ByteOverflow(al, product, r, false);
  if (r < al) flags |= rflags::kCf;
  if ((al ^ product ^ r) & 0x10) flags |= rflags::kAf;
  return {r, flags};
}

}  // namespace kiln::jit::sem
