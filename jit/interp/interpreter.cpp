// The interpreter's run loop and block cache: decode a block once, then execute its instructions
// through the handlers of exec_*.cpp until an exception, an exit or the instruction budget.
#include "jit/interp/interpreter.h"

#include <cstdio>
#include <string>

#include "frontend/decoder.h"
#include "frontend/disasm/printer.h"
#include "jit/interp/exec.h"

namespace kiln::jit {
namespace {

using frontend::CpuMode;
using frontend::DecodedInsn;
using frontend::Mnemonic;
using interp::Exec;
using interp::Step;

constexpr size_t kMaxBlockInsns = 64;


frontend::CpuMode ModeOf(const machine::CpuState& s) {
  const uint16_t cs = s.seg[machine::kCs].attributes;
  if ((s.efer & machine::efer::kLma) && (cs & machine::seg_attr::kLong)) return CpuMode::k64;
  return (cs & machine::seg_attr::kDefault32) ? CpuMode::k32 : CpuMode::k16;
}

}  // namespace

bool EndsBlock(const DecodedInsn& insn) {
  using M = Mnemonic;
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
  if (auto it = blocks_.find(rip); it != blocks_.end()) {
    if (it->second->mode == mode) return it->second.get();
    for (auto& [start, other] : blocks_) other->next = nullptr;  // no chain into the erased block
    blocks_.erase(it);  // the same bytes mean something else in another mode
  }
  auto block = std::make_unique<Block>();
  block->start = rip;
  block->mode = mode;
  uint64_t pc = rip;
  while (block->insns.size() < kMaxBlockInsns) {
    uint8_t bytes[frontend::kMaxInsnLength];
    const size_t got = memory_.Fetch(pc, bytes, sizeof bytes);
    DecodedInsn insn;
    const frontend::DecodeStatus st = frontend::Decode({bytes, got}, mode, insn);
    if (st == frontend::DecodeStatus::kNeedMoreBytes || (got == 0)) {
      if (block->insns.empty()) {
        // The first instruction's bytes cannot be fetched: #PF at the first missing byte.
        fault = Exit{ExitReason::kException, vec::kPf, true, 0x10 | 4, pc + got};
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
  block->group.assign(block->insns.size(), 0);
  const Block* result = block.get();
  blocks_.emplace(rip, std::move(block));
  return result;
}

void Interpreter::InvalidateCode(uint64_t addr, uint64_t len) {
  for (auto& [start, block] : blocks_) block->next = nullptr;  // no pointer may outlive its block
  for (auto it = blocks_.begin(); it != blocks_.end();) {
    // A block covers at most 64 * 15 bytes from its start: a cheap conservative overlap test.
    const uint64_t start = it->first;
    if (start < addr + len && addr < start + kMaxBlockInsns * frontend::kMaxInsnLength) it = blocks_.erase(it);
    else ++it;
  }
}

Exit Interpreter::Run(uint64_t max_instructions) {
  uint64_t retired = 0;
  Exit exit;
  const Block* previous = nullptr;
  while (retired < max_instructions) {
    const Block* block = nullptr;
    if (previous && previous->next && previous->next_rip == state_.rip) {
      block = previous->next;
    } else {
      block = FindOrDecode(state_.rip, exit);
      if (!block) return exit;
      if (previous) {
        previous->next = block;
        previous->next_rip = state_.rip;
      }
    }
    previous = block;
    for (size_t i = 0; i < block->insns.size(); ++i) {
      const DecodedInsn& insn = block->insns[i];
      Exec e(state_, memory_, insn, exit);
      Step step;
      uint8_t& group = block->group[i];
      const bool handled = insn.mnemonic != Mnemonic::INVALID && interp::ExecuteOne(e, step, group);
      if (insn.mnemonic == Mnemonic::INVALID) {
        step = insn.length == 0 ? e.RaiseWithCode(vec::kGp, 0) : e.Raise(vec::kUd);
      } else if (!handled) {
        // Decoded but not implemented yet: #UD in the guest, reported once per mnemonic.
        const auto m = static_cast<size_t>(insn.mnemonic);
        if (m < unimplemented_reported_.size() && !unimplemented_reported_[m]) {
          unimplemented_reported_[m] = true;
          std::fprintf(stderr, "kiln: instruction not implemented, raising #UD: %s\n",
                       frontend::FormatInsn(insn, state_.rip).c_str());
        }
        step = e.Raise(vec::kUd);
      }
      if (step == Step::kException) return exit;  // state is still that of the instruction's start
      ++retired;
      ++state_.retired;
      if (step == Step::kExit) return exit;
      if (step == Step::kBranch) break;
      if (retired >= max_instructions) return Exit{};
    }
  }
  return Exit{};
}

}  // namespace kiln::jit
