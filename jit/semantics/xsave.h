// The XSAVE feature set (SDM Vol.1 chapter 13) for the state components Kiln has: x87 (0), SSE
// (1) and AVX (2). The layout of an XSAVE area (the FXSAVE legacy region, the 64-byte header,
// the extended region in standard or compacted format), what XSAVE, XSAVEOPT and XSAVEC write
// and what XRSTOR checks and loads, on a byte image of the area: the interpreter reads the bytes
// an instruction accesses, calls these, and writes the image back in one access (so a fault
// never leaves the area half-written). FXSAVE/FXRSTOR use the same legacy-region code.
//
// XINUSE (SDM Vol.1 13.6) is derived from the register values, not tracked: a component is "in
// use" when it is not in its initial configuration. The SDM allows XINUSE[i] = 1 in the initial
// configuration, never the reverse, so this is one of the permitted behaviours; the modified
// optimization of XSAVEOPT (optional too) is not used.
#pragma once

#include <cstdint>

#include "machine/cpu_model.h"
#include "machine/cpu_state.h"

namespace kiln::jit::sem::xsave {

using machine::CpuState;

/// State-component bits (XCR0, XSTATE_BV, XCOMP_BV, RFBM).
inline constexpr uint64_t kX87 = 1, kSse = 2, kAvx = 4;
inline constexpr uint64_t kCompacted = uint64_t{1} << 63;  ///< XCOMP_BV[63]: compacted format

/// Offsets and sizes in bytes (SDM Vol.1 13.4; CPUID leaf 0Dh reports them).
inline constexpr uint32_t kHeaderOffset = 512;     ///< XSTATE_BV, XCOMP_BV, reserved
inline constexpr uint32_t kExtendedOffset = 576;   ///< the extended region
inline constexpr uint32_t kAvxOffset = 576;        ///< YMM0_H-YMM15_H in the standard format
inline constexpr uint32_t kAvxSize = 256;
inline constexpr uint32_t kMaxSize = kAvxOffset + kAvxSize;  ///< x87 + SSE + AVX

/// The XCR0 bits a CPU model supports: none without XSAVE (leaf 1 ECX bit 26), x87 and SSE,
/// and AVX when the model has it (ECX bit 28).
inline uint64_t SupportedXcr0(const machine::CpuModel& m) {
  if (!(m.leaf1_ecx & (1u << 26))) return 0;
  return kX87 | kSse | ((m.leaf1_ecx & (1u << 28)) ? kAvx : 0);
}
/// Whether XSETBV may load `v` into XCR0 (SDM Vol.2 XSETBV): bit 0 set, no unsupported bit,
/// and AVX only together with SSE.
inline bool ValidXcr0(uint64_t v, uint64_t supported) {
  if (!(v & kX87) || (v & ~supported)) return false;
  return !((v & kAvx) && !(v & kSse));
}

/// Size of an area in the standard format holding the components of `mask` (CPUID.(0Dh,0):EBX
/// for mask = XCR0) and in the compacted format for XCOMP_BV = `mask` (CPUID.(0Dh,1):EBX).
inline uint32_t StandardSize(uint64_t mask) { return (mask & kAvx) ? kAvxOffset + kAvxSize : kExtendedOffset; }
inline uint32_t CompactedSize(uint64_t mask) { return kExtendedOffset + ((mask & kAvx) ? kAvxSize : 0); }
/// Offset of component `i` (2..62) in the compacted format with XCOMP_BV = `mask`: the
/// components below it that `mask` has, packed from 576 (no 64-byte alignment: CPUID.(0Dh,i):ECX
/// bit 1 is 0 for every component Kiln has).
inline uint32_t CompactedOffset(uint64_t mask, unsigned i) {
  return kExtendedOffset + ((i > 2 && (mask & kAvx)) ? kAvxSize : 0);  // component 2 is the only one below i
}

/// XINUSE: the components not in their initial configuration (bit 1 looks at the XMM registers
/// only: MXCSR is not tracked by XINUSE, SDM Vol.1 13.6).
uint64_t InUse(const CpuState& s);

/// The legacy region (the FXSAVE layout, SDM Vol.2 FXSAVE Tables 3-53, 3-56). `rex_w`: the
/// 64-bit FIP/FDP form (FXSAVE64, XSAVE64...), else 32-bit offsets with FCS/FDS.
void SaveX87(const CpuState& s, uint8_t* area, bool rex_w);
void SaveMxcsr(const CpuState& s, uint8_t* area);  ///< MXCSR and MXCSR_MASK (bytes 24-31)
void SaveXmm(const CpuState& s, uint8_t* area, unsigned regs);  ///< XMM0..regs-1 from byte 160
/// Loads x87 state; the tags of valid registers come from their contents, ES/B from FSW and FCW.
void LoadX87(CpuState& s, const uint8_t* area, bool rex_w);
void LoadXmm(CpuState& s, const uint8_t* area, unsigned regs);
/// MXCSR from bytes 24-27, or false when it sets a reserved bit (#GP).
bool MxcsrValid(const uint8_t* area);
void InitX87(CpuState& s);  ///< FNINIT's state plus zeroed registers (SDM Vol.1 13.6)

enum class SaveKind : uint8_t { kXsave, kXsaveopt, kXsavec };

/// One save or restore: RFBM = XCR0 & EDX:EAX, the REX.W form, and the registers the mode has
/// (XMM8-15 and YMM8_H-15_H only in 64-bit mode, SDM Vol.1 13.13).
struct Request {
  uint64_t rfbm = 0;
  bool rex_w = false;
  bool mode64 = false;
  unsigned Regs() const { return mode64 ? 16 : 8; }
};

/// The bytes [0, n) of the area that a save accesses. Every byte the instruction writes is
/// inside, and no page outside the ones it writes: the image is read, updated and written back.
uint32_t SaveExtent(SaveKind kind, uint64_t rfbm);
/// Updates `area` (at least SaveExtent bytes, holding the memory's contents) as XSAVE,
/// XSAVEOPT or XSAVEC would leave it.
void Save(const CpuState& s, SaveKind kind, const Request& r, uint8_t* area);

/// The bytes [0, n) of the area XRSTOR reads, given the legacy region and header in
/// `area[0, 576)`.
uint32_t RestoreExtent(const uint8_t* area, uint64_t rfbm);
/// XRSTOR from `area` (RestoreExtent bytes): false, with the state unchanged, for the #GP
/// cases (header reserved bits, XCOMP_BV or XSTATE_BV bits beyond XCR0, a reserved MXCSR bit).
bool Restore(CpuState& s, uint64_t xcr0, const Request& r, const uint8_t* area);

}  // namespace kiln::jit::sem::xsave
