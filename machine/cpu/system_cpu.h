// SystemCpu: the system half of the CPU, in one place for every engine (trap-and-emulate,
// ARCHITECTURE.md): the instructions the engines leave to the machine (ExitReason::kSystem:
// control and debug registers, descriptor tables, MSRs, port I/O, far transfers and IRET,
// segment loads, CLI/STI/POPF/HLT, SYSCALL/SYSENTER and their returns), and the delivery of
// exceptions and interrupts in real, protected and long mode (IVT, 32-bit and 64-bit IDT, stack
// switches through the TSS and the IST, error codes, #DF and triple fault).
//
// Every guest-controlled value (selectors, descriptor fields, table limits, MSR numbers, ports)
// is checked as the SDM says, and an unsupported corner (a task gate, a hardware task switch,
// virtual-8086 mode) raises the architectural fault with a one-line report instead of running on.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "frontend/decoded_insn.h"
#include "jit/interp/interpreter.h"
#include "machine/cpu_state.h"
#include "machine/mmu/system_memory.h"
#include "machine/port_bus.h"

namespace kiln::machine {

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
  /// Whether the CPU accepts a maskable interrupt now (IF set, no STI/MOV SS shadow).
  bool InterruptsEnabled() const;
  /// The shadow of STI and MOV SS lasts one instruction: the run loop ends it.
  bool interrupt_shadow = false;

  /// Puts the CPU in its power-on state (SDM Vol.3 9.1.1): real mode at F000:FFF0.
  void Reset();
  /// Enters 32-bit protected mode with flat 4 GiB segments (the Multiboot entry state).
  void EnterFlatProtectedMode(uint32_t eip);

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
};

}  // namespace kiln::machine
