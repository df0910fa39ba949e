// The per-instruction execution context of the interpreter: operand access (registers, memory,
// immediates), the stack, and raising exceptions. Internal to jit/interp/.
#pragma once

#include <cstdint>
#include <cstring>

#include "frontend/decoded_insn.h"
#include "jit/interp/guest_memory.h"
#include "jit/interp/interpreter.h"
#include "jit/interp/uop.h"
#include "jit/semantics/flags.h"
#include "jit/semantics/registers.h"
#include "jit/semantics/segment_checks.h"
#include "machine/cpu_state.h"

namespace kiln::jit::interp {

using frontend::DecodedInsn;
using frontend::Operand;
using frontend::OperandKind;
using frontend::Reg;
using frontend::RegClass;
using machine::CpuState;
using sem::SegmentAccess;

/// What executing one instruction did.
enum class Step : uint8_t {
  kNext,       ///< continue at the next instruction (RIP set to it)
  kBranch,     ///< RIP was set to a new target: the block ends
  kException,  ///< `exit` describes a guest exception; the state is as before the instruction
  kExit,       ///< leave the run loop (`exit` says why; RIP already advanced)
};

class Exec {
 public:
  Exec(CpuState& s, GuestMemory& m, const DecodedInsn& i, Exit& exit)
      : s(s), mem(m), insn(i), exit(exit), next_rip(s.rip + i.length), mode(i.mode) {}
  /// For a Uop: its next RIP is known from the block, so it does not wait for the previous
  /// instruction's store to RIP (a store-to-load dependency on every instruction otherwise).
  /// In a threaded chain (Continue) one Exec serves the whole block: specialised handlers use
  /// only `s`, `mem`, `exit` and `mode` (the same for every instruction of a block) and the
  /// helpers below that read nothing else; `insn`, `next_rip` and `uop` are the first
  /// instruction's. Generic handlers get an Exec of their own (exec_dispatch.cpp).
  Exec(CpuState& s, GuestMemory& m, const Uop& u, Exit& exit)
      : s(s), mem(m), insn(*u.insn), exit(exit), next_rip(u.next_rip), mode(u.insn->mode), uop(&u) {}

  CpuState& s;
  GuestMemory& mem;
  const DecodedInsn& insn;
  Exit& exit;
  uint64_t next_rip;
  frontend::CpuMode mode;    ///< the mode the instruction runs in
  const Uop* uop = nullptr;  ///< the instruction's Uop, when it has one
  /// In a threaded run of linked blocks: the block running now, and the value of s.retired
  /// beyond which no further block may start (the caller's instruction budget).
  const Block* block = nullptr;
  uint64_t retire_limit = 0;
  uint64_t epoch = 0;  ///< the interpreter's link epoch when the run began (Block::next_epoch)

  // --- exceptions ---------------------------------------------------------------------------
  Step Raise(uint8_t vector) {
    exit = Exit{ExitReason::kException, vector, false, 0, 0};
    return Step::kException;
  }
  Step RaiseWithCode(uint8_t vector, uint32_t code) {
    exit = Exit{ExitReason::kException, vector, true, code, 0};
    return Step::kException;
  }
  Step MemoryFault(MemStatus status, uint64_t addr, bool write) {
    if (status == MemStatus::kGeneralProtection) return RaiseWithCode(vec::kGp, 0);
    if (status == MemStatus::kAlignmentCheck) return RaiseWithCode(vec::kAc, 0);
    if (mem.reports_page_faults) {  // the MMU knows CR2 (the faulting page of a crossing access) and the code
      exit = Exit{ExitReason::kException, vec::kPf, true, mem.fault_error_code, mem.fault_address};
      return Step::kException;
    }
    // Error code: bit 1 = write, bit 2 = user (SDM Vol.3 4.7), for memory without paging (kiln user).
    exit = Exit{ExitReason::kException, vec::kPf, true, (write ? 2u : 0u) | 4u, addr};
    return Step::kException;
  }

  // --- registers ----------------------------------------------------------------------------
  [[gnu::always_inline]] uint64_t ReadReg(Reg r) const { return sem::ReadRegister(s, r); }
  /// Writes with the x86-64 rules: 32-bit results zero-extend, 8- and 16-bit ones merge.
  [[gnu::always_inline]] void WriteReg(Reg r, uint64_t v) { sem::WriteRegister(s, r, v); }

