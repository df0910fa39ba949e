// CpuModel: what the emulated CPU says it is through CPUID (vendor, family/model/stepping, brand,
// feature bits). Part of a machine's configuration, chosen by name (`-cpu`, as in QEMU); the
// semantics of CPUID that read it are jit/semantics/cpuid.h. A model advertises only features
// Kiln implements, so that guests pick code paths Kiln can run.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace kiln::machine {

struct CpuModel {
  char vendor[13] = "GenuineIntel";
  char brand[49] = "Kiln virtual x86-64 CPU";
  // Family 6 model 0x8F (a Sapphire Rapids signature): recent enough that guests assume the
  // instruction set Kiln has, and named in no kernel's errata or vulnerability lists.
  uint32_t family = 6, model = 0x8F, stepping = 8;
  /// CPUID.1:EAX, the processor signature (stepping, model, family, extended model).
  uint32_t Signature() const {
    return (stepping & 0xF) | ((model & 0xF) << 4) | ((family & 0xF) << 8) | (((model >> 4) & 0xF) << 16);
  }
  // Leaf 1 EDX: FPU, PSE, TSC, MSR, PAE, CX8, SEP, MTRR, PGE, CMOV, PAT, PSE-36, CLFSH, MMX, FXSR,
  // SSE, SSE2: the x86-64 baseline every program may assume, and the system features machine/cpu
  // and machine/mmu implement (MTRRs as storage). APIC (bit 9) is the board's to set: a machine
  // with a local APIC adds it.
  // MCE and MCA (bits 7 and 14): the machine-check MSRs exist (machine/cpu/msr.cpp) and never
  // report an error.
  uint32_t leaf1_edx = (1u << 0) | (1u << 3) | (1u << 4) | (1u << 5) | (1u << 6) | (1u << 7) | (1u << 8) |
                       (1u << 11) | (1u << 12) | (1u << 13) | (1u << 14) | (1u << 15) | (1u << 16) |
                       (1u << 17) | (1u << 19) | (1u << 23) | (1u << 24) | (1u << 25) | (1u << 26);
  // Leaf 1 ECX: SSE3, PCLMULQDQ, SSSE3, FMA, CMPXCHG16B, PCID (bit 17: the system CPU takes
  // CR4.PCIDE and the CR3 no-flush bit), SSE4.1, SSE4.2, MOVBE, POPCNT, AES, XSAVE (XSAVE,
  // XSAVEOPT, XSAVEC, XRSTOR, XGETBV, XSETBV, CR4.OSXSAVE; leaf 0Dh describes the x87, SSE and
  // AVX components; OSXSAVE, bit 27, mirrors CR4.OSXSAVE and is set by the CPUID instruction),
  // AVX, F16C (no RDRAND: bit 30).
  uint32_t leaf1_ecx = (1u << 0) | (1u << 1) | (1u << 9) | (1u << 12) | (1u << 13) | (1u << 17) | (1u << 19) |
                       (1u << 20) | (1u << 22) | (1u << 23) | (1u << 25) | (1u << 26) | (1u << 28) | (1u << 29);
  // BMI1, AVX2, SMEP (bit 7), BMI2, ADX, SMAP (bit 20, with STAC/CLAC), ERMS (bit 9): REP
  // MOVSB/STOSB run as bulk copies and fills, so glibc and kernels may use them for memcpy/memset,
  // and INVPCID (bit 10; the TLB is tagged by PCID). SMEP and SMAP are enforced by the page walker.
  uint32_t leaf7_ebx = (1u << 3) | (1u << 5) | (1u << 7) | (1u << 8) | (1u << 9) | (1u << 10) | (1u << 19) |
                       (1u << 20);
  // Leaf 7 EDX: IA32_ARCH_CAPABILITIES (bit 29), which says Kiln is immune to the speculative
  // execution issues (machine/cpu/msr.cpp); user programs cannot read it and ignore it.
  uint32_t leaf7_edx = 1u << 29;
  // Leaves 15h and 16h: the core crystal and the TSC's ratio to it. A machine's TSC and local
  // APIC timer run at these rates (TscHz()), so a guest knows them without calibrating.
  uint32_t crystal_hz = 25'000'000;
  uint32_t tsc_per_crystal = 40;
  uint64_t TscHz() const { return uint64_t{crystal_hz} * tsc_per_crystal; }
  // 0x80000001 EDX: SYSCALL, NX, 1-GByte pages (bit 26), LM; ECX: LAHF/SAHF in 64-bit mode,
  // LZCNT (ABM).
  uint32_t ext1_edx = (1u << 11) | (1u << 20) | (1u << 26) | (1u << 29);
  uint32_t ext1_ecx = (1u << 0) | (1u << 5);
};

/// The models `-cpu NAME` accepts: "kiln" (the default: everything Kiln implements), "x86-64"
/// (the x86-64 baseline of the psABI, level 1: no SSE3-4.2, POPCNT, MOVBE, CMPXCHG16B, LAHF in
/// 64-bit mode, AES, PCLMULQDQ, BMI, ADX, LZCNT, ERMS, XSAVE, AVX, AVX2, FMA, F16C), which makes
/// programs take their baseline code paths, "x86-64-v2" (level 2: level 1 plus CMPXCHG16B,
/// LAHF/SAHF, POPCNT, SSE3, SSSE3, SSE4.1, SSE4.2) and "x86-64-v3" (level 3: level 2 plus AVX,
/// AVX2, BMI1, BMI2, FMA, F16C, LZCNT, MOVBE, XSAVE).
inline bool CpuModelByName(std::string_view name, CpuModel& out) {
  out = CpuModel{};
  if (name == "kiln") return true;
  if (name == "x86-64-v3") {
    out.leaf1_ecx = (1u << 0) | (1u << 9) | (1u << 12) | (1u << 13) | (1u << 19) | (1u << 20) | (1u << 22) |
                    (1u << 23) | (1u << 26) | (1u << 28) | (1u << 29);
    out.leaf7_ebx = (1u << 3) | (1u << 5) | (1u << 8);
    out.ext1_ecx = (1u << 0) | (1u << 5);  // LAHF/SAHF in 64-bit mode, LZCNT
    return true;
  }
  if (name == "x86-64" || name == "x86-64-v2") {
    const bool v2 = name == "x86-64-v2";
    out.leaf1_ecx = v2 ? (1u << 0) | (1u << 9) | (1u << 13) | (1u << 19) | (1u << 20) | (1u << 23) : 0;
    out.leaf7_ebx = 0;
    out.ext1_ecx = v2 ? 1u : 0;  // LAHF/SAHF in 64-bit mode
    return true;
  }
  return false;
}
inline constexpr std::string_view kCpuModelNames = "kiln, x86-64, x86-64-v2, x86-64-v3";

}  // namespace kiln::machine
