// Converting a device's tick count into a Timer deadline: the first virtual nanosecond at which
// a `hz` clock has counted `ticks` (NsToTicks(ns, hz) >= ticks), or nothing when that lies
// beyond the 64-bit nanosecond range (a guest programming a comparator centuries away must get
// "never", not a wrapped deadline that fires at once).
#pragma once

#include <cstdint>
#include <limits>
#include <optional>

namespace kiln::devices {

inline std::optional<uint64_t> DeadlineNs(uint64_t ticks, uint64_t hz) {
  const unsigned __int128 ns = (static_cast<unsigned __int128>(ticks) * 1'000'000'000u + hz - 1) / hz;
  if (ns > std::numeric_limits<uint64_t>::max()) return std::nullopt;
  return static_cast<uint64_t>(ns);
}

}  // namespace kiln::devices