  // --- memory -------------------------------------------------------------------------------
  /// The offset (effective address) of a memory operand: base + index * scale + disp, wrapped
  /// to the address size (SDM Vol.1 3.7.5).
  [[gnu::always_inline]] uint64_t Offset(const Operand& op) const {
    uint64_t ea = static_cast<uint64_t>(op.value);
    if (op.base.valid()) ea += op.base.cls == RegClass::kIp ? next_rip : ReadReg(op.base);
    if (op.index.valid()) ea += ReadReg(op.index) * op.scale;
    if (insn.address_size == 4) ea &= 0xFFFFFFFF;
    else if (insn.address_size == 2) ea &= 0xFFFF;
    return ea;
  }
  /// The linear address of a memory operand, unchecked: for what is not an access (the x87's
  /// last data pointer). Accesses use Linear().
  [[gnu::always_inline]] uint64_t Address(const Operand& op) const { return SegmentBase(op.seg) + Offset(op); }
  uint64_t SegmentBase(frontend::Seg seg) const {
    const unsigned i = static_cast<unsigned>(seg);
    if (i > 5) return 0;
    // In 64-bit mode only FS and GS have a base (SDM Vol.1 3.4.2.1).
    if (mode == frontend::CpuMode::k64 && seg != frontend::Seg::kFs && seg != frontend::Seg::kGs) return 0;
    return s.seg[i].base;
  }
  /// The segment checks of an access of `n` bytes at `offset` through `seg`: outside 64-bit mode
  /// its limit, type and null selector (sem::SegmentFault) when CpuState::segment_checks names
  /// the register; in 64-bit mode a stack reference (through SS: implicit or RSP/RBP-based; an
  /// SS override is not one, as on the AMD host) at a non-canonical address raises #SS(0) rather than #GP(0) (SDM Vol.1
  /// 3.3.7.1). False with the fault in `step`. The generic handlers' accesses pass here through
  /// Linear(), or, for the frequent operand accesses, through Read()/Write() and
  /// Read/WriteOperandBytes(), which test the register's bit inline and leave the 64-bit
  /// distinction to the slow path of the access. The specialised handlers of fast_path.cpp run
  /// only for segments that need no check (Interpreter::FindOrDecode) and in 64-bit mode tell the
  /// slow path of Load/Store that an access is a stack reference.
  [[gnu::always_inline]] bool SegmentAllows(frontend::Seg seg, uint64_t offset, uint64_t n, SegmentAccess a, Step& step) {
    if (Checked(seg)) [[unlikely]] return SegmentChecked(static_cast<unsigned>(seg), offset, n, a, step);
    if (seg == frontend::Seg::kSs && NonCanonical(offset, n)) [[unlikely]] {  // 64-bit mode: SS has no base
      step = RaiseWithCode(vec::kSs, 0);
      return false;
    }
    return true;
  }
  /// Whether accesses through `seg` need sem::SegmentFault() in this run.
  [[gnu::always_inline]] bool Checked(frontend::Seg seg) const { return (s.segment_checks >> static_cast<unsigned>(seg)) & 1; }
  [[gnu::noinline]] bool SegmentChecked(unsigned seg, uint64_t offset, uint64_t n, SegmentAccess a, Step& step) {
    const uint8_t vector = sem::SegmentFault(s, seg, offset, n, a);
    if (vector == 0) return true;
    step = RaiseWithCode(vector, 0);
    return false;
  }
  /// Whether an access would pass the segment checks, without raising anything (the bulk paths
  /// of the string instructions, which fall back to one element at a time otherwise).
  bool SegmentPermits(frontend::Seg seg, uint64_t offset, uint64_t n, SegmentAccess a) const {
    if (Checked(seg)) return sem::SegmentFault(s, static_cast<unsigned>(seg), offset, n, a) == 0;
    return !(seg == frontend::Seg::kSs && NonCanonical(offset, n));
  }
  /// The linear address of `n` bytes at `offset` in `seg`, after the segment checks.
  [[gnu::always_inline]] bool Linear(frontend::Seg seg, uint64_t offset, uint64_t n, SegmentAccess a, uint64_t& addr, Step& step) {
    addr = SegmentBase(seg) + offset;
    return SegmentAllows(seg, offset, n, a, step);
  }
  /// The linear address of memory operand `op` for an access of `n` bytes, after the checks.
  [[gnu::always_inline]] bool Linear(const Operand& op, uint64_t n, SegmentAccess a, uint64_t& addr, Step& step) {
    return Linear(op.seg, Offset(op), n, a, addr, step);
  }

