// Internal to machine/cpu/: the helpers the system instructions and event delivery share:
// operands of a trapped instruction, the stack, descriptors and segment-register loads. One
// SystemOps lives for one emulated instruction or one delivery; a helper that fails fills in
// `fault` and returns false, and the caller returns without changing more state (precise
// exceptions: the state is written back only once every check has passed).
#pragma once

#include <cstdint>

#include "frontend/decoded_insn.h"
#include "jit/semantics/flags.h"
#include "jit/semantics/segment_checks.h"
#include "machine/cpu/system_cpu.h"

namespace kiln::machine {

namespace cr0 {
inline constexpr uint64_t kPe = 1u << 0, kMp = 1u << 1, kEm = 1u << 2, kTs = 1u << 3, kEt = 1u << 4, kNe = 1u << 5,
                          kWp = 1u << 16, kAm = 1u << 18, kNw = 1u << 29, kCd = 1u << 30,
                          kPg = uint64_t{1} << 31;
}  // namespace cr0
namespace cr4 {
inline constexpr uint64_t kVme = 1u << 0, kPvi = 1u << 1, kTsd = 1u << 2, kDe = 1u << 3, kPse = 1u << 4,
                          kPae = 1u << 5, kMce = 1u << 6, kPge = 1u << 7, kPce = 1u << 8, kOsfxsr = 1u << 9,
                          kOsxmmexcpt = 1u << 10, kUmip = 1u << 11, kFsgsbase = 1u << 16, kPcide = 1u << 17,
                          kOsxsave = 1u << 18, kSmep = 1u << 20, kSmap = 1u << 21;
}  // namespace cr4
namespace flag {
inline constexpr uint64_t kTf = 1u << 8, kIf = 1u << 9, kDf = 1u << 10, kOf = 1u << 11, kIopl = 3u << 12,
                          kNt = 1u << 14, kRf = 1u << 16, kVm = 1u << 17, kAc = 1u << 18, kVif = 1u << 19,
                          kVip = 1u << 20, kId = 1u << 21;
}  // namespace flag

/// A segment descriptor's fields (SDM Vol.3 3.4.5), from its 8 bytes.
struct Descriptor {
  uint64_t raw = 0;
  uint64_t Base() const { return ((raw >> 16) & 0xFFFFFF) | (((raw >> 56) & 0xFF) << 24); }
  uint32_t Limit() const {
    const uint32_t l = static_cast<uint32_t>((raw & 0xFFFF) | (((raw >> 48) & 0xF) << 16));
    return Granular() ? (l << 12) | 0xFFF : l;
  }
  unsigned Type() const { return (raw >> 40) & 0xF; }
  bool System() const { return !((raw >> 44) & 1); }  ///< S = 0
  unsigned Dpl() const { return (raw >> 45) & 3; }
  bool Present() const { return (raw >> 47) & 1; }
  bool Long() const { return (raw >> 53) & 1; }
  bool Default32() const { return (raw >> 54) & 1; }
  bool Granular() const { return (raw >> 55) & 1; }
  bool Code() const { return !System() && (Type() & 8); }
  bool Data() const { return !System() && !(Type() & 8); }
  bool Conforming() const { return Code() && (Type() & 4); }
  bool Readable() const { return Data() || (Type() & 2); }  ///< data, or readable code
  bool Writable() const { return Data() && (Type() & 2); }
  /// The hidden-cache attributes: descriptor bits 40-47 and 52-55 (cpu_state.h SegmentReg).
  uint16_t Attributes() const { return static_cast<uint16_t>(((raw >> 40) & 0xFF) | (((raw >> 52) & 0xF) << 8)); }
};

class SystemOps {
 public:
  SystemOps(SystemCpu& cpu, CpuState& s, SystemMemory& mem, PortBus& ports, jit::Interpreter& engine, Fault& fault)
      : cpu(cpu), s(s), mem(mem), ports(ports), engine(engine), fault(fault) {}

  SystemCpu& cpu;
  CpuState& s;
  SystemMemory& mem;
  PortBus& ports;
  jit::Interpreter& engine;
  Fault& fault;
  const frontend::DecodedInsn* insn = nullptr;
  /// A task switch passed its commit point: a fault now belongs to the new task, and the
  /// instruction's state must not be rolled back (SDM Vol.3 7.3, step 13).
  bool keep_state = false;

  // --- mode and flags ---
  bool Protected() const { return s.cr0 & cr0::kPe; }
  bool LongMode() const { return s.efer & efer::kLma; }
  bool V86() const { return Protected() && (s.rflags_rest & flag::kVm); }
  bool Mode64() const { return LongMode() && (s.seg[kCs].attributes & seg_attr::kLong); }
  unsigned Cpl() const { return s.cpl; }
  unsigned Iopl() const { return (s.rflags_rest >> 12) & 3; }
  uint64_t Flags() const { return jit::sem::ReadRflags(s); }
  void SetFlags(uint64_t v) {
    const uint64_t old = Flags();
    jit::sem::WriteRflags(s, v);
    // With SMAP, EFLAGS.AC decides whether supervisor code may touch user pages, and the
    // host-page cache holds pages filled under the old value (only trapped instructions -
    // POPF, IRET, SYSRET, event delivery - change AC).
    if (((old ^ v) & flag::kAc) && (s.cr4 & cr4::kSmap)) mem.host_pages.Flush();
  }

