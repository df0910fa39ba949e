// The interpreter's run loop and block cache: decode a block once, then execute its instructions
// through the handlers of exec_*.cpp until an exception, an exit or the instruction budget.
#include "jit/interp/interpreter.h"

#include <algorithm>
#include <cstdio>
#include <string>

#include "frontend/decoder.h"
#include "frontend/disasm/printer.h"
#include "jit/interp/exec.h"
#include "jit/semantics/segment_checks.h"

namespace kiln::jit {
namespace {

using frontend::CpuMode;
using frontend::DecodedInsn;
using frontend::Mnemonic;
using interp::Exec;
using interp::Step;

constexpr size_t kMaxBlockInsns = 64;

/// The handler of every instruction of a discarded block: the run ends before the instruction
/// (RIP is at it, it has not retired; Exit reason kInstructionLimit, so the caller just runs on).
Step StopInDiscardedBlock(Exec& e, const interp::Uop&) {
  e.exit = Exit{};
  return Step::kException;
}

frontend::CpuMode ModeOf(const machine::CpuState& s) {
  const uint16_t cs = s.seg[machine::kCs].attributes;
  if ((s.efer & machine::efer::kLma) && (cs & machine::seg_attr::kLong)) return CpuMode::k64;
  return (cs & machine::seg_attr::kDefault32) ? CpuMode::k32 : CpuMode::k16;
}

}  // namespace

bool EndsBlock(const DecodedInsn& insn) {
  using M = Mnemonic;
  // A REP string instruction (A4-A7, AA-AF) may branch to itself between chunks of iterations
  // (exec_string.cpp).
  const bool string_op = (insn.opcode >= 0xA4 && insn.opcode <= 0xA7) || (insn.opcode >= 0xAA && insn.opcode <= 0xAF);
  if (insn.encoding == frontend::Encoding::kLegacy && insn.map == frontend::OpcodeMap::kPrimary && string_op &&
      (insn.prefixes.rep || insn.prefixes.repne))
    return true;
  switch (insn.mnemonic) {
    case M::INVALID: case M::JMP: case M::JMPF: case M::CALL: case M::CALLF: case M::RET: case M::RETF:
    case M::JO: case M::JNO: case M::JB: case M::JNB: case M::JZ: case M::JNZ: case M::JBE: case M::JNBE:
    case M::JS: case M::JNS: case M::JP: case M::JNP: case M::JL: case M::JNL: case M::JLE: case M::JNLE:
    case M::LOOP: case M::LOOPE: case M::LOOPNE: case M::JCXZ: case M::JECXZ: case M::JRCXZ:
    case M::SYSCALL: case M::SYSENTER: case M::SYSRET: case M::SYSEXIT: case M::INT: case M::INT1: case M::INT3:
    case M::INTO: case M::IRET: case M::IRETD: case M::IRETQ: case M::HLT: case M::UD0: case M::UD1: case M::UD2:
      return true;
    default: return false;
  }
}

const Block* Interpreter::FindOrDecode(uint64_t rip, Exit& fault) {
  const CpuMode mode = ModeOf(state_);
  // Code is cached by linear address (CS base + RIP; 64-bit mode has no CS base) and checked
  // against the mode, the CS base and the physical address it was decoded from.
  const uint64_t cs_base = mode == CpuMode::k64 ? 0 : state_.seg[machine::kCs].base;
  const uint64_t linear_mask = mode == CpuMode::k64 ? ~uint64_t{0} : 0xFFFFFFFF;
  const uint64_t linear = (cs_base + rip) & linear_mask;
  // The segment registers the specialised handlers may not use (none in 64-bit mode).
  const uint8_t fast_excluded = state_.segment_checks;
  if (mode == CpuMode::k64 && static_cast<uint64_t>(static_cast<int64_t>(rip << 16) >> 16) != rip) {
    fault = Exit{ExitReason::kException, vec::kGp, true, 0, 0};  // a non-canonical RIP (SDM Vol.1 3.3.7.1)
    return nullptr;
  }
  uint64_t physical = linear;
  const bool fetchable = memory_.CodeAddress(linear, physical);
  if (auto it = blocks_.find(linear); it != blocks_.end()) {
    const Block& b = *it->second;
    if (b.mode == mode && b.start == rip && b.cs_base == cs_base && fetchable && b.physical == physical &&
        (b.fast_segments & fast_excluded) == 0)
      return &b;
    UnchainAll();  // no chain into the discarded block (it is freed at the next Run)
    Discard(it);   // the same linear address means other code now
  }
  auto block = std::make_unique<Block>();
  block->start = rip;
  block->mode = mode;
  block->cs_base = cs_base;
  block->physical = physical;
  uint64_t pc = rip;
  while (block->insns.size() < kMaxBlockInsns) {
    uint8_t bytes[frontend::kMaxInsnLength];
    const size_t got = memory_.Fetch((cs_base + pc) & linear_mask, bytes, sizeof bytes);
    DecodedInsn insn;
    const frontend::DecodeStatus st = frontend::Decode({bytes, got}, mode, insn);
    if (st == frontend::DecodeStatus::kNeedMoreBytes || (got == 0)) {
      if (block->insns.empty()) {
        // The first instruction's bytes cannot be fetched: #PF at the first missing byte.
        fault = memory_.reports_page_faults
                    ? Exit{ExitReason::kException, vec::kPf, true, memory_.fault_error_code, memory_.fault_address}
                    : Exit{ExitReason::kException, vec::kPf, true, 0x10 | 4, pc + got};
        return nullptr;
      }
      break;  // the block ends before it; the fault is raised when execution gets there
    }
    if (st != frontend::DecodeStatus::kOk) {
      // Invalid (#UD) or longer than 15 bytes (#GP): kept as an INVALID entry that raises it.
      insn = DecodedInsn{};
      insn.mnemonic = Mnemonic::INVALID;
      insn.length = st == frontend::DecodeStatus::kTooLong ? 0 : 1;
      insn.mode = mode;
      block->insns.push_back(insn);
      break;
    }
    block->insns.push_back(insn);
    pc += insn.length;
    if (EndsBlock(insn)) break;
  }
  block->end = pc;
  if (!memory_.CodeAddress((cs_base + pc - 1) & linear_mask, block->physical_last)) block->physical_last = block->physical;
  memory_.NoteCode(block->physical, block->physical_last);
  // Uops point into `insns`, which no longer changes size.
  block->uops.reserve(block->insns.size() + 1);
  uint64_t at = rip;
  for (const DecodedInsn& insn : block->insns) {
    block->uops.push_back(interp::MakeUop(insn, at));
    // A specialised handler accesses memory without segment checks: through a segment that
    // needs them, the instruction takes its generic handler (found at its first execution).
    interp::Uop& u = block->uops.back();
    if (u.handler && u.seg < 6) {
      if ((fast_excluded >> u.seg) & 1) u.handler = nullptr;
      else block->fast_segments |= static_cast<uint8_t>(1u << u.seg);
    }
    block->uops.back().position = static_cast<uint8_t>(block->uops.size() - 1);
    at += insn.length;
  }
  block->uops.push_back(interp::kEndOfBlock);
  block->uops.back().block = block.get();  // the end-of-block Uop links to the next block
  const Block* result = block.get();
  blocks_by_frame_[result->physical >> 12].push_back(linear);
  if ((result->physical_last >> 12) != (result->physical >> 12)) blocks_by_frame_[result->physical_last >> 12].push_back(linear);
  blocks_.emplace(linear, std::move(block));
  return result;
}

void Interpreter::Discard(std::unordered_map<uint64_t, std::unique_ptr<Block>>::iterator it) {
  Block& b = *it->second;
  for (size_t i = 0; i < b.insns.size(); ++i) b.uops[i].handler = &StopInDiscardedBlock;
  b.threaded = false;
  for (const uint64_t frame : {b.physical >> 12, b.physical_last >> 12}) {
    if (auto f = blocks_by_frame_.find(frame); f != blocks_by_frame_.end()) {
      std::erase(f->second, it->first);
      if (f->second.empty()) blocks_by_frame_.erase(f);
    }
  }
  discarded_.push_back(std::move(it->second));
  blocks_.erase(it);
}

void Interpreter::UnchainAll() { ++epoch_; }

void Interpreter::InvalidateCode(uint64_t addr, uint64_t len) {
  UnchainAll();  // no pointer may outlive its block
  for (auto it = blocks_.begin(); it != blocks_.end();) {
    // A block covers at most 64 * 15 bytes from its start: a cheap conservative overlap test.
    const uint64_t start = it->first;
    if (start < addr + len && addr < start + kMaxBlockInsns * frontend::kMaxInsnLength) Discard(it++);
    else ++it;
  }
}

void Interpreter::InvalidatePhysicalPage(uint64_t page) {
  const uint64_t frame = page >> 12;
  const auto f = blocks_by_frame_.find(frame);
  if (f == blocks_by_frame_.end()) return;
  UnchainAll();
  const std::vector<uint64_t> keys = f->second;  // Discard() edits the index
  for (const uint64_t key : keys) {
    auto it = blocks_.find(key);
    if (it != blocks_.end() && ((it->second->physical >> 12) == frame || (it->second->physical_last >> 12) == frame))
      Discard(it);
  }
  blocks_by_frame_.erase(frame);
}

const Block* Interpreter::NextBlock(const Block* previous, Exit& fault) {
  const uint64_t rip = state_.rip;
  if (previous) {
    for (int slot = 0; slot < 2; ++slot)
      if (previous->next_rip[slot] == rip && previous->next_epoch[slot] == epoch_ && previous->next[slot])
        return previous->next[slot];
  }
  const Block* block = FindOrDecode(rip, fault);
  if (block && previous) {
    const int slot = rip == previous->end ? 1 : 0;
    previous->next[slot] = block;
    previous->next_rip[slot] = rip;
    previous->next_epoch[slot] = epoch_;
  }
  return block;
}

Step Interpreter::ExecuteFirst(Exec& e, interp::Uop& u) {
  bool unimplemented = false;
  const Step step = interp::ExecuteUnselected(e, u, unimplemented);
  // Decoded but not implemented yet: #UD in the guest, reported once per mnemonic.
  const auto m = static_cast<size_t>(u.insn->mnemonic);
  if (unimplemented && m < unimplemented_reported_.size() && !unimplemented_reported_[m]) {
    unimplemented_reported_[m] = true;
    uint8_t bytes[frontend::kMaxInsnLength] = {};
    // The bytes at CS:RIP (a linear address outside 64-bit mode).
    const uint64_t linear = u.insn->mode == CpuMode::k64 ? state_.rip : (state_.seg[machine::kCs].base + state_.rip) & 0xFFFFFFFF;
    const size_t got = memory_.Fetch(linear, bytes, u.insn->length);
    std::string hex;
    for (size_t k = 0; k < got; ++k) {
      char b[4];
      std::snprintf(b, sizeof b, "%s%02x", k ? " " : "", bytes[k]);
      hex += b;
    }
    std::fprintf(stderr, "kiln: instruction not implemented, raising #UD: %s (bytes %s)\n",
                 frontend::FormatInsn(*u.insn, state_.rip).c_str(), hex.c_str());
  }
  return step;
}

Exit Interpreter::Run(uint64_t max_instructions) {
  // Segment registers change only between runs (loads and mode switches are trapped), so the
  // registers that need checks are found once here; block links made under other checks are
  // dropped, as a linked block may have specialised handlers for a register now checked.
  state_.segment_checks = sem::SegmentsToCheck(state_);
  if (state_.segment_checks != segment_checks_) {
    segment_checks_ = state_.segment_checks;
    UnchainAll();
  }
  return DebugActive() ? RunStepping(max_instructions) : RunBlocks(max_instructions);
}

Exit Interpreter::RunStepping(uint64_t max_instructions) {
  using machine::rflags::kTf;
  constexpr uint64_t kDr6Bs = 1u << 14, kDr6Hits = 0xF;
  for (uint64_t done = 0; done < max_instructions; ++done) {
    if (!DebugActive()) return RunBlocks(max_instructions - done);  // RF cleared, TF and DR7 off
    const CpuMode mode = ModeOf(state_);
    const uint64_t linear = mode == CpuMode::k64 ? state_.rip : (state_.seg[machine::kCs].base + state_.rip) & 0xFFFFFFFF;
    // Instruction breakpoints (R/W = 00 in DR7) fault before the instruction unless RF is set.
    const uint64_t dr7 = state_.dr[7];
    unsigned hits = 0;
    for (unsigned n = 0; n < 4; ++n) {
      const bool enabled = (dr7 >> (2 * n)) & 3;
      const unsigned rw = (dr7 >> (16 + 4 * n)) & 3;
      if (enabled && rw == 0 && state_.dr[n] == linear) hits |= 1u << n;
    }
    if (hits && !(state_.rflags_rest & kRf)) {
      state_.dr[6] = (state_.dr[6] & ~kDr6Hits) | hits;
      return Exit{ExitReason::kException, vec::kDb, false, 0, 0};
    }
    const bool stepping = state_.rflags_rest & kTf;  // TF as the instruction starts (POPF setting it: no trap)
    memory_.data_breakpoint_hits = 0;
    const uint64_t retired_before = state_.retired;
    const Exit exit = RunBlocks(1);
    // The instruction left the engine: an exception (state at its start), or one the machine
    // emulates and checks itself (SystemCpu::Emulate), or a halt or system call exit.
    if (exit.reason != ExitReason::kInstructionLimit) return exit;
    if (state_.retired == retired_before) return exit;  // stopped before it (its code was replaced)
    state_.rflags_rest &= ~kRf;  // cleared once an instruction completes
    const unsigned data_hits = memory_.data_breakpoint_hits & kDr6Hits;
    if (stepping || data_hits) {
      state_.dr[6] = (state_.dr[6] & ~kDr6Hits) | data_hits | (stepping ? kDr6Bs : 0);
      return Exit{ExitReason::kException, vec::kDb, false, 0, 0};  // a trap: RIP is past the instruction
    }
  }
  return Exit{};
}

Exit Interpreter::RunBlocks(uint64_t max_instructions) {
  discarded_.clear();  // no handler chain runs in them now
  uint64_t retired = 0;
  Exit exit;
  const Block* block = nullptr;
  while (retired < max_instructions) {
    block = NextBlock(block, exit);
    if (!block) return exit;  // the first instruction's bytes cannot be fetched
    const size_t count = block->insns.size();
    const uint64_t budget = max_instructions - retired;
    if (block->threaded && count <= budget) {
      // The block as one chain of handlers, going on into linked blocks while the budget lasts;
      // each end-of-block Uop adds its block to state_.retired.
      const interp::Uop& first = block->uops[0];
      Exec e(state_, memory_, first, exit);
      e.block = block;
      e.retire_limit = state_.retired + budget;
      e.epoch = epoch_;
      const uint64_t before = state_.retired;
      const Step step = first.handler(e, first);
      block = e.block;
      // kNext: the last block ended (and was counted); an exit (SYSCALL, HLT, INT3) is its
      // block's last instruction; an exception leaves RIP at the faulting one, which did not retire.
      if (step == Step::kException) state_.retired += IndexOf(*block, state_.rip);
      else if (step != Step::kNext) state_.retired += block->insns.size();
      retired += state_.retired - before;
      if (step == Step::kException || step == Step::kExit) return exit;
      continue;
    }
    // One instruction at a time: the first execution of a block (generic handlers are found
    // then), a block with an instruction that raises #UD, or the end of the budget.
    bool all_known = true;
    for (size_t i = 0; i < count && i < budget; ++i) {
      interp::Uop single[2] = {block->uops[i], interp::kEndOfBlock};  // stop after this one
      single[0].position = 0;
      Exec e(state_, memory_, single[0], exit);
      const Step step = single[0].handler ? single[0].handler(e, single[0]) : ExecuteFirst(e, single[0]);
      block->uops[i].handler = single[0].handler;
      all_known = all_known && single[0].handler != nullptr;
      if (step == Step::kException) return exit;  // the state is that of the instruction's start
      ++retired;
      ++state_.retired;
      if (step == Step::kExit) return exit;
      if (step == Step::kBranch) break;
    }
    if (all_known) {
      block->threaded = std::all_of(block->uops.begin(), block->uops.end() - 1,
                                    [](const interp::Uop& u) { return u.handler != nullptr; });
    }
  }
  return Exit{};
}

size_t Interpreter::IndexOf(const Block& block, uint64_t rip) {
  for (size_t i = 0; i < block.insns.size(); ++i) {
    if (block.uops[i].next_rip - block.uops[i].length == rip) return i;
  }
  return block.insns.size();
}

}  // namespace kiln::jit
