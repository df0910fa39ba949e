// CpuState: the architectural register file of one x86-64 CPU, as one standard-layout struct that
// the interpreter reads and writes directly and generated (JIT) code addresses by offset.
#pragma once

#include <cstddef>
#include <cstdint>
#include <type_traits>

namespace kiln::machine {

struct CpuModel;  // machine/cpu_model.h

/// The operation that last set the arithmetic flags (see docs/flags.md). The flags are computed
/// from it and its operands only when an instruction reads them.
enum class FlagsOp : uint8_t {
  kMaterialized,  ///< the arithmetic flags are in `LazyFlags::result` as RFLAGS bits
  kAdd,           ///< result = a + b
  kAdc,           ///< result = a + b + carry_in
  kSub,           ///< result = a - b (also CMP)
  kSbb,           ///< result = a - b - carry_in
  kLogic,         ///< AND/OR/XOR/TEST: CF = OF = 0, AF = 0
  kInc,           ///< result = a + 1, CF kept in carry_in
  kDec,           ///< result = a - 1, CF kept in carry_in
  kNeg,           ///< result = 0 - b
};

/// Lazy arithmetic flags (QEMU's cc_op / cc_src / cc_dst, Bochs's lazy_flags). `size` is the
/// operand size in bytes (1, 2, 4, 8); every value is kept zero-extended to 64 bits.
struct LazyFlags {
  uint64_t result = 0;  ///< the operation's result, or the RFLAGS bits when kMaterialized
  uint64_t a = 0;       ///< first source operand
  uint64_t b = 0;       ///< second source operand
  uint8_t carry_in = 0; ///< ADC/SBB carry in; INC/DEC: the CF they leave unchanged
  uint8_t size = 8;
  FlagsOp op = FlagsOp::kMaterialized;
  /// CF and OF override: 0 = as `op` gives them; 1 = both clear; 2 = both set. MUL and IMUL set
  /// only CF and OF and leave SF, ZF, AF and PF as the previous operation left them (on the host
  /// CPU): the overlay keeps that operation's record lazy instead of computing its flags.
  uint8_t cf_of = 0;
};

/// RFLAGS bits (SDM Vol.1 3.4.3).
namespace rflags {
inline constexpr uint64_t kCf = 1u << 0;
inline constexpr uint64_t kFixed1 = 1u << 1;  ///< reads as 1
inline constexpr uint64_t kPf = 1u << 2;
inline constexpr uint64_t kAf = 1u << 4;
inline constexpr uint64_t kZf = 1u << 6;
inline constexpr uint64_t kSf = 1u << 7;
inline constexpr uint64_t kTf = 1u << 8;
inline constexpr uint64_t kIf = 1u << 9;
inline constexpr uint64_t kDf = 1u << 10;
inline constexpr uint64_t kOf = 1u << 11;
inline constexpr uint64_t kArith = kCf | kPf | kAf | kZf | kSf | kOf;  ///< the lazily computed bits
}  // namespace rflags

/// Bits of SegmentReg::attributes: descriptor bits 40-47 in bits 0-7, bits 52-55 in bits 8-11.
namespace seg_attr {
inline constexpr uint16_t kLong = 1u << 9;      ///< L: 64-bit code segment
inline constexpr uint16_t kDefault32 = 1u << 10;  ///< D/B: 32-bit default operand/stack size
}  // namespace seg_attr

/// IA32_EFER bits (SDM Vol.3 2.2.1).
namespace efer {
inline constexpr uint64_t kSce = 1u << 0, kLme = 1u << 8, kLma = 1u << 10, kNxe = 1u << 11;
}  // namespace efer

/// A segment register with its hidden descriptor cache (SDM Vol.3 3.4.3).
struct SegmentReg {
  uint16_t selector = 0;
  uint16_t attributes = 0;  ///< descriptor bits 40-47 and 52-55 (type, S, DPL, P, AVL, L, D/B, G)
  uint32_t limit = 0xFFFF;
  uint64_t base = 0;
};

/// A descriptor-table register (GDTR, IDTR).
struct TableReg {
  uint64_t base = 0;
  uint16_t limit = 0xFFFF;
};

/// The x87 register stack entry: an 80-bit extended value (filled in by the FP issue).
struct X87Reg {
  uint64_t significand = 0;
  uint16_t sign_exponent = 0;
};

/// GPR numbers in encoding order.
enum Gpr : uint8_t { kRax, kRcx, kRdx, kRbx, kRsp, kRbp, kRsi, kRdi,
                     kR8, kR9, kR10, kR11, kR12, kR13, kR14, kR15 };
/// Segment numbers in encoding order (the same as frontend::Seg).
enum SegIndex : uint8_t { kEs, kCs, kSs, kDs, kFs, kGs };

struct alignas(64) CpuState {
  // --- cache line 0-2: integer state every block touches -------------------------------------
  uint64_t gpr[16] = {};
  uint64_t rip = 0;
  /// RFLAGS without the arithmetic bits, which live in `flags` (read them with ReadRflags()).
  uint64_t rflags_rest = rflags::kFixed1;
  LazyFlags flags;

