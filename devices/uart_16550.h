// Uart16550: a 16550A serial port as QEMU's hw/char/serial.c and Bochs present it to a PC guest.
// Transmission is instantaneous (no baud-rate timing): a byte written to THR goes straight to the
// character backend (or, in loopback mode, into the receiver). Reception is pulled: the machine
// calls Poll() periodically, which moves as many backend bytes as the receiver has room for into
// the RX FIFO (or the RBR without FIFOs) and runs the FIFO character timeout (one Poll() period
// without RX activity with bytes waiting raises the timeout interrupt).
//
// The IRQ output is level: high while an enabled interrupt is pending and MCR.OUT2 is set (on a
// PC, OUT2 gates the UART's interrupt driver). As in QEMU, MCR resets to OUT2, so a guest that
// never touches MCR still gets interrupts. Interrupt priority: line status > RX data / timeout >
// THR empty > modem status.
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "devices/io.h"
#include "devices/snapshot.h"
#include "devices/uart_16550_regs.h"

namespace kiln::devices {

/// Standard PC serial port resources.
struct UartResources {
  uint16_t base;
  uint8_t irq;
};
inline constexpr UartResources kCom1{0x3f8, 4};
inline constexpr UartResources kCom2{0x2f8, 3};
inline constexpr UartResources kCom3{0x3e8, 4};
inline constexpr UartResources kCom4{0x2e8, 3};

class Uart16550 final : public PortHandler {
 public:
  /// Decodes ports [base, base + 8). `irq` follows the interrupt output (level).
  Uart16550(uint16_t base, IrqLine& irq, CharBackend& backend);

  uint16_t base() const { return base_; }
  /// Power-on state: IER 0, IIR 01, LCR 0, MCR OUT2, LSR THRE|TEMT, MSR DCD|DSR|CTS, divisor 12
  /// (9600 baud), FIFOs off and empty; the IRQ output goes low.
  void Reset();
  /// Pulls pending input from the backend into the receiver (not in loopback mode) and runs the
  /// character timeout. Call it periodically (e.g. every few milliseconds of guest time).
  void Poll();

  /// Byte registers; a 2- or 4-byte access is split into byte accesses on consecutive ports.
  uint32_t PortRead(uint16_t port, unsigned size) override;
  void PortWrite(uint16_t port, unsigned size, uint32_t value) override;

  /// Save/restore of the guest-visible state (snapshot.h); Load validates every field as a guest
  /// write would be, changes nothing when it fails, and re-arms the timers and output lines.
  void Save(SnapshotWriter& w) const;
  bool Load(SnapshotReader& r, std::string& error);

  /// The divisor latch (for diagnostics; baud = 115200 / divisor).
  uint16_t divisor() const { return static_cast<uint16_t>(dll_ | (dlm_ << 8)); }
  /// Whether the IRQ output is high now.
  bool irq_level() const { return irq_level_; }

 private:
  uint8_t ReadRegister(unsigned offset);
  void WriteRegister(unsigned offset, uint8_t value);
  void WriteThr(uint8_t value);
  void WriteFcr(uint8_t value);
  void WriteMcr(uint8_t value);
  void Receive(uint8_t byte);
  uint8_t ModemInputs() const;
  unsigned RxTriggerLevel() const;
  bool FifoEnabled() const { return (fcr_ & uart::kFcrEnable) != 0; }
  void UpdateIrq();

  uint16_t base_;
  IrqLine& irq_;
  CharBackend& backend_;

  uint8_t rbr_ = 0, ier_ = 0, iir_ = uart::kIirNoInt, fcr_ = 0, lcr_ = 0, mcr_ = uart::kMcrOut2;
  uint8_t lsr_ = uart::kLsrThre | uart::kLsrTemt, msr_ = 0, scr_ = 0, dll_ = 12, dlm_ = 0;
  bool thr_ipending_ = false;      ///< THRE interrupt armed (cleared by reading IIR or writing THR)
  bool timeout_ipending_ = false;  ///< FIFO character timeout
  bool rx_activity_ = false;       ///< a byte entered or left the RX FIFO since the last Poll()
  bool irq_level_ = false;
  std::array<uint8_t, uart::kFifoSize> rx_fifo_{};
  unsigned rx_head_ = 0, rx_count_ = 0;
};

}  // namespace kiln::devices
