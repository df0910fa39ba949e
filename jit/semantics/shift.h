// Shift and rotate semantics (SDM Vol.2 SAL/SAR/SHL/SHR, RCL/RCR/ROL/ROR): count masking, the
// carry chain, and the flags for counts 0, 1 and N, including the ones the SDM leaves undefined
// (matched to the host CPU, see docs/flags.md).
#pragma once

#include <cstdint>

#include "jit/semantics/flags.h"

namespace kiln::jit::sem {

enum class ShiftOp : uint8_t { kRol, kRor, kRcl, kRcr, kShl, kShr, kSal, kSar };

/// Executes `op` on the `size`-byte value `a` by `raw_count` (CL or imm8 before masking) and
/// returns the result. The flags are left materialized, or untouched when the masked count is 0.
constexpr uint64_t Shift(LazyFlags& f, ShiftOp op, uint64_t a, uint64_t raw_count, unsigned size) {
  const unsigned bits = size * 8;
  const uint64_t mask = SizeMask(size), sign = SignBit(size);
  unsigned count = static_cast<unsigned>(raw_count) & (size == 8 ? 0x3F : 0x1F);
  if (count == 0) return a & mask;
  a &= mask;
  // Rotates keep SF/ZF/AF/PF and RCL/RCR read CF: only they need the old flags computed.
  const bool rotate = op == ShiftOp::kRol || op == ShiftOp::kRor || op == ShiftOp::kRcl || op == ShiftOp::kRcr;
  const uint64_t old = rotate ? ArithmeticFlags(f) : 0;
  bool cf = (old & rflags::kCf) != 0;
  bool of = false;
  uint64_t r = 0;
  uint64_t keep = 0;  // flags the operation leaves as they were
  switch (op) {
    case ShiftOp::kShl:
    case ShiftOp::kSal:
      // Bits shifted out past the top; beyond the width CF is what the host gives (0).
      cf = count <= bits ? ((a >> (bits - count)) & 1) != 0 : false;
      r = count < bits ? (a << count) & mask : 0;
      of = ((r & sign) != 0) != cf;
      break;
    case ShiftOp::kShr:
      cf = count <= bits ? ((a >> (count - 1)) & 1) != 0 : false;
      r = count < bits ? a >> count : 0;
      of = count == 1 ? (a & sign) != 0 : ((r & sign) != 0) != (((r << 1) & sign) != 0);
      break;
    case ShiftOp::kSar: {
      const int64_t s = static_cast<int64_t>(a << (64 - bits)) >> (64 - bits);  // sign-extend
      const unsigned c = count < bits ? count : bits;
      cf = ((static_cast<uint64_t>(s >> (c - 1))) & 1) != 0;
      r = static_cast<uint64_t>(count < bits ? s >> count : s >> (bits - 1)) & mask;
      of = false;
      break;
    }
    case ShiftOp::kRol: {
      const unsigned c = count % bits;
      r = c ? ((a << c) | (a >> (bits - c))) & mask : a;
      cf = (r & 1) != 0;
      of = ((r & sign) != 0) != cf;
      keep = rflags::kPf | rflags::kAf | rflags::kZf | rflags::kSf;
      break;
    }
    case ShiftOp::kRor: {
      const unsigned c = count % bits;
      r = c ? ((a >> c) | (a << (bits - c))) & mask : a;
      cf = (r & sign) != 0;
      of = ((r & sign) != 0) != ((r & (sign >> 1)) != 0);
      keep = rflags::kPf | rflags::kAf | rflags::kZf | rflags::kSf;
      break;
    }
    case ShiftOp::kRcl:
    case ShiftOp::kRcr: {
      // Rotate through carry: a (bits + 1)-bit rotation of CF:value.
      const unsigned c = count % (bits + 1);
      r = a;
      for (unsigned i = 0; i < c; ++i) {
        if (op == ShiftOp::kRcl) {
          const bool out = (r & sign) != 0;
          r = ((r << 1) | (cf ? 1 : 0)) & mask;
          cf = out;
        } else {
          const bool out = (r & 1) != 0;
          r = (r >> 1) | (cf ? sign : 0);
          cf = out;
        }
      }
      of = op == ShiftOp::kRcl ? ((r & sign) != 0) != cf
                               : ((r & sign) != 0) != ((r & (sign >> 1)) != 0);
      keep = rflags::kPf | rflags::kAf | rflags::kZf | rflags::kSf;
      break;
    }
  }
  uint64_t out = old & keep;
  if (!keep) {
    // AF is undefined for shifts by a nonzero count; the host (AMD) sets it.
    out |= rflags::kAf;
    out |= ParityFlag(r);
    if ((r & mask) == 0) out |= rflags::kZf;
    if (r & sign) out |= rflags::kSf;
  }
  if (cf) out |= rflags::kCf;
  if (of) out |= rflags::kOf;
  f = LazyFlags{out, 0, 0, 0, static_cast<uint8_t>(size), FlagsOp::kMaterialized};
  return r;
}

/// SHLD/SHRD (SDM Vol.2): shifts `dest` by `raw_count` (masked to 5 bits, 6 for 64-bit operands),
/// filling from `src`. Flags as for SHL/SHR: CF = last bit out, OF for a count of 1, AF set, and
/// untouched when the masked count is 0. Not matched to the host yet (docs/flags.md): OF for
/// counts above 1, and 16-bit forms with counts above 16 (undefined in the SDM).
constexpr uint64_t DoubleShift(LazyFlags& f, bool right, uint64_t dest, uint64_t src, uint64_t raw_count,
                               unsigned size) {
  const unsigned bits = size * 8;
  const uint64_t mask = SizeMask(size), sign = SignBit(size);
  const unsigned count = static_cast<unsigned>(raw_count) & (size == 8 ? 0x3F : 0x1F);
  dest &= mask;
  src &= mask;
  if (count == 0) return dest;
  uint64_t r = 0;
  bool cf = false;
  if (size == 2) {
    // Build the 48-bit value the 16-bit form shifts through: dest:src:dest (left) or
    // dest:src:dest seen from the other end (right), so counts 17-31 come out as the host's.
    if (!right) {
      const unsigned __int128 wide = (static_cast<unsigned __int128>(dest) << 32) | (src << 16) | dest;
      const unsigned __int128 shifted = wide << count;
      r = static_cast<uint64_t>(shifted >> 32) & mask;
      cf = static_cast<uint64_t>(shifted >> 48) & 1;
    } else {
      const unsigned __int128 wide = (static_cast<unsigned __int128>(dest) << 32) | (src << 16) | dest;
      r = static_cast<uint64_t>(wide >> count) & mask;
      cf = static_cast<uint64_t>(wide >> (count - 1)) & 1;
    }
  } else if (!right) {
    r = ((dest << count) | (count ? src >> (bits - count) : 0)) & mask;
    cf = (dest >> (bits - count)) & 1;
  } else {
    r = ((dest >> count) | (src << (bits - count))) & mask;
    cf = (dest >> (count - 1)) & 1;
  }
  const bool of = right ? ((r ^ dest) & sign) != 0 : (((r & sign) != 0) != cf);
  uint64_t out = rflags::kAf | ParityFlag(r);
  if (r == 0) out |= rflags::kZf;
  if (r & sign) out |= rflags::kSf;
  if (cf) out |= rflags::kCf;
  if (of) out |= rflags::kOf;
  f = LazyFlags{out, 0, 0, 0, static_cast<uint8_t>(size), FlagsOp::kMaterialized};
  return r;
}

}  // namespace kiln::jit::sem
