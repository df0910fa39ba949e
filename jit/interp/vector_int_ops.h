// The two-operand integer vector instructions by mnemonic, for any register width: `r = op(a, b)`
// on one N-byte block (jit/semantics/vector_int.h). exec_mmx.cpp runs them on MM registers
// (N = 8) and exec_sse_ext.cpp on XMM registers (N = 16). Every one of them is either
// element-wise or works within 128 bits (PSHUFB, PH*, PACK*, PUNPCK*, PSADBW), so the VEX.256
// forms are IntegerBinary<16> on each 128-bit half: AVX adds only its operand plumbing (the
// third operand, zeroing above the destination's width). Internal to jit/interp/.
#pragma once

#include <cstdint>

#include "frontend/mnemonic.h"
#include "jit/semantics/vector_int.h"

namespace kiln::jit::interp {

/// Computes `r` for mnemonic `m` on a (dest) and b (source); false when `m` is not one of these.
template <unsigned N>
bool IntegerBinary(frontend::Mnemonic m, const sem::vec::Bytes<N>& a, const sem::vec::Bytes<N>& b,
                   sem::vec::Bytes<N>& r) {
  static_assert(N == 8 || N == 16, "one MMX or XMM block; YMM is two XMM blocks");
  namespace v = sem::vec;
  using M = frontend::Mnemonic;
  switch (m) {
    case M::PADDB: r = v::Add<uint8_t, N>(a, b); return true;
    case M::PADDW: r = v::Add<uint16_t, N>(a, b); return true;
    case M::PADDD: r = v::Add<uint32_t, N>(a, b); return true;
    case M::PADDQ: r = v::Add<uint64_t, N>(a, b); return true;
    case M::PSUBB: r = v::Sub<uint8_t, N>(a, b); return true;
    case M::PSUBW: r = v::Sub<uint16_t, N>(a, b); return true;
    case M::PSUBD: r = v::Sub<uint32_t, N>(a, b); return true;
    case M::PSUBQ: r = v::Sub<uint64_t, N>(a, b); return true;
    case M::PADDSB: r = v::AddSaturate<int8_t, N>(a, b); return true;
    case M::PADDSW: r = v::AddSaturate<int16_t, N>(a, b); return true;
    case M::PADDUSB: r = v::AddSaturate<uint8_t, N>(a, b); return true;
    case M::PADDUSW: r = v::AddSaturate<uint16_t, N>(a, b); return true;
    case M::PSUBSB: r = v::SubSaturate<int8_t, N>(a, b); return true;
    case M::PSUBSW: r = v::SubSaturate<int16_t, N>(a, b); return true;
    case M::PSUBUSB: r = v::SubSaturate<uint8_t, N>(a, b); return true;
    case M::PSUBUSW: r = v::SubSaturate<uint16_t, N>(a, b); return true;
    case M::PCMPEQB: r = v::CompareEqual<uint8_t, N>(a, b); return true;
    case M::PCMPEQW: r = v::CompareEqual<uint16_t, N>(a, b); return true;
    case M::PCMPEQD: r = v::CompareEqual<uint32_t, N>(a, b); return true;
    case M::PCMPEQQ: r = v::CompareEqual<uint64_t, N>(a, b); return true;
    case M::PCMPGTB: r = v::CompareGreater<int8_t, N>(a, b); return true;
    case M::PCMPGTW: r = v::CompareGreater<int16_t, N>(a, b); return true;
    case M::PCMPGTD: r = v::CompareGreater<int32_t, N>(a, b); return true;
    case M::PCMPGTQ: r = v::CompareGreater<int64_t, N>(a, b); return true;
    case M::PAND: r = v::And<N>(a, b); return true;
    case M::PANDN: r = v::AndNot<N>(a, b); return true;
    case M::POR: r = v::Or<N>(a, b); return true;
    case M::PXOR: r = v::Xor<N>(a, b); return true;
    case M::PMINUB: r = v::Min<uint8_t, N>(a, b); return true;
    case M::PMINUW: r = v::Min<uint16_t, N>(a, b); return true;
    case M::PMINUD: r = v::Min<uint32_t, N>(a, b); return true;
    case M::PMINSB: r = v::Min<int8_t, N>(a, b); return true;
    case M::PMINSW: r = v::Min<int16_t, N>(a, b); return true;
    case M::PMINSD: r = v::Min<int32_t, N>(a, b); return true;
    case M::PMAXUB: r = v::Max<uint8_t, N>(a, b); return true;
    case M::PMAXUW: r = v::Max<uint16_t, N>(a, b); return true;
    case M::PMAXUD: r = v::Max<uint32_t, N>(a, b); return true;
    case M::PMAXSB: r = v::Max<int8_t, N>(a, b); return true;
    case M::PMAXSW: r = v::Max<int16_t, N>(a, b); return true;
    case M::PMAXSD: r = v::Max<int32_t, N>(a, b); return true;
    case M::PAVGB: r = v::Average<uint8_t, N>(a, b); return true;
    case M::PAVGW: r = v::Average<uint16_t, N>(a, b); return true;
    case M::PMULLW: r = v::MulLow<uint16_t, N>(a, b); return true;
    case M::PMULLD: r = v::MulLow<uint32_t, N>(a, b); return true;
    case M::PMULHW: r = v::MulHigh<int16_t, N>(a, b); return true;
    case M::PMULHUW: r = v::MulHigh<uint16_t, N>(a, b); return true;
    case M::PMULHRSW: r = v::MulHighRoundScale<N>(a, b); return true;
    case M::PMULUDQ: r = v::MulEvenDoublewords<uint32_t, N>(a, b); return true;
    case M::PMULDQ: r = v::MulEvenDoublewords<int32_t, N>(a, b); return true;
    case M::PMADDWD: r = v::MultiplyAddWords<N>(a, b); return true;
    case M::PMADDUBSW: r = v::MultiplyAddUnsignedSignedBytes<N>(a, b); return true;
    case M::PSADBW: r = v::SumAbsoluteDifferences<N>(a, b); return true;
    case M::PABSB: r = v::Abs<int8_t, N>(b); return true;
    case M::PABSW: r = v::Abs<int16_t, N>(b); return true;
    case M::PABSD: r = v::Abs<int32_t, N>(b); return true;
    case M::PSIGNB: r = v::Sign<int8_t, N>(a, b); return true;
    case M::PSIGNW: r = v::Sign<int16_t, N>(a, b); return true;
    case M::PSIGND: r = v::Sign<int32_t, N>(a, b); return true;
    case M::PSHUFB: r = v::ShuffleBytes<N>(a, b); return true;
    case M::PHADDW: r = v::Horizontal<int16_t, false, false, N>(a, b); return true;
    case M::PHADDD: r = v::Horizontal<int32_t, false, false, N>(a, b); return true;
    case M::PHADDSW: r = v::Horizontal<int16_t, false, true, N>(a, b); return true;
    case M::PHSUBW: r = v::Horizontal<int16_t, true, false, N>(a, b); return true;
    case M::PHSUBD: r = v::Horizontal<int32_t, true, false, N>(a, b); return true;
    case M::PHSUBSW: r = v::Horizontal<int16_t, true, true, N>(a, b); return true;
    case M::PACKSSWB: r = v::Pack<int16_t, int8_t, N>(a, b); return true;
    case M::PACKUSWB: r = v::Pack<int16_t, uint8_t, N>(a, b); return true;
    case M::PACKSSDW: r = v::Pack<int32_t, int16_t, N>(a, b); return true;
    case M::PACKUSDW: r = v::Pack<int32_t, uint16_t, N>(a, b); return true;
    case M::PUNPCKLBW: r = v::Unpack<uint8_t, false, N>(a, b); return true;
    case M::PUNPCKLWD: r = v::Unpack<uint16_t, false, N>(a, b); return true;
    case M::PUNPCKLDQ: r = v::Unpack<uint32_t, false, N>(a, b); return true;
    case M::PUNPCKHBW: r = v::Unpack<uint8_t, true, N>(a, b); return true;
    case M::PUNPCKHWD: r = v::Unpack<uint16_t, true, N>(a, b); return true;
    case M::PUNPCKHDQ: r = v::Unpack<uint32_t, true, N>(a, b); return true;
    default: break;
  }
  if constexpr (N >= 16) {
    switch (m) {
      case M::PUNPCKLQDQ: r = v::Unpack<uint64_t, false, N>(a, b); return true;
      case M::PUNPCKHQDQ: r = v::Unpack<uint64_t, true, N>(a, b); return true;
      default: break;
    }
  }
  return false;
}

}  // namespace kiln::jit::interp
