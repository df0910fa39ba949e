// VirtualClock: the machine's one clock (ARCHITECTURE.md "Time"), which the devices see as a
// devices::Clock and the CPU reads for RDTSC. Two modes:
//  - real time: virtual time follows the host's monotonic clock, as QEMU does by default;
//  - deterministic: virtual time is the retired-instruction count times a fixed period, plus
//    the time skipped while the CPU idles in HLT (QEMU's -icount), so two runs with the same
//    inputs see the same times and interrupts at the same instructions.
// Timers are one-shot deadlines kept in a small list (a PC has about ten); the run loop asks
// for the next deadline to size its slices and fires the due ones between instructions.
#pragma once

#include <chrono>
#include <cstdint>
#include <limits>
#include <memory>
#include <vector>

#include "devices/clock.h"

namespace kiln::machine {

class VirtualClock final : public devices::Clock {
 public:
  static constexpr uint64_t kNever = std::numeric_limits<uint64_t>::max();

  /// Real-time mode.
  VirtualClock();
  /// Deterministic mode: each retired instruction (read from *retired) is `ns_per_insn` ns.
  VirtualClock(const uint64_t* retired, uint64_t ns_per_insn);
  ~VirtualClock() override;

  uint64_t NowNs() const override;
  std::unique_ptr<devices::Timer> NewTimer(Callback callback) override;

  bool deterministic() const { return retired_ != nullptr; }
  uint64_t ns_per_insn() const { return ns_per_insn_; }
  /// The earliest armed deadline, or kNever.
  uint64_t NextDeadline() const;
  /// Fires every timer whose deadline has passed, earliest first (a callback may re-arm).
  void RunDue();
  /// The CPU idles until `deadline_ns`: deterministic time jumps there; real time sleeps until
  /// then or for at most `max_sleep` of host time, whichever is first.
  void Idle(uint64_t deadline_ns, std::chrono::microseconds max_sleep);

 private:
  class SlotTimer;
  struct Slot {
    uint64_t deadline = kNever;
    Callback callback;
    bool live = false;
  };

  const uint64_t* retired_ = nullptr;
  uint64_t ns_per_insn_ = 1;
  uint64_t skipped_ns_ = 0;  ///< deterministic: the time jumped over while idle
  std::chrono::steady_clock::time_point start_;
  mutable uint64_t last_ns_ = 0;  ///< real time never goes backwards, even across host clock steps
  std::vector<Slot> slots_;
};

}  // namespace kiln::machine
