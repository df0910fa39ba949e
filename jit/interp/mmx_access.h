// MMX register access shared by the handler files (SDM Vol.1 9.5, Vol.3 12.2): MMi is the 64-bit
// significand of physical x87 register Ri (CpuState::st[i], not relative to TOP); writing it sets
// the register's sign and exponent to all ones. Every MMX instruction but EMMS puts the x87 unit
// in MMX state (TOP = 0, every tag valid); EMMS empties the tags. Internal to jit/interp/.
#pragma once

#include <cstdint>

#include "jit/interp/exec.h"

namespace kiln::jit::interp {

inline uint64_t ReadMm(const CpuState& s, unsigned i) { return s.st[i & 7].significand; }
inline void WriteMm(CpuState& s, unsigned i, uint64_t v) {
  s.st[i & 7].significand = v;
  s.st[i & 7].sign_exponent = 0xFFFF;
}

/// The x87 state change of an MMX instruction: FSW.TOP (bits 13:11) = 0, the tag word all valid.
inline void EnterMmxState(CpuState& s) {
  s.fsw = static_cast<uint16_t>(s.fsw & ~0x3800u);
  s.ftw = 0;
}
/// EMMS: every tag empty.
inline void EmptyMmxState(CpuState& s) { s.ftw = 0xFFFF; }

/// CR0.EM raises #UD, CR0.TS #NM, and then a pending unmasked x87 exception (FSW.ES with
/// CR0.NE) #MF, before an MMX instruction does anything (SDM Vol.3 Table 12-1).
inline bool MmxAvailable(Exec& e, Step& step) {
  constexpr uint64_t kCr0Em = 1u << 2, kCr0Ts = 1u << 3, kCr0Ne = 1u << 5;
  constexpr uint16_t kFswEs = 1u << 7;
  if (e.s.cr0 & kCr0Em) {
    step = e.Raise(vec::kUd);
    return false;
  }
  if (e.s.cr0 & kCr0Ts) {
    step = e.Raise(vec::kNm);
    return false;
  }
  if ((e.s.fsw & kFswEs) && (e.s.cr0 & kCr0Ne)) {
    step = e.Raise(vec::kMf);
    return false;
  }
  return true;
}

}  // namespace kiln::jit::interp
