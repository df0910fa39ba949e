// VirtualClock: time, timers and idling.
#include "machine/virtual_clock.h"

#include <algorithm>
#include <thread>

namespace kiln::machine {

/// A timer is an index into the clock's slot list, so that a timer destroyed while its clock
/// runs callbacks only marks its slot free.
class VirtualClock::SlotTimer final : public devices::Timer {
 public:
  SlotTimer(VirtualClock& clock, size_t slot) : clock_(clock), slot_(slot) {}
  ~SlotTimer() override {
    Slot& s = clock_.slots_[slot_];
    s.live = false, s.deadline = kNever, s.callback = nullptr;
  }
  void Arm(uint64_t deadline_ns) override { clock_.slots_[slot_].deadline = deadline_ns; }
  void Cancel() override { clock_.slots_[slot_].deadline = kNever; }
  bool armed() const override { return clock_.slots_[slot_].deadline != kNever; }

 private:
  VirtualClock& clock_;
  size_t slot_;
};

VirtualClock::VirtualClock() : start_(std::chrono::steady_clock::now()) {}

VirtualClock::VirtualClock(const uint64_t* retired, uint64_t ns_per_insn)
    : retired_(retired), ns_per_insn_(std::max<uint64_t>(ns_per_insn, 1)), start_(std::chrono::steady_clock::now()) {}

VirtualClock::~VirtualClock() = default;

uint64_t VirtualClock::NowNs() const {
  if (retired_) return *retired_ * ns_per_insn_ + skipped_ns_;
  const auto elapsed = std::chrono::steady_clock::now() - start_;
  const uint64_t ns = static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(elapsed).count());
  last_ns_ = std::max(last_ns_, ns);
  return last_ns_;
}

std::unique_ptr<devices::Timer> VirtualClock::NewTimer(Callback callback) {
  size_t slot = 0;
  while (slot < slots_.size() && slots_[slot].live) ++slot;
  if (slot == slots_.size()) slots_.emplace_back();
  slots_[slot] = Slot{kNever, std::move(callback), true};
  return std::make_unique<SlotTimer>(*this, slot);
}

uint64_t VirtualClock::NextDeadline() const {
  uint64_t next = kNever;
  for (const Slot& s : slots_) next = std::min(next, s.deadline);
  return next;
}

void VirtualClock::RunDue() {
  // Bounded: a callback that keeps re-arming in the past (a guest programming a zero period)
  // cannot hold the CPU here for ever; the rest fire at the next check.
  for (int fired = 0; fired < 64; ++fired) {
    const uint64_t now = NowNs();
    size_t due = slots_.size();
    for (size_t i = 0; i < slots_.size(); ++i)
      if (slots_[i].deadline <= now && (due == slots_.size() || slots_[i].deadline < slots_[due].deadline)) due = i;
    if (due == slots_.size()) return;
    slots_[due].deadline = kNever;
    Callback callback = slots_[due].callback;  // a copy: the callback may destroy its timer
    callback();
  }
}

void VirtualClock::Idle(uint64_t deadline_ns, std::chrono::microseconds max_sleep) {
  const uint64_t now = NowNs();
  if (deadline_ns <= now) return;
  if (retired_) {
    if (deadline_ns != kNever) skipped_ns_ += deadline_ns - now;
    return;
  }
  const auto wait = std::min<uint64_t>(deadline_ns - now, static_cast<uint64_t>(max_sleep.count()) * 1000);
  std::this_thread::sleep_for(std::chrono::nanoseconds(wait));
}

}  // namespace kiln::machine
