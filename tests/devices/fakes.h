// Test doubles for devices/io.h: an IRQ line that records its level and edges, a character
// backend with scripted input and captured output, and a MachineControl that records requests.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <vector>

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

}  // namespace kiln::devices::testing
