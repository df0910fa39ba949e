// PcMachine: the run loop. Between slices of instructions it fires due timers, takes NMIs and
// external interrupts (local APIC first, then the 8259's ExtINT through LINT0), emulates the
// instructions the engine leaves to the machine, and idles in HLT until a timer or the console
// can wake the CPU.
#include <algorithm>
#include <chrono>
#include <string>
#include <thread>

#include "machine/pc/pc_machine.h"

namespace kiln::machine {
namespace {

/// Instructions per engine run between device polls and interrupt checks.
constexpr uint64_t kSlice = 20000;
/// Instructions between polls of the consoles for input.
constexpr uint64_t kPollInterval = 200000;

}  // namespace

void PcMachine::PollDevices() {
  for (auto& uart : uarts_) uart->Poll();
  for (auto& b : backends_) b->Flush();
}

bool PcMachine::CanWake() const {
  // An NMI, an armed timer or input on the serial console can raise an interrupt on its own.
  if (nmi_pending_) return true;
  return (state_->rflags_rest & (1u << 9)) && (serial_interactive_ || clock_->NextDeadline() != VirtualClock::kNever);
}

bool PcMachine::TakeInterrupts(bool& woke, std::string& message, int& status) {
  const auto triple_fault = [&] {
    message = "triple fault";
    if (config_.dump_on_stop || config_.no_reboot) message += "\n" + cpu_->Dump();
    status = 1;
    return false;
  };
  if (lapic_->TakeInit()) cpu_->ReportOnce("an INIT IPI to the bootstrap processor is ignored");
  if (lapic_->TakeSmi()) cpu_->ReportOnce("an SMI is ignored (no system management mode)");
  if (lapic_->TakeNmi()) nmi_pending_ = true;
  if (nmi_pending_ && !cpu_->nmi_blocked && !cpu_->interrupt_shadow) {
    nmi_pending_ = false;
    woke = true;
    if (!cpu_->DeliverNmi()) return triple_fault();
  }
  if (!cpu_->InterruptsEnabled()) return true;
  if (lapic_->InterruptPending()) {
    woke = true;
    if (!cpu_->DeliverExternal(lapic_->Acknowledge())) return triple_fault();
  } else if (pic_.InterruptPending() && (lapic_->AcceptsPicInterrupts() || lapic_->TakeExtInt())) {
    woke = true;
    if (!cpu_->DeliverExternal(pic_.Acknowledge())) return triple_fault();
  }
  return true;
}

int PcMachine::Run(std::string& message) {
  bool halted = false;
  uint64_t since_poll = 0;
  while (true) {
    if (signal_flag_ && *signal_flag_) {
      message = "terminated by signal " + std::to_string(*signal_flag_);
      return 128 + *signal_flag_;
    }
    if (stop_ == Stop::kExit) return exit_status_;
    if (stop_ == Stop::kPowerOff) return 0;
    if (stop_ == Stop::kReset) {
      stop_ = Stop::kNone;
      if (config_.no_reboot) {
        message = "the guest reset the machine (-no-reboot)";
        return 0;
      }
      std::string error;
      if (!Boot(error)) {
        message = error;
        return 1;
      }
      halted = false;
    }
    bool woke = false;
    int status = 0;
    if (!TakeInterrupts(woke, message, status)) {
      if (config_.no_reboot) return status;
      stop_ = Stop::kReset;
      continue;
    }
    if (woke) halted = false;
    if (halted) {
      if (!CanWake()) {
        message = "the CPU halted with nothing left that could wake it";
        if (config_.dump_on_stop) message += "\n" + cpu_->Dump();
        return 1;
      }
      PollDevices();
      // Real time sleeps until the next timer (at most 1 ms, to look at the console); deterministic
      // time jumps to it, or waits for console input when no timer is armed.
      const uint64_t next = clock_->NextDeadline();
      if (clock_->deterministic() && next == VirtualClock::kNever)
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
      else
        clock_->Idle(next, std::chrono::milliseconds(1));
      clock_->RunDue();
      continue;
    }
    // The instruction after STI or MOV SS runs before any interrupt is taken. In deterministic
    // time a slice ends at the next timer's deadline, so timers fire at exact instructions.
    uint64_t budget = cpu_->interrupt_shadow ? 1 : kSlice;
    if (clock_->deterministic()) {
      const uint64_t now = clock_->NowNs(), next = clock_->NextDeadline();
      if (next != VirtualClock::kNever)
        budget = std::clamp<uint64_t>((next - std::min(next, now)) / clock_->ns_per_insn(), 1, budget);
    }
    const jit::Exit exit = engine_->Run(budget);
    if (budget == 1) cpu_->interrupt_shadow = false;  // (an emulated MOV SS/STI sets a new one below)
    clock_->RunDue();
    since_poll += budget;
    if (since_poll >= kPollInterval) {
      since_poll = 0;
      PollDevices();
    }
    Fault fault;
    bool deliver = false;
    switch (exit.reason) {
      case jit::ExitReason::kInstructionLimit: break;
      case jit::ExitReason::kSystem: {
        const SystemCpu::Result r = cpu_->Emulate(*exit.insn, fault);
        if (r == SystemCpu::Result::kHalt) halted = true;
        deliver = r == SystemCpu::Result::kFault;
        break;
      }
      case jit::ExitReason::kException:
        fault = Fault{exit.vector, exit.has_error_code, exit.error_code, exit.fault_address};
        deliver = true;
        break;
      case jit::ExitReason::kHalt:
      case jit::ExitReason::kSyscall:
        halted = exit.reason == jit::ExitReason::kHalt;
        break;
    }
    if (deliver && !cpu_->DeliverException(fault)) {
      message = "triple fault";
      if (config_.dump_on_stop || config_.no_reboot) message += "\n" + cpu_->Dump();
      if (config_.no_reboot) return 1;
      stop_ = Stop::kReset;
    }
  }
}

}  // namespace kiln::machine
