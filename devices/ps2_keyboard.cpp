// Ps2Keyboard: PS/2 keyboard commands and key events.
#include "devices/ps2_keyboard.h"

#include "devices/ps2_scancodes.h"

namespace kiln::devices {

using namespace ps2;

void Ps2Keyboard::Reset() {
  queue_.Clear();
  pending_command_ = 0;
  last_sent_ = 0;
  scan_code_set_ = 2;
  SetDefaults();
  scanning_ = true;
}

void Ps2Keyboard::SetDefaults() {
  leds_ = 0;
  typematic_ = kKbdDefaultTypematic;
}

void Ps2Keyboard::Reply(std::initializer_list<uint8_t> bytes) {
  if (queue_.PushReply(bytes) && bytes.size() > 0) last_sent_ = *(bytes.end() - 1);
}

void Ps2Keyboard::Write(uint8_t byte) {
  if (pending_command_ != 0) {
    const uint8_t command = pending_command_;
    pending_command_ = 0;
    switch (command) {
      case kKbdSetLeds:
        leds_ = byte & 0x07;
        Reply({kAck});
        return;
      case kKbdTypematic:
        typematic_ = byte & 0x7f;
        Reply({kAck});
        return;
      case kKbdScanCodeSet:
        if (byte == 0) {
          Reply({kAck, scan_code_set_});
        } else if (byte <= 3) {
          scan_code_set_ = byte;
          Reply({kAck});
        } else {
          Reply({kResend});
        }
        return;
      default:
        break;
    }
  }
  switch (byte) {
    case kKbdSetLeds:
    case kKbdTypematic:
    case kKbdScanCodeSet:
      pending_command_ = byte;
      Reply({kAck});
      break;
    case kKbdEcho:
      Reply({kKbdEcho});
      break;
    case kKbdIdentify:
      Reply({kAck, kKbdId0, kKbdId1});
      break;
    case kKbdEnable:  // clears the buffer, then scans
      queue_.Clear();
      scanning_ = true;
      Reply({kAck});
      break;
    case kKbdDisable:
      queue_.Clear();
      SetDefaults();
      scanning_ = false;
      Reply({kAck});
      break;
    case kKbdDefaults:
      queue_.Clear();
      SetDefaults();
      scanning_ = true;
      Reply({kAck});
      break;
    case kKbdResend:
      Reply({last_sent_});
      break;
    case kKbdReset:
      Reset();
      Reply({kAck, kSelfTestOk});
      break;
    default:
      Reply({kResend});
      break;
  }
}

void Ps2Keyboard::QueueEvent(const uint8_t* make, size_t n, bool up) {
  if (!scanning_ || make == nullptr || n == 0 || n > 8) return;
  uint8_t bytes[16];
  size_t len = 0;
  if (scan_code_set_ == 1) {  // set 1: the translated make code; a break sets bit 7
    for (size_t i = 0; i < n; ++i) {
      const bool prefix = make[i] == 0xe0 || make[i] == 0xe1;
      const uint8_t code = prefix ? make[i] : TranslateSet2ToSet1(make[i]);
      bytes[len++] = static_cast<uint8_t>(up && !prefix ? code | 0x80 : code);
    }
  } else {
    for (size_t i = 0; i < n; ++i) {
      if (up && i == n - 1) bytes[len++] = kKbdBreakPrefix;
      bytes[len++] = make[i];
    }
  }
  queue_.PushEvent(bytes, len);
}

void Ps2Keyboard::KeyDown(const uint8_t* make, size_t n) { QueueEvent(make, n, false); }
void Ps2Keyboard::KeyUp(const uint8_t* make, size_t n) { QueueEvent(make, n, true); }

// --- save/restore ---

namespace {
constexpr uint32_t kKeyboardSnapshotVersion = 1;
}

void Ps2Keyboard::Save(SnapshotWriter& w) const {
  w.BeginSection("ps2-keyboard", kKeyboardSnapshotVersion);
  queue_.Save(w);
  w.U8(pending_command_);
  w.U8(last_sent_);
  w.U8(leds_);
  w.U8(scan_code_set_);
  w.U8(typematic_);
  w.Bool(scanning_);
  w.EndSection();
}

bool Ps2Keyboard::Load(SnapshotReader& r, std::string& error) {
  Ps2Queue queue;
  uint8_t pending = 0, last_sent = 0, leds = 0, set = 0, typematic = 0;
  bool scanning = false;
  if (r.BeginSection("ps2-keyboard", kKeyboardSnapshotVersion)) {
    queue.Load(r);
    pending = r.U8(), last_sent = r.U8(), leds = r.U8(), set = r.U8(), typematic = r.U8();
    scanning = r.Bool();
    if (pending != 0 && pending != kKbdSetLeds && pending != kKbdTypematic && pending != kKbdScanCodeSet)
      r.Fail("not a command that takes a parameter");
    if (leds & ~0x07) r.Fail("LED bits beyond the three LEDs");
    if (typematic & 0x80) r.Fail("typematic byte with bit 7 set");
    if (set < 1 || set > 3) r.Fail("scan code set outside 1-3");
    r.EndSection();
  }
  if (!r.Finish(error)) return false;
  queue_ = queue;
  pending_command_ = pending, last_sent_ = last_sent, leds_ = leds;
  scan_code_set_ = set, typematic_ = typematic, scanning_ = scanning;
  return true;
}

}  // namespace kiln::devices
