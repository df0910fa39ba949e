// Interpreter handlers for the SSE/SSE2 integer and data-movement instructions that glibc's
// string and memory functions use (moves, logic, compares, byte masks, shuffles, unpacks, shifts).
// The rest of SSE, x87, MMX and AVX come with the floating-point issue. Legacy SSE writes leave
// bits 128 and up of the YMM/ZMM register unchanged (SDM Vol.1 14.8).
#include <array>
#include <cstring>

#include "jit/interp/exec.h"
#include "jit/interp/vector_access.h"

namespace kiln::jit::interp {
namespace {

using frontend::Mnemonic;
// dest = fn(dest, src) over 16 bytes.
template <class Fn>
Step Binary(Exec& e, Fn fn) {
  Step step = Step::kNext;
  Vec a, b;
  if (!ReadVec(e, 0, a, step) || !ReadVec(e, 1, b, step, /*aligned=*/true)) return step;
  Vec r{};
  fn(a, b, r);
  WriteVec(e, 0, r, step);
  return e.Next();
}

// Element-wise over little-endian lanes (the host is assumed little-endian for lanes here; a
// big-endian port byte-swaps in these three memcpy calls).
template <class T, class Fn>
void Lanes(const Vec& a, const Vec& b, Vec& r, Fn fn) {
  for (size_t i = 0; i < 16; i += sizeof(T)) {
    T x, y;
    std::memcpy(&x, a.data() + i, sizeof(T));
    std::memcpy(&y, b.data() + i, sizeof(T));
    const T z = fn(x, y);
    std::memcpy(r.data() + i, &z, sizeof(T));
  }
}

template <class T>
Step Compare(Exec& e, bool greater) {
  return Binary(e, [greater](const Vec& a, const Vec& b, Vec& r) {
    Lanes<T>(a, b, r, [greater](T x, T y) -> T {
      return (greater ? x > y : x == y) ? static_cast<T>(~T{0}) : T{0};
    });
  });
}

// Interleaves the low (or high) halves of dest and src in elements of `width` bytes.
Step Unpack(Exec& e, unsigned width, bool high) {
  return Binary(e, [width, high](const Vec& a, const Vec& b, Vec& r) {
    const unsigned base = high ? 8 : 0;
    for (unsigned i = 0, o = 0; i < 8; i += width) {
      std::memcpy(r.data() + o, a.data() + base + i, width);
      o += width;
      std::memcpy(r.data() + o, b.data() + base + i, width);
      o += width;
    }
  });
}

Step Move(Exec& e, bool aligned) {
  Step step = Step::kNext;
  Vec v;
  if (!ReadVec(e, 1, v, step, aligned) || !WriteVec(e, 0, v, step, aligned)) return step;
  return e.Next();
}

// MOVD/MOVQ between GPRs or memory and XMM registers, and MOVQ xmm, xmm/m64: a write to an XMM
// register zeroes bits 32/64 to 127.
Step MoveScalar(Exec& e) {
  Step step = Step::kNext;
  Vec v;
  if (!ReadVec(e, 1, v, step)) return step;
  const Operand& src = e.insn.operands[1];
  const Operand& dst = e.insn.operands[0];
  const unsigned keep = dst.kind == OperandKind::kReg && dst.reg.cls == RegClass::kXmm
                            ? (src.kind == OperandKind::kReg && src.reg.cls != RegClass::kXmm ? src.size
                               : e.insn.mnemonic == Mnemonic::MOVD ? 4u : 8u)
                            : dst.size;
  for (unsigned i = keep; i < 16; ++i) v[i] = 0;
  if (dst.kind == OperandKind::kReg && dst.reg.cls == RegClass::kXmm) {
    std::memcpy(Xmm(e, dst), v.data(), 16);
    return e.Next();
  }
  if (!WriteVec(e, 0, v, step)) return step;
  return e.Next();
}

// MOVHPS/MOVHPD/MOVLPS/MOVLPD: 64 bits between memory and one half of an XMM register.
Step MoveHalf(Exec& e, bool high) {
  Step step = Step::kNext;
  const Operand& dst = e.insn.operands[0];
  if (dst.kind == OperandKind::kReg) {
    Vec m;
    if (!ReadVec(e, 1, m, step)) return step;
    std::memcpy(Xmm(e, dst) + (high ? 8 : 0), m.data(), 8);
    return e.Next();
  }
  Vec v{};
  std::memcpy(v.data(), Xmm(e, e.insn.operands[1]) + (high ? 8 : 0), 8);
  if (!WriteVec(e, 0, v, step)) return step;
  return e.Next();
}

Step MoveMaskBytes(Exec& e) {
  Vec v;
  Step step = Step::kNext;
  if (!ReadVec(e, 1, v, step)) return step;
  uint32_t mask = 0;
  for (unsigned i = 0; i < 16; ++i) mask |= static_cast<uint32_t>(v[i] >> 7) << i;
  e.WriteReg(e.insn.operands[0].reg, mask);
  return e.Next();
}

// SHUFPS (two dest lanes, then two src lanes, each picked by two imm8 bits) and SHUFPD (one bit
// each).
Step ShuffleFloat(Exec& e, bool doubles) {
  const unsigned imm = static_cast<unsigned>(e.insn.operands[2].value) & 0xFF;
  return Binary(e, [imm, doubles](const Vec& a, const Vec& b, Vec& r) {
    if (doubles) {
      std::memcpy(r.data(), a.data() + 8 * (imm & 1), 8);
      std::memcpy(r.data() + 8, b.data() + 8 * ((imm >> 1) & 1), 8);
      return;
    }
    for (unsigned i = 0; i < 4; ++i) std::memcpy(r.data() + 4 * i, (i < 2 ? a : b).data() + 4 * ((imm >> (2 * i)) & 3), 4);
  });
}

// MOVMSKPS/MOVMSKPD: the sign bits of the lanes into a GPR, zero-extended.
Step MoveMaskFloat(Exec& e, unsigned lane) {
  const Vec v = [&] {
    Vec x;
    std::memcpy(x.data(), Xmm(e, e.insn.operands[1]), 16);
    return x;
  }();
  uint64_t mask = 0;
  for (unsigned i = 0; i < 16 / lane; ++i) mask |= static_cast<uint64_t>(v[lane * i + lane - 1] >> 7) << i;
  e.WriteReg(e.insn.operands[0].reg, mask);
  return e.Next();
}

// MOVLHPS (dest high quadword = src low) and MOVHLPS (dest low quadword = src high), registers.
Step MoveHalves(Exec& e, bool low_to_high) {
  uint8_t* d = Xmm(e, e.insn.operands[0]);
  const uint8_t* src = Xmm(e, e.insn.operands[1]);
  uint8_t q[8];
  std::memcpy(q, src + (low_to_high ? 0 : 8), 8);
  std::memcpy(d + (low_to_high ? 8 : 0), q, 8);
  return e.Next();
}

// PSHUFD/PSHUFLW/PSHUFHW with the imm8 selector.
Step Shuffle(Exec& e, Mnemonic m) {
  Step step = Step::kNext;
  Vec src;
  if (!ReadVec(e, 1, src, step, true)) return step;
  const unsigned imm = static_cast<unsigned>(e.insn.operands[2].value) & 0xFF;
  Vec r = src;
  if (m == Mnemonic::PSHUFD) {
    for (unsigned i = 0; i < 4; ++i) std::memcpy(r.data() + 4 * i, src.data() + 4 * ((imm >> (2 * i)) & 3), 4);
  } else {
    const unsigned base = m == Mnemonic::PSHUFHW ? 8 : 0;
    for (unsigned i = 0; i < 4; ++i)
      std::memcpy(r.data() + base + 2 * i, src.data() + base + 2 * ((imm >> (2 * i)) & 3), 2);
  }
  WriteVec(e, 0, r, step);
  return e.Next();
}

// PSRLDQ/PSLLDQ (bytes, by an immediate) and PSRLW/D/Q, PSLLW/D/Q, PSRAW/D (bits, by an
// immediate or by the low quadword of an XMM register or m128). A count of at least the lane
// width clears the lanes (or fills them with the sign) - the whole 64-bit count counts.
Step ShiftLanes(Exec& e, Mnemonic m) {
  using M = Mnemonic;
  uint8_t* x = Xmm(e, e.insn.operands[0]);
  uint64_t count = static_cast<uint64_t>(e.insn.operands[1].value) & 0xFF;
  if (e.insn.operands[1].kind != OperandKind::kImm) {
    Step step = Step::kNext;
    Vec c;
    if (!ReadVec(e, 1, c, step, /*aligned=*/true)) return step;
    std::memcpy(&count, c.data(), 8);
  }
  Vec v;
  std::memcpy(v.data(), x, 16);
  Vec r{};
  if (m == M::PSRLDQ || m == M::PSLLDQ) {
    const unsigned n = count > 16 ? 16 : static_cast<unsigned>(count);
    for (unsigned i = 0; i < 16; ++i) {
      if (m == M::PSRLDQ) r[i] = i + n < 16 ? v[i + n] : 0;
      else r[i] = i >= n ? v[i - n] : 0;
    }
  } else {
    const unsigned width = (m == M::PSRLW || m == M::PSLLW || m == M::PSRAW) ? 2 : (m == M::PSRLQ || m == M::PSLLQ) ? 8 : 4;
    const bool left = m == M::PSLLW || m == M::PSLLD || m == M::PSLLQ;
    const bool arith = m == M::PSRAW || m == M::PSRAD;
    for (unsigned i = 0; i < 16; i += width) {
      uint64_t lane = 0;
      std::memcpy(&lane, v.data() + i, width);
      const unsigned bits = width * 8;
      uint64_t out;
      if (arith) {
        const int64_t s = static_cast<int64_t>(lane << (64 - bits)) >> (64 - bits);
        out = static_cast<uint64_t>(s >> (count >= bits ? bits - 1 : count));
      } else if (count >= bits) {
        out = 0;
      } else {
        out = left ? lane << count : lane >> count;
      }
      std::memcpy(r.data() + i, &out, width);
    }
  }
  std::memcpy(x, r.data(), 16);
  return e.Next();
}

}  // namespace

bool ExecuteSse(Exec& e, Step& step) {
  using M = Mnemonic;
  const M m = e.insn.mnemonic;
  // The legacy (non-VEX) forms only: VEX and EVEX come with the AVX work.
  if (e.insn.encoding != frontend::Encoding::kLegacy) return false;
  // MMX forms (mm registers) are not implemented yet.
  for (int i = 0; i < e.insn.operand_count; ++i)
    if (e.insn.operands[i].kind == OperandKind::kReg && e.insn.operands[i].reg.cls == RegClass::kMmx) return false;
  switch (m) {
    case M::MOVDQA:
    case M::MOVAPS:
    case M::MOVAPD:
    case M::MOVNTDQ:
    case M::MOVNTPS:
    case M::MOVNTPD:
    case M::MOVNTDQA: step = Move(e, true); return true;
    case M::MOVDQU:
    case M::MOVUPS:
    case M::MOVUPD:
    case M::LDDQU: step = Move(e, false); return true;
    case M::MOVD:
    case M::MOVQ: step = MoveScalar(e); return true;
    case M::MOVHPS:
    case M::MOVHPD: step = MoveHalf(e, true); return true;
    case M::MOVLPS:
    case M::MOVLPD: step = MoveHalf(e, false); return true;
    case M::PXOR:
    case M::XORPS:
    case M::XORPD: step = Binary(e, [](const Vec& a, const Vec& b, Vec& r) { for (int i = 0; i < 16; ++i) r[i] = a[i] ^ b[i]; }); return true;
    case M::POR:
    case M::ORPS:
    case M::ORPD: step = Binary(e, [](const Vec& a, const Vec& b, Vec& r) { for (int i = 0; i < 16; ++i) r[i] = a[i] | b[i]; }); return true;
    case M::PAND:
    case M::ANDPS:
    case M::ANDPD: step = Binary(e, [](const Vec& a, const Vec& b, Vec& r) { for (int i = 0; i < 16; ++i) r[i] = a[i] & b[i]; }); return true;
    case M::PANDN:
    case M::ANDNPS:
    case M::ANDNPD: step = Binary(e, [](const Vec& a, const Vec& b, Vec& r) { for (int i = 0; i < 16; ++i) r[i] = static_cast<uint8_t>(~a[i] & b[i]); }); return true;
    case M::PCMPEQB: step = Compare<uint8_t>(e, false); return true;
    case M::PCMPEQW: step = Compare<uint16_t>(e, false); return true;
    case M::PCMPEQD: step = Compare<uint32_t>(e, false); return true;
    case M::PCMPGTB: step = Compare<int8_t>(e, true); return true;
    case M::PCMPGTW: step = Compare<int16_t>(e, true); return true;
    case M::PCMPGTD: step = Compare<int32_t>(e, true); return true;
    case M::PMOVMSKB: step = MoveMaskBytes(e); return true;
    case M::PMINUB: step = Binary(e, [](const Vec& a, const Vec& b, Vec& r) { Lanes<uint8_t>(a, b, r, [](uint8_t x, uint8_t y) { return x < y ? x : y; }); }); return true;
    case M::PMAXUB: step = Binary(e, [](const Vec& a, const Vec& b, Vec& r) { Lanes<uint8_t>(a, b, r, [](uint8_t x, uint8_t y) { return x > y ? x : y; }); }); return true;
    case M::PMINSW: step = Binary(e, [](const Vec& a, const Vec& b, Vec& r) { Lanes<int16_t>(a, b, r, [](int16_t x, int16_t y) { return x < y ? x : y; }); }); return true;
    case M::PMAXSW: step = Binary(e, [](const Vec& a, const Vec& b, Vec& r) { Lanes<int16_t>(a, b, r, [](int16_t x, int16_t y) { return x > y ? x : y; }); }); return true;
    case M::PADDB: step = Binary(e, [](const Vec& a, const Vec& b, Vec& r) { Lanes<uint8_t>(a, b, r, [](uint8_t x, uint8_t y) { return static_cast<uint8_t>(x + y); }); }); return true;
    case M::PADDW: step = Binary(e, [](const Vec& a, const Vec& b, Vec& r) { Lanes<uint16_t>(a, b, r, [](uint16_t x, uint16_t y) { return static_cast<uint16_t>(x + y); }); }); return true;
    case M::PADDD: step = Binary(e, [](const Vec& a, const Vec& b, Vec& r) { Lanes<uint32_t>(a, b, r, [](uint32_t x, uint32_t y) { return x + y; }); }); return true;
    case M::PADDQ: step = Binary(e, [](const Vec& a, const Vec& b, Vec& r) { Lanes<uint64_t>(a, b, r, [](uint64_t x, uint64_t y) { return x + y; }); }); return true;
    case M::PSUBB: step = Binary(e, [](const Vec& a, const Vec& b, Vec& r) { Lanes<uint8_t>(a, b, r, [](uint8_t x, uint8_t y) { return static_cast<uint8_t>(x - y); }); }); return true;
    case M::PSUBW: step = Binary(e, [](const Vec& a, const Vec& b, Vec& r) { Lanes<uint16_t>(a, b, r, [](uint16_t x, uint16_t y) { return static_cast<uint16_t>(x - y); }); }); return true;
    case M::PSUBD: step = Binary(e, [](const Vec& a, const Vec& b, Vec& r) { Lanes<uint32_t>(a, b, r, [](uint32_t x, uint32_t y) { return x - y; }); }); return true;
    case M::PSUBQ: step = Binary(e, [](const Vec& a, const Vec& b, Vec& r) { Lanes<uint64_t>(a, b, r, [](uint64_t x, uint64_t y) { return x - y; }); }); return true;
    case M::PSUBUSB: step = Binary(e, [](const Vec& a, const Vec& b, Vec& r) { Lanes<uint8_t>(a, b, r, [](uint8_t x, uint8_t y) { return static_cast<uint8_t>(x > y ? x - y : 0); }); }); return true;
    case M::PACKUSWB:
    case M::PACKSSWB:
    case M::PACKSSDW:
      step = Binary(e, [m](const Vec& a, const Vec& b, Vec& r) {
        // Saturate the words (dwords) of dest then src into bytes (words), SDM Vol.2 PACKUSWB.
        if (m == M::PACKSSDW) {
          for (int i = 0; i < 8; ++i) {
            int32_t v;
            std::memcpy(&v, (i < 4 ? a.data() : b.data()) + 4 * (i & 3), 4);
            const int16_t out = static_cast<int16_t>(v > 32767 ? 32767 : v < -32768 ? -32768 : v);
            std::memcpy(r.data() + 2 * i, &out, 2);
          }
          return;
        }
        for (int i = 0; i < 16; ++i) {
          int16_t v;
          std::memcpy(&v, (i < 8 ? a.data() : b.data()) + 2 * (i & 7), 2);
          if (m == M::PACKUSWB) r[i] = static_cast<uint8_t>(v < 0 ? 0 : v > 255 ? 255 : v);
          else r[i] = static_cast<uint8_t>(static_cast<int8_t>(v < -128 ? -128 : v > 127 ? 127 : v));
        }
      });
      return true;
    case M::PMULLW: step = Binary(e, [](const Vec& a, const Vec& b, Vec& r) { Lanes<uint16_t>(a, b, r, [](uint16_t x, uint16_t y) { return static_cast<uint16_t>(static_cast<uint32_t>(x) * y); }); }); return true;
    case M::PMULHW: step = Binary(e, [](const Vec& a, const Vec& b, Vec& r) { Lanes<int16_t>(a, b, r, [](int16_t x, int16_t y) { return static_cast<int16_t>((x * y) >> 16); }); }); return true;
    case M::PMULHUW: step = Binary(e, [](const Vec& a, const Vec& b, Vec& r) { Lanes<uint16_t>(a, b, r, [](uint16_t x, uint16_t y) { return static_cast<uint16_t>((static_cast<uint32_t>(x) * y) >> 16); }); }); return true;
    case M::PMULUDQ:
      step = Binary(e, [](const Vec& a, const Vec& b, Vec& r) {
        for (int i = 0; i < 2; ++i) {
          uint32_t x, y;
          std::memcpy(&x, a.data() + 8 * i, 4);
          std::memcpy(&y, b.data() + 8 * i, 4);
          const uint64_t p = static_cast<uint64_t>(x) * y;
          std::memcpy(r.data() + 8 * i, &p, 8);
        }
      });
      return true;
    case M::PADDUSB: step = Binary(e, [](const Vec& a, const Vec& b, Vec& r) { Lanes<uint8_t>(a, b, r, [](uint8_t x, uint8_t y) { return static_cast<uint8_t>(x + y > 255 ? 255 : x + y); }); }); return true;
    case M::PADDUSW: step = Binary(e, [](const Vec& a, const Vec& b, Vec& r) { Lanes<uint16_t>(a, b, r, [](uint16_t x, uint16_t y) { return static_cast<uint16_t>(x + y > 65535 ? 65535 : x + y); }); }); return true;
    case M::PSUBUSW: step = Binary(e, [](const Vec& a, const Vec& b, Vec& r) { Lanes<uint16_t>(a, b, r, [](uint16_t x, uint16_t y) { return static_cast<uint16_t>(x > y ? x - y : 0); }); }); return true;
    case M::PAVGB: step = Binary(e, [](const Vec& a, const Vec& b, Vec& r) { Lanes<uint8_t>(a, b, r, [](uint8_t x, uint8_t y) { return static_cast<uint8_t>((x + y + 1) >> 1); }); }); return true;
    case M::PAVGW: step = Binary(e, [](const Vec& a, const Vec& b, Vec& r) { Lanes<uint16_t>(a, b, r, [](uint16_t x, uint16_t y) { return static_cast<uint16_t>((x + y + 1) >> 1); }); }); return true;
    case M::PUNPCKLBW: step = Unpack(e, 1, false); return true;
    case M::PUNPCKLWD: step = Unpack(e, 2, false); return true;
    case M::PUNPCKLDQ: step = Unpack(e, 4, false); return true;
    case M::PUNPCKLQDQ: step = Unpack(e, 8, false); return true;
    case M::PUNPCKHBW: step = Unpack(e, 1, true); return true;
    case M::PUNPCKHWD: step = Unpack(e, 2, true); return true;
    case M::PUNPCKHDQ: step = Unpack(e, 4, true); return true;
    case M::PUNPCKHQDQ: step = Unpack(e, 8, true); return true;
    case M::UNPCKLPS: step = Unpack(e, 4, false); return true;
    case M::UNPCKHPS: step = Unpack(e, 4, true); return true;
    case M::UNPCKLPD: step = Unpack(e, 8, false); return true;
    case M::UNPCKHPD: step = Unpack(e, 8, true); return true;
    case M::SHUFPS: step = ShuffleFloat(e, false); return true;
    case M::SHUFPD: step = ShuffleFloat(e, true); return true;
    case M::MOVMSKPS: step = MoveMaskFloat(e, 4); return true;
    case M::MOVMSKPD: step = MoveMaskFloat(e, 8); return true;
    case M::MOVLHPS: step = MoveHalves(e, true); return true;
    case M::MOVHLPS: step = MoveHalves(e, false); return true;
    case M::PSHUFD:
    case M::PSHUFLW:
    case M::PSHUFHW: step = Shuffle(e, m); return true;
    case M::PSRLDQ:
    case M::PSLLDQ: step = ShiftLanes(e, m); return true;
    case M::PSRLW:
    case M::PSRLD:
    case M::PSRLQ:
    case M::PSLLW:
    case M::PSLLD:
    case M::PSLLQ:
    case M::PSRAW:
    case M::PSRAD: step = ShiftLanes(e, m); return true;
    default: return false;
  }
}

}  // namespace kiln::jit::interp
