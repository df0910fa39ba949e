// One instruction through the handler groups: the interpreter's run loop and the JIT's compiled
// blocks (jit/translate/step_abi.cpp) both come here, so they share every semantic.
#include <array>
#include <iterator>
#include <utility>

#include "jit/interp/exec.h"
#include "jit/interp/sse_access.h"

namespace kiln::jit::interp {
namespace {

using GroupFn = bool (*)(Exec&, Step&);
// The order they are tried in the first time an instruction executes.
constexpr GroupFn kGroups[] = {ExecuteMachine, ExecuteInteger, ExecuteControl, ExecuteData, ExecuteString, ExecuteSse, ExecuteSseFloat, ExecuteSystem, ExecuteLegacy, ExecuteBmi,
                               ExecuteSseExtension, ExecuteSseFloatExtension, ExecuteSseStrings, ExecuteAes, ExecuteMmx, ExecuteX87, ExecuteAvx,
                               ExecuteXsave};

/// The groups whose instructions may use the SSE state (exec_mmx.cpp has the MMX/XMM
/// conversions): they check SseUnavailable() before running one.
constexpr bool MayUseSseState(GroupFn g) {
  return g == ExecuteSse || g == ExecuteSseFloat || g == ExecuteSseExtension || g == ExecuteSseFloatExtension ||
         g == ExecuteSseStrings || g == ExecuteAes || g == ExecuteMmx;
}

/// #UD or #NM instead of running an SSE instruction the OS has not enabled (sse_access.h).
bool SseFault(Exec& e, Step& step) {
  if (!SseUnavailable(e.s) || !UsesSseState(e.insn)) return false;
  step = RaiseSseUnavailable(e);
  return true;
}

}  // namespace

bool ExecuteOne(Exec& e, Step& step, uint8_t& group) {
  if (group != 0) {
    if (MayUseSseState(kGroups[group - 1]) && SseFault(e, step)) return true;
    return kGroups[group - 1](e, step);
  }
  if (SseFault(e, step)) return true;
  for (uint8_t g = 0; g < std::size(kGroups); ++g) {
    if (kGroups[g](e, step)) {
      group = static_cast<uint8_t>(g + 1);
      return true;
    }
  }
  return false;
}

namespace {
// A generic handler in a threaded chain: the group runs with an Exec of its own instruction,
// then the chain goes on.
template <GroupFn G>
Step RunGroup(Exec& e, const Uop& u) {
  Step step = Step::kNext;
  {
    Exec own(e.s, e.mem, u, e.exit);
    if (!(MayUseSseState(G) && SseFault(own, step))) G(own, step);  // the group implements the mnemonic
  }
  if (step == Step::kBranch) KILN_MUSTTAIL return LeaveBlock(e, u);
  if (step != Step::kNext) return step;
  const Uop& next = (&u)[1];
  KILN_MUSTTAIL return next.handler(e, next);
}
template <size_t... I>
constexpr std::array<Handler, sizeof...(I)> GroupHandlers(std::index_sequence<I...>) {
  return {&RunGroup<kGroups[I]>...};
}
constexpr auto kGroupHandlers = GroupHandlers(std::make_index_sequence<std::size(kGroups)>());
}  // namespace

Step EndOfBlock(Exec& e, const Uop& u) {
  const Block* block = u.block;
  if (!block) return Step::kNext;
  e.s.retired += block->insns.size();
  const uint64_t rip = e.s.rip;
  const int slot = block->next_rip[0] == rip ? 0 : block->next_rip[1] == rip ? 1 : -1;
  const Block* next = slot >= 0 && block->next_epoch[slot] == e.epoch ? block->next[slot] : nullptr;
  // A block decoded in another mode (after a mode switch) goes back to the run loop's lookup.
  if (!next || !next->threaded || next->mode != block->mode || e.s.retired + next->insns.size() > e.retire_limit)
    return Step::kNext;
  e.block = next;
  const Uop& first = next->uops[0];
  KILN_MUSTTAIL return first.handler(e, first);
}

Step LeaveBlock(Exec& e, const Uop& branch) {
  const Uop& end = (&branch)[1];
  if (!end.block) return Step::kBranch;
  KILN_MUSTTAIL return EndOfBlock(e, end);
}

Handler GroupHandler(uint8_t group) {
  return group >= 1 && group <= kGroupHandlers.size() ? kGroupHandlers[group - 1] : nullptr;
}

Step ExecuteUnselected(Exec& e, Uop& u, bool& unimplemented) {
  unimplemented = false;
  if (e.insn.mnemonic == frontend::Mnemonic::INVALID) {
    return e.insn.length == 0 ? e.RaiseWithCode(vec::kGp, 0) : e.Raise(vec::kUd);
  }
  Step step = Step::kNext;
  uint8_t group = 0;
  if (ExecuteOne(e, step, group)) {
    u.handler = GroupHandler(group);
    return step;
  }
  unimplemented = true;
  return e.Raise(vec::kUd);
}

}  // namespace kiln::jit::interp
