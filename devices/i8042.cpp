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
  ram_ = {};
  ram_[0] = kCtrPowerOn;
  output_port_ = kOutPowerOn;
  pending_command_ = 0;
  last_write_command_ = true;
  sys_flag_ = false;
  obf_ = false;
  out_byte_ = 0;
  out_source_ = Source::kController;
  xlat_break_ = false;
  reply_count_ = 0;
  keyboard_.Reset();
  mouse_.Reset();
  kbd_irq_level_ = aux_irq_level_ = false;
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
  if (obf_) status |= kStatusObf;
  if (obf_ && out_source_ == Source::kAux) status |= kStatusAuxData;
  if (sys_flag_) status |= kStatusSys;
  if (last_write_command_) status |= kStatusCommand;
  return status;
}

uint8_t I8042::ReadData() {
  // With the buffer empty the last byte reads again, as on the chip (and QEMU).
  // The line drops before the next byte is loaded, so each byte is its own edge at the PIC.
  obf_ = false;
  const uint8_t byte = out_byte_;
  UpdateIrqs();
  Refill();
  return byte;
}

void I8042::QueueReply(uint8_t byte, Source source) {
  if (reply_count_ < replies_.size()) replies_[reply_count_++] = {byte, source};
  Refill();
}

void I8042::Refill() {
  if (!obf_) {
    if (reply_count_ > 0) {
      out_byte_ = replies_[0].byte;
      out_source_ = replies_[0].source;
      for (size_t i = 1; i < reply_count_; ++i) replies_[i - 1] = replies_[i];
      --reply_count_;
      obf_ = true;
    } else if (!(ram_[0] & kCtrKbdDis) && keyboard_.HasOutput()) {
      uint8_t byte = keyboard_.ReadOutput();
      if (ram_[0] & kCtrXlate) {
        // A break prefix is swallowed and sets bit 7 of the next byte (which is always queued
        // with it: the keyboard queues events whole).
        if (byte == ps2::kKbdBreakPrefix && keyboard_.HasOutput()) {
          byte = static_cast<uint8_t>(TranslateSet2ToSet1(keyboard_.ReadOutput()) | 0x80);
        } else {
          byte = TranslateSet2ToSet1(byte);
        }
      }
      out_byte_ = byte;
      out_source_ = Source::kKeyboard;
      obf_ = true;
    } else if (!(ram_[0] & kCtrAuxDis) && mouse_.HasOutput()) {
      out_byte_ = mouse_.ReadOutput();
      out_source_ = Source::kAux;
      obf_ = true;
    }
  }
  UpdateIrqs();
}

void I8042::UpdateIrqs() {
  const bool kbd = obf_ && out_source_ != Source::kAux && (ram_[0] & kCtrKbdInt);
  const bool aux = obf_ && out_source_ == Source::kAux && (ram_[0] & kCtrAuxInt);
  if (kbd != kbd_irq_level_) kbd_irq_.SetLevel(kbd_irq_level_ = kbd);
  if (aux != aux_irq_level_) aux_irq_.SetLevel(aux_irq_level_ = aux);
}

void I8042::WriteCommand(uint8_t command) {
  last_write_command_ = true;
  pending_command_ = 0;  // a new command abandons one still waiting for its data byte
  if (command >= kCmdReadRam && command < kCmdReadRam + kRamSize) {
    QueueReply(ram_[command - kCmdReadRam]);
    return;
  }
  if ((command >= kCmdWriteRam && command < kCmdWriteRam + kRamSize) || command == kCmdWriteOutput ||
      command == kCmdWriteKbdBuffer || command == kCmdWriteAuxBuffer || command == kCmdWriteAux) {
    pending_command_ = command;
    return;
  }
  if (command >= kCmdPulseBase) {
    // Pulse the output-port bits 0-3 that are 0 in the command; only bit 0 (reset) matters.
    if (!(command & kOutReset)) control_.RequestReset();
    return;
  }
  switch (command) {
    case kCmdAuxDisable:
      ram_[0] |= kCtrAuxDis;
      break;
    case kCmdAuxEnable:
      ram_[0] &= static_cast<uint8_t>(~kCtrAuxDis);
      break;
    case kCmdAuxTest:
    case kCmdKbdTest:
      QueueReply(kInterfaceOk);
      break;
    case kCmdSelfTest:
      sys_flag_ = true;
      QueueReply(kSelfTestOk);
      break;
    case kCmdKbdDisable:
      ram_[0] |= kCtrKbdDis;
      break;
    case kCmdKbdEnable:
      ram_[0] &= static_cast<uint8_t>(~kCtrKbdDis);
      break;
    case kCmdReadInput:
      QueueReply(kInputPort);
      break;
    case kCmdReadOutput: {
      uint8_t value = output_port_ & static_cast<uint8_t>(~(kOutKbdObf | kOutAuxObf));
      if (obf_) value |= out_source_ == Source::kAux ? kOutAuxObf : kOutKbdObf;
      QueueReply(value);
      break;
    }
    case kCmdDisableA20:
      output_port_ &= static_cast<uint8_t>(~kOutA20);
      break;
    case kCmdEnableA20:
      output_port_ |= kOutA20;
      break;
    default:
      break;  // unknown commands are ignored
  }
  Refill();  // an interface enabled again may have bytes waiting
}

void I8042::WriteOutputPort(uint8_t value) {
  output_port_ = value;
  if (!(value & kOutReset)) control_.RequestReset();
}

void I8042::WriteData(uint8_t value) {
  last_write_command_ = false;
  const uint8_t command = pending_command_;
  pending_command_ = 0;
  if (command >= kCmdWriteRam && command < kCmdWriteRam + kRamSize) {
    ram_[command - kCmdWriteRam] = value;
    if (command == kCmdWriteRam) sys_flag_ = (value & kCtrSys) != 0;
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
      ram_[0] &= static_cast<uint8_t>(~kCtrAuxDis);  // talking to the mouse enables its clock
      mouse_.Write(value);
      Refill();
      break;
    default:
      ram_[0] &= static_cast<uint8_t>(~kCtrKbdDis);
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

}  // namespace kiln::devices
