// Ps2Keyboard: an MF2 PS/2 keyboard behind the 8042 (IBM PS/2 keyboard commands; QEMU's
// hw/input/ps2.c). It answers the host's commands and queues the host's key events as scan code
// set 2 (set 1 when the guest selects it; a set-3 request is acknowledged and remembered but key
// events stay in set 2, which no PC guest asks for in practice). The 8042 translates set 2 to
// set 1 when its XLAT bit is on: that happens in I8042, not here.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "devices/ps2_queue.h"
#include "devices/snapshot.h"

namespace kiln::devices {

class Ps2Keyboard {
 public:
  Ps2Keyboard() { Reset(); }

  /// Power-on defaults: set 2, scanning on, LEDs off, empty queue (no BAT code queued).
  void Reset();

  /// A byte from the host (through the 8042): a command or a command's parameter.
  void Write(uint8_t byte);

  /// The host's key events as set-2 make codes (e.g. {0x1c} for A, {0xe0, 0x75} for Up): a key
  /// up queues the break code (0xf0 before the last byte). Dropped when scanning is off or the
  /// queue is full. At most 8 bytes per event.
  void KeyDown(const uint8_t* make, size_t n);
  void KeyUp(const uint8_t* make, size_t n);

  /// Save/restore (snapshot.h), as a section nested in the I8042's.
  void Save(SnapshotWriter& w) const;
  bool Load(SnapshotReader& r, std::string& error);

  bool HasOutput() const { return !queue_.empty(); }
  uint8_t ReadOutput() { return queue_.Pop(); }

  uint8_t leds() const { return leds_; }
  uint8_t scan_code_set() const { return scan_code_set_; }
  uint8_t typematic() const { return typematic_; }
  bool scanning() const { return scanning_; }

 private:
  void Reply(std::initializer_list<uint8_t> bytes);
  void SetDefaults();
  void QueueEvent(const uint8_t* make, size_t n, bool up);

  Ps2Queue queue_;
  uint8_t pending_command_ = 0;  ///< a command waiting for its parameter byte, or 0
  uint8_t last_sent_ = 0;        ///< for the resend command
  uint8_t leds_ = 0;
  uint8_t scan_code_set_ = 2;
  uint8_t typematic_ = 0;
  bool scanning_ = true;
};

}  // namespace kiln::devices
