// The debug exception for trapped instructions: general detection (DR7.GD), single-step traps
// (EFLAGS.TF) and data breakpoints (DR0-DR3), SDM Vol.3 17.2-17.3.
#include "machine/cpu/debug.h"

namespace kiln::machine {

bool GeneralDetect(SystemOps& o) {
  // The handler must be able to read the debug registers: GD is cleared as #DB is delivered.
  o.s.dr[6] |= dr6::kBd;
  return o.Raise(jit::vec::kDb);
}

void NoteIoBreakpoints(SystemOps& o, uint16_t port, unsigned size) {
  const CpuState& s = o.s;
  if (!(s.cr4 & cr4::kDe)) return;  // R/W = 10 is undefined without CR4.DE
  const uint64_t dr7 = s.dr[7];
  for (unsigned n = 0; n < 4; ++n) {
    const bool enabled = (dr7 >> (2 * n)) & 3;
    const unsigned rw = (dr7 >> (16 + 4 * n)) & 3, len_field = (dr7 >> (18 + 4 * n)) & 3;
    if (!enabled || rw != 2) continue;
    // LEN 00, 01, 11, 10: 1, 2, 4, 8 bytes; the breakpoint's address is aligned down to it.
    static constexpr unsigned kLength[] = {1, 2, 8, 4};
    const uint64_t length = kLength[len_field];
    const uint64_t first = (s.dr[n] & 0xFFFF) & ~(length - 1);
    if (port < first + length && first < uint64_t{port} + size) o.mem.data_breakpoint_hits |= static_cast<uint8_t>(1u << n);
  }
}

bool DebugTrapAfter(SystemOps& o, uint64_t flags_before, const frontend::DecodedInsn& insn, bool shadow) {
  using M = frontend::Mnemonic;
  const bool loads_flags = insn.mnemonic == M::IRET || insn.mnemonic == M::IRETD || insn.mnemonic == M::IRETQ;
  if (!loads_flags) o.s.rflags_rest &= ~flag::kRf;  // RF is cleared once an instruction completes
  const bool software_interrupt = insn.mnemonic == M::INT || insn.mnemonic == M::INT3 ||
                                  insn.mnemonic == M::INTO || insn.mnemonic == M::INT1;
  const bool step = (flags_before & flag::kTf) && !shadow && !software_interrupt && insn.mnemonic != M::HLT;
  const unsigned hits = o.mem.data_breakpoint_hits & dr6::kHits;
  o.mem.data_breakpoint_hits = 0;
  if (!step && !hits) return true;
  o.s.dr[6] = (o.s.dr[6] & ~dr6::kHits) | hits | (step ? dr6::kBs : 0);
  return o.Raise(jit::vec::kDb);
}

}  // namespace kiln::machine
