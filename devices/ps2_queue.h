// Ps2Queue: the bytes a PS/2 device holds for its host, bounded. Events (key presses, mouse
// packets) use at most ps2::kEventQueueBytes and are dropped whole when they do not fit (the
// newest goes, as a device with a full buffer does); command replies may use the remaining room.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string>

#include "devices/ps2_regs.h"
#include "devices/snapshot.h"

namespace kiln::devices {

class Ps2Queue {
 public:
  bool empty() const { return count_ == 0; }
  size_t size() const { return count_; }
  void Clear() { head_ = count_ = 0; }

  /// Queues an event's bytes all or none; false when dropped.
  bool PushEvent(const uint8_t* bytes, size_t n) { return PushAll(bytes, n, ps2::kEventQueueBytes); }
  /// Queues a command reply all or none (a hostile stream of commands cannot grow the queue).
  bool PushReply(std::initializer_list<uint8_t> bytes) {
    return PushAll(bytes.begin(), bytes.size(), ps2::kQueueBytes);
  }

  /// The bytes in order (a count, then the bytes), independent of where the ring starts.
  void Save(SnapshotWriter& w) const {
    w.U8(static_cast<uint8_t>(count_));
    for (size_t i = 0; i < count_; ++i) w.U8(bytes_[(head_ + i) % bytes_.size()]);
  }
  /// Reads what Save wrote into this queue; a count above the queue's size fails the reader.
  void Load(SnapshotReader& r) {
    const uint8_t n = r.U8();
    if (n > bytes_.size()) return r.Fail("PS/2 queue holds " + std::to_string(n) + " bytes, at most 24 fit");
    std::array<uint8_t, ps2::kQueueBytes> bytes{};
    for (size_t i = 0; i < n; ++i) bytes[i] = r.U8();
    if (!r.ok()) return;
    bytes_ = bytes, head_ = 0, count_ = n;
  }

  uint8_t Pop() {
    if (count_ == 0) return 0;
    const uint8_t byte = bytes_[head_];
    head_ = (head_ + 1) % bytes_.size();
    --count_;
    return byte;
  }

 private:
  bool PushAll(const uint8_t* bytes, size_t n, size_t limit) {
    if (count_ + n > limit) return false;
    for (size_t i = 0; i < n; ++i) bytes_[(head_ + count_++) % bytes_.size()] = bytes[i];
    return true;
  }

  std::array<uint8_t, ps2::kQueueBytes> bytes_{};
  size_t head_ = 0, count_ = 0;
};

}  // namespace kiln::devices