  // The hot accesses of the generic handlers: `n` bytes of memory operand `op`. Without checks
  // for its segment this is the plain access, whose slow path learns whether it is a stack
  // reference (#SS(0) for a non-canonical address in 64-bit mode); with them, an out-of-line
  // call. Both are tail calls, so that a handler's registers and prologue stay as without checks.
  // A caller that needs the address too (an alignment check) passes the offset and the linear
  // address (SegmentBase(seg) + offset) it computed.
  [[gnu::always_inline]] bool ReadOperandBytes(const Operand& op, void* out, unsigned n, Step& step) {
    const uint64_t offset = Offset(op);
    return ReadSegmentBytes(op.seg, offset, SegmentBase(op.seg) + offset, out, n, step);
  }
  [[gnu::always_inline]] bool WriteOperandBytes(const Operand& op, const void* in, unsigned n, Step& step) {
    const uint64_t offset = Offset(op);
    return WriteSegmentBytes(op.seg, offset, SegmentBase(op.seg) + offset, in, n, step);
  }
  [[gnu::always_inline]] bool ReadSegmentBytes(frontend::Seg seg, uint64_t offset, uint64_t linear, void* out, unsigned n, Step& step) {
    if (Checked(seg)) [[unlikely]] return ReadChecked(seg, offset, out, n, step);
    return ReadBytes(linear, out, n, step, seg == frontend::Seg::kSs);
  }
  [[gnu::always_inline]] bool WriteSegmentBytes(frontend::Seg seg, uint64_t offset, uint64_t linear, const void* in, unsigned n, Step& step) {
    if (Checked(seg)) [[unlikely]] return WriteChecked(seg, offset, in, n, step);
    return WriteBytes(linear, in, n, step, seg == frontend::Seg::kSs);
  }
  [[gnu::noinline]] bool ReadChecked(frontend::Seg seg, uint64_t offset, void* out, unsigned n, Step& step) {
    uint64_t addr;
    return Linear(seg, offset, n, SegmentAccess::kRead, addr, step) && ReadBytes(addr, out, n, step);
  }
  [[gnu::noinline]] bool WriteChecked(frontend::Seg seg, uint64_t offset, const void* in, unsigned n, Step& step) {
    uint64_t addr;
    return Linear(seg, offset, n, SegmentAccess::kWrite, addr, step) && WriteBytes(addr, in, n, step);
  }
  // RAM pages in the host-page cache are accessed in place; everything else (a miss, a page
  // crossing, MMIO, a fault) goes through the virtual GuestMemory call.
  // `stack`: the access is a stack reference, for the fault of a non-canonical address.
  [[gnu::always_inline]] bool Load(uint64_t addr, unsigned n, uint64_t& v, Step& step, bool stack = false) {
    if (const uint8_t* p = mem.host_pages.ForRead(addr, n)) {
      switch (n) {
        case 1: v = LoadLittleEndian<1>(p); return true;
        case 2: v = LoadLittleEndian<2>(p); return true;
        case 4: v = LoadLittleEndian<4>(p); return true;
        case 8: v = LoadLittleEndian<8>(p); return true;
        default: break;
      }
    }
    return LoadSlow(addr, n, v, step, stack);
  }
  [[gnu::always_inline]] bool Store(uint64_t addr, unsigned n, uint64_t v, Step& step, bool stack = false) {
    if (uint8_t* p = mem.host_pages.ForWrite(addr, n)) {
      switch (n) {
        case 1: StoreLittleEndian<1>(p, v); return true;
        case 2: StoreLittleEndian<2>(p, v); return true;
        case 4: StoreLittleEndian<4>(p, v); return true;
        case 8: StoreLittleEndian<8>(p, v); return true;
        default: break;
      }
    }
    return StoreSlow(addr, n, v, step, stack);
  }
  // Guest memory is little-endian whatever the host is: values go through byte arrays.
  /// In 64-bit mode every byte of an access must have a canonical address, else #GP(0), or
  /// #SS(0) for a stack reference (SDM Vol.1 3.3.7.1).
  bool NonCanonical(uint64_t addr, uint64_t n) const {
    return mode == frontend::CpuMode::k64 && (!IsCanonical(addr) || !IsCanonical(addr + n - 1));
  }
  static constexpr bool IsCanonical(uint64_t a) { return static_cast<uint64_t>(static_cast<int64_t>(a << 16) >> 16) == a; }

