// INVPCID (SDM Vol.2 "INVPCID"): the type in a register, a 16-byte descriptor in memory
// {PCID in bits 11:0 (bits 63:12 reserved), a linear address in bits 127:64}.
#include "machine/cpu/tlb_control.h"

namespace kiln::machine {
namespace {

enum InvpcidType : uint64_t {
  kIndividualAddress = 0,  ///< one page of one PCID (not its global translations)
  kSingleContext = 1,      ///< one PCID's non-global translations
  kAllContextsAndGlobal = 2,
  kAllContexts = 3,        ///< every PCID's non-global translations
};

}  // namespace

bool Invpcid(SystemOps& o) {
  // Not recognised in virtual-8086 mode; CPL 0 in protected mode (real mode has CPL 0).
  if (o.V86()) return o.Ud();
  if (o.Protected() && o.Cpl() != 0) return o.Gp(0);
  uint64_t type = 0;
  if (!o.ReadOperand(0, type)) return false;  // r64 in 64-bit mode, r32 elsewhere
  if (type > kAllContexts) return o.Gp(0);
  const frontend::Operand& m = o.insn->operands[1];
  uint64_t pcid_word = 0, linear = 0;
  const uint64_t at = o.Linear(m);
  if (!o.ReadValue(at, 8, pcid_word) || !o.ReadValue(at + 8, 8, linear)) return false;
  if (pcid_word >> 12) return o.Gp(0);
  const auto pcid = static_cast<uint16_t>(pcid_word);
  switch (type) {
    case kIndividualAddress:
      // A non-canonical address is #GP(0); without CR4.PCIDE only PCID 0 exists.
      if (static_cast<uint64_t>(static_cast<int64_t>(linear << 16) >> 16) != linear) return o.Gp(0);
      if (!(o.s.cr4 & cr4::kPcide) && pcid != 0) return o.Gp(0);
      o.mem.FlushPcidPage(pcid, linear);
      break;
    case kSingleContext:
      if (!(o.s.cr4 & cr4::kPcide) && pcid != 0) return o.Gp(0);
      o.mem.FlushPcid(pcid);
      break;
    case kAllContextsAndGlobal: o.mem.FlushAll(); break;
    default: o.mem.FlushNonGlobal(); break;
  }
  // Decoded blocks are found through the translations: relink them through the checked lookup.
  o.engine.FlushTranslations();
  return true;
}

}  // namespace kiln::machine
