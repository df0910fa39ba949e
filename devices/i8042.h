// I8042: the PC keyboard controller at ports 0x60 (data) and 0x64 (status / command) with a
// PS/2 keyboard on IRQ1 and a PS/2 mouse on IRQ12, after the IBM PS/2 technical reference and
// QEMU's hw/input/pckbd.c, checked against what Linux's i8042, atkbd and psmouse drivers probe.
//
// One byte sits in the output buffer at a time. When it is empty the controller loads the next
// byte: a controller reply first, then the keyboard's queue (unless the keyboard interface is
// disabled), then the mouse's (unless the aux interface is disabled). A guest read of 0x60 empties
// it and the next byte is loaded at once. Keyboard bytes pass the set-2-to-set-1 translation when
// the command byte's XLAT bit is set. IRQ1 / IRQ12 are levels: high while the output buffer holds
// a keyboard / mouse byte and the command byte enables that interrupt (each loaded byte is one
// rising edge for the edge-triggered PIC inputs).
//
// Commands complete at once, so IBF never reads as set. A data byte written without a pending
// controller command goes to the keyboard (and re-enables the keyboard interface, as QEMU does);
// 0xD4 sends the next one to the mouse (and re-enables the aux interface). Reset: 0xD1 with
// output-port bit 0 clear and the 0xF0-0xFF pulse commands with bit 0 pulsed (0xFE) call
// MachineControl::RequestReset(). The A20 gate is output-port bit 1, kept as state for the machine.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

#include "devices/i8042_regs.h"
#include "devices/io.h"
#include "devices/snapshot.h"
#include "devices/ps2_keyboard.h"
#include "devices/ps2_mouse.h"

namespace kiln::devices {

class I8042 final : public PortHandler {
 public:
  I8042(IrqLine& kbd_irq, IrqLine& aux_irq, MachineControl& control);
  I8042(const I8042&) = delete;
  I8042& operator=(const I8042&) = delete;

  /// Power-on state: command byte kCtrPowerOn, output port kOutPowerOn (A20 on, as QEMU),
  /// buffers empty, keyboard and mouse at their power-on defaults; both IRQs low.
  void Reset();

  /// Ports 0x60 and 0x64 (byte registers; a wider access is split per port).
  uint32_t PortRead(uint16_t port, unsigned size) override;
  void PortWrite(uint16_t port, unsigned size, uint32_t value) override;

  // Host input (the SDL window): set-2 make codes, e.g. {0x1c} for A, {0xe0, 0x75} for Up.
  void KeyDown(const uint8_t* make, size_t n);
  void KeyUp(const uint8_t* make, size_t n);
  /// dx right, dy up, dz wheel, buttons ps2::kPacketLeft | kPacketRight | kPacketMiddle.
  void MouseMove(int dx, int dy, int dz, uint8_t buttons);

  /// Save/restore of the guest-visible state (snapshot.h); Load validates every field as a guest
  /// write would be, changes nothing when it fails, and re-arms the timers and output lines.
  void Save(SnapshotWriter& w) const;
  bool Load(SnapshotReader& r, std::string& error);

  /// The A20 gate as the guest last set it (output port bit 1; 0xDD / 0xDF).
  bool a20() const { return (state_.output_port & i8042::kOutA20) != 0; }
  uint8_t command_byte() const { return state_.ram[0]; }
  const Ps2Keyboard& keyboard() const { return keyboard_; }
  const Ps2Mouse& mouse() const { return mouse_; }

 private:
  enum class Source : uint8_t { kController, kKeyboard, kAux };
  struct Pending {
    uint8_t byte;
    Source source;
  };

  uint8_t ReadData();
  uint8_t ReadStatus() const;
  void WriteCommand(uint8_t command);
  void WriteData(uint8_t value);
  void WriteOutputPort(uint8_t value);
  /// A reply of the controller itself (or 0xD2/0xD3 loopback bytes) to go out before device data.
  void QueueReply(uint8_t byte, Source source = Source::kController);
  /// Fills an empty output buffer from the replies, the keyboard, then the mouse; updates IRQs.
  void Refill();
  void UpdateIrqs();

  IrqLine& kbd_irq_;
  IrqLine& aux_irq_;
  MachineControl& control_;
  Ps2Keyboard keyboard_;
  Ps2Mouse mouse_;

  /// The controller's own state (the keyboard and mouse keep theirs); what save/restore will carry.
  struct State {
    std::array<uint8_t, i8042::kRamSize> ram{};  ///< RAM byte 0 is the command byte
    uint8_t output_port = i8042::kOutPowerOn;
    uint8_t pending_command = 0;  ///< a controller command waiting for its data byte, or 0
    bool last_write_command = true;
    bool sys_flag = false;
    bool obf = false;
    uint8_t out_byte = 0;
    Source out_source = Source::kController;
    std::array<Pending, 4> replies{};
    size_t reply_count = 0;
    bool kbd_irq_level = false, aux_irq_level = false;
  };
  State state_;
};

}  // namespace kiln::devices
