// CPUID from a CPU model (SDM Vol.2 CPUID; the model is machine/cpu_model.h). The model
// advertises only what Kiln implements; later issues add features as they are completed.
#pragma once

#include <cstdint>
#include <cstring>

#include "jit/semantics/xsave.h"
#include "machine/cpu_model.h"

namespace kiln::jit::sem {

struct CpuidResult {
  uint32_t eax = 0, ebx = 0, ecx = 0, edx = 0;
};

using machine::CpuModel;

/// `xcr0` is the current XCR0: leaf 0Dh reports the XSAVE area size it needs.
inline CpuidResult Cpuid(const CpuModel& m, uint32_t leaf, uint32_t subleaf, uint64_t xcr0 = xsave::kX87) {
  CpuidResult r;
  auto vendor = [&](CpuidResult& out) {
    std::memcpy(&out.ebx, m.vendor, 4);
    std::memcpy(&out.edx, m.vendor + 4, 4);
    std::memcpy(&out.ecx, m.vendor + 8, 4);
  };
  switch (leaf) {
    case 0:
      r.eax = 0x16;  // highest basic leaf
      vendor(r);
      break;
    case 1:
      r.eax = m.Signature();
      r.ebx = (1u << 16) | (8u << 8);  // one logical processor, CLFLUSH line 64 bytes
      r.ecx = m.leaf1_ecx;
      r.edx = m.leaf1_edx;
      break;
    case 7:
      if (subleaf == 0) r.ebx = m.leaf7_ebx, r.edx = m.leaf7_edx;
      break;
    case 0xD: {
      // The XSAVE state components (SDM Vol.1 13.2): sub-leaf 0 the supported user components
      // and the area sizes (for XCR0 now, and for all of them), sub-leaf 1 the extensions
      // (XSAVEOPT, XSAVEC, XGETBV with ECX = 1; no XSAVES, no supervisor components) and the
      // compacted size for XCR0, sub-leaf 2 the size and standard offset of the AVX state.
      const uint64_t supported = xsave::SupportedXcr0(m);
      if (!supported) break;
      if (subleaf == 0) {
        r.eax = static_cast<uint32_t>(supported);
        r.ebx = xsave::StandardSize(xcr0);
        r.ecx = xsave::StandardSize(supported);
      } else if (subleaf == 1) {
        r.eax = (1u << 0) | (1u << 1) | (1u << 2);
        r.ebx = xsave::CompactedSize(xcr0);
      } else if (subleaf == 2 && (supported & xsave::kAvx)) {
        r.eax = xsave::kAvxSize;
        r.ebx = xsave::kAvxOffset;
      }
      break;
    }
    case 0x15:
      // The TSC and the core crystal (SDM Vol.3 18.7.3): TSC = crystal * EBX / EAX. The local
      // APIC timer counts the crystal too (SDM Vol.3 10.5.4), so a kernel needs no calibration.
      r.eax = 1;
      r.ebx = m.tsc_per_crystal;
      r.ecx = m.crystal_hz;
      break;
    case 0x16:
      // Base and maximum frequency, and the bus (reference) frequency, in MHz.
      r.eax = r.ebx = static_cast<uint32_t>(uint64_t{m.crystal_hz} * m.tsc_per_crystal / 1'000'000);
      r.ecx = 100;
      break;
    case 0x80000000:
      r.eax = 0x80000008;
      break;
    case 0x80000001:
      r.ecx = m.ext1_ecx;
      r.edx = m.ext1_edx;
      break;
    case 0x80000002:
    case 0x80000003:
    case 0x80000004: {
      const char* p = m.brand + (leaf - 0x80000002) * 16;
      std::memcpy(&r.eax, p, 4);
      std::memcpy(&r.ebx, p + 4, 4);
      std::memcpy(&r.ecx, p + 8, 4);
      std::memcpy(&r.edx, p + 12, 4);
      break;
    }
    case 0x80000007:
      r.edx = 1u << 8;  // invariant TSC: the TSC follows the virtual clock at a constant rate
      break;
    case 0x80000008:
      r.eax = 48 | (48 << 8);  // 48-bit physical and linear addresses
      break;
    default:
      break;  // unknown leaves read as zero (Intel returns the highest basic leaf's data)
  }
  return r;
}

}  // namespace kiln::jit::sem
