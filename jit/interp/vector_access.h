// XMM operand access shared by the SSE handler files: a register's 16 bytes, or a memory operand
// of its size (with the 16-byte alignment check of the legacy SSE forms that require it).
// Internal to jit/interp/.
#pragma once

#include <array>
#include <cstdint>
#include <cstring>

#include "jit/interp/exec.h"

namespace kiln::jit::interp {

using Vec = std::array<uint8_t, 16>;

inline uint8_t* Xmm(Exec& e, const Operand& op) { return e.s.zmm[op.reg.index & 31]; }

// Reads a vector operand: a register (16 bytes) or `op.size` bytes of memory, zero-extended.
inline bool ReadVec(Exec& e, int n, Vec& v, Step& step, bool aligned = false) {
  const Operand& op = e.insn.operands[n];
  v.fill(0);
  if (op.kind == OperandKind::kReg) {
    if (op.reg.cls == RegClass::kXmm) {
      std::memcpy(v.data(), Xmm(e, op), 16);
    } else {  // a GPR (MOVD/MOVQ): its bytes in little-endian order, whatever the host's
      const uint64_t g = e.ReadReg(op.reg);
      for (unsigned i = 0; i < op.size; ++i) v[i] = static_cast<uint8_t>(g >> (8 * i));
    }
    return true;
  }
  const uint64_t offset = e.Offset(op), linear = e.SegmentBase(op.seg) + offset;
  if (aligned && (linear & 15)) {
    step = e.RaiseWithCode(vec::kGp, 0);
    return false;
  }
  return e.ReadSegmentBytes(op.seg, offset, linear, v.data(), op.size, step);
}

// Writes the low `op.size` bytes to memory, or 16 bytes to an XMM register.
inline bool WriteVec(Exec& e, int n, const Vec& v, Step& step, bool aligned = false) {
  const Operand& op = e.insn.operands[n];
  if (op.kind == OperandKind::kReg) {
    if (op.reg.cls == RegClass::kXmm) {
      std::memcpy(Xmm(e, op), v.data(), 16);
    } else {
      uint64_t g = 0;
      for (unsigned i = 0; i < op.size; ++i) g |= static_cast<uint64_t>(v[i]) << (8 * i);
      e.WriteReg(op.reg, g);
    }
    return true;
  }
  const uint64_t offset = e.Offset(op), linear = e.SegmentBase(op.seg) + offset;
  if (aligned && (linear & 15)) {
    step = e.RaiseWithCode(vec::kGp, 0);
    return false;
  }
  return e.WriteSegmentBytes(op.seg, offset, linear, v.data(), op.size, step);
}

/// MASKMOVQ/MASKMOVDQU: the `n` bytes of `data` whose `mask` byte has its top bit set, stored
/// at DS:rDI (the address size's DI; a segment override applies). The whole range is read
/// first, so that a fault leaves memory unchanged.
inline bool MaskedStoreAtDi(Exec& e, const uint8_t* data, const uint8_t* mask, unsigned n, Step& step) {
  uint64_t di = e.s.gpr[machine::kRdi];
  if (e.insn.address_size == 4) di &= 0xFFFFFFFF;
  else if (e.insn.address_size == 2) di &= 0xFFFF;
  const frontend::Seg seg = e.insn.prefixes.segment != frontend::Seg::kNone ? e.insn.prefixes.segment : frontend::Seg::kDs;
  uint64_t addr;
  uint8_t bytes[16];
  if (!e.Linear(seg, di, n, SegmentAccess::kWrite, addr, step) || !e.ReadBytes(addr, bytes, n, step)) return false;
  for (unsigned i = 0; i < n; ++i)
    if (mask[i] & 0x80) bytes[i] = data[i];
  return e.WriteBytes(addr, bytes, n, step);
}

}  // namespace kiln::jit::interp
