// The interpreter: Kiln's reference execution engine and the JIT's fallback tier. It runs guest
// code from a cache of pre-decoded blocks (decode once, execute many) with the shared semantics
// of jit/semantics/.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <unordered_map>
#include <vector>

#include "frontend/decoded_insn.h"
#include "jit/interp/guest_memory.h"
#include "jit/interp/uop.h"
#include "machine/cpu_state.h"

namespace kiln::jit {
namespace interp {
class Exec;
}

/// Why Run() returned.
enum class ExitReason : uint8_t {
  kInstructionLimit,  ///< the requested number of instructions retired
  kHalt,              ///< HLT
  kSyscall,           ///< SYSCALL: RIP already points past it (for `kiln user`'s system calls)
  kException,         ///< a guest exception with no handler in this engine (vector below)
  /// An instruction that needs the machine (CpuState::trap_system): I/O, control registers,
  /// descriptor tables, far transfers, interrupts. The state is that of its start and it has
  /// not retired; `insn` is it. The machine emulates it (trap-and-emulate, machine/).
  kSystem,
};

/// Exception vectors (SDM Vol.3 6.3.1).
namespace vec {
inline constexpr uint8_t kDe = 0, kDb = 1, kBp = 3, kOf = 4, kBr = 5, kUd = 6, kNm = 7, kDf = 8,
                         kTs = 10, kNp = 11, kSs = 12, kGp = 13, kPf = 14, kMf = 16, kAc = 17,
                         kXm = 19;
}  // namespace vec

struct Exit {
  ExitReason reason = ExitReason::kInstructionLimit;
  uint8_t vector = 0;          ///< kException: the vector
  bool has_error_code = false;
  uint32_t error_code = 0;
  uint64_t fault_address = 0;  ///< #PF: the linear address (CR2)
  const frontend::DecodedInsn* insn = nullptr;  ///< kSystem: the instruction (valid until the next Run)
};

/// A decoded basic block: instructions from `start` up to and including the first that may
/// change control flow (or a size limit).
struct Block {
  uint64_t start = 0;
  uint64_t end = 0;  ///< the address after its last instruction
  uint64_t cs_base = 0;   ///< the code segment base it was decoded with (start is an offset from it)
  uint64_t physical = 0;  ///< the physical address of its first byte (GuestMemory::CodeAddress)
  uint64_t physical_last = 0;  ///< the physical address of its last byte
  /// The blocks that followed this one, and their addresses: slot 1 for the fall-through, slot 0
  /// for anything else (a loop's branch back). Block chaining without a hash lookup. A link is
  /// followed only while its epoch is the interpreter's (Interpreter::FlushTranslations).
  mutable const Block* next[2] = {nullptr, nullptr};
  mutable uint64_t next_rip[2] = {0, 0};
  mutable uint64_t next_epoch[2] = {0, 0};
  frontend::CpuMode mode = frontend::CpuMode::k64;  ///< the mode it was decoded in
  /// The segment registers its specialised handlers access memory through (bit i: register i).
  /// Those handlers do no segment checks, so the block is decoded afresh when a run needs
  /// checks on one of them (CpuState::segment_checks); generic handlers check for themselves.
  uint8_t fast_segments = 0;
  std::vector<frontend::DecodedInsn> insns;
  /// One per instruction, then the end-of-block Uop; `handler` is filled in by the first
  /// execution when the decoder-time selection left it empty.
  mutable std::vector<interp::Uop> uops;
  /// Every instruction has its handler: the block runs as one threaded chain.
  mutable bool threaded = false;
};

/// Instructions after which a block ends: they may not fall through (branches, traps, HLT,
/// invalid encodings). Every engine cuts blocks here.
bool EndsBlock(const frontend::DecodedInsn& insn);

class Interpreter {
 public:
  Interpreter(machine::CpuState& state, GuestMemory& memory) : state_(state), memory_(memory) {}

  /// Runs until `max_instructions` have retired or something needs the caller. At an exception
  /// the state is that of the faulting instruction's start (RIP included); at a debug trap
  /// (#DB after a single-stepped instruction or a data breakpoint) RIP is after the instruction.
  Exit Run(uint64_t max_instructions);

  /// Drops cached decodings that overlap [addr, addr + len) (self-modifying code, loaders).
  void InvalidateCode(uint64_t addr, uint64_t len);
  /// Drops the decodings of code in the physical page at `page` (a write to it: self-modifying
  /// code in a system).
  void InvalidatePhysicalPage(uint64_t page);
  /// Forgets the links between blocks: after any change of linear-to-physical translations
  /// (MOV CR3, INVLPG, paging switched), each block's lookup checks its physical address again.
  /// Forgets every link between blocks (a new address space, paging or mode change: a linked
  /// block's linear address may mean other code now). O(1): links carry the epoch they were made
  /// in and only links of the current epoch are followed; the next run relinks blocks through
  /// the checked lookup.
  void FlushTranslations() { UnchainAll(); }

 private:
  /// The block-threaded run (Run() when no debug feature is active).
  Exit RunBlocks(uint64_t max_instructions);
  /// One instruction at a time with the debug checks of SDM Vol.3 17.3 (a machine only, while
  /// EFLAGS.TF or RF is set or DR7 enables a breakpoint): instruction breakpoints before each
  /// instruction (a fault, suppressed by RF), then single-step and data-breakpoint traps after it.
  Exit RunStepping(uint64_t max_instructions);
  /// Whether RunStepping() is needed: the fast path pays this one test per Run().
  bool DebugActive() const {
    return state_.trap_system && ((state_.rflags_rest & (machine::rflags::kTf | kRf)) || (state_.dr[7] & 0xFF));
  }
  static constexpr uint64_t kRf = uint64_t{1} << 16;
  const Block* FindOrDecode(uint64_t rip, Exit& fault);
  void UnchainAll();
  /// Takes a block out of the cache (the caller unchains first). It may be running (a store
  /// into its own code): it is kept until the next Run(), and each of its instructions now ends
  /// the run before executing, so that the rest is decoded afresh from the new bytes.
  void Discard(std::unordered_map<uint64_t, std::unique_ptr<Block>>::iterator it);
  /// The index of the instruction at `rip` in `block` (the one a threaded run stopped at).
  static size_t IndexOf(const Block& block, uint64_t rip);
  const Block* NextBlock(const Block* previous, Exit& fault);
  /// The first execution of an instruction with no specialised handler: finds its group,
  /// remembers it in the Uop, or raises #UD (logged once per mnemonic) when none implements it.
  interp::Step ExecuteFirst(interp::Exec& e, interp::Uop& u);

  machine::CpuState& state_;
  GuestMemory& memory_;
  std::unordered_map<uint64_t, std::unique_ptr<Block>> blocks_;
  std::vector<std::unique_ptr<Block>> discarded_;  ///< freed when no handler chain can run in them
  /// The blocks decoded from each physical page (by their key in blocks_), for page invalidation.
  std::unordered_map<uint64_t, std::vector<uint64_t>> blocks_by_frame_;
  uint64_t epoch_ = 1;  ///< block links of other epochs are stale
  uint8_t segment_checks_ = 0;  ///< CpuState::segment_checks of the last run: links depend on it
  std::array<bool, frontend::kMnemonicCount> unimplemented_reported_{};
};

}  // namespace kiln::jit
