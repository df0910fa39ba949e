// What all of the decoder's paths share: the read window, little-endian loads, prefix classes,
// ModRM/SIB addressing, operand sizes and an Operand as three words. SDM Vol.2 chapter 2.
// Internal to the decoder: part of decoder.cpp's translation unit, which alone includes it (its
// code is inlined into Decode()'s paths), hence the unnamed namespace.
#pragma once

#include <algorithm>
#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "frontend/decode_tables.h"
#include "frontend/decoder.h"

namespace kiln::frontend {
namespace {

using detail::DecodeNode;
using detail::InsnDef;
using detail::NodeKind;
using detail::OperandMethod;
using detail::OperandSize;
using detail::OperandSpec;
namespace attr = detail::attr;

// A memory operand's addressing form, decoded from ModRM/SIB/displacement before the operands
// are built (several operand specs may refer to the same ModRM.rm).
struct AddressForm {
  Reg base;
  Reg index;
  uint8_t scale = 0;
  int64_t disp = 0;
  Seg default_seg = Seg::kDs;
};

// The decoder reads from a window of kWindow bytes that is always readable: the caller's buffer
// when it is at least that large, else a zero-padded copy. So a read needs no bounds check; the
// end of the real bytes is handled once, in Decode(), by comparing how far decoding read with
// how many bytes there were (reading past them means "need more bytes" or "too long").
// No instruction reads more than 15 prefix bytes + 5 opcode bytes + ModRM, SIB, disp32 and an
// immediate (at most 8 bytes in all), well inside the window.
constexpr size_t kWindow = 64;

// Little-endian loads that do not depend on the host's byte order.
inline uint64_t LoadLe(const uint8_t* p, int n) {
  switch (n) {
    case 1: return p[0];
    case 2: return static_cast<uint64_t>(p[0]) | static_cast<uint64_t>(p[1]) << 8;
    case 4: {
      uint32_t v;
      std::memcpy(&v, p, 4);
      if constexpr (std::endian::native == std::endian::big) v = __builtin_bswap32(v);
      return v;
    }
    default: {
      uint64_t v;
      std::memcpy(&v, p, 8);
      if constexpr (std::endian::native == std::endian::big) v = __builtin_bswap64(v);
      return v;
    }
  }
}
// --- prefixes -----------------------------------------------------------------------------

// What each byte is as a prefix; a table keeps the common case (no prefix) to one predictable
// branch instead of a jump through a switch for every instruction.
enum PrefixClass : uint8_t { kNotPrefix, kLockPrefix, kRepPrefix, kOpsizePrefix, kAddrsizePrefix,
                             kSegPrefix, kRexPrefix };
constexpr std::array<uint8_t, 256> kPrefixClasses = [] {
  std::array<uint8_t, 256> t{};
  t[0xF0] = kLockPrefix;
  t[0xF2] = t[0xF3] = kRepPrefix;
  t[0x66] = kOpsizePrefix;
  t[0x67] = kAddrsizePrefix;
  for (int b : {0x26, 0x2E, 0x36, 0x3E, 0x64, 0x65}) t[b] = kSegPrefix;
  for (int b = 0x40; b <= 0x4F; ++b) t[b] = kRexPrefix;
  return t;
}();
constexpr Seg SegOfPrefix(uint8_t b) {
  switch (b) {
    case 0x26: return Seg::kEs;
    case 0x2E: return Seg::kCs;
    case 0x36: return Seg::kSs;
    case 0x3E: return Seg::kDs;
    case 0x64: return Seg::kFs;
    default: return Seg::kGs;
  }
}

// --- addressing ----------------------------------------------------------------------------

// The SIB fields VSIB needs (its index is a vector register, so AddressForm does not hold it).
struct SibFields {
  bool present = false;
  uint8_t index = 0;  // SIB.index with REX.X
  uint8_t scale = 0;  // 1, 2, 4 or 8
};

// Decodes the memory form of ModRM (mod != 11b) and the SIB byte and displacement that follow,
// reading from bytes[pos] on and advancing pos. A free function on plain values, shared by the
// general decoder and the fast path. SDM Vol.2 Tables 2-1 (16-bit), 2-2 and 2-3 (32/64-bit, SIB).
template <class Pos>
[[gnu::always_inline]] inline AddressForm DecodeAddressAt(const uint8_t* bytes, Pos& pos, unsigned mod, unsigned rm,
                                   unsigned rex, unsigned address_size, bool is64, SibFields& sib) {
  AddressForm addr;
  const auto next_le = [&](int n) {
    const uint64_t v = LoadLe(bytes + pos, n);
    pos += static_cast<Pos>(n);
    return v;
  };
  if (address_size == 2) {
    static constexpr uint8_t kBase[8] = {3, 3, 5, 5, 6, 7, 5, 3};   // BX BX BP BP SI DI BP BX
    static constexpr int8_t kIndex[8] = {6, 7, 6, 7, -1, -1, -1, -1};  // SI DI SI DI
    if (mod == 0 && rm == 6) {
      addr.disp = static_cast<int16_t>(next_le(2));
      return addr;
    }
    addr.base = {RegClass::kGpr16, kBase[rm]};
    if (kIndex[rm] >= 0) {
      addr.index = {RegClass::kGpr16, static_cast<uint8_t>(kIndex[rm])};
      addr.scale = 1;
    }
    if (rm == 2 || rm == 3 || rm == 6) addr.default_seg = Seg::kSs;
    if (mod == 1) addr.disp = static_cast<int8_t>(next_le(1));
    else if (mod == 2) addr.disp = static_cast<int16_t>(next_le(2));
    return addr;
  }

  const RegClass cls = address_size == 8 ? RegClass::kGpr64 : RegClass::kGpr32;
  unsigned base = rm;
  bool has_base = true;
  int disp_bytes = mod == 1 ? 1 : mod == 2 ? 4 : 0;
  if (rm == 4) {
    const uint8_t sib_byte = bytes[pos++];
    const unsigned scale = sib_byte >> 6;
    const unsigned index = ((sib_byte >> 3) & 7) | (((rex >> 1) & 1) << 3);
    base = sib_byte & 7;
    sib = {true, static_cast<uint8_t>(index), static_cast<uint8_t>(1u << scale)};
    if (index != 4) {  // index 100b without REX.X means "no index"
      addr.index = {cls, static_cast<uint8_t>(index)};
      addr.scale = static_cast<uint8_t>(1u << scale);
    }
    if (base == 5 && mod == 0) {
      has_base = false;
      disp_bytes = 4;
    }
  } else if (rm == 5 && mod == 0) {
    disp_bytes = 4;
    has_base = false;
    if (is64) addr.base = {RegClass::kIp, 0};  // RIP- (or EIP-) relative
  }
  if (has_base) {
    base |= (rex & 1) << 3;
    addr.base = {cls, static_cast<uint8_t>(base)};
    if (base == 4 || base == 5) addr.default_seg = Seg::kSs;
  }
  if (disp_bytes == 1) addr.disp = static_cast<int8_t>(next_le(1));
  else if (disp_bytes == 4) addr.disp = static_cast<int32_t>(next_le(4));
  return addr;
}


// --- operands ------------------------------------------------------------------------------

// Operand sizes in bytes for every (size code, 64-bit mode, operand size, vector length),
// computed by the compiler so that SizeBytes() is one table load (SDM Vol.2 A.2.2).
constexpr int kNumSizes = static_cast<int>(OperandSize::k_by64) + 1;
constexpr uint16_t ComputeSize(OperandSize size, bool is64, unsigned osz, unsigned vl) {
  switch (size) {
    case OperandSize::k_none: return 0;
    case OperandSize::k_b: return 1;
    case OperandSize::k_w: return 2;
    case OperandSize::k_d: return 4;
    case OperandSize::k_q: return 8;
    case OperandSize::k_dq: return 16;
    case OperandSize::k_qq: return 32;
    case OperandSize::k_v: return static_cast<uint16_t>(osz);
    case OperandSize::k_z: return osz == 2 ? 2 : 4;
    case OperandSize::k_y: return osz == 8 ? 8 : 4;
    case OperandSize::k_x: return static_cast<uint16_t>(vl);
    case OperandSize::k_h: return static_cast<uint16_t>(vl / 2);
    case OperandSize::k_p: return static_cast<uint16_t>(osz + 2);
    case OperandSize::k_s: return is64 ? 10 : 6;
    case OperandSize::k_a: return static_cast<uint16_t>(osz * 2);
    case OperandSize::k_r: return is64 ? 8 : 4;
    case OperandSize::k_t: return 10;
    case OperandSize::k_env: return osz == 2 ? 14 : 28;
    case OperandSize::k_fst: return osz == 2 ? 94 : 108;
    case OperandSize::k_fx: return 512;
    case OperandSize::k_xs: return 0;
    case OperandSize::k_agen: return 0;
    case OperandSize::k_xq: return static_cast<uint16_t>(vl / 4);
    case OperandSize::k_xo: return static_cast<uint16_t>(vl / 8);
    case OperandSize::k_adr: return 0;  // not in the table: depends on the address size
    case OperandSize::k_by48: return 48;
    case OperandSize::k_by64: return 64;
  }
  return 0;
}
// Index: [size][column], column = is64 * 9 + (operand size 2/4/8 -> 0/1/2) * 3 +
// (vector length 16/32/64 -> 0/1/2).
constexpr auto kSizeTable = [] {
  std::array<std::array<uint16_t, 18>, kNumSizes> t{};
  for (int s = 0; s < kNumSizes; ++s)
    for (int m = 0; m < 2; ++m)
      for (unsigned o = 0; o < 3; ++o)
        for (unsigned l = 0; l < 3; ++l)
          t[s][m * 9 + o * 3 + l] = ComputeSize(static_cast<OperandSize>(s), m != 0, 2u << o, 16u << l);
  return t;
}();

// A general-purpose register of `bytes` bytes. Without REX, byte registers 4-7 are AH, CH, DH,
// BH (SDM Vol.2 3.1.1.1 "rb").
constexpr RegClass kGprClassBySize[16] = {
    RegClass::kGpr64, RegClass::kGpr8,  RegClass::kGpr16, RegClass::kGpr64,
    RegClass::kGpr32, RegClass::kGpr64, RegClass::kGpr64, RegClass::kGpr64,
    RegClass::kGpr64, RegClass::kGpr64, RegClass::kGpr64, RegClass::kGpr64,
    RegClass::kGpr64, RegClass::kGpr64, RegClass::kGpr64, RegClass::kGpr64};

// An Operand as three 64-bit words, so that a path can store those rather than one field at a
// time (an operand has ten): on a little-endian host the words below are exactly the Operand's
// bytes (the layout is checked here).
static_assert(offsetof(Operand, kind) == 0 && offsetof(Operand, seg) == 1 && offsetof(Operand, size) == 2 &&
              offsetof(Operand, reg) == 4 && offsetof(Operand, base) == 6 && offsetof(Operand, index) == 8 &&
              offsetof(Operand, scale) == 10 && offsetof(Operand, broadcast) == 11 &&
              offsetof(Operand, selector) == 12 && offsetof(Operand, value) == 16 && sizeof(Reg) == 2);
constexpr uint64_t RegBits(Reg r) {
  return static_cast<uint64_t>(r.cls) | static_cast<uint64_t>(r.index) << 8;
}
constexpr uint64_t kSegNoneBits = static_cast<uint64_t>(Seg::kNone) << 8;

}  // namespace
}  // namespace kiln::frontend
