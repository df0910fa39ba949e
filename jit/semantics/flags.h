// Lazy arithmetic flags: recording the last flag-producing operation and computing RFLAGS bits
// from it on demand (docs/flags.md). Header-only so that the interpreter and the JIT's bitcode
// (the one source of semantics) inline the same code.
#pragma once

#include <bit>
#include <cstdint>

#include "machine/cpu_state.h"

namespace kiln::jit::sem {

using machine::CpuState;
using machine::FlagsOp;
using machine::LazyFlags;
namespace rflags = machine::rflags;

/// All-ones in the low `size` bytes (size = 1, 2, 4 or 8).
constexpr uint64_t SizeMask(unsigned size) {
  return size >= 8 ? ~uint64_t{0} : (uint64_t{1} << (size * 8)) - 1;
}
/// The sign bit of a `size`-byte value.
constexpr uint64_t SignBit(unsigned size) { return uint64_t{1} << (size * 8 - 1); }

/// PF: set when the low byte of the result has an even number of one bits (SDM Vol.1 3.4.3.1).
constexpr uint64_t ParityFlag(uint64_t result) {
  return (std::popcount(static_cast<uint8_t>(result)) & 1) ? 0 : rflags::kPf;
}

/// The carry flag alone (Jcc/SETcc/ADC read only CF often; this skips the other five).
constexpr bool CarryFlag(const LazyFlags& f) {
  if (f.cf_of) return f.cf_of == 2;
  const uint64_t r = f.result, a = f.a, b = f.b;
  switch (f.op) {
    case FlagsOp::kMaterialized: return (r & rflags::kCf) != 0;
    case FlagsOp::kAdd: return r < a;
    case FlagsOp::kAdc: return f.carry_in ? r <= a : r < a;
    case FlagsOp::kSub: return a < b;
    case FlagsOp::kSbb: return f.carry_in ? a <= b : a < b;
    case FlagsOp::kLogic: return false;
    case FlagsOp::kInc:
    case FlagsOp::kDec: return f.carry_in != 0;
    case FlagsOp::kNeg: return b != 0;
  }
  return false;
}

/// CF, PF, AF, ZF, SF and OF as RFLAGS bits, before the MUL/IMUL overlay.
constexpr uint64_t OperationFlags(const LazyFlags& f) {
  if (f.op == FlagsOp::kMaterialized) return f.result & rflags::kArith;
  const uint64_t r = f.result, a = f.a, b = f.b;
  const uint64_t sign = SignBit(f.size);
  uint64_t out = CarryFlag(f) ? rflags::kCf : 0;
  out |= ParityFlag(r);
  if (r == 0) out |= rflags::kZf;
  if (r & sign) out |= rflags::kSf;
  bool overflow = false;
  uint64_t aux = 0;  // bit 4 of the carries into bit 4
  switch (f.op) {
    case FlagsOp::kAdd:
    case FlagsOp::kAdc:
      overflow = ((a ^ r) & (b ^ r) & sign) != 0;
      aux = a ^ b ^ r;
      break;
    case FlagsOp::kSub:
    case FlagsOp::kSbb:
      overflow = ((a ^ b) & (a ^ r) & sign) != 0;
      aux = a ^ b ^ r;
      break;
    case FlagsOp::kInc:
      overflow = r == sign;
      aux = a ^ 1 ^ r;
      break;
    case FlagsOp::kDec:
      overflow = a == sign;
      aux = a ^ 1 ^ r;
      break;
    case FlagsOp::kNeg:
      overflow = r == sign;
      aux = b ^ r;
      break;
    case FlagsOp::kLogic:
    case FlagsOp::kMaterialized:
      break;
  }
  if (overflow) out |= rflags::kOf;
  if (aux & 0x10) out |= rflags::kAf;
  return out;
}

/// CF, PF, AF, ZF, SF and OF as RFLAGS bits.
constexpr uint64_t ArithmeticFlags(const LazyFlags& f) {
  const uint64_t out = OperationFlags(f);
  if (f.cf_of == 0) return out;
  return (out & ~(rflags::kCf | rflags::kOf)) | (f.cf_of == 2 ? rflags::kCf | rflags::kOf : 0);
}

/// Replaces the arithmetic flags in `changed` with the bits of `values` and keeps the others
/// (for instructions that update only some flags: BT, ADCX, BSF ...).
constexpr void UpdateFlags(LazyFlags& f, uint64_t changed, uint64_t values) {
  const uint64_t kept = ArithmeticFlags(f) & ~changed;
  f = LazyFlags{kept | (values & changed), 0, 0, 0, f.size, FlagsOp::kMaterialized};
}

/// ZF, SF and PF of a `size`-byte result, as RFLAGS bits.
constexpr uint64_t ResultFlags(uint64_t r, unsigned size) {
  uint64_t out = ParityFlag(r);
  if ((r & SizeMask(size)) == 0) out |= rflags::kZf;
  if (r & SignBit(size)) out |= rflags::kSf;
  return out;
}

/// The whole RFLAGS register.
constexpr uint64_t ReadRflags(const CpuState& s) { return s.rflags_rest | ArithmeticFlags(s.flags); }

/// Loads RFLAGS (POPF, IRET, SAHF-style writers; privilege masking is the caller's job).
constexpr void WriteRflags(CpuState& s, uint64_t value) {
  s.rflags_rest = (value & ~rflags::kArith) | rflags::kFixed1;
  s.flags = LazyFlags{value & rflags::kArith, 0, 0, 0, 8, FlagsOp::kMaterialized};
}

}  // namespace kiln::jit::sem
