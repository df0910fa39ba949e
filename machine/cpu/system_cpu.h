// SystemCpu: the system half of the CPU, in one place for every engine (trap-and-emulate,
// ARCHITECTURE.md): the instructions the engines leave to the machine (ExitReason::kSystem:
// control and debug registers, descriptor tables, MSRs, port I/O, far transfers and IRET,
// segment loads, CLI/STI/POPF/HLT, SYSCALL/SYSENTER and their returns), and the delivery of
// exceptions and interrupts in real, protected and long mode (IVT, 32-bit and 64-bit IDT, stack
// switches through the TSS and the IST, error codes, #DF and triple fault).
//
// Every guest-controlled value (selectors, descriptor fields, table limits, MSR numbers, ports)
// is checked as the SDM says, and an unsupported corner (a 16-bit TSS in a task switch, a
// system instruction not implemented) raises the architectural fault with a one-line report
// instead of running on. Call gates and task switches: call_gates.cpp, task_switch.cpp; #DB:
// debug.cpp.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "frontend/decoded_insn.h"
#include "jit/interp/interpreter.h"
#include "machine/cpu_model.h"
#include "machine/cpu_state.h"
#include "machine/mmu/system_memory.h"
#include "machine/port_bus.h"

namespace kiln::machine {

/// What the CPU needs from the board around it: the time-stamp counter (from the machine's
/// virtual clock) and the model-specific registers of board devices (the local APIC's
/// IA32_APIC_BASE and IA32_TSC_DEADLINE). Without a board, the TSC counts retired instructions.
class CpuBoard {
 public:
  virtual ~CpuBoard() = default;
  virtual uint64_t ReadTsc() = 0;
  virtual void WriteTsc(uint64_t value) = 0;
  enum class MsrAccess : uint8_t { kNotMine, kDone, kGp };
  virtual MsrAccess ReadMsr(uint32_t /*index*/, uint64_t& /*value*/) { return MsrAccess::kNotMine; }
  virtual MsrAccess WriteMsr(uint32_t /*index*/, uint64_t /*value*/) { return MsrAccess::kNotMine; }
  /// CR8 is the local APIC's task priority (TPR bits 7:4); without an APIC it is a plain register.
  virtual void WriteCr8(uint8_t /*value*/) {}
  virtual uint8_t ReadCr8(uint64_t stored) { return static_cast<uint8_t>(stored); }
};

/// An exception to deliver: vector, error code when it has one, and CR2 for #PF.
struct Fault {
  uint8_t vector = 0;
  bool has_code = false;
  uint32_t code = 0;
  uint64_t cr2 = 0;
};

class SystemCpu {
 public:
  SystemCpu(CpuState& s, SystemMemory& mem, PortBus& ports, jit::Interpreter& engine);

  enum class Result : uint8_t {
    kDone,         ///< emulated; RIP moved on (or to the target)
    kFault,        ///< `fault` must be delivered; the state is that of the instruction's start
    kHalt,         ///< HLT retired: the CPU waits for an interrupt
  };
  /// Emulates one instruction the engine left to the machine.
  Result Emulate(const frontend::DecodedInsn& insn, Fault& fault);

  /// Delivers an exception raised by an instruction (RIP at it; traps such as INT3 from the
  /// engine have RIP after it). Escalates to #DF and returns false on a triple fault.
  bool DeliverException(const Fault& f);
  /// Delivers an external interrupt (INTR) with `vector`. False on a triple fault.
  bool DeliverExternal(uint8_t vector);
  /// Delivers a non-maskable interrupt (vector 2) and blocks further NMIs until the next IRET.
  /// False on a triple fault. The run loop takes an NMI only when `nmi_blocked` is clear.
  bool DeliverNmi();
  bool nmi_blocked = false;
  /// Whether the CPU accepts a maskable interrupt now (IF set, no STI/MOV SS shadow).
  bool InterruptsEnabled() const;
  /// The shadow of STI and MOV SS lasts one instruction: the run loop ends it.
  bool interrupt_shadow = false;

  /// Puts the CPU in its power-on state (SDM Vol.3 9.1.1): real mode at F000:FFF0.
  void Reset();
  /// Enters 32-bit protected mode with flat 4 GiB segments (the Multiboot entry state).
  void EnterFlatProtectedMode(uint32_t eip);
  /// Enters 64-bit mode as a boot loader leaves it for Linux's 64-bit entry: CR0.PE/PG,
  /// CR4.PAE, EFER.LME/LMA, the page tables at `cr3`, the GDT given, CS = `code_selector`
  /// (64-bit) and the data segments = `data_selector` (flat), interrupts off.
  void EnterLongMode(uint64_t rip, uint64_t cr3, uint64_t gdt_base, uint16_t gdt_limit, uint16_t code_selector,
                     uint16_t data_selector);

  /// The CPU model CPUID reports.
  const CpuModel& Model() const {
    static const CpuModel kDefaultModel;
    return s_.cpu_model ? *s_.cpu_model : kDefaultModel;
  }
  /// Sets an MSR that is storage only (MTRRs, PAT) as firmware would before the OS starts.
  void SetStorageMsr(uint32_t index, uint64_t value) { msr_storage_[index] = value; }

  /// The board this CPU sits on (nullptr: none, as in unit tests).
  void SetBoard(CpuBoard* board) { board_ = board; }
  CpuBoard* board() const { return board_; }
  uint64_t ReadTsc() const { return board_ ? board_->ReadTsc() : s_.retired; }

  /// One line describing an unsupported feature the guest reached, reported once.
  void ReportOnce(const std::string& what);
  std::string Dump() const;

 private:
  friend class SystemCpuAccess;
  CpuState& s_;
  SystemMemory& mem_;
  PortBus& ports_;
  jit::Interpreter& engine_;
  std::map<uint32_t, uint64_t> msr_storage_;  ///< MSRs that are storage only (MTRRs, PAT, ...)
  std::map<std::string, bool> reported_;
  CpuBoard* board_ = nullptr;
};

}  // namespace kiln::machine
