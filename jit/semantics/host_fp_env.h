// HostFpScope: runs host float/double arithmetic in the guest's rounding mode and collects the
// IEEE exception flags it raised. On an x86-64 host that is the SSE unit's own MXCSR, set and
// read with LDMXCSR/STMXCSR (a few cycles); elsewhere it is C++ <cfenv>. glibc's x86-64
// feclearexcept goes through FNSTENV/FLDENV for the x87 as well, about a hundred cycles, which
// made every SSE floating-point lane cost hundreds of cycles.
//
// Usage: { HostFpScope env(rounding); r = x + y; raised = env.Raised(); } where `rounding` is
// 0-3 in MXCSR.RC's encoding and Raised() returns FE_* flags. Only float and double arithmetic
// may run inside a scope: on x86-64 it tracks the SSE unit only, not the x87 (long double).
#pragma once

#include <cfenv>
#include <cstdint>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace kiln::jit::sem::fp {

#if defined(__x86_64__)
// glibc's FE_* values on x86-64 are MXCSR's flag bits, so the flags need no translation.
static_assert(FE_INVALID == 0x01 && FE_DIVBYZERO == 0x04 && FE_OVERFLOW == 0x08 &&
              FE_UNDERFLOW == 0x10 && FE_INEXACT == 0x20);

class HostFpScope {
 public:
  /// Rounding control from the guest (MXCSR.RC encoding); all exceptions masked, flags clear,
  /// DAZ/FTZ off (Kiln decides those in software).
  explicit HostFpScope(uint32_t rounding) { _mm_setcsr(kDefault | ((rounding & 3) << 13)); }
  ~HostFpScope() { _mm_setcsr(kDefault); }
  HostFpScope(const HostFpScope&) = delete;
  HostFpScope& operator=(const HostFpScope&) = delete;

  /// The FE_* flags raised since the scope began (the host's DE, which x86 guests compute
  /// from the operands in software, is left out).
  int Raised() const { return static_cast<int>(_mm_getcsr() & 0x3D); }

 private:
  /// The MXCSR every Linux process starts with and Kiln keeps outside these scopes: round to
  /// nearest, all exceptions masked (sse_fp.h's fast path relies on it).
  static constexpr uint32_t kDefault = 0x1F80;
};
#else
class HostFpScope {
 public:
  explicit HostFpScope(uint32_t rounding) : mode_(kModes[rounding & 3]) {
    if (mode_ != FE_TONEAREST) std::fesetround(mode_);
    std::feclearexcept(FE_ALL_EXCEPT);
  }
  ~HostFpScope() {
    if (mode_ != FE_TONEAREST) std::fesetround(FE_TONEAREST);
  }
  HostFpScope(const HostFpScope&) = delete;
  HostFpScope& operator=(const HostFpScope&) = delete;

  int Raised() const { return std::fetestexcept(FE_ALL_EXCEPT); }

 private:
  static constexpr int kModes[4] = {FE_TONEAREST, FE_DOWNWARD, FE_UPWARD, FE_TOWARDZERO};
  int mode_;
};
#endif

}  // namespace kiln::jit::sem::fp
