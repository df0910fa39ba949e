// Uop: one pre-decoded instruction as the interpreter executes it - the handler chosen for its
// operand form when its block was decoded, and the operand fields that handler reads, already
// resolved (register numbers, the immediate, the memory operand's parts, the branch target).
#pragma once

#include <cstdint>

#include "frontend/decoded_insn.h"

namespace kiln::jit {
struct Block;
}

namespace kiln::jit::interp {

class Exec;
enum class Step : uint8_t;
struct Uop;

/// Executes one instruction and, when it falls through, goes on to the next Uop of its block by
/// a tail call (threaded code: no return to a dispatch loop, and one indirect jump per handler,
/// which predicts better than one shared jump). A block's Uops end in an end-of-block Uop, so the
/// chain returns kNext there, or the Step of the instruction that branched, exited or faulted.
/// Specialised handlers (fast_path.cpp) read the Uop; generic ones (exec_*.cpp) the DecodedInsn.
using Handler = Step (*)(Exec&, const Uop&);

/// Clang guarantees the tail call (constant stack); elsewhere a block's chain nests at most one
/// frame per instruction (64).
#if defined(__clang__)
#define KILN_MUSTTAIL [[clang::musttail]]
#else
#define KILN_MUSTTAIL
#endif

inline constexpr uint8_t kNoReg = 0xFF;
inline constexpr uint8_t kNoSeg = 0xFF;
/// No segment base either, but a stack reference (SS in 64-bit mode): a non-canonical address
/// raises #SS(0), not #GP(0).
inline constexpr uint8_t kFlatStack = 0xFE;

struct Uop {
  Handler handler = nullptr;  ///< nullptr until the first execution picks a generic handler
  const frontend::DecodedInsn* insn = nullptr;
  uint64_t imm = 0;           ///< the immediate (zero-extended from the operand size), or the branch target
  uint64_t disp = 0;          ///< the memory operand's displacement; RIP-relative: its absolute address
  uint64_t address_mask = ~uint64_t{0};  ///< the address size as a mask (SDM Vol.1 3.7.5)
  uint64_t next_rip = 0;      ///< the address of the next instruction
  uint8_t r0 = 0, r1 = 0;     ///< register operands 0 and 1: GPR number, 16-19 for AH, CH, DH, BH
  uint8_t base = kNoReg;      ///< the memory operand's base GPR
  uint8_t index = kNoReg;     ///< the memory operand's index GPR
  uint8_t scale_shift = 0;    ///< log2 of the index scale
  uint8_t seg = kNoSeg;       ///< the segment whose base applies (kNoSeg/kFlatStack: none, 64-bit mode)
  uint8_t length = 0;         ///< instruction length
  uint8_t position = 0;       ///< in its block: the instructions retired before it in a threaded run
  /// The end-of-block Uop of a block in the interpreter's cache: that block (for linking to
  /// the next one). nullptr elsewhere, and in the copies that single-step an instruction.
  const Block* block = nullptr;
};

/// The Uop that ends every block's chain. In the interpreter's cache it counts the block as
/// retired and goes straight on into the next block when it is linked, threaded and within the
/// budget (Exec::retire_limit); otherwise, and in single-step copies, it returns kNext.
Step EndOfBlock(Exec& e, const Uop& u);
/// A branch (the last instruction of its block; RIP already set) leaving its block through the
/// end-of-block Uop that follows it, or kBranch when single-stepped.
Step LeaveBlock(Exec& e, const Uop& branch);
inline constexpr Uop kEndOfBlock{&EndOfBlock};

/// The Uop of `insn`, decoded at guest address `pc` (its block's address is fixed, so branch
/// targets and RIP-relative addresses are resolved now). `insn` must outlive the Uop.
Uop MakeUop(const frontend::DecodedInsn& insn, uint64_t pc);

}  // namespace kiln::jit::interp
