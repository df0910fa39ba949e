// Interpreter handlers for XSAVE, XSAVEOPT, XSAVEC and XRSTOR (and their REX.W forms): the
// checks of SDM Vol.2 (#UD without CR4.OSXSAVE, #NM with CR0.TS, #GP for an area not 64-byte
// aligned), then the layout work of jit/semantics/xsave.h on an image of the bytes the
// instruction accesses. A save reads that range, updates it and writes it back in one access, so
// a page fault (the range spans at most two pages) leaves memory and registers untouched.
// XSAVES/XRSTORS are not advertised (no supervisor state components): they raise #UD.
#include "jit/interp/exec.h"
#include "jit/semantics/xsave.h"

namespace kiln::jit::interp {
namespace {

using frontend::Mnemonic;
namespace xs = sem::xsave;

constexpr uint64_t kCr0Ts = 1u << 3;
constexpr uint64_t kCr4Osxsave = 1u << 18;

Step Xsave(Exec& e, Mnemonic m) {
  using M = Mnemonic;
  CpuState& s = e.s;
  if (!(s.cr4 & kCr4Osxsave)) return e.Raise(vec::kUd);
  if (s.cr0 & kCr0Ts) return e.Raise(vec::kNm);
  const Operand& op = e.insn.operands[0];
  if (op.kind != OperandKind::kMem) return e.Raise(vec::kUd);
  const uint64_t addr = e.Address(op);
  if (addr & 63) return e.RaiseWithCode(vec::kGp, 0);
  const bool rex_w = m == M::XSAVE64 || m == M::XSAVEOPT64 || m == M::XSAVEC64 || m == M::XRSTOR64;
  const uint64_t mask = (s.gpr[machine::kRdx] & 0xFFFFFFFF) << 32 | (s.gpr[machine::kRax] & 0xFFFFFFFF);
  const xs::Request r{s.xcr0 & mask, rex_w, e.mode == frontend::CpuMode::k64};
  uint8_t area[xs::kMaxSize] = {};
  Step step = Step::kNext;
  // The segment checks cover the bytes accessed (the header first for XRSTOR: it says how many).
  uint64_t checked = 0;
  const uint64_t offset = e.Offset(op);
  if (m == M::XRSTOR || m == M::XRSTOR64) {
    if (!e.Linear(op.seg, offset, xs::kExtendedOffset, SegmentAccess::kRead, checked, step) ||
        !e.ReadBytes(addr, area, xs::kExtendedOffset, step))
      return step;
    const uint32_t n = xs::RestoreExtent(area, r.rfbm);
    if (n > xs::kExtendedOffset &&
        (!e.Linear(op.seg, offset, n, SegmentAccess::kRead, checked, step) ||
         !e.ReadBytes(addr + xs::kExtendedOffset, area + xs::kExtendedOffset, n - xs::kExtendedOffset, step)))
      return step;
    if (!xs::Restore(s, s.xcr0, r, area)) return e.RaiseWithCode(vec::kGp, 0);
    return e.Next();
  }
  const xs::SaveKind kind = m == M::XSAVEC || m == M::XSAVEC64     ? xs::SaveKind::kXsavec
                            : m == M::XSAVEOPT || m == M::XSAVEOPT64 ? xs::SaveKind::kXsaveopt
                                                                     : xs::SaveKind::kXsave;
  const uint32_t n = xs::SaveExtent(kind, r.rfbm);
  if (!e.Linear(op.seg, offset, n, SegmentAccess::kWrite, checked, step) || !e.ReadBytes(addr, area, n, step)) return step;
  xs::Save(s, kind, r, area);
  if (!e.WriteBytes(addr, area, n, step)) return step;
  return e.Next();
}

}  // namespace

bool ExecuteXsave(Exec& e, Step& step) {
  using M = Mnemonic;
  switch (e.insn.mnemonic) {
    case M::XSAVE: case M::XSAVE64: case M::XSAVEOPT: case M::XSAVEOPT64: case M::XSAVEC: case M::XSAVEC64:
    case M::XRSTOR: case M::XRSTOR64:
      step = Xsave(e, e.insn.mnemonic);
      return true;
    default: return false;
  }
}

}  // namespace kiln::jit::interp
