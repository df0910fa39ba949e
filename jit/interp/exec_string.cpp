// Interpreter handlers for the string instructions (MOVS, STOS, LODS, CMPS, SCAS) with and without
// REP/REPE/REPNE. A REP instruction runs in chunks of iterations, branching to itself between
// them; on a fault the registers describe the elements done so far and RIP stays at the
// instruction, so it restarts where it stopped (SDM Vol.2 REP). Forward copies and fills over RAM move whole page runs at once.
#include <cstring>

#include "jit/interp/exec.h"
#include "jit/semantics/alu.h"
#include "jit/semantics/cpuid.h"

namespace kiln::jit::interp {
namespace {

using frontend::Mnemonic;
using frontend::Seg;

struct StringOp {
  enum Kind { kMovs, kStos, kLods, kCmps, kScas } kind;
  unsigned size;
};

bool Classify(Mnemonic m, StringOp& op) {
  using M = Mnemonic;
  switch (m) {
    case M::MOVSB: op = {StringOp::kMovs, 1}; return true;
    case M::MOVSW: op = {StringOp::kMovs, 2}; return true;
    case M::MOVSQ: op = {StringOp::kMovs, 8}; return true;
    case M::STOSB: op = {StringOp::kStos, 1}; return true;
    case M::STOSW: op = {StringOp::kStos, 2}; return true;
    case M::STOSD: op = {StringOp::kStos, 4}; return true;
    case M::STOSQ: op = {StringOp::kStos, 8}; return true;
    case M::LODSB: op = {StringOp::kLods, 1}; return true;
    case M::LODSW: op = {StringOp::kLods, 2}; return true;
    case M::LODSD: op = {StringOp::kLods, 4}; return true;
    case M::LODSQ: op = {StringOp::kLods, 8}; return true;
    case M::CMPSB: op = {StringOp::kCmps, 1}; return true;
    case M::CMPSW: op = {StringOp::kCmps, 2}; return true;
    case M::CMPSQ: op = {StringOp::kCmps, 8}; return true;
    case M::SCASB: op = {StringOp::kScas, 1}; return true;
    case M::SCASW: op = {StringOp::kScas, 2}; return true;
    case M::SCASD: op = {StringOp::kScas, 4}; return true;
    case M::SCASQ: op = {StringOp::kScas, 8}; return true;
    default: return false;
  }
}

}  // namespace

bool ExecuteString(Exec& e, Step& step) {
  const frontend::DecodedInsn& insn = e.insn;
  StringOp op;
  // MOVSD and CMPSD are also SSE2 mnemonics: the string forms are the one-byte-map ones.
  if (insn.map == frontend::OpcodeMap::kPrimary && insn.mnemonic == Mnemonic::MOVSD) op = {StringOp::kMovs, 4};
  else if (insn.map == frontend::OpcodeMap::kPrimary && insn.mnemonic == Mnemonic::CMPSD) op = {StringOp::kCmps, 4};
  else if (!Classify(insn.mnemonic, op)) return false;

  CpuState& s = e.s;
  const unsigned asz = insn.address_size;
  const uint64_t amask = sem::SizeMask(asz);
  const Reg rcx{asz == 2 ? RegClass::kGpr16 : asz == 4 ? RegClass::kGpr32 : RegClass::kGpr64, machine::kRcx};
  const Reg rsi{rcx.cls, machine::kRsi}, rdi{rcx.cls, machine::kRdi};
  const Reg acc{op.size == 1 ? RegClass::kGpr8 : op.size == 2 ? RegClass::kGpr16 : op.size == 4 ? RegClass::kGpr32 : RegClass::kGpr64, 0};
  const bool rep = insn.prefixes.rep || insn.prefixes.repne;
  const bool down = (s.rflags_rest & machine::rflags::kDf) != 0;
  const int64_t delta = down ? -static_cast<int64_t>(op.size) : static_cast<int64_t>(op.size);
  // The source segment can be overridden; the destination is always ES (SDM Vol.2 MOVS).
  // In 64-bit mode only FS and GS overrides mean anything: an SS override does not make the
  // source a stack reference (a non-canonical RSI raises #GP(0), as on the AMD host the oracle
  // tests run on).
  const Seg prefix = insn.prefixes.segment;
  const bool ignored = insn.mode == frontend::CpuMode::k64 && prefix != Seg::kFs && prefix != Seg::kGs;
  const Seg src_seg = prefix == Seg::kNone || ignored ? Seg::kDs : prefix;
  const uint64_t src_base = e.SegmentBase(src_seg), dst_base = e.SegmentBase(Seg::kEs);
  // The linear address of one element at `offset` in `seg`, after the segment checks.
  const auto element = [&](Seg seg, uint64_t offset, SegmentAccess a, uint64_t& addr) {
    return e.Linear(seg, offset, op.size, a, addr, step);
  };

  uint64_t count = rep ? e.ReadReg(rcx) : 1;
  step = Step::kNext;
  // A REP instruction runs at most kRepChunk iterations (an element, or a bulk run within a page)
  // per execution, then branches to itself with RCX/RSI/RDI updated, as hardware takes interrupts
  // between iterations (SDM Vol.2 REP): a huge count can neither stall the machine's devices nor
  // keep Kiln from a signal. EndsBlock() makes such an instruction the last of its block.
  constexpr unsigned kRepChunk = 1024;
  unsigned chunk = kRepChunk;
  while (count != 0) {
    if (rep && chunk-- == 0) {
      step = Step::kBranch;  // RIP still at the instruction: it resumes where it stopped
      return true;
    }
    const uint64_t si = e.ReadReg(rsi), di = e.ReadReg(rdi);
    // Bulk path: forward REP MOVS/STOS over the whole elements that lie in RAM pages already in
    // the host-page cache, up to the end of the current source and destination pages. A fault
    // can only come from the element path below, so it is raised at the exact element, with
    // RSI/RDI/RCX describing the elements done (SDM Vol.2 REP).
    if (rep && !down && (op.kind == StringOp::kMovs || op.kind == StringOp::kStos)) {
      const uint64_t page_left = HostPageCache::kPageSize - ((dst_base + di) & ~HostPageCache::kPageMask);
      const uint64_t src_left = HostPageCache::kPageSize - ((src_base + si) & ~HostPageCache::kPageMask);
      uint64_t n = op.kind == StringOp::kMovs && src_left < page_left ? src_left : page_left;
      n = (count < n / op.size ? count : n / op.size) * op.size;
      // No address-size wrap inside the run, and for MOVS no destination that starts inside the
      // bytes still to be read (then each element reads what an earlier one wrote: a pattern
      // fill that a block copy would get wrong).
      const bool wraps = ((di + n) & amask) < di || (op.kind == StringOp::kMovs && ((si + n) & amask) < si);
      const bool overlaps = op.kind == StringOp::kMovs && ((di - si) & amask) != 0 && ((di - si) & amask) < n;
      // A run the segment checks would stop somewhere goes element by element, to its fault.
      const bool within_segments = e.SegmentPermits(Seg::kEs, di, n, SegmentAccess::kWrite) &&
                                   (op.kind != StringOp::kMovs || e.SegmentPermits(src_seg, si, n, SegmentAccess::kRead));
      uint8_t* dst = n != 0 && !wraps && !overlaps && within_segments
                         ? e.mem.host_pages.ForWrite(dst_base + di, static_cast<unsigned>(n))
                         : nullptr;
      const uint8_t* src = dst && op.kind == StringOp::kMovs ? e.mem.host_pages.ForRead(src_base + si, static_cast<unsigned>(n)) : nullptr;
      if (dst && op.kind == StringOp::kStos) {
        const uint64_t v = e.ReadReg(acc);
        if (op.size == 1) {
          std::memset(dst, static_cast<int>(v & 0xFF), n);
        } else {
          for (uint64_t i = 0; i < n; i += op.size) {
            switch (op.size) {
              case 2: StoreLittleEndian<2>(dst + i, v); break;
              case 4: StoreLittleEndian<4>(dst + i, v); break;
              default: StoreLittleEndian<8>(dst + i, v); break;
            }
          }
        }
      } else if (src) {
        std::memmove(dst, src, n);
      }
      if (dst && (src || op.kind == StringOp::kStos)) {
        if (op.kind == StringOp::kMovs) e.WriteReg(rsi, (si + n) & amask);
        e.WriteReg(rdi, (di + n) & amask);
        count -= n / op.size;
        e.WriteReg(rcx, count);
        continue;
      }
    }
    {
    uint64_t a = 0, b = 0, from = 0, to = 0;
    switch (op.kind) {
      case StringOp::kMovs:
        if (!element(src_seg, si, SegmentAccess::kRead, from) || !e.Load(from, op.size, a, step) ||
            !element(Seg::kEs, di, SegmentAccess::kWrite, to) || !e.Store(to, op.size, a, step))
          return true;
        e.WriteReg(rsi, (si + delta) & amask);
        e.WriteReg(rdi, (di + delta) & amask);
        break;
      case StringOp::kStos:
        if (!element(Seg::kEs, di, SegmentAccess::kWrite, to) || !e.Store(to, op.size, e.ReadReg(acc), step)) return true;
        e.WriteReg(rdi, (di + delta) & amask);
        break;
      case StringOp::kLods:
        if (!element(src_seg, si, SegmentAccess::kRead, from) || !e.Load(from, op.size, a, step)) return true;
        e.WriteReg(acc, a);
        e.WriteReg(rsi, (si + delta) & amask);
        break;
      case StringOp::kCmps:
        // ES:[rDI] is read before [rSI]: when both reads would fault, the host CPU reports the
        // destination's fault (#GP for a non-canonical address, else #PF).
        if (!element(Seg::kEs, di, SegmentAccess::kRead, to) || !e.Load(to, op.size, b, step) ||
            !element(src_seg, si, SegmentAccess::kRead, from) || !e.Load(from, op.size, a, step))
          return true;
        sem::Sub(s.flags, a, b, op.size);
        e.WriteReg(rsi, (si + delta) & amask);
        e.WriteReg(rdi, (di + delta) & amask);
        break;
      case StringOp::kScas:
        if (!element(Seg::kEs, di, SegmentAccess::kRead, to) || !e.Load(to, op.size, b, step)) return true;
        sem::Sub(s.flags, e.ReadReg(acc), b, op.size);
        e.WriteReg(rdi, (di + delta) & amask);
        break;
    }
    --count;
    if (rep) e.WriteReg(rcx, count);
    if (rep && (op.kind == StringOp::kCmps || op.kind == StringOp::kScas)) {
      // REPE stops when ZF = 0, REPNE when ZF = 1.
      const bool zf = (sem::ArithmeticFlags(s.flags) & machine::rflags::kZf) != 0;
      if (insn.prefixes.rep ? !zf : zf) break;
    }
  }
  }
  step = e.Next();
  return true;
}

bool ExecuteSystem(Exec& e, Step& step) {
  CpuState& s = e.s;
  switch (e.insn.mnemonic) {
    case Mnemonic::CPUID: {
      static const sem::CpuModel kDefaultModel;
      const auto leaf = static_cast<uint32_t>(s.gpr[machine::kRax]);
      sem::CpuidResult r = sem::Cpuid(s.cpu_model ? *s.cpu_model : kDefaultModel, leaf,
                                      static_cast<uint32_t>(s.gpr[machine::kRcx]), s.xcr0);
      s.gpr[machine::kRax] = r.eax;
      // OSXSAVE (leaf 1 ECX bit 27) mirrors CR4.OSXSAVE when the model has XSAVE (bit 26).
      if (leaf == 1 && (r.ecx & (1u << 26)) && (s.cr4 & (1u << 18))) r.ecx |= 1u << 27;
      // SYSCALL (0x80000001 EDX bit 11) is a 64-bit-mode instruction on Intel CPUs, which report
      // it only in long mode (as QEMU's TCG does); 32-bit kernels then use SYSENTER.
      constexpr uint64_t kEferLma = 1u << 10;
      if (leaf == 0x80000001 && s.trap_system && !(s.efer & kEferLma))
        r.edx &= ~(1u << 11);
      s.gpr[machine::kRbx] = r.ebx;
      s.gpr[machine::kRcx] = r.ecx;
      s.gpr[machine::kRdx] = r.edx;
      step = e.Next();
      return true;
    }
    case Mnemonic::RDTSC: {
      // A deterministic time-stamp counter: the instructions retired (the virtual clock comes
      // with the system issue).
      // In a threaded block run, `retired` is brought up to date at the block's end: add the
      // instructions of the block before this one.
      const uint64_t now = s.retired + (e.uop ? e.uop->position : 0);
      s.gpr[machine::kRax] = now & 0xFFFFFFFF;
      s.gpr[machine::kRdx] = now >> 32;
      step = e.Next();
      return true;
    }
    case Mnemonic::XGETBV: {
      // XCR0 (ECX = 0) or XCR0 & XINUSE (ECX = 1) in user mode (a full machine traps XGETBV to
      // machine/ first); #UD without CR4.OSXSAVE, #GP(0) for any other register.
      if (!(s.cr4 & (1u << 18))) {
        step = e.Raise(vec::kUd);
        return true;
      }
      const uint32_t reg = static_cast<uint32_t>(s.gpr[machine::kRcx]);
      if (reg > 1) {
        step = e.RaiseWithCode(vec::kGp, 0);
        return true;
      }
      const uint64_t v = reg == 0 ? s.xcr0 : s.xcr0 & sem::xsave::InUse(s);
      s.gpr[machine::kRax] = v & 0xFFFFFFFF;
      s.gpr[machine::kRdx] = v >> 32;
      step = e.Next();
      return true;
    }
    default: return false;
  }
}

}  // namespace kiln::jit::interp
