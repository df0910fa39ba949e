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
  const uint64_t old = ArithmeticFlags(f);
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

}  // namespace kiln::jit::sem
