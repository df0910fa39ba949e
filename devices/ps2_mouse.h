// Ps2Mouse: a PS/2 mouse with the IntelliMouse wheel extension behind the 8042's auxiliary port
// (IBM PS/2 mouse commands; QEMU's hw/input/ps2.c; Linux psmouse for the probes). Stream mode
// with reporting on queues a packet per MouseMove(); remote mode accumulates motion until the
// host's Read Data command. The sample-rate knock 200, 100, 80 switches the ID to 3 and the
// packets to 4 bytes (the wheel). Wrap (echo) mode is not modelled: its commands get "resend".
#pragma once

#include <cstdint>
#include <string>

#include "devices/ps2_queue.h"
#include "devices/snapshot.h"

namespace kiln::devices {

class Ps2Mouse {
 public:
  Ps2Mouse() { Reset(); }

  /// Power-on state: ID 0, stream mode, reporting off, 100 samples/s, 4 counts/mm, 1:1 scaling.
  void Reset();

  /// A byte from the host (8042 command 0xD4): a command or a command's parameter.
  void Write(uint8_t byte);

  /// The host's mouse motion: dx right, dy up (PS/2 convention), dz wheel (down positive, as
  /// the IntelliMouse reports it), buttons as ps2::kPacketLeft | kPacketRight | kPacketMiddle.
  /// Large moves are split into packets of at most 255 counts; what does not fit is dropped.
  void Move(int dx, int dy, int dz, uint8_t buttons);

  /// Save/restore (snapshot.h), as a section nested in the I8042's.
  void Save(SnapshotWriter& w) const;
  bool Load(SnapshotReader& r, std::string& error);

  bool HasOutput() const { return !queue_.empty(); }
  uint8_t ReadOutput() { return queue_.Pop(); }

  uint8_t id() const { return id_; }
  uint8_t sample_rate() const { return sample_rate_; }
  uint8_t resolution() const { return resolution_; }
  bool reporting() const { return reporting_; }

 private:
  void Reply(std::initializer_list<uint8_t> bytes) { queue_.PushReply(bytes); }
  void SetDefaults();
  /// Queues one packet of the accumulated motion (at most 255 counts per axis) and takes it off
  /// the accumulators; `reply` packets (Read Data) may use the reply headroom.
  bool SendPacket(bool reply);
  int Scale(int d) const;

  Ps2Queue queue_;
  uint8_t pending_command_ = 0;
  uint8_t id_ = 0;
  uint8_t sample_rate_ = 100;
  uint8_t resolution_ = 2;
  bool scaling_21_ = false;
  bool remote_ = false;
  bool reporting_ = false;
  uint8_t knock_[3] = {};  ///< the last three sample rates set, newest last
  uint8_t buttons_ = 0;
  int dx_ = 0, dy_ = 0, dz_ = 0;  ///< motion not yet reported
  uint8_t last_packet_[4] = {};
  uint8_t last_packet_size_ = 0;
};

}  // namespace kiln::devices
