// Helpers of the snapshot tests. A "rig" is one device with its fake clock, lines and backends:
//
//   struct XRig : ClockAt {
//     explicit XRig(uint64_t now = 0);             // the clock reads `now` before the device exists
//     void Save(SnapshotWriter&) const;             // the device's Save
//     bool Load(SnapshotReader&, std::string&);     // the device's Load
//     std::string Observe();                        // what a guest sees now: reads, IRQ levels, edges
//     void Exercise();                              // drive every register and let time run
//     void ZeroEdges();                             // forget the IRQ edges counted so far
//   };
//
// Two rigs behave identically when Observe() returns the same text after the same steps of
// time. Observe() may read registers with side effects: both rigs get the same reads.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <random>
#include <span>
#include <string>
#include <vector>

#include "devices/snapshot.h"
#include "tests/devices/fakes.h"

namespace kiln::devices::testing {

struct ClockAt {
  explicit ClockAt(uint64_t now) { clock.now = now; }
  FakeClock clock;
};

template <class Rig>
std::vector<uint8_t> SaveOf(const Rig& rig) {
  SnapshotWriter w;
  rig.Save(w);
  return w.data();
}

/// Loads `bytes` into `rig`; fails the test with the reader's error.
template <class Rig>
::testing::AssertionResult LoadInto(Rig& rig, std::span<const uint8_t> bytes) {
  SnapshotReader r(bytes);
  std::string error;
  if (!rig.Load(r, error)) return ::testing::AssertionFailure() << error;
  if (!r.AtEnd()) return ::testing::AssertionFailure() << "bytes left after the device's section";
  return ::testing::AssertionSuccess();
}

/// A new rig at the same virtual time with `rig`'s snapshot loaded (and saving the same bytes).
template <class Rig>
std::unique_ptr<Rig> RestoredCopy(const Rig& rig) {
  const std::vector<uint8_t> bytes = SaveOf(rig);
  auto copy = std::make_unique<Rig>(rig.clock.now);
  EXPECT_TRUE(LoadInto(*copy, bytes));
  EXPECT_EQ(SaveOf(*copy), bytes) << "a restored device saves different bytes";
  return copy;
}

inline void ZeroEdges(FakeIrqLine& line) { line.rising_edges = line.falling_edges = 0; }

/// Advances both rigs' clocks by `step_ns`, `steps` times, comparing what a guest observes after
/// each step (and before the first). IRQ edges count from here: loading drives a new rig's
/// lines to the saved levels. Returns the observations of `a`, for tests to check that something
/// happened.
template <class Rig>
std::vector<std::string> ExpectSameFuture(Rig& a, Rig& b, uint64_t step_ns, int steps) {
  a.ZeroEdges(), b.ZeroEdges();
  std::vector<std::string> seen;
  for (int i = 0; i <= steps; ++i) {
    if (i > 0) a.clock.Advance(step_ns), b.clock.Advance(step_ns);
    const std::string oa = a.Observe(), ob = b.Observe();
    seen.push_back(oa);
    EXPECT_EQ(oa, ob) << "after step " << i;
    if (oa != ob) break;
  }
  return seen;
}

/// The lengths of truncations to try: every one for small snapshots, a spread for large ones.
inline std::vector<size_t> TruncationLengths(size_t size) {
  std::vector<size_t> lengths;
  const size_t stride = size <= 2048 ? 1 : size / 1024;
  for (size_t n = 0; n < size; n += (n < 64 || size - n < 64) ? 1 : stride) lengths.push_back(n);
  return lengths;
}

/// Untrusted snapshots: every truncation of `rig`'s snapshot must fail with a one-line error and
/// leave the device as it was; `corruptions` copies with a few random bytes changed must either
/// fail the same way or give a device that Exercise() can drive (ASan and UBSan watch it).
template <class Rig>
void FuzzLoad(const Rig& rig, int corruptions, uint32_t seed = 1) {
  const std::vector<uint8_t> good = SaveOf(rig);
  const uint64_t now = rig.clock.now;
  const auto check_failure = [&](Rig& target, const std::vector<uint8_t>& before, const std::string& error) {
    EXPECT_FALSE(error.empty());
    EXPECT_EQ(error.find('\n'), std::string::npos) << error;
    EXPECT_EQ(SaveOf(target), before) << "a failed Load changed the device: " << error;
  };
  for (size_t n : TruncationLengths(good.size())) {
    Rig target(now);
    const std::vector<uint8_t> before = SaveOf(target);
    SnapshotReader r(std::span<const uint8_t>(good.data(), n));
    std::string error;
    EXPECT_FALSE(target.Load(r, error)) << "a snapshot truncated to " << n << " bytes loaded";
    check_failure(target, before, error);
  }
  std::mt19937 rng(seed);
  int loaded = 0;
  for (int i = 0; i < corruptions; ++i) {
    std::vector<uint8_t> bad = good;
    const int changes = 1 + static_cast<int>(rng() % 3);
    for (int c = 0; c < changes; ++c) {
      uint8_t& byte = bad[rng() % bad.size()];
      switch (rng() % 4) {
        case 0: byte = 0x00; break;
        case 1: byte = 0xFF; break;
        default: byte ^= static_cast<uint8_t>(1 + rng() % 255); break;
      }
    }
    Rig target(now);
    const std::vector<uint8_t> before = SaveOf(target);
    SnapshotReader r(bad);
    std::string error;
    if (target.Load(r, error)) {
      ++loaded;
      target.Exercise();
    } else {
      check_failure(target, before, error);
    }
  }
  // Most corruptions hit data bytes a device accepts: the fuzzing reached the devices' validation
  // and the Exercise() path, not only the section headers.
  if (corruptions >= 100) EXPECT_GT(loaded, 0);
}

}  // namespace kiln::devices::testing