  [[gnu::noinline]] bool LoadSlow(uint64_t addr, unsigned n, uint64_t& v, Step& step, bool stack) {
    uint8_t b[8] = {};
    if (!ReadBytes(addr, b, n, step, stack)) return false;
    v = 0;
    for (unsigned i = 0; i < n; ++i) v |= static_cast<uint64_t>(b[i]) << (8 * i);
    return true;
  }
  [[gnu::noinline]] bool StoreSlow(uint64_t addr, unsigned n, uint64_t v, Step& step, bool stack) {
    uint8_t b[8];
    for (unsigned i = 0; i < n; ++i) b[i] = static_cast<uint8_t>(v >> (8 * i));
    return WriteBytes(addr, b, n, step, stack);
  }
  /// `n` (1-64) bytes: from a cached RAM page in place, else through the GuestMemory interface
  /// with the 64-bit canonical check and the fault raised.
  bool ReadBytes(uint64_t addr, void* out, unsigned n, Step& step, bool stack = false) {
    if (const uint8_t* p = mem.host_pages.ForRead(addr, n)) {
      std::memcpy(out, p, n);
      return true;
    }
    if (NonCanonical(addr, n)) {
      step = RaiseWithCode(stack ? vec::kSs : vec::kGp, 0);
      return false;
    }
    const MemStatus st = mem.Read(addr, out, n);
    if (st != MemStatus::kOk) {
      step = MemoryFault(st, addr, false);
      return false;
    }
    return true;
  }
  bool WriteBytes(uint64_t addr, const void* in, unsigned n, Step& step, bool stack = false) {
    if (uint8_t* p = mem.host_pages.ForWrite(addr, n)) {
      std::memcpy(p, in, n);
      return true;
    }
    if (NonCanonical(addr, n)) {
      step = RaiseWithCode(stack ? vec::kSs : vec::kGp, 0);
      return false;
    }
    const MemStatus st = mem.Write(addr, in, n);
    if (st != MemStatus::kOk) {
      step = MemoryFault(st, addr, true);
      return false;
    }
    return true;
  }

  // --- operands -----------------------------------------------------------------------------
  /// Operand `n` as a zero-extended value of its size (immediates sign-extended to it).
  [[gnu::always_inline]] bool Read(int n, uint64_t& v, Step& step) {
    const Operand& op = insn.operands[n];
    switch (op.kind) {
      case OperandKind::kReg: v = ReadReg(op.reg); return true;
      case OperandKind::kImm: v = static_cast<uint64_t>(op.value) & sem::SizeMask(op.size ? op.size : 8); return true;
      case OperandKind::kMem: {
        const uint64_t offset = Offset(op);
        if (Checked(op.seg)) [[unlikely]] return LoadChecked(op.seg, offset, op.size, v, step);
        return Load(SegmentBase(op.seg) + offset, op.size, v, step, op.seg == frontend::Seg::kSs);
      }
      default: v = static_cast<uint64_t>(op.value); return true;
    }
  }
  [[gnu::always_inline]] bool Write(int n, uint64_t v, Step& step) {
    const Operand& op = insn.operands[n];
    if (op.kind == OperandKind::kReg) {
      WriteReg(op.reg, v);
      return true;
    }
    const uint64_t offset = Offset(op);
    if (Checked(op.seg)) [[unlikely]] return StoreChecked(op.seg, offset, op.size, v, step);
    return Store(SegmentBase(op.seg) + offset, op.size, v, step, op.seg == frontend::Seg::kSs);
  }
  [[gnu::noinline]] bool LoadChecked(frontend::Seg seg, uint64_t offset, unsigned n, uint64_t& v, Step& step) {
    uint64_t addr;
    return Linear(seg, offset, n, SegmentAccess::kRead, addr, step) && Load(addr, n, v, step);
  }
  [[gnu::noinline]] bool StoreChecked(frontend::Seg seg, uint64_t offset, unsigned n, uint64_t v, Step& step) {
    uint64_t addr;
    return Linear(seg, offset, n, SegmentAccess::kWrite, addr, step) && Store(addr, n, v, step);
  }

