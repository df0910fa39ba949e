// Operand access for specialised Uop handlers (fast_path.cpp, fast_path_sse_fp.cpp): the
// operands come pre-resolved in the Uop (register numbers, the memory operand's parts), so these
// helpers do no decoding work at run time. Internal to jit/interp/.
#pragma once

#include <cstdint>
#include <cstring>

#include "jit/interp/exec.h"
#include "jit/interp/uop.h"

namespace kiln::jit::interp {

/// Operand forms: destination (R = register, M = memory) then source (R, I = immediate, M).
enum class Form : uint8_t { kRR, kRI, kRM, kMR, kMI };

/// A GPR operand of N bytes; for N = 1, numbers 16-19 are AH, CH, DH, BH.
template <unsigned N>
[[gnu::always_inline]] inline uint64_t GetReg(const CpuState& s, uint8_t r) {
  if constexpr (N == 8) return s.gpr[r];
  else if constexpr (N == 4) return static_cast<uint32_t>(s.gpr[r]);
  else if constexpr (N == 2) return static_cast<uint16_t>(s.gpr[r]);
  else return r < 16 ? s.gpr[r] & 0xFF : (s.gpr[r - 16] >> 8) & 0xFF;
}

/// Writes with the x86-64 rules: 32-bit results zero-extend, 8- and 16-bit ones merge.
template <unsigned N>
[[gnu::always_inline]] inline void SetReg(CpuState& s, uint8_t r, uint64_t v) {
  if constexpr (N == 8) {
    s.gpr[r] = v;
  } else if constexpr (N == 4) {
    s.gpr[r] = static_cast<uint32_t>(v);
  } else if constexpr (N == 2) {
    s.gpr[r] = (s.gpr[r] & ~uint64_t{0xFFFF}) | (v & 0xFFFF);
  } else if (r < 16) {
    s.gpr[r] = (s.gpr[r] & ~uint64_t{0xFF}) | (v & 0xFF);
  } else {
    s.gpr[r - 16] = (s.gpr[r - 16] & ~uint64_t{0xFF00}) | ((v & 0xFF) << 8);
  }
}

/// The offset of the memory operand, wrapped to the address size, without a segment base (LEA).
[[gnu::always_inline]] inline uint64_t Offset(const CpuState& s, const Uop& u) {
  uint64_t ea = u.disp;
  if (u.base != kNoReg) ea += s.gpr[u.base];
  if (u.index != kNoReg) ea += s.gpr[u.index] << u.scale_shift;
  return ea & u.address_mask;
}

/// The linear address of the memory operand. The specialised handlers run only for segments
/// that need no limit or type checks (Interpreter::FindOrDecode, sem::SegmentsToCheck).
[[gnu::always_inline]] inline uint64_t Address(const CpuState& s, const Uop& u) {
  const uint64_t ea = Offset(s, u);
  return u.seg >= kFlatStack ? ea : ea + s.seg[u.seg].base;
}

/// Whether the memory operand is a stack reference in 64-bit mode (for Exec::Load's `stack`).
[[gnu::always_inline]] inline bool StackRef(const Uop& u) { return u.seg == kFlatStack; }

/// `n` bytes (a constant) of the memory operand at `addr`: a hit in the host-page cache is copied
/// in place, so that the stack-reference flag of the slow path is computed only there.
template <unsigned N>
[[gnu::always_inline]] inline bool ReadMemory(Exec& e, const Uop& u, uint64_t addr, void* out, Step& step) {
  if (const uint8_t* p = e.mem.host_pages.ForRead(addr, N)) {
    std::memcpy(out, p, N);
    return true;
  }
  return e.ReadBytes(addr, out, N, step, StackRef(u));
}
template <unsigned N>
[[gnu::always_inline]] inline bool WriteMemory(Exec& e, const Uop& u, uint64_t addr, const void* in, Step& step) {
  if (uint8_t* p = e.mem.host_pages.ForWrite(addr, N)) {
    std::memcpy(p, in, N);
    return true;
  }
  return e.WriteBytes(addr, in, N, step, StackRef(u));
}

/// The source operand of an r, r/m form: register u.r1, or the memory operand.
template <unsigned N, bool kMem>
[[gnu::always_inline]] inline bool ReadRm(Exec& e, const Uop& u, uint64_t& v, Step& step) {
  if constexpr (kMem) return e.Load(Address(e.s, u), N, v, step, StackRef(u));
  v = GetReg<N>(e.s, u.r1);
  return true;
}

/// Fills in the memory operand's parts (base, index, scale, displacement, segment, address
/// mask) of `u`; false for a form the specialised handlers do not take (16-bit base registers
/// of other classes, more than six segments).
bool ResolveMemory(const DecodedInsn& insn, const frontend::Operand& m, uint64_t next_rip, Uop& u);

}  // namespace kiln::jit::interp
