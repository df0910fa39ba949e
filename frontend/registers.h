// Register identifiers shared by the decoder, the printer and the execution engines.
#pragma once

#include <cstdint>

namespace kiln::frontend {

/// The class of a register operand. A register is (class, index); the index space of each
/// class is given next to it. The width of a GPR is part of its class so that a decoded operand
/// says exactly which bits it names.
enum class RegClass : uint8_t {
  kNone,
  kGpr8,      ///< AL..R15B; with any REX prefix, indexes 4..7 are SPL, BPL, SIL, DIL
  kGpr8High,  ///< AH, CH, DH, BH (index 0..3): only without a REX prefix
  kGpr16,     ///< AX..R15W
  kGpr32,     ///< EAX..R15D
  kGpr64,     ///< RAX..R15
  kSeg,       ///< ES, CS, SS, DS, FS, GS (0..5; 6 and 7 are reserved encodings)
  kCr,        ///< CR0..CR15
  kDr,        ///< DR0..DR15
  kSt,        ///< x87 ST(0)..ST(7), relative to the stack top
  kMmx,       ///< MM0..MM7
  kXmm,       ///< XMM0..XMM31
  kYmm,       ///< YMM0..YMM31
  kZmm,       ///< ZMM0..ZMM31
  kMask,      ///< AVX-512 opmask K0..K7
  kBnd,       ///< MPX BND0..BND3
  kTmm,       ///< AMX TMM0..TMM7
  kIp,        ///< the instruction pointer, as a RIP-relative (or EIP-relative) base: index 0
};

/// A register: its class and its index within the class.
struct Reg {
  RegClass cls = RegClass::kNone;
  uint8_t index = 0;

  constexpr bool valid() const { return cls != RegClass::kNone; }
  friend constexpr bool operator==(Reg, Reg) = default;
};

/// Segment registers in encoding order (SDM Vol.2 3.1.1.1 "Sreg").
enum class Seg : uint8_t { kEs = 0, kCs = 1, kSs = 2, kDs = 3, kFs = 4, kGs = 5, kNone = 7 };

/// Width in bytes of a register of this class (x87 registers are 10 bytes).
uint16_t RegWidth(RegClass cls);

/// Lower-case Intel name of a register ("eax", "r8d", "xmm17", "st(3)"); "?" when invalid.
const char* RegName(Reg reg);

}  // namespace kiln::frontend
