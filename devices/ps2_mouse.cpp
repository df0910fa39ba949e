// Ps2Mouse: PS/2 mouse commands, packets and the IntelliMouse knock.
#include "devices/ps2_mouse.h"

#include <algorithm>
#include <cstdlib>

namespace kiln::devices {

using namespace ps2;

namespace {
constexpr int kMaxCounts = 255;  // a 9-bit two's complement field, kept symmetric
constexpr int kMaxAccumulated = 1 << 20;  // bounds remote-mode accumulation
}  // namespace

void Ps2Mouse::Reset() {
  queue_.Clear();
  pending_command_ = 0;
  id_ = kMouseIdStandard;
  SetDefaults();
  knock_[0] = knock_[1] = knock_[2] = 0;
  buttons_ = 0;
  last_packet_size_ = 0;
}

void Ps2Mouse::SetDefaults() {
  sample_rate_ = 100;
  resolution_ = 2;
  scaling_21_ = false;
  remote_ = false;
  reporting_ = false;
  dx_ = dy_ = dz_ = 0;
}

void Ps2Mouse::Write(uint8_t byte) {
  if (pending_command_ != 0) {
    const uint8_t command = pending_command_;
    pending_command_ = 0;
    if (command == kMouseSetResolution) {
      resolution_ = byte & 0x03;
    } else {  // kMouseSampleRate
      sample_rate_ = byte;
      knock_[0] = knock_[1], knock_[1] = knock_[2], knock_[2] = byte;
      if (knock_[0] == 200 && knock_[1] == 100 && knock_[2] == 80) id_ = kMouseIdWheel;
    }
    Reply({kAck});
    return;
  }
  switch (byte) {
    case kMouseScaling11:
    case kMouseScaling21:
      scaling_21_ = byte == kMouseScaling21;
      Reply({kAck});
      break;
    case kMouseSetResolution:
    case kMouseSampleRate:
      pending_command_ = byte;
      Reply({kAck});
      break;
    case kMouseStatus: {
      uint8_t status = static_cast<uint8_t>((remote_ ? kStatusRemote : 0) | (reporting_ ? kStatusEnabled : 0) |
                                            (scaling_21_ ? kStatusScaling21 : 0));
      if (buttons_ & kPacketLeft) status |= kStatusLeft;
      if (buttons_ & kPacketMiddle) status |= kStatusMiddle;
      if (buttons_ & kPacketRight) status |= kStatusRight;
      Reply({kAck, status, resolution_, sample_rate_});
      break;
    }
    case kMouseStreamMode:
    case kMouseRemoteMode:
      remote_ = byte == kMouseRemoteMode;
      dx_ = dy_ = dz_ = 0;
      Reply({kAck});
      break;
    case kMouseReadData:
      Reply({kAck});
      SendPacket(/*reply=*/true);
      break;
    case kMouseGetId:
      Reply({kAck, id_});
      break;
    case kMouseEnable:
      reporting_ = true;
      dx_ = dy_ = dz_ = 0;
      Reply({kAck});
      break;
    case kMouseDisable:
      reporting_ = false;
      Reply({kAck});
      break;
    case kMouseDefaults:
      SetDefaults();
      Reply({kAck});
      break;
    case kMouseResend:
      if (last_packet_size_ == 4) Reply({last_packet_[0], last_packet_[1], last_packet_[2], last_packet_[3]});
      else if (last_packet_size_ == 3) Reply({last_packet_[0], last_packet_[1], last_packet_[2]});
      else Reply({kAck});
      break;
    case kMouseReset:
      Reset();
      Reply({kAck, kSelfTestOk, kMouseIdStandard});
      break;
    default:
      Reply({kResend});
      break;
  }
}

int Ps2Mouse::Scale(int d) const {
  if (!scaling_21_ || remote_) return d;  // 2:1 scaling applies to stream reports only
  static constexpr int kScaled[6] = {0, 1, 1, 3, 6, 9};
  const int magnitude = std::abs(d);
  const int scaled = magnitude < 6 ? kScaled[magnitude] : 2 * magnitude;
  return d < 0 ? -scaled : scaled;
}

bool Ps2Mouse::SendPacket(bool reply) {
  const int dx = std::clamp(dx_, -kMaxCounts, kMaxCounts);
  const int dy = std::clamp(dy_, -kMaxCounts, kMaxCounts);
  const int dz = std::clamp(dz_, -8, 7);
  const int sx = std::clamp(Scale(dx), -kMaxCounts, kMaxCounts);
  const int sy = std::clamp(Scale(dy), -kMaxCounts, kMaxCounts);
  uint8_t packet[4];
  packet[0] = static_cast<uint8_t>(kPacketAlways1 | (buttons_ & 0x07) | (sx < 0 ? kPacketXSign : 0) |
                                   (sy < 0 ? kPacketYSign : 0));
  packet[1] = static_cast<uint8_t>(sx);
  packet[2] = static_cast<uint8_t>(sy);
  packet[3] = static_cast<uint8_t>(dz);
  const uint8_t size = id_ == kMouseIdWheel ? 4 : 3;
  const bool queued = reply ? (size == 4 ? queue_.PushReply({packet[0], packet[1], packet[2], packet[3]})
                                         : queue_.PushReply({packet[0], packet[1], packet[2]}))
                            : queue_.PushEvent(packet, size);
  if (!queued) return false;
  std::copy(packet, packet + 4, last_packet_);
  last_packet_size_ = size;
  dx_ -= dx, dy_ -= dy, dz_ -= dz;
  return true;
}

void Ps2Mouse::Move(int dx, int dy, int dz, uint8_t buttons) {
  buttons &= kPacketLeft | kPacketRight | kPacketMiddle;
  const bool buttons_changed = buttons != buttons_;
  buttons_ = buttons;
  dx_ = std::clamp(dx_ + std::clamp(dx, -kMaxAccumulated, kMaxAccumulated), -kMaxAccumulated, kMaxAccumulated);
  dy_ = std::clamp(dy_ + std::clamp(dy, -kMaxAccumulated, kMaxAccumulated), -kMaxAccumulated, kMaxAccumulated);
  dz_ = std::clamp(dz_ + std::clamp(dz, -kMaxAccumulated, kMaxAccumulated), -kMaxAccumulated, kMaxAccumulated);
  if (remote_ || !reporting_) {
    if (!reporting_ && !remote_) dx_ = dy_ = dz_ = 0;  // stream mode, reporting off: nothing kept
    return;
  }
  // Stream mode: one packet per call at least (a button change alone is reported), more while
  // motion is left and the queue has room; the rest is dropped with the queue full.
  bool first = true;
  while (first || dx_ != 0 || dy_ != 0 || (id_ == kMouseIdWheel && dz_ != 0)) {
    if (!first || buttons_changed || dx_ != 0 || dy_ != 0 || dz_ != 0) {
      if (!SendPacket(false)) break;
    }
    first = false;
  }
  dx_ = dy_ = dz_ = 0;
}

// --- save/restore ---

namespace {
constexpr uint32_t kMouseSnapshotVersion = 1;
}

void Ps2Mouse::Save(SnapshotWriter& w) const {
  w.BeginSection("ps2-mouse", kMouseSnapshotVersion);
  queue_.Save(w);
  w.U8(pending_command_);
  w.U8(id_);
  w.U8(sample_rate_);
  w.U8(resolution_);
  w.Bool(scaling_21_);
  w.Bool(remote_);
  w.Bool(reporting_);
  for (uint8_t k : knock_) w.U8(k);
  w.U8(buttons_);
  w.U32(static_cast<uint32_t>(dx_));
  w.U32(static_cast<uint32_t>(dy_));
  w.U32(static_cast<uint32_t>(dz_));
  for (uint8_t b : last_packet_) w.U8(b);
  w.U8(last_packet_size_);
  w.EndSection();
}

bool Ps2Mouse::Load(SnapshotReader& r, std::string& error) {
  Ps2Mouse m;
  if (r.BeginSection("ps2-mouse", kMouseSnapshotVersion)) {
    m.queue_.Load(r);
    m.pending_command_ = r.U8();
    m.id_ = r.U8();
    m.sample_rate_ = r.U8();
    m.resolution_ = r.U8();
    m.scaling_21_ = r.Bool();
    m.remote_ = r.Bool();
    m.reporting_ = r.Bool();
    for (uint8_t& k : m.knock_) k = r.U8();
    m.buttons_ = r.U8();
    m.dx_ = static_cast<int32_t>(r.U32());
    m.dy_ = static_cast<int32_t>(r.U32());
    m.dz_ = static_cast<int32_t>(r.U32());
    for (uint8_t& b : m.last_packet_) b = r.U8();
    m.last_packet_size_ = r.U8();
    if (m.pending_command_ != 0 && m.pending_command_ != kMouseSetResolution && m.pending_command_ != kMouseSampleRate)
      r.Fail("not a command that takes a parameter");
    if (m.id_ != kMouseIdStandard && m.id_ != kMouseIdWheel) r.Fail("mouse ID neither 0 nor 3");
    if (m.resolution_ > 3) r.Fail("resolution outside 0-3");
    if (m.buttons_ & ~(kPacketLeft | kPacketRight | kPacketMiddle)) r.Fail("unknown button bits");
    for (int d : {m.dx_, m.dy_, m.dz_})
      if (d < -kMaxAccumulated || d > kMaxAccumulated) r.Fail("accumulated motion out of range");
    if (m.last_packet_size_ != 0 && m.last_packet_size_ != 3 && m.last_packet_size_ != 4)
      r.Fail("last packet size neither 0, 3 nor 4");
    r.EndSection();
  }
  if (!r.Finish(error)) return false;
  *this = m;
  return true;
}

}  // namespace kiln::devices
