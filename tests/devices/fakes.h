// Test doubles for devices/io.h: an IRQ line that records its level and edges, a character
// backend with scripted input and captured output, a MachineControl that records requests, and a
// clock whose time the test advances by hand (firing due timers in deadline order).
#pragma once

#include <algorithm>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "devices/clock.h"
#include "devices/io.h"

namespace kiln::devices::testing {

class FakeIrqLine final : public IrqLine {
 public:
  void SetLevel(bool high) override {
    if (high && !level) ++rising_edges;
    if (!high && level) ++falling_edges;
    level = high;
  }
  bool level = false;
  int rising_edges = 0;
  int falling_edges = 0;
};

class FakeCharBackend final : public CharBackend {
 public:
  void Write(const uint8_t* data, size_t size) override { output.append(reinterpret_cast<const char*>(data), size); }
  size_t Read(uint8_t* data, size_t size) override {
    size_t n = 0;
    while (n < size && !input.empty()) {
      data[n++] = input.front();
      input.pop_front();
    }
    ++reads;
    return n;
  }
  void Feed(const std::string& s) { input.insert(input.end(), s.begin(), s.end()); }
  std::string output;
  std::deque<uint8_t> input;
  int reads = 0;
};

class FakeMachineControl final : public MachineControl {
 public:
  void RequestExit(int status) override { exits.push_back(status); }
  void RequestReset() override { ++resets; }
  void RequestPowerOff() override { ++power_offs; }
  std::vector<int> exits;
  int resets = 0;
  int power_offs = 0;
};

class FakeClock final : public Clock {
 public:
  uint64_t NowNs() const override {
    const uint64_t t = now;
    now += step_per_read;
    return t;
  }
  std::unique_ptr<Timer> NewTimer(Callback callback) override {
    auto t = std::make_unique<FakeTimer>(*this, std::move(callback));
    timers.push_back(t.get());
    return t;
  }
  /// Moves time forward to `target`, firing each due timer at its own deadline, earliest first.
  void AdvanceTo(uint64_t target) {
    while (true) {
      FakeTimer* next = nullptr;
      for (FakeTimer* t : timers)
        if (t->armed_ && t->deadline_ <= target && (!next || t->deadline_ < next->deadline_)) next = t;
      if (!next) break;
      now = std::max(now, next->deadline_);
      next->armed_ = false;
      next->callback_();
    }
    now = std::max(now, target);
  }
  void Advance(uint64_t ns) { AdvanceTo(now + ns); }

  mutable uint64_t now = 0;
  /// Time that passes at every reading of the clock (0: none), as real time does between two
  /// samples: a device that samples twice for one access sees the time move.
  uint64_t step_per_read = 0;

 private:
  class FakeTimer final : public Timer {
   public:
    FakeTimer(FakeClock& clock, Callback cb) : clock_(clock), callback_(std::move(cb)) {}
    ~FakeTimer() override { std::erase(clock_.timers, this); }
    void Arm(uint64_t deadline_ns) override { armed_ = true, deadline_ = deadline_ns; }
    void Cancel() override { armed_ = false; }
    bool armed() const override { return armed_; }
    FakeClock& clock_;
    Callback callback_;
    bool armed_ = false;
    uint64_t deadline_ = 0;
    friend class FakeClock;
  };
  std::vector<FakeTimer*> timers;
};

}  // namespace kiln::devices::testing
