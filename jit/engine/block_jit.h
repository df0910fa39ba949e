// The LLVM ORC engine behind Kiln's JIT tier: compiles a straight-line block of decoded guest
// instructions into host code. Today each instruction becomes a call to kiln_step (step_abi.h) on
// a constant Uop - a call-threaded block: compiled code and interpreter share one
// definition of every instruction, and the block saves the interpreter's fetch and dispatch loop.
// Next: inline the semantics into the block so that LLVM specialises them per instruction
// (docs/jit.md explains why that needs per-group entry points first). The only header of Kiln that
// stands between ORC and the rest (ORC itself is included by block_jit.cpp alone).
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "frontend/decoded_insn.h"
#include "jit/interp/guest_memory.h"
#include "jit/interp/interpreter.h"
#include "machine/cpu_state.h"

namespace kiln::jit {

class BlockJit {
 public:
  /// A compiled block: runs the instructions in order and returns the Step of the one that
  /// stopped it (0 when all ran), adding the instructions retired to `*retired`.
  using BlockFn = uint32_t (*)(machine::CpuState* state, GuestMemory* memory, Exit* exit, uint64_t* retired);

  /// Sets up LLJIT for the host; nullptr and a one-line `error` when LLVM cannot.
  static std::unique_ptr<BlockJit> Create(std::string& error);
  ~BlockJit();

  /// Compiles `insns`, decoded from guest address `start` (executed in order, no branch into the
  /// middle), to host code.
  BlockFn Compile(uint64_t start, std::span<const frontend::DecodedInsn> insns, std::string& error);

  /// Runs a compiled block. Call blocks through here: UBSan's -fsanitize=function reads a type
  /// signature in front of every function called through a pointer, which JIT code does not
  /// have (the word before a block may not even be mapped).
#if defined(__clang__)
  [[clang::no_sanitize("function")]]
#endif
  static uint32_t Run(BlockFn block, machine::CpuState& state, GuestMemory& memory, Exit& exit, uint64_t& retired) {
    return block(&state, &memory, &exit, &retired);
  }

 private:
  BlockJit();
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace kiln::jit