  // --- faults: fill in `fault`, return false ---
  bool Raise(uint8_t vector) {
    fault = Fault{vector, false, 0, 0};
    return false;
  }
  bool RaiseCode(uint8_t vector, uint32_t code) {
    fault = Fault{vector, true, code, 0};
    return false;
  }
  bool Gp(uint32_t code = 0) { return RaiseCode(jit::vec::kGp, code); }
  bool Ud() { return Raise(jit::vec::kUd); }
  bool PageFault() {
    fault = Fault{jit::vec::kPf, true, mem.fault_error_code, mem.fault_address};
    return false;
  }

  // --- memory ---
  bool Read(uint64_t linear, void* out, unsigned n, bool implicit = false) {
    const jit::MemStatus st = implicit ? mem.ReadImplicit(linear, out, n) : mem.Read(linear, out, n);
    return st == jit::MemStatus::kOk || PageFault();
  }
  bool Write(uint64_t linear, const void* in, unsigned n, bool implicit = false) {
    const jit::MemStatus st = implicit ? mem.WriteImplicit(linear, in, n) : mem.Write(linear, in, n);
    return st == jit::MemStatus::kOk || PageFault();
  }
  bool ReadValue(uint64_t linear, unsigned n, uint64_t& v, bool implicit = false) {
    uint8_t b[8] = {};
    if (!Read(linear, b, n, implicit)) return false;
    v = 0;
    for (unsigned i = 0; i < n; ++i) v |= static_cast<uint64_t>(b[i]) << (8 * i);
    return true;
  }
  bool WriteValue(uint64_t linear, unsigned n, uint64_t v, bool implicit = false) {
    uint8_t b[8];
    for (unsigned i = 0; i < n; ++i) b[i] = static_cast<uint8_t>(v >> (8 * i));
    return Write(linear, b, n, implicit);
  }

  // --- operands of the trapped instruction ---
  uint64_t GetReg(frontend::Reg r) const;
  void SetReg(frontend::Reg r, uint64_t v);
  uint64_t SegmentBase(frontend::Seg seg) const;
  uint64_t Offset(const frontend::Operand& m) const;  ///< the effective address, wrapped
  /// The linear address of a memory operand, unchecked (INVLPG's operand is not an access).
  uint64_t Linear(const frontend::Operand& m) const { return SegmentBase(m.seg) + Offset(m); }
  /// The segment checks of an access of `n` bytes at `offset` through `seg`, as the engines do
  /// them (jit/semantics/segment_checks.h): outside 64-bit mode limit, type and null selector,
  /// #GP(0) or #SS(0); in 64-bit mode #SS(0) for a non-canonical stack reference. The tables,
  /// TSS and gate stacks of event delivery have their own rules and do not come here.
  bool CheckSegment(frontend::Seg seg, uint64_t offset, uint64_t n, jit::sem::SegmentAccess a);
  /// The linear address of `n` bytes at memory operand `m`, after CheckSegment().
  bool CheckedLinear(const frontend::Operand& m, uint64_t n, jit::sem::SegmentAccess a, uint64_t& linear) {
    const uint64_t offset = Offset(m);
    if (!CheckSegment(m.seg, offset, n, a)) return false;
    linear = SegmentBase(m.seg) + offset;
    return true;
  }
  bool ReadOperand(unsigned i, uint64_t& v);
  bool WriteOperand(unsigned i, uint64_t v);
  uint64_t NextRip() const { return s.rip + insn->length; }

  // --- the stack (SS.B or 64-bit mode decide the stack pointer's width; SS's limit, #SS(0)) ---
  uint64_t StackMask() const;
  bool Push(uint64_t v, unsigned size);
  bool Pop(uint64_t& v, unsigned size);
  /// Reads the value `depth` bytes above the stack pointer without popping.
  bool PeekStack(uint64_t depth, unsigned size, uint64_t& v);

  // --- descriptors and segment registers ---
  /// The 8 bytes of the descriptor `selector` names (GDT or LDT), or #GP(selector) past the
  /// table's limit. `high`: also the next 8 bytes (16-byte system descriptors in long mode).
  bool ReadDescriptor(uint16_t selector, Descriptor& d, uint64_t* high = nullptr, uint8_t vector = jit::vec::kGp);
  /// Sets the accessed bit in the descriptor when it is clear.
  bool MarkAccessed(uint16_t selector, Descriptor& d);
  /// MOV/POP to a data segment register or SS, and LDS etc. (SDM Vol.2 MOV "Operation").
  bool LoadDataSegment(unsigned seg, uint16_t selector);
  /// Loads CS from a checked code descriptor with RPL = CPL = `cpl`.
  void SetCs(uint16_t selector, const Descriptor& d, unsigned cpl);
  /// A segment register from a descriptor, or a real-mode/V86 paragraph.
  void SetSegment(unsigned seg, uint16_t selector, const Descriptor& d);
  void SetRealSegment(unsigned seg, uint16_t selector);
  /// Clears a data segment register that the new privilege level may not use (RET/IRET to an
  /// outer level, SDM Vol.2 RET "Operation").
  void InvalidateForOuterLevel(unsigned seg, unsigned cpl);
  /// A privilege or CS change: TLB rights and cached host pages depend on the CPL.
  void PrivilegeChanged();
};

}  // namespace kiln::machine
