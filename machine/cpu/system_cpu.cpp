// SystemCpu::Emulate: the trapped instructions that are not transfers or interrupts: control
// and debug registers, descriptor-table registers, MSRs, port I/O, CLI/STI/POPF/HLT, segment
// loads, and the power-on and Multiboot entry states.
#include "machine/cpu/system_cpu.h"

#include <cstdio>

#include "frontend/disasm/printer.h"
#include "jit/semantics/xsave.h"
#include "machine/cpu/debug.h"
#include "machine/cpu/msr.h"
#include "machine/cpu/segment_queries.h"
#include "machine/cpu/tlb_control.h"
#include "machine/cpu_model.h"
#include "machine/cpu/system_ops.h"
#include "machine/cpu/transfers.h"

namespace kiln::machine {

using frontend::Mnemonic;
using frontend::OperandKind;
using frontend::RegClass;

SystemCpu::SystemCpu(CpuState& s, SystemMemory& mem, PortBus& ports, jit::Interpreter& engine)
    : s_(s), mem_(mem), ports_(ports), engine_(engine) {}

void SystemCpu::ReportOnce(const std::string& what) {
  if (reported_[what]) return;
  reported_[what] = true;
  std::fprintf(stderr, "kiln: %s\n", what.c_str());
}

bool SystemCpu::InterruptsEnabled() const {
  return (s_.rflags_rest & flag::kIf) && !interrupt_shadow;
}

void SystemCpu::Reset() {
  const CpuModel* model = s_.cpu_model;
  s_ = CpuState{};
  s_.cpu_model = model;
  nmi_blocked = false;
  interrupt_shadow = false;
  s_.trap_system = true;
  s_.cr0 = 0x60000010;
  s_.rip = 0xFFF0;
  for (SegmentReg& r : s_.seg) r = SegmentReg{0, 0x93, 0xFFFF, 0};
  s_.seg[kCs] = SegmentReg{0xF000, 0x9B, 0xFFFF, 0xFFFF0000};  // the reset vector at 0xFFFFFFF0
  s_.ldtr = SegmentReg{0, 0x82, 0xFFFF, 0};
  s_.tr = SegmentReg{0, 0x8B, 0xFFFF, 0};
  s_.gdtr = s_.idtr = TableReg{0, 0xFFFF};
  s_.gpr[kRdx] = 0x600;  // family 6 (the processor signature in EDX)
  interrupt_shadow = false;
  mem_.FlushAll();
  mem_.UpdateAccessChecks();
  engine_.FlushTranslations();
}

void SystemCpu::EnterFlatProtectedMode(uint32_t eip) {
  s_.cr0 = (s_.cr0 | cr0::kPe) & ~cr0::kPg;
  for (SegmentReg& r : s_.seg) r = SegmentReg{0x10, 0x0C93, 0xFFFFFFFF, 0};
  s_.seg[kCs] = SegmentReg{0x08, 0x0C9B, 0xFFFFFFFF, 0};
  s_.cpl = 0;
  s_.rip = eip;
  jit::sem::WriteRflags(s_, 2);
  mem_.FlushAll();
  engine_.FlushTranslations();
}

void SystemCpu::EnterLongMode(uint64_t rip, uint64_t cr3, uint64_t gdt_base, uint16_t gdt_limit,
                              uint16_t code_selector, uint16_t data_selector) {
  s_.cr0 |= cr0::kPe | cr0::kPg | cr0::kEt;
  s_.cr0 &= ~(cr0::kCd | cr0::kNw);
  s_.cr4 |= cr4::kPae;
  s_.cr3 = cr3;
  s_.efer |= efer::kLme | efer::kLma;
  s_.gdtr = TableReg{gdt_base, gdt_limit};
  for (SegmentReg& r : s_.seg) r = SegmentReg{data_selector, 0x0C93, 0xFFFFFFFF, 0};
  s_.seg[kCs] = SegmentReg{code_selector, 0x0A9B, 0xFFFFFFFF, 0};  // L = 1, G = 1
  s_.cpl = 0;
  s_.rip = rip;
  jit::sem::WriteRflags(s_, 2);
  mem_.FlushAll();
  engine_.FlushTranslations();
}

std::string SystemCpu::Dump() const {
  char buf[1024];
  const uint64_t* g = s_.gpr;
  std::snprintf(buf, sizeof buf,
                "RAX=%016llx RBX=%016llx RCX=%016llx RDX=%016llx\n"
                "RSI=%016llx RDI=%016llx RBP=%016llx RSP=%016llx\n"
                "RIP=%016llx RFL=%08llx CPL=%u CS=%04x(base %llx) SS=%04x DS=%04x\n"
                "CR0=%08llx CR2=%016llx CR3=%016llx CR4=%08llx EFER=%llx\n"
                "GDT=%llx/%x IDT=%llx/%x TR=%04x\n",
                (unsigned long long)g[kRax], (unsigned long long)g[kRbx], (unsigned long long)g[kRcx],
                (unsigned long long)g[kRdx], (unsigned long long)g[kRsi], (unsigned long long)g[kRdi],
                (unsigned long long)g[kRbp], (unsigned long long)g[kRsp], (unsigned long long)s_.rip,
                (unsigned long long)jit::sem::ReadRflags(s_), s_.cpl, s_.seg[kCs].selector,
                (unsigned long long)s_.seg[kCs].base, s_.seg[kSs].selector, s_.seg[kDs].selector,
                (unsigned long long)s_.cr0, (unsigned long long)s_.cr2, (unsigned long long)s_.cr3,
                (unsigned long long)s_.cr4, (unsigned long long)s_.efer, (unsigned long long)s_.gdtr.base,
                s_.gdtr.limit, (unsigned long long)s_.idtr.base, s_.idtr.limit, s_.tr.selector);
  return buf;
}

namespace {

bool IsReg(const frontend::Operand& op, RegClass cls) { return op.kind == OperandKind::kReg && op.reg.cls == cls; }

/// Privileged instructions: CPL 0 in protected mode (#GP(0) otherwise); always allowed in real mode.
bool Privileged(SystemOps& o) { return !o.Protected() || (!o.V86() && o.Cpl() == 0) || o.Gp(0); }

bool WriteCr(SystemOps& o, unsigned n, uint64_t v) {
  CpuState& s = o.s;
  switch (n) {
    case 0: {
      if (!o.LongMode()) v &= 0xFFFFFFFF;  // MOV from a 32-bit register
      if (v >> 32) return o.Gp(0);
      v |= cr0::kEt;
      if ((v & cr0::kPg) && !(v & cr0::kPe)) return o.Gp(0);
      if ((v & cr0::kNw) && !(v & cr0::kCd)) return o.Gp(0);
      const bool enabling_paging = (v & cr0::kPg) && !(s.cr0 & cr0::kPg);
      if (enabling_paging && (s.efer & efer::kLme)) {
        if (!(s.cr4 & cr4::kPae)) return o.Gp(0);
        s.efer |= efer::kLma;
      }
      if (!(v & cr0::kPg) && (s.cr0 & cr0::kPg) && o.LongMode()) {
        if (o.Mode64()) return o.Gp(0);  // leaving long mode needs compatibility mode first
        s.efer &= ~efer::kLma;
      }
      if (enabling_paging && (s.cr4 & cr4::kPae) && !o.LongMode()) {
        const uint64_t old = s.cr0;
        s.cr0 = v;
        if (!o.mem.LoadPdptes()) {
          s.cr0 = old;
          return o.Gp(0);
        }
      }
      const bool real_to_protected = !(s.cr0 & cr0::kPe) && (v & cr0::kPe);
      const bool protected_to_real = (s.cr0 & cr0::kPe) && !(v & cr0::kPe);
      s.cr0 = v;
      if (real_to_protected || protected_to_real) s.cpl = 0;
      o.mem.FlushAll();
      o.engine.FlushTranslations();
      return true;
    }
    case 2: s.cr2 = v; return true;
    case 3: {
      // With CR4.PCIDE, bit 63 asks to keep the new PCID's cached translations; it is not
      // stored. Without it, the new PCID's non-global translations go; without PCIDE, every
      // non-global translation (SDM Vol.3 4.10.4.1). The TLB is tagged by PCID, so the other
      // PCIDs' translations survive; the engines' host-page cache and block links are not, and
      // are always dropped.
      const bool keep = (s.cr4 & cr4::kPcide) && (v >> 63);
      v &= ~(uint64_t{1} << 63);
      if (o.LongMode() && (v >> 48)) return o.Gp(0);
      s.cr3 = o.LongMode() ? v : v & 0xFFFFFFFF;
      if ((s.cr0 & cr0::kPg) && (s.cr4 & cr4::kPae) && !o.LongMode() && !o.mem.LoadPdptes()) return o.Gp(0);
      if (!(s.cr4 & cr4::kPcide)) o.mem.FlushNonGlobal();
      else if (!keep) o.mem.FlushPcid(static_cast<uint16_t>(s.cr3 & 0xFFF));
      else o.mem.ForgetHostPages();
      o.engine.FlushTranslations();
      return true;
    }
    case 4: {
      // The bits Kiln implements; the rest are reserved (#GP). No VME/PVI (virtual-8086
      // extensions), no UMIP, FSGSBASE, PKE, LA57 yet: CPUID does not advertise them.
      // PCIDE, SMEP, SMAP and OSXSAVE only when the CPU model advertises them.
      static const CpuModel kDefaultModel;
      const CpuModel& model = s.cpu_model ? *s.cpu_model : kDefaultModel;
      uint64_t known = cr4::kTsd | cr4::kDe | cr4::kPse | cr4::kPae | cr4::kMce | cr4::kPge | cr4::kPce |
                       cr4::kOsfxsr | cr4::kOsxmmexcpt;
      if (model.leaf1_ecx & (1u << 17)) known |= cr4::kPcide;
      if (model.leaf7_ebx & (1u << 7)) known |= cr4::kSmep;
      if (model.leaf7_ebx & (1u << 20)) known |= cr4::kSmap;
      if (model.leaf1_ecx & (1u << 26)) known |= cr4::kOsxsave;  // XSAVE
      if (v & ~known) return o.Gp(0);
      if (o.LongMode() && !(v & cr4::kPae)) return o.Gp(0);
      if ((v & cr4::kPcide) && !(s.cr4 & cr4::kPcide) && ((s.cr3 & 0xFFF) || !o.LongMode())) return o.Gp(0);
      s.cr4 = v;
      if ((s.cr0 & cr0::kPg) && (v & cr4::kPae) && !o.LongMode() && !o.mem.LoadPdptes()) return o.Gp(0);
      o.mem.FlushAll();
      o.engine.FlushTranslations();
      return true;
    }
    case 8:
      if (v >> 4) return o.Gp(0);
      s.cr8 = v;
      if (CpuBoard* board = o.cpu.board()) board->WriteCr8(static_cast<uint8_t>(v));
      return true;
    default: return o.Ud();
  }
}

/// XGETBV (SDM Vol.2): XCR0 for ECX = 0, XCR0 & XINUSE for ECX = 1 (CPUID.(0Dh,1):EAX[2]);
/// #UD without CR4.OSXSAVE, #GP(0) for any other register. Any privilege level.
bool Xgetbv(SystemOps& o) {
  CpuState& s = o.s;
  if (!(s.cr4 & cr4::kOsxsave)) return o.Ud();
  const uint32_t reg = static_cast<uint32_t>(s.gpr[kRcx]);
  if (reg > 1) return o.Gp(0);
  const uint64_t v = reg == 0 ? s.xcr0 : s.xcr0 & jit::sem::xsave::InUse(s);
  s.gpr[kRax] = v & 0xFFFFFFFF;
  s.gpr[kRdx] = v >> 32;
  return true;
}

/// XSETBV (SDM Vol.2): XCR0 from EDX:EAX at CPL 0 (#GP(0) elsewhere, in virtual-8086 mode
/// too); #UD without CR4.OSXSAVE; #GP(0) for ECX != 0 and for a value with bit 0 clear, an
/// unsupported bit or AVX without SSE.
bool Xsetbv(SystemOps& o) {
  CpuState& s = o.s;
  if (!(s.cr4 & cr4::kOsxsave)) return o.Ud();
  if (o.V86() || (o.Protected() && o.Cpl() != 0)) return o.Gp(0);
  if (static_cast<uint32_t>(s.gpr[kRcx]) != 0) return o.Gp(0);
  static const CpuModel kDefaultModel;
  const CpuModel& model = s.cpu_model ? *s.cpu_model : kDefaultModel;
  const uint64_t v = (s.gpr[kRdx] & 0xFFFFFFFF) << 32 | (s.gpr[kRax] & 0xFFFFFFFF);
  if (!jit::sem::xsave::ValidXcr0(v, jit::sem::xsave::SupportedXcr0(model))) return o.Gp(0);
  s.xcr0 = v;
  return true;
}

bool ReadCr(SystemOps& o, unsigned n, uint64_t& v) {
  switch (n) {
    case 0: v = o.s.cr0; return true;
    case 2: v = o.s.cr2; return true;
    case 3: v = o.s.cr3; return true;
    case 4: v = o.s.cr4; return true;
    case 8: v = o.cpu.board() ? o.cpu.board()->ReadCr8(o.s.cr8) : o.s.cr8; return true;
    default: return o.Ud();
  }
}

bool MovDr(SystemOps& o, bool to_dr, unsigned n, uint64_t& v) {
  CpuState& s = o.s;
  if (n == 4 || n == 5) {
    if (s.cr4 & cr4::kDe) return o.Ud();
    n += 2;  // DR4/DR5 alias DR6/DR7 without CR4.DE
  }
  if (n > 7) return o.Ud();
  if (s.dr[7] & dr7::kGd) return GeneralDetect(o);
  if (!to_dr) {
    v = s.dr[n];
    return true;
  }
  if ((n == 6 || n == 7) && (v >> 32) && o.Mode64()) return o.Gp(0);
  if (n == 6) v = (v & 0x1E00F) | 0xFFFF0FF0;
  if (n == 7) v = (v & 0xFFFF2BFF) | 0x400;
  s.dr[n] = v;
  return true;
}

/// LGDT/LIDT: a 16-bit limit and a base of 24 (16-bit operand size), 32 or 64 (64-bit mode) bits.
bool LoadTable(SystemOps& o, TableReg& t) {
  const frontend::Operand& m = o.insn->operands[0];
  if (m.kind != OperandKind::kMem) return o.Ud();
  const unsigned base_size = o.Mode64() ? 8 : 4;
  uint64_t at, limit, base;
  if (!o.CheckedLinear(m, 2 + base_size, jit::sem::SegmentAccess::kRead, at) || !o.ReadValue(at, 2, limit) ||
      !o.ReadValue(at + 2, base_size, base))
    return false;
  if (o.insn->operand_size == 2 && !o.Mode64()) base &= 0xFFFFFF;
  t.limit = static_cast<uint16_t>(limit);
  t.base = base;
  return true;
}

bool StoreTable(SystemOps& o, const TableReg& t) {
  const frontend::Operand& m = o.insn->operands[0];
  if (m.kind != OperandKind::kMem) return o.Ud();
  const unsigned base_size = o.Mode64() ? 8 : 4;
  uint64_t at;
  return o.CheckedLinear(m, 2 + base_size, jit::sem::SegmentAccess::kWrite, at) && o.WriteValue(at, 2, t.limit) &&
         o.WriteValue(at + 2, base_size, t.base);
}

/// LLDT and LTR: a system descriptor from the GDT (16 bytes in long mode).
bool LoadSystemSegment(SystemOps& o, bool task) {
  uint64_t v;
  if (!o.ReadOperand(0, v)) return false;
  const auto selector = static_cast<uint16_t>(v);
  SegmentReg& target = task ? o.s.tr : o.s.ldtr;
  if ((selector & ~3u) == 0) {
    if (task) return o.Gp(0);
    o.s.ldtr = SegmentReg{selector, 0, 0, 0};
    return true;
  }
  if (selector & 4) return o.Gp(selector & ~3u);  // must be in the GDT
  Descriptor d;
  uint64_t high = 0;
  if (!o.ReadDescriptor(selector, d, o.LongMode() ? &high : nullptr)) return false;
  const unsigned type = d.Type();
  const bool ok = d.System() && (task ? (type == 0x9 || (type == 0x1 && !o.LongMode())) : type == 0x2);
  if (!ok) return o.Gp(selector & ~3u);
  if (!d.Present()) return o.RaiseCode(jit::vec::kNp, selector & ~3u);
  if (task) {  // mark the TSS busy
    uint8_t type_byte = static_cast<uint8_t>((d.raw >> 40) | 2);
    if (!o.Write(o.s.gdtr.base + (selector & ~7u) + 5, &type_byte, 1, true)) return false;
    d.raw |= uint64_t{2} << 40;
  }
  target.selector = selector;
  target.base = d.Base() | (o.LongMode() ? (high & 0xFFFFFFFF) << 32 : 0);
  target.limit = d.Limit();
  target.attributes = d.Attributes();
  return true;
}

/// The I/O permission check (SDM Vol.1 19.5): CPL <= IOPL, else the TSS's bitmap.
bool IoAllowed(SystemOps& o, uint16_t port, unsigned size) {
  if (!o.Protected() || (!o.V86() && o.Cpl() <= o.Iopl())) return true;
  const CpuState& s = o.s;
  const unsigned type = s.tr.attributes & 0xF;
  if (type != 0x9 && type != 0xB) return o.Gp(0);  // a 16-bit TSS has no bitmap
  uint64_t base;
  if (s.tr.limit < 0x67 || !o.ReadValue(s.tr.base + 0x66, 2, base, true)) return o.Gp(0);
  const uint64_t at = base + port / 8;
  if (at + 1 > s.tr.limit) return o.Gp(0);
  uint64_t bits;
  if (!o.ReadValue(s.tr.base + at, 2, bits, true)) return false;
  const uint64_t mask = ((1u << size) - 1) << (port % 8);
  return (bits & mask) == 0 || o.Gp(0);
}

bool StringIo(SystemOps& o, bool in, unsigned size) {
  CpuState& s = o.s;
  const auto port = static_cast<uint16_t>(s.gpr[kRdx]);
  if (!IoAllowed(o, port, size)) return false;
  const unsigned a = o.insn->address_size;
  const uint64_t amask = a == 8 ? ~uint64_t{0} : a == 4 ? 0xFFFFFFFF : 0xFFFF;
  const bool rep = o.insn->prefixes.rep || o.insn->prefixes.repne;
  const int64_t step = (o.Flags() & flag::kDf) ? -int64_t(size) : int64_t(size);
  // A bounded number of iterations per trap: a long REP INS/OUTS resumes where it stopped, and
  // interrupts can come in between (RIP stays at the instruction until RCX reaches 0).
  for (unsigned iter = 0; iter < 4096; ++iter) {
    if (rep && (s.gpr[kRcx] & amask) == 0) break;
    if (in) {
      // The destination is checked before the port is read (a read may have side effects).
      const uint64_t di = s.gpr[kRdi] & amask;
      if (!o.CheckSegment(frontend::Seg::kEs, di, size, jit::sem::SegmentAccess::kWrite)) return false;
      const uint64_t v = o.ports.Read(port, size);
      if (!o.WriteValue(o.SegmentBase(frontend::Seg::kEs) + di, size, v)) return false;
      s.gpr[kRdi] = (s.gpr[kRdi] & ~amask) | ((s.gpr[kRdi] + step) & amask);
    } else {
      const frontend::Seg seg = o.insn->prefixes.segment == frontend::Seg::kNone ? frontend::Seg::kDs : o.insn->prefixes.segment;
      uint64_t v;
      const uint64_t si = s.gpr[kRsi] & amask;
      if (!o.CheckSegment(seg, si, size, jit::sem::SegmentAccess::kRead) || !o.ReadValue(o.SegmentBase(seg) + si, size, v))
        return false;
      o.ports.Write(port, size, static_cast<uint32_t>(v));
      s.gpr[kRsi] = (s.gpr[kRsi] & ~amask) | ((s.gpr[kRsi] + step) & amask);
    }
    NoteIoBreakpoints(o, port, size);
    if (!rep) return true;
    s.gpr[kRcx] = (s.gpr[kRcx] & ~amask) | ((s.gpr[kRcx] - 1) & amask);
    // A breakpoint (I/O or data) traps after the iteration that hit it (SDM Vol.3 17.3.1.2):
    // RIP stays at the instruction if iterations remain.
    if (o.mem.data_breakpoint_hits) break;
  }
  if (rep && (s.gpr[kRcx] & amask) != 0) return true;  // not done: RIP stays (the caller checks)
  return true;
}

/// POPF/POPFD/POPFQ with the privilege rules (SDM Vol.2 POPF).
bool PopFlags(SystemOps& o) {
  const unsigned size = o.insn->operand_size;
  uint64_t v;
  if (!o.Pop(v, size)) return false;
  const uint64_t old = o.Flags();
  if (o.V86() && o.Iopl() < 3) return o.Gp(0);  // IOPL-sensitive in V86 mode (no VME)
  uint64_t changeable = 0x3F7FD5 & ~(flag::kVm | flag::kVif | flag::kVip);
  if (o.Protected() && o.Cpl() > 0) changeable &= ~flag::kIopl;
  if (o.Protected() && o.Cpl() > o.Iopl()) changeable &= ~flag::kIf;
  if (size == 2) changeable &= 0xFFFF;
  o.SetFlags((old & ~changeable) | (v & changeable));
  return true;
}

}  // namespace

SystemCpu::Result SystemCpu::Emulate(const frontend::DecodedInsn& insn_ref, Fault& fault) {
  const frontend::DecodedInsn insn = insn_ref;  // the block holding it may be dropped meanwhile
  SystemOps o(*this, s_, mem_, ports_, engine_, fault);
  o.insn = &insn;
  const CpuState before = s_;
  mem_.data_breakpoint_hits = 0;  // (left by an event delivery's pushes)
  const uint64_t next = o.NextRip();
  const auto mask_ip = [&](uint64_t ip) { return insn.mode == frontend::CpuMode::k64 ? ip : insn.mode == frontend::CpuMode::k32 ? ip & 0xFFFFFFFF : ip & 0xFFFF; };
  bool ok = true;
  bool advance = true;  // RIP moves to the next instruction (transfers set it themselves)
  bool shadow = false;
  Result result = Result::kDone;
  using M = Mnemonic;
  const auto& op0 = insn.operands[0];
  const auto& op1 = insn.operands[1];
  switch (insn.mnemonic) {
    case M::MOV:
      if (IsReg(op0, RegClass::kCr) || IsReg(op1, RegClass::kCr)) {
        ok = Privileged(o);
        if (!ok) break;
        if (IsReg(op0, RegClass::kCr)) {
          ok = WriteCr(o, op0.reg.index, o.GetReg(op1.reg));
        } else {
          uint64_t v = 0;
          ok = ReadCr(o, op1.reg.index, v);
          if (ok) o.SetReg(op0.reg, v);
        }
      } else if (IsReg(op0, RegClass::kDr) || IsReg(op1, RegClass::kDr)) {
        ok = Privileged(o);
        if (!ok) break;
        const bool to_dr = IsReg(op0, RegClass::kDr);
        uint64_t v = to_dr ? o.GetReg(op1.reg) : 0;
        ok = MovDr(o, to_dr, to_dr ? op0.reg.index : op1.reg.index, v);
        if (ok && !to_dr) o.SetReg(op0.reg, v);
      } else if (IsReg(op1, RegClass::kSeg)) {
        // MOV r/m, Sreg: a memory destination gets 16 bits; a 32- or 64-bit register the
        // selector zero-extended (SDM Vol.2 MOV, "processors of the P6 family and later").
        if (op1.reg.index > kGs) {
          ok = o.Ud();
          break;
        }
        ok = o.WriteOperand(0, s_.seg[op1.reg.index].selector);
      } else {  // MOV Sreg, r/m16
        const unsigned seg = op0.reg.index;
        uint64_t v = 0;
        if (seg == kCs || seg > kGs) {
          ok = o.Ud();
          break;
        }
        ok = o.ReadOperand(1, v) && o.LoadDataSegment(seg, static_cast<uint16_t>(v));
        shadow = seg == kSs;
      }
      break;
    case M::PUSH:  // PUSH Sreg: the selector zero-extended to the operand size
      ok = o.Push(s_.seg[op0.reg.index].selector, insn.operand_size);
      break;
    case M::POP: {
      const unsigned seg = op0.reg.index;
      uint64_t v;
      const unsigned size = insn.operand_size;
      const uint64_t rsp = s_.gpr[kRsp];
      ok = o.Pop(v, size) && o.LoadDataSegment(seg, static_cast<uint16_t>(v));
      if (!ok) s_.gpr[kRsp] = rsp;
      shadow = seg == kSs;
      break;
    }
    case M::LDS: case M::LES: case M::LFS: case M::LGS: case M::LSS: {
      const unsigned seg = insn.mnemonic == M::LDS ? kDs : insn.mnemonic == M::LES ? kEs : insn.mnemonic == M::LFS ? kFs
                         : insn.mnemonic == M::LGS ? kGs : kSs;
      if (op1.kind != OperandKind::kMem) {
        ok = o.Ud();
        break;
      }
      const unsigned size = insn.operand_size;
      uint64_t at, offset, selector;
      ok = o.CheckedLinear(op1, size + 2, jit::sem::SegmentAccess::kRead, at) && o.ReadValue(at, size, offset) &&
           o.ReadValue(at + size, 2, selector) &&
           o.LoadDataSegment(seg, static_cast<uint16_t>(selector));
      if (ok) o.SetReg(op0.reg, offset);
      break;
    }
    case M::LGDT: ok = Privileged(o) && LoadTable(o, s_.gdtr); break;
    case M::LIDT: ok = Privileged(o) && LoadTable(o, s_.idtr); break;
    case M::SGDT: ok = StoreTable(o, s_.gdtr); break;
    case M::SIDT: ok = StoreTable(o, s_.idtr); break;
    case M::LLDT: ok = (o.Protected() && !o.V86()) ? Privileged(o) && LoadSystemSegment(o, false) : o.Ud(); break;
    case M::LTR: ok = (o.Protected() && !o.V86()) ? Privileged(o) && LoadSystemSegment(o, true) : o.Ud(); break;
    case M::SLDT: ok = (o.Protected() && !o.V86()) ? o.WriteOperand(0, s_.ldtr.selector) : o.Ud(); break;
    case M::STR: ok = (o.Protected() && !o.V86()) ? o.WriteOperand(0, s_.tr.selector) : o.Ud(); break;
    case M::SMSW: ok = o.WriteOperand(0, op0.kind == OperandKind::kReg ? s_.cr0 : s_.cr0 & 0xFFFF); break;
    case M::LMSW: {
      uint64_t v;
      ok = Privileged(o) && o.ReadOperand(0, v);
      // LMSW sets PE but cannot clear it; it changes MP, EM, TS too.
      if (ok) ok = WriteCr(o, 0, (s_.cr0 & ~uint64_t{0xE}) | (v & 0xF) | (s_.cr0 & cr0::kPe));
      break;
    }
    case M::CLTS: ok = Privileged(o); if (ok) s_.cr0 &= ~cr0::kTs; break;
    case M::INVLPG:
      ok = Privileged(o);
      if (ok) {
        mem_.FlushPage(o.Linear(op0));
        engine_.FlushTranslations();
      }
      break;
    case M::INVPCID: ok = (Model().leaf7_ebx & (1u << 10)) ? Invpcid(o) : o.Ud(); break;
    case M::WBINVD: case M::INVD: ok = Privileged(o); break;
    case M::RDMSR: case M::WRMSR: {
      ok = Privileged(o);
      if (!ok) break;
      const auto index = static_cast<uint32_t>(s_.gpr[kRcx]);
      if (insn.mnemonic == M::RDMSR) {
        uint64_t v = 0;
        ok = ReadMsr(o, msr_storage_, index, v);
        if (ok) {
          s_.gpr[kRax] = v & 0xFFFFFFFF;
          s_.gpr[kRdx] = v >> 32;
        }
      } else {
        ok = WriteMsr(o, msr_storage_, index, (s_.gpr[kRdx] << 32) | (s_.gpr[kRax] & 0xFFFFFFFF));
      }
      break;
    }
    case M::IN: case M::OUT: {
      const bool in = insn.mnemonic == M::IN;
      const auto& port_op = in ? op1 : op0;
      const auto& data_op = in ? op0 : op1;
      const auto port = static_cast<uint16_t>(port_op.kind == OperandKind::kImm ? port_op.value : s_.gpr[kRdx]);
      const unsigned size = data_op.size;
      ok = IoAllowed(o, port, size);
      if (!ok) break;
      if (in) o.SetReg(data_op.reg, ports_.Read(port, size));
      else ports_.Write(port, size, static_cast<uint32_t>(o.GetReg(data_op.reg)));
      NoteIoBreakpoints(o, port, size);
      break;
    }
    case M::INSB: case M::INSW: case M::INSD: case M::OUTSB: case M::OUTSW: case M::OUTSD: {
      const bool in = insn.mnemonic == M::INSB || insn.mnemonic == M::INSW || insn.mnemonic == M::INSD;
      const unsigned size = (insn.mnemonic == M::INSB || insn.mnemonic == M::OUTSB) ? 1
                          : (insn.mnemonic == M::INSW || insn.mnemonic == M::OUTSW) ? 2 : 4;
      ok = StringIo(o, in, size);
      const unsigned a = insn.address_size;
      const uint64_t amask = a == 8 ? ~uint64_t{0} : a == 4 ? 0xFFFFFFFF : 0xFFFF;
      if (ok && (insn.prefixes.rep || insn.prefixes.repne) && (s_.gpr[kRcx] & amask) != 0) advance = false;
      break;
    }
    case M::CLI: case M::STI: {
      if (o.Protected() && o.Cpl() > o.Iopl()) {
        ok = o.Gp(0);
        break;
      }
      const uint64_t f = o.Flags();
      if (insn.mnemonic == M::CLI) {
        o.SetFlags(f & ~flag::kIf);
      } else {
        shadow = !(f & flag::kIf);  // interrupts are recognised after the next instruction
        o.SetFlags(f | flag::kIf);
      }
      break;
    }
    case M::POPF: case M::POPFD: case M::POPFQ: ok = PopFlags(o); break;
    case M::HLT:
      ok = Privileged(o);
      if (ok) result = Result::kHalt;
      break;
    case M::INT: case M::INT3: case M::INTO: case M::INT1: {
      if (insn.mnemonic == M::INTO && !(o.Flags() & flag::kOf)) break;
      const uint8_t vector = insn.mnemonic == M::INT ? static_cast<uint8_t>(op0.value)
                           : insn.mnemonic == M::INT3 ? 3 : insn.mnemonic == M::INTO ? 4 : 1;
      if (o.V86() && insn.mnemonic == M::INT && o.Iopl() < 3) {
        ok = o.Gp(0);
        break;
      }
      ok = DeliverSoftwareInterrupt(o, vector, mask_ip(next), insn.mnemonic == M::INT1);
      advance = false;
      break;
    }
    case M::IRET: case M::IRETD: case M::IRETQ:
      ok = InterruptReturn(o, insn.operand_size);
      if (ok) nmi_blocked = false;  // IRET ends the NMI handler's blocking (SDM Vol.3 6.7.1)
      advance = false;
      break;
    case M::JMPF: case M::CALLF: {
      uint64_t offset = 0, selector = 0;
      const unsigned size = insn.operand_size;
      if (op0.kind == OperandKind::kFarPtr) {
        offset = static_cast<uint64_t>(op0.value);
        selector = op0.selector;
      } else if (op0.kind == OperandKind::kMem) {
        uint64_t at;
        ok = o.CheckedLinear(op0, size + 2, jit::sem::SegmentAccess::kRead, at) && o.ReadValue(at, size, offset) &&
             o.ReadValue(at + size, 2, selector);
        if (!ok) break;
      } else {
        ok = o.Ud();
        break;
      }
      ok = FarJumpOrCall(o, insn.mnemonic == M::CALLF, static_cast<uint16_t>(selector), offset, size);
      advance = false;
      break;
    }
    case M::RETF:
      ok = FarReturn(o, insn.operand_size, op0.kind == OperandKind::kImm ? static_cast<uint64_t>(op0.value) & 0xFFFF : 0);
      advance = false;
      break;
    case M::SYSCALL: ok = Syscall(o); advance = false; break;
    case M::SYSRET: ok = Sysret(o); advance = false; break;
    case M::SYSENTER: ok = Sysenter(o); advance = false; break;
    case M::SYSEXIT: ok = Sysexit(o); advance = false; break;
    case M::SWAPGS:
      if (!o.Mode64()) {
        ok = o.Ud();
        break;
      }
      ok = o.Cpl() == 0 || o.Gp(0);
      if (ok) std::swap(s_.seg[kGs].base, s_.kernel_gs_base);
      break;
    case M::RDTSC: case M::RDTSCP: {
      if ((s_.cr4 & cr4::kTsd) && o.Protected() && o.Cpl() > 0) {
        ok = o.Gp(0);
        break;
      }
      const uint64_t tsc = ReadTsc();
      s_.gpr[kRax] = tsc & 0xFFFFFFFF;
      s_.gpr[kRdx] = tsc >> 32;
      if (insn.mnemonic == M::RDTSCP) s_.gpr[kRcx] = s_.tsc_aux & 0xFFFFFFFF;
      break;
    }
    case M::STAC: case M::CLAC: {
      // #UD at CPL > 0 or without SMAP (SDM Vol.2 STAC); AC decides SMAP for explicit accesses.
      static const CpuModel kDefaultModel;
      const CpuModel& model = s_.cpu_model ? *s_.cpu_model : kDefaultModel;
      if (!(model.leaf7_ebx & (1u << 20)) || (o.Protected() && o.Cpl() > 0) || o.V86()) {
        ok = o.Ud();
        break;
      }
      o.SetFlags(insn.mnemonic == M::STAC ? o.Flags() | flag::kAc : o.Flags() & ~flag::kAc);
      break;
    }
    case M::XGETBV: ok = Xgetbv(o); break;
    case M::XSETBV: ok = Xsetbv(o); break;
    case M::RDPMC: ok = o.Gp(0); break;
    case M::LAR: case M::LSL: case M::VERR: case M::VERW: case M::ARPL: ok = SegmentQuery(o, insn); break;
    default: {
      // MONITOR/MWAIT, RDPID, RSM: not advertised or not yet.
      ReportOnce(std::string("system instruction not implemented, raising #UD: ") + frontend::FormatInsn(insn, s_.rip));
      ok = o.Ud();
      break;
    }
  }
  if (!ok) {
    // Precise: back to the state at the instruction's start (a helper may have written some),
    // but for DR6, which a #DB fault (general detection) has set.
    const uint8_t cpl_now = s_.cpl;
    const uint64_t dr6_now = s_.dr[6];
    if (o.keep_state) {
      mem_.UpdateAccessChecks();
      return Result::kFault;  // raised in the new task after a task switch
    }
    s_ = before;
    if (fault.vector == jit::vec::kDb) s_.dr[6] = dr6_now;
    if (cpl_now != s_.cpl) mem_.host_pages.Flush();
    mem_.data_breakpoint_hits = 0;
    return Result::kFault;
  }
  if (advance) s_.rip = mask_ip(next);
  interrupt_shadow = shadow;
  ++s_.retired;
  mem_.UpdateAccessChecks();  // DR7, CR0.AM, EFLAGS.AC or the CPL may have changed
  // A #DB trap after it (single step, data breakpoint): delivered with RIP past the instruction.
  if (result == Result::kDone && !DebugTrapAfter(o, jit::sem::ReadRflags(before), insn, shadow)) return Result::kFault;
  return result;
}

}  // namespace kiln::machine
