// What the SSE floating-point handler files share: lane access and committing the exception
// flags of an instruction to MXCSR (#XM for an unmasked one). Internal to jit/interp/.
#pragma once

#include <cstdint>
#include <cstring>

#include "jit/interp/exec.h"
#include "jit/interp/vector_access.h"
#include "jit/semantics/sse_fp.h"

namespace kiln::jit::interp {

inline constexpr uint64_t kCr4Osxmmexcpt = 1u << 10;

/// Merges `flags` (of every lane) into MXCSR; an unmasked one raises #XM (or #UD without
/// CR4.OSXMMEXCPT). An unmasked pre-computation exception (IE, DE, ZE) stops the instruction
/// before it computes, so the post-computation flags (OE, UE, PE) are not set then (SDM Vol.1
/// 11.5.3.2, as the host does).
inline bool CommitFlags(Exec& e, uint32_t flags, Step& step) {
  namespace mx = sem::fp::mxcsr;
  const uint32_t masks = (e.s.mxcsr >> mx::kMaskShift) & mx::kFlags;
  const uint32_t pre = flags & (mx::kIe | mx::kDe | mx::kZe);
  if (pre & ~masks) flags = pre;
  e.s.mxcsr |= flags;
  if ((flags & ~masks) == 0) return true;
  step = e.Raise((e.s.cr4 & kCr4Osxmmexcpt) ? vec::kXm : vec::kUd);
  return false;
}

template <class T>
sem::fp::Bits<T> Lane(const Vec& v, unsigned i) {
  sem::fp::Bits<T> x;
  std::memcpy(&x, v.data() + i * sizeof x, sizeof x);
  return x;
}
template <class T>
void SetLane(Vec& v, unsigned i, sem::fp::Bits<T> x) {
  std::memcpy(v.data() + i * sizeof x, &x, sizeof x);
}

}  // namespace kiln::jit::interp