  // --- stack --------------------------------------------------------------------------------
  /// The stack-pointer width as a mask: RSP in 64-bit mode, else ESP or SP by SS's B flag
  /// (SDM Vol.3 3.4.5, "D/B"). Pushes and pops change only those bits of RSP.
  uint64_t StackMask() const {
    if (mode == frontend::CpuMode::k64) return ~uint64_t{0};
    return (s.seg[machine::kSs].attributes & machine::seg_attr::kDefault32) ? 0xFFFFFFFF : 0xFFFF;
  }
  void SetStackPointer(uint64_t sp) {
    const uint64_t mask = StackMask();
    s.gpr[machine::kRsp] = (s.gpr[machine::kRsp] & ~mask) | (sp & mask);
  }
  /// Pushes `n` bytes. RSP changes only if the store succeeds (#SS(0) past SS's limit).
  /// In 64-bit mode the slow path of Store/Load does the canonical check (`stack`).
  bool Push(uint64_t v, unsigned n, Step& step) {
    const uint64_t sp = (s.gpr[machine::kRsp] - n) & StackMask();
    if (Checked(frontend::Seg::kSs) && !SegmentChecked(machine::kSs, sp, n, SegmentAccess::kWrite, step)) return false;
    if (!Store(SegmentBase(frontend::Seg::kSs) + sp, n, v, step, true)) return false;
    SetStackPointer(sp);
    return true;
  }
  bool Pop(uint64_t& v, unsigned n, Step& step) {
    const uint64_t sp = s.gpr[machine::kRsp] & StackMask();
    if (Checked(frontend::Seg::kSs) && !SegmentChecked(machine::kSs, sp, n, SegmentAccess::kRead, step)) return false;
    if (!Load(SegmentBase(frontend::Seg::kSs) + sp, n, v, step, true)) return false;
    SetStackPointer(sp + n);
    return true;
  }
  /// Push and Pop of 8 bytes in 64-bit mode (the specialised handlers): a flat stack with no
  /// segment checks, only the canonical check of the slow path (#SS(0)).
  [[gnu::always_inline]] bool Push64(uint64_t v, Step& step) {
    const uint64_t sp = s.gpr[machine::kRsp] - 8;
    if (!Store(sp, 8, v, step, true)) return false;
    s.gpr[machine::kRsp] = sp;
    return true;
  }
  [[gnu::always_inline]] bool Pop64(uint64_t& v, Step& step) {
    const uint64_t sp = s.gpr[machine::kRsp];
    if (!Load(sp, 8, v, step, true)) return false;
    s.gpr[machine::kRsp] = sp + 8;
    return true;
  }