  // --- segments and system registers ----------------------------------------------------------
  SegmentReg seg[6];
  SegmentReg ldtr, tr;
  TableReg gdtr, idtr;
  uint64_t cr0 = 0x60000010, cr2 = 0, cr3 = 0, cr4 = 0, cr8 = 0;
  uint64_t dr[8] = {0, 0, 0, 0, 0, 0, 0xFFFF0FF0, 0x400};
  uint64_t efer = 0;
  uint64_t kernel_gs_base = 0;
  uint64_t star = 0, lstar = 0, cstar = 0, sfmask = 0;
  uint64_t tsc_aux = 0;
  uint64_t sysenter_cs = 0, sysenter_esp = 0, sysenter_eip = 0;
  /// The current privilege level (SDM Vol.3 5.5): 0 in real mode, 3 in virtual-8086 mode, else
  /// the DPL of the code segment loaded last. Kept here because it is not always CS.RPL (right
  /// after CR0.PE is set, CS still holds a real-mode selector).
  uint8_t cpl = 0;

  // --- x87, SSE, AVX (completed by the floating-point issue) ----------------------------------
  /// The physical x87 registers R0-R7 (ST(i) is R((TOP + i) & 7)); fsw holds TOP in bits 11-13;
  /// ftw is the full tag word, 2 bits per physical register (11 = empty). FIP/FDP are offsets;
  /// fcs/fds the selectors of the last non-control x87 instruction and its memory operand.
  X87Reg st[8];
  uint16_t fcw = 0x037F, fsw = 0, ftw = 0xFFFF, fop = 0, fcs = 0, fds = 0;
  uint64_t fip = 0, fdp = 0;
  uint32_t mxcsr = 0x1F80;
  uint64_t xcr0 = 1;
  alignas(64) uint8_t zmm[32][64] = {};  ///< XMM/YMM/ZMM registers, little-endian lanes
  uint64_t k[8] = {};                    ///< AVX-512 opmask registers

  // --- emulator bookkeeping, not architectural -----------------------------------------------
  uint64_t retired = 0;  ///< instructions retired
  /// What CPUID reports (owned by the machine; nullptr: the default CpuModel).
  const CpuModel* cpu_model = nullptr;
  /// A full machine: system instructions (I/O, control registers, descriptor tables, far
  /// transfers, interrupts) leave the engines with ExitReason::kSystem for machine/ to emulate.
  /// Off for `kiln user`, where the engines handle the few a user process may execute.
  bool trap_system = false;
  /// The segment registers whose data accesses the engines must check for limits, types and
  /// null selectors (bit i: register i; jit/semantics/segment_checks.h SegmentsToCheck). Set by
  /// the interpreter as a run starts: segments change only between runs (trapped instructions).
  uint8_t segment_checks = 0;
};

static_assert(std::is_standard_layout_v<CpuState>);
static_assert(offsetof(CpuState, gpr) == 0, "generated code addresses GPRs as state + 8 * n");
static_assert(offsetof(CpuState, rip) == 128);
static_assert(offsetof(CpuState, flags) == 144);
static_assert(offsetof(CpuState, zmm) % 64 == 0, "vector registers are 64-byte aligned");

}  // namespace kiln::machine
