// Virtual time as a device sees it (ARCHITECTURE.md "Time"). The machine owns one clock; devices
// read the time and arm timers on it and never look at the host clock themselves, so that the
// deterministic mode (time from the retired-instruction count) makes two runs identical.
//
// Times are nanoseconds of virtual time since the machine was built. A timer's callback runs on
// the machine's thread between instructions, never inside a device's register access, so a
// callback may raise IRQ lines and re-arm its own timer.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>

namespace kiln::devices {

/// A one-shot timer: armed for an absolute deadline, it fires once when virtual time reaches it.
/// Periodic devices re-arm from their callback. Destroying the timer cancels it.
class Timer {
 public:
  virtual ~Timer() = default;
  /// (Re)arms the timer; a deadline in the past fires at the next check.
  virtual void Arm(uint64_t deadline_ns) = 0;
  virtual void Cancel() = 0;
  virtual bool armed() const = 0;
};

class Clock {
 public:
  using Callback = std::function<void()>;
  virtual ~Clock() = default;
  /// Virtual nanoseconds since the machine was built; never goes backwards.
  virtual uint64_t NowNs() const = 0;
  /// A new, disarmed timer that runs `callback` when it fires.
  virtual std::unique_ptr<Timer> NewTimer(Callback callback) = 0;
};

/// Converts a tick count of a `hz` clock to nanoseconds and back, without overflow for any
/// 64-bit tick count a guest can program at the frequencies of PC devices (up to a few GHz).
inline uint64_t TicksToNs(uint64_t ticks, uint64_t hz) {
  return static_cast<uint64_t>((static_cast<unsigned __int128>(ticks) * 1'000'000'000u) / hz);
}
inline uint64_t NsToTicks(uint64_t ns, uint64_t hz) {
  return static_cast<uint64_t>((static_cast<unsigned __int128>(ns) * hz) / 1'000'000'000u);
}

}  // namespace kiln::devices
