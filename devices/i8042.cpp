// I8042: the 8042 controller's commands, output-buffer arbitration and translation.
#include "devices/i8042.h"

#include "devices/isa_bytes.h"
#include "devices/ps2_scancodes.h"

namespace kiln::devices {

using namespace i8042;

I8042::I8042(IrqLine& kbd_irq, IrqLine& aux_irq, MachineControl& control)
    : kbd_irq_(kbd_irq), aux_irq_(aux_irq), control_(control) {
  Reset();
}

void I8042::Reset() {
  state_ = State{};
  state_.ram[0] = kCtrPowerOn;
  keyboard_.Reset();
  mouse_.Reset();
  kbd_irq_.SetLevel(false);
  aux_irq_.SetLevel(false);
}

uint32_t I8042::PortRead(uint16_t port, unsigned size) {
  return ReadBytewise(port, size, [&](uint16_t p, uint8_t& byte) {
    if (p == kDataPort) byte = ReadData();
    else if (p == kCommandPort) byte = ReadStatus();
    else return false;
    return true;
  });
}

void I8042::PortWrite(uint16_t port, unsigned size, uint32_t value) {
  WriteBytewise(port, size, value, [&](uint16_t p, uint8_t byte) {
    if (p == kDataPort) WriteData(byte);
    else if (p == kCommandPort) WriteCommand(byte);
  });
}

uint8_t I8042::ReadStatus() const {
  uint8_t status = kStatusUnlocked;
  if (state_.obf) status |= kStatusObf;
  if (state_.obf && state_.out_source == Source::kAux) status |= kStatusAuxData;
  if (state_.sys_flag) status |= kStatusSys;
  if (state_.last_write_command) status |= kStatusCommand;
  return status;
}

uint8_t I8042::ReadData() {
  // With the buffer empty the last byte reads again, as on the chip (and QEMU).
  // The line drops before the next byte is loaded, so each byte is its own edge at the PIC.
  state_.obf = false;
  const uint8_t byte = state_.out_byte;
  UpdateIrqs();
  Refill();
  return byte;
}

void I8042::QueueReply(uint8_t byte, Source source) {
  if (state_.reply_count < state_.replies.size()) state_.replies[state_.reply_count++] = {byte, source};
  Refill();
}

void I8042::Refill() {
  if (!state_.obf) {
    if (state_.reply_count > 0) {
      state_.out_byte = state_.replies[0].byte;
      state_.out_source = state_.replies[0].source;
      for (size_t i = 1; i < state_.reply_count; ++i) state_.replies[i - 1] = state_.replies[i];
      --state_.reply_count;
      state_.obf = true;
    } else if (!(state_.ram[0] & kCtrKbdDis) && keyboard_.HasOutput()) {
      uint8_t byte = keyboard_.ReadOutput();
      if (state_.ram[0] & kCtrXlate) {
        // A break prefix is swallowed and sets bit 7 of the next byte (which is always queued
        // with it: the keyboard queues events whole).
        if (byte == ps2::kKbdBreakPrefix && keyboard_.HasOutput()) {
          byte = static_cast<uint8_t>(TranslateSet2ToSet1(keyboard_.ReadOutput()) | 0x80);
        } else {
          byte = TranslateSet2ToSet1(byte);
        }
      }
      state_.out_byte = byte;
      state_.out_source = Source::kKeyboard;
      state_.obf = true;
    } else if (!(state_.ram[0] & kCtrAuxDis) && mouse_.HasOutput()) {
      state_.out_byte = mouse_.ReadOutput();
      state_.out_source = Source::kAux;
      state_.obf = true;
    }
  }
  UpdateIrqs();
}

void I8042::UpdateIrqs() {
  const bool kbd = state_.obf && state_.out_source != Source::kAux && (state_.ram[0] & kCtrKbdInt);
  const bool aux = state_.obf && state_.out_source == Source::kAux && (state_.ram[0] & kCtrAuxInt);
  if (kbd != state_.kbd_irq_level) kbd_irq_.SetLevel(state_.kbd_irq_level = kbd);
  if (aux != state_.aux_irq_level) aux_irq_.SetLevel(state_.aux_irq_level = aux);
}

void I8042::WriteCommand(uint8_t command) {
  state_.last_write_command = true;
  state_.pending_command = 0;  // a new command abandons one still waiting for its data byte
  if (command >= kCmdReadRam && command < kCmdReadRam + kRamSize) {
    QueueReply(state_.ram[command - kCmdReadRam]);
    return;
  }
  if ((command >= kCmdWriteRam && command < kCmdWriteRam + kRamSize) || command == kCmdWriteOutput ||
      command == kCmdWriteKbdBuffer || command == kCmdWriteAuxBuffer || command == kCmdWriteAux) {
    state_.pending_command = command;
    return;
  }
  if (command >= kCmdPulseBase) {
    // Pulse the output-port bits 0-3 that are 0 in the command; only bit 0 (reset) matters.
    if (!(command & kOutReset)) control_.RequestReset();
    return;
  }
  switch (command) {
    case kCmdAuxDisable:
      state_.ram[0] |= kCtrAuxDis;
      break;
    case kCmdAuxEnable:
      state_.ram[0] &= static_cast<uint8_t>(~kCtrAuxDis);
      break;
    case kCmdAuxTest:
    case kCmdKbdTest:
      QueueReply(kInterfaceOk);
      break;
    case kCmdSelfTest:
      state_.sys_flag = true;
      QueueReply(kSelfTestOk);
      break;
    case kCmdKbdDisable:
      state_.ram[0] |= kCtrKbdDis;
      break;
    case kCmdKbdEnable:
      state_.ram[0] &= static_cast<uint8_t>(~kCtrKbdDis);
      break;
    case kCmdReadInput:
      QueueReply(kInputPort);
      break;
    case kCmdReadOutput: {
      uint8_t value = state_.output_port & static_cast<uint8_t>(~(kOutKbdObf | kOutAuxObf));
      if (state_.obf) value |= state_.out_source == Source::kAux ? kOutAuxObf : kOutKbdObf;
      QueueReply(value);
      break;
    }
    case kCmdDisableA20:
      state_.output_port &= static_cast<uint8_t>(~kOutA20);
      break;
    case kCmdEnableA20:
      state_.output_port |= kOutA20;
      break;
    default:
      break;  // unknown commands are ignored
  }
  Refill();  // an interface enabled again may have bytes waiting
}

void I8042::WriteOutputPort(uint8_t value) {
  state_.output_port = value;
  if (!(value & kOutReset)) control_.RequestReset();
}

void I8042::WriteData(uint8_t value) {
  state_.last_write_command = false;
  const uint8_t command = state_.pending_command;
  state_.pending_command = 0;
  if (command >= kCmdWriteRam && command < kCmdWriteRam + kRamSize) {
    state_.ram[command - kCmdWriteRam] = value;
    if (command == kCmdWriteRam) state_.sys_flag = (value & kCtrSys) != 0;
    Refill();
    return;
  }
  switch (command) {
    case kCmdWriteOutput:
      WriteOutputPort(value);
      break;
    case kCmdWriteKbdBuffer:
      QueueReply(value, Source::kKeyboard);
      break;
    case kCmdWriteAuxBuffer:
      QueueReply(value, Source::kAux);
      break;
    case kCmdWriteAux:
      state_.ram[0] &= static_cast<uint8_t>(~kCtrAuxDis);  // talking to the mouse enables its clock
      mouse_.Write(value);
      Refill();
      break;
    default:
      state_.ram[0] &= static_cast<uint8_t>(~kCtrKbdDis);
      keyboard_.Write(value);
      Refill();
      break;
  }
}

void I8042::KeyDown(const uint8_t* make, size_t n) {
  keyboard_.KeyDown(make, n);
  Refill();
}

void I8042::KeyUp(const uint8_t* make, size_t n) {
  keyboard_.KeyUp(make, n);
  Refill();
}

void I8042::MouseMove(int dx, int dy, int dz, uint8_t buttons) {
  mouse_.Move(dx, dy, dz, buttons);
  Refill();
}

// --- save/restore ---

namespace {
constexpr uint32_t kI8042SnapshotVersion = 1;
}

void I8042::Save(SnapshotWriter& w) const {
  w.BeginSection("i8042", kI8042SnapshotVersion);
  w.Bytes(state_.ram);
  w.U8(state_.output_port);
  w.U8(state_.pending_command);
  w.Bool(state_.last_write_command);
  w.Bool(state_.sys_flag);
  w.Bool(state_.obf);
  w.U8(state_.out_byte);
  w.U8(static_cast<uint8_t>(state_.out_source));
  w.U8(static_cast<uint8_t>(state_.reply_count));
  for (size_t i = 0; i < state_.reply_count; ++i) {
    w.U8(state_.replies[i].byte);
    w.U8(static_cast<uint8_t>(state_.replies[i].source));
  }
  w.Bool(state_.kbd_irq_level);
  w.Bool(state_.aux_irq_level);
  keyboard_.Save(w);
  mouse_.Save(w);
  w.EndSection();
}

bool I8042::Load(SnapshotReader& r, std::string& error) {
  State s;
  Ps2Keyboard keyboard;
  Ps2Mouse mouse;
  const auto source = [&r](uint8_t v) {
    if (v > static_cast<uint8_t>(Source::kAux)) r.Fail("unknown output buffer source");
    return static_cast<Source>(v);
  };
  std::string ignored;  // the reader keeps the first error for the Finish below
  if (r.BeginSection("i8042", kI8042SnapshotVersion)) {
    r.Bytes(s.ram);
    s.output_port = r.U8();
    s.pending_command = r.U8();
    s.last_write_command = r.Bool();
    s.sys_flag = r.Bool();
    s.obf = r.Bool();
    s.out_byte = r.U8();
    s.out_source = source(r.U8());
    s.reply_count = r.U8();
    if (s.reply_count > s.replies.size()) {
      r.Fail("more controller replies queued than fit");
      s.reply_count = 0;
    }
    for (size_t i = 0; i < s.reply_count; ++i) {
      s.replies[i].byte = r.U8();
      s.replies[i].source = source(r.U8());
    }
    s.kbd_irq_level = r.Bool();
    s.aux_irq_level = r.Bool();
    // Pending commands are the ones WriteData gives a meaning to; any other byte would be sent
    // to the keyboard, which is also what 0 does.
    const uint8_t c = s.pending_command;
    if (c != 0 && !(c >= kCmdWriteRam && c < kCmdWriteRam + kRamSize) && c != kCmdWriteOutput &&
        c != kCmdWriteKbdBuffer && c != kCmdWriteAuxBuffer && c != kCmdWriteAux)
      r.Fail("not a controller command that takes a data byte");
    keyboard.Load(r, ignored);
    mouse.Load(r, ignored);
    r.EndSection();
  }
  if (!r.Finish(error)) return false;
  state_ = s;
  keyboard_ = keyboard;
  mouse_ = mouse;
  // The lines follow the restored levels (a fresh instance starts with both low).
  kbd_irq_.SetLevel(state_.kbd_irq_level);
  aux_irq_.SetLevel(state_.aux_irq_level);
  UpdateIrqs();
  return true;
}

}  // namespace kiln::devices