  Step Next() {
    s.rip = next_rip;
    return Step::kNext;
  }
  /// A near branch to `target`, wrapped to the operand size outside 64-bit mode.
  Step Branch(uint64_t target) {
    s.rip = WrapBranchTarget(insn, target);
    return Step::kBranch;
  }
  static uint64_t WrapBranchTarget(const DecodedInsn& i, uint64_t target) {
    if (i.operand_size == 2) return target & 0xFFFF;
    if (i.operand_size == 4 && i.mode != frontend::CpuMode::k64) return target & 0xFFFFFFFF;
    return target;
  }
};

/// Falls through to the next instruction of the block (see Handler in uop.h).
[[gnu::always_inline]] inline Step Continue(Exec& e, const Uop& u) {
  e.s.rip = u.next_rip;
  const Uop& next = (&u)[1];
  KILN_MUSTTAIL return next.handler(e, next);
}

/// Which condition-code instruction an encoding is: the condition of Jcc (70-7F, 0F 80-8F),
/// SETcc (0F 90-9F) and CMOVcc (0F 40-4F) is the low nibble of the opcode (SDM Vol.1 B.1).
enum class CondKind : uint8_t { kNone, kJcc, kSetcc, kCmovcc };
inline int ConditionOf(const DecodedInsn& insn, CondKind& kind) {
  const uint8_t op = insn.opcode;
  kind = CondKind::kNone;
  if (insn.encoding != frontend::Encoding::kLegacy) return -1;
  if (insn.map == frontend::OpcodeMap::kPrimary && op >= 0x70 && op <= 0x7F) kind = CondKind::kJcc;
  else if (insn.map == frontend::OpcodeMap::k0F && op >= 0x80 && op <= 0x8F) kind = CondKind::kJcc;
  else if (insn.map == frontend::OpcodeMap::k0F && op >= 0x90 && op <= 0x9F) kind = CondKind::kSetcc;
  else if (insn.map == frontend::OpcodeMap::k0F && op >= 0x40 && op <= 0x4F) kind = CondKind::kCmovcc;
  else return -1;
  return op & 0xF;
}

/// Handlers, one per SDM instruction group (exec_*.cpp). Each returns false when the mnemonic is
/// not its own, and otherwise sets `step`.
bool ExecuteInteger(Exec& e, Step& step);   // exec_integer.cpp: ALU, shifts, mul/div, bits
bool ExecuteData(Exec& e, Step& step);      // exec_data.cpp: moves, stack, conversions
bool ExecuteControl(Exec& e, Step& step);   // exec_control.cpp: branches, calls, SETcc, CMOVcc
bool ExecuteString(Exec& e, Step& step);    // exec_string.cpp: MOVS, STOS, LODS, CMPS, SCAS
bool ExecuteMachine(Exec& e, Step& step);  // exec_machine.cpp: trapped to machine/ in a full machine
bool ExecuteSystem(Exec& e, Step& step);    // exec_string.cpp: CPUID, RDTSC (user-level system)
bool ExecuteSse(Exec& e, Step& step);       // exec_sse.cpp: SSE2 integer, logic and moves
bool ExecuteSseFloat(Exec& e, Step& step);  // exec_sse_fp.cpp: SSE/SSE2 single and double FP
bool ExecuteSseExtension(Exec& e, Step& step);       // exec_sse_ext.cpp: the rest of SSE2 integer,
                                                     // SSE3 moves, SSSE3, SSE4.1 integer/blend/insert
bool ExecuteSseFloatExtension(Exec& e, Step& step);  // exec_sse_fp_ext.cpp: SSE3/SSE4.1 FP
bool ExecuteSseStrings(Exec& e, Step& step);         // exec_sse42.cpp: PCMPESTRI/M, PCMPISTRI/M
bool ExecuteAes(Exec& e, Step& step);                // exec_aes.cpp: AES-NI, PCLMULQDQ
bool ExecuteMmx(Exec& e, Step& step);                // exec_mmx.cpp: MMX and its SSE/SSSE3 forms
bool ExecuteAvx(Exec& e, Step& step);                // exec_avx.cpp: VEX-encoded AVX and AVX2
bool ExecuteLegacy(Exec& e, Step& step);    // exec_legacy.cpp: BCD, ENTER, PUSHA/POPA, PUSHF/POPF,
                                            // BOUND, INTO, XLAT, CMPXCHG8B/16B, MOVBE
bool ExecuteBmi(Exec& e, Step& step);       // exec_bmi.cpp: BMI1, BMI2, ADX, CRC32
bool ExecuteX87(Exec& e, Step& step);       // exec_x87.cpp: the x87 FPU, FXSAVE/FXRSTOR
bool ExecuteXsave(Exec& e, Step& step);     // exec_xsave.cpp: XSAVE, XSAVEOPT, XSAVEC, XRSTOR

/// Executes one instruction through the groups above (exec_dispatch.cpp); `group` caches which
/// group handled it (0 = not known yet). Returns false when no group implements the mnemonic.
bool ExecuteOne(Exec& e, Step& step, uint8_t& group);

/// The handler that runs group `group` (1-based, as ExecuteOne caches it) for one instruction.
Handler GroupHandler(uint8_t group);

/// Fills `u` for `insn`, decoded at guest address `pc`, and returns the handler specialised for
/// its operand form (fast_path.cpp), or nullptr when only the generic group handlers know it.
Handler SelectHandler(const DecodedInsn& insn, uint64_t pc, Uop& u);
/// The specialised handler of an SSE floating-point arithmetic instruction (fast_path_sse_fp.cpp),
/// or null.
Handler SelectSseFloat(const DecodedInsn& insn, uint64_t next_rip, Uop& u);

/// Runs an instruction whose Uop has no handler yet through the groups and remembers the group
/// that ran it in `u.handler`. Raises #UD for an invalid encoding (#GP for one longer than 15
/// bytes) and for a mnemonic no group implements, and then sets `unimplemented` (the caller
/// reports it). exec_dispatch.cpp.
Step ExecuteUnselected(Exec& e, Uop& u, bool& unimplemented);

}  // namespace kiln::jit::interp
