// Uart16550: register semantics after the PC16550D datasheet and QEMU's serial.c (THRE interrupt
// rules, FIFO control, loopback wiring), with instantaneous transmission.
#include "devices/uart_16550.h"

#include "devices/isa_bytes.h"

namespace kiln::devices {

using namespace uart;

Uart16550::Uart16550(uint16_t base, IrqLine& irq, CharBackend& backend)
    : base_(base), irq_(irq), backend_(backend) {
  Reset();
}

void Uart16550::Reset() {
  rbr_ = 0;
  ier_ = 0;
  iir_ = kIirNoInt;
  fcr_ = 0;
  lcr_ = 0;
  mcr_ = kMcrOut2;
  lsr_ = kLsrThre | kLsrTemt;
  msr_ = ModemInputs();
  scr_ = 0;
  dll_ = 12;
  dlm_ = 0;
  thr_ipending_ = timeout_ipending_ = rx_activity_ = false;
  rx_head_ = rx_count_ = 0;
  irq_level_ = false;
  irq_.SetLevel(false);
}

uint32_t Uart16550::PortRead(uint16_t port, unsigned size) {
  return ReadBytewise(port, size, [&](uint16_t p, uint8_t& byte) {
    const unsigned offset = static_cast<uint16_t>(p - base_);
    if (offset >= kPorts) return false;
    byte = ReadRegister(offset);
    return true;
  });
}

void Uart16550::PortWrite(uint16_t port, unsigned size, uint32_t value) {
  WriteBytewise(port, size, value, [&](uint16_t p, uint8_t byte) {
    const unsigned offset = static_cast<uint16_t>(p - base_);
    if (offset < kPorts) WriteRegister(offset, byte);
  });
}

// The modem input lines: a plain backend is a connected terminal (DCD, DSR, CTS up, as QEMU
// reports); in loopback the MCR outputs drive them (DTR->DSR, RTS->CTS, OUT1->RI, OUT2->DCD).
uint8_t Uart16550::ModemInputs() const {
  if (!(mcr_ & kMcrLoop)) return kMsrDcd | kMsrDsr | kMsrCts;
  uint8_t in = 0;
  if (mcr_ & kMcrDtr) in |= kMsrDsr;
  if (mcr_ & kMcrRts) in |= kMsrCts;
  if (mcr_ & kMcrOut1) in |= kMsrRi;
  if (mcr_ & kMcrOut2) in |= kMsrDcd;
  return in;
}

unsigned Uart16550::RxTriggerLevel() const {
  static constexpr unsigned kLevels[4] = {1, 4, 8, 14};
  return kLevels[(fcr_ & kFcrTriggerMask) >> 6];
}

uint8_t Uart16550::ReadRegister(unsigned offset) {
  switch (offset) {
    case kRbrThr: {
      if (lcr_ & kLcrDlab) return dll_;
      uint8_t value = 0;
      if (FifoEnabled()) {
        if (rx_count_ > 0) {
          value = rx_fifo_[rx_head_];
          rx_head_ = (rx_head_ + 1) % kFifoSize;
          --rx_count_;
        }
        if (rx_count_ == 0) lsr_ &= static_cast<uint8_t>(~(kLsrDr | kLsrBi));
        timeout_ipending_ = false;
        rx_activity_ = true;
      } else {
        value = rbr_;
        lsr_ &= static_cast<uint8_t>(~(kLsrDr | kLsrBi));
      }
      UpdateIrq();
      return value;
    }
    case kIer:
      return (lcr_ & kLcrDlab) ? dlm_ : ier_;
    case kIirFcr: {
      const uint8_t value = iir_;
      // Reading IIR while it reports THR empty clears that interrupt.
      if ((value & kIirIdMask) == kIirThri) {
        thr_ipending_ = false;
        UpdateIrq();
      }
      return value;
    }
    case kLcr:
      return lcr_;
    case kMcr:
      return mcr_;
    case kLsr: {
      const uint8_t value = lsr_;
      if (lsr_ & kLsrErrors) {  // reading LSR clears the error bits and their interrupt
        lsr_ &= static_cast<uint8_t>(~kLsrErrors);
        UpdateIrq();
      }
      return value;
    }
    case kMsr: {
      const uint8_t value = msr_;
      if (msr_ & kMsrDeltas) {
        msr_ &= static_cast<uint8_t>(~kMsrDeltas);
        UpdateIrq();
      }
      return value;
    }
    default:
      return scr_;
  }
}

void Uart16550::WriteRegister(unsigned offset, uint8_t value) {
  switch (offset) {
    case kRbrThr:
      if (lcr_ & kLcrDlab) {
        dll_ = value;
      } else {
        WriteThr(value);
      }
      return;
    case kIer: {
      if (lcr_ & kLcrDlab) {
        dlm_ = value;
        return;
      }
      const uint8_t changed = (ier_ ^ value) & kIerMask;
      ier_ = value & kIerMask;
      // Enabling the THRE interrupt while THR is empty raises it, even after an IIR read had
      // cleared it (not in the datasheet; QEMU and Bochs do it and Windows relies on it).
      if (changed & kIerThri) thr_ipending_ = (ier_ & kIerThri) && (lsr_ & kLsrThre);
      UpdateIrq();
      return;
    }
    case kIirFcr:
      WriteFcr(value);
      return;
    case kLcr:
      lcr_ = value;  // word length, stop bits, parity and break do not matter without a wire
      return;
    case kMcr:
      WriteMcr(value);
      return;
    case kLsr:
    case kMsr:
      return;  // read-only (factory test writes are ignored)
    default:
      scr_ = value;
      return;
  }
}

void Uart16550::WriteThr(uint8_t value) {
  // Writing THR clears the THRE interrupt; the byte leaves at once, so THR is empty again and
  // the interrupt re-arms: the IRQ line drops and rises (a fresh edge for an edge-triggered PIC).
  thr_ipending_ = false;
  lsr_ &= static_cast<uint8_t>(~(kLsrThre | kLsrTemt));
  UpdateIrq();
  if (mcr_ & kMcrLoop) {
    Receive(value);
  } else {
    backend_.Write(&value, 1);
  }
  lsr_ |= kLsrThre | kLsrTemt;
  thr_ipending_ = true;
  UpdateIrq();
}

void Uart16550::WriteFcr(uint8_t value) {
  // Turning the FIFOs on or off empties both.
  if ((value ^ fcr_) & kFcrEnable) value |= kFcrRxReset | kFcrTxReset;
  if (value & kFcrRxReset) {
    rx_head_ = rx_count_ = 0;
    lsr_ &= static_cast<uint8_t>(~(kLsrDr | kLsrBi));
    timeout_ipending_ = false;
  }
  if (value & kFcrTxReset) {  // nothing is ever queued for transmission
    lsr_ |= kLsrThre | kLsrTemt;
    thr_ipending_ = true;
  }
  fcr_ = value & (kFcrEnable | kFcrDmaMode | kFcrTriggerMask);
  UpdateIrq();
}

void Uart16550::WriteMcr(uint8_t value) {
  const uint8_t before = ModemInputs();
  mcr_ = value & kMcrMask;
  const uint8_t after = ModemInputs();
  const uint8_t changed = before ^ after;
  if (changed & kMsrCts) msr_ |= kMsrDcts;
  if (changed & kMsrDsr) msr_ |= kMsrDdsr;
  if (changed & kMsrDcd) msr_ |= kMsrDdcd;
  if ((before & kMsrRi) && !(after & kMsrRi)) msr_ |= kMsrTeri;  // trailing edge only
  msr_ = static_cast<uint8_t>((msr_ & kMsrDeltas) | after);
  UpdateIrq();
}

void Uart16550::Receive(uint8_t byte) {
  if (FifoEnabled()) {
    if (rx_count_ == kFifoSize) {
      lsr_ |= kLsrOe;  // the byte is lost
    } else {
      rx_fifo_[(rx_head_ + rx_count_) % kFifoSize] = byte;
      ++rx_count_;
    }
    rx_activity_ = true;
  } else {
    if (lsr_ & kLsrDr) lsr_ |= kLsrOe;  // the unread byte is overwritten
    rbr_ = byte;
  }
  lsr_ |= kLsrDr;
  UpdateIrq();
}

void Uart16550::Poll() {
  if (!(mcr_ & kMcrLoop)) {  // in loopback the receiver is disconnected from the line
    uint8_t buffer[kFifoSize];
    const size_t room = FifoEnabled() ? kFifoSize - rx_count_ : ((lsr_ & kLsrDr) ? 0 : 1);
    const size_t n = room == 0 ? 0 : backend_.Read(buffer, room);
    for (size_t i = 0; i < n && i < room; ++i) Receive(buffer[i]);
  }
  if (FifoEnabled() && rx_count_ > 0 && !rx_activity_) timeout_ipending_ = true;
  rx_activity_ = false;
  UpdateIrq();
}

void Uart16550::UpdateIrq() {
  uint8_t id = kIirNoInt;
  if ((ier_ & kIerRlsi) && (lsr_ & kLsrErrors)) {
    id = kIirRlsi;
  } else if ((ier_ & kIerRdi) && timeout_ipending_) {
    id = kIirCti;
  } else if ((ier_ & kIerRdi) && (lsr_ & kLsrDr) && (!FifoEnabled() || rx_count_ >= RxTriggerLevel())) {
    id = kIirRdi;
  } else if ((ier_ & kIerThri) && thr_ipending_) {
    id = kIirThri;
  } else if ((ier_ & kIerMsi) && (msr_ & kMsrDeltas)) {
    id = kIirMsi;
  }
  iir_ = static_cast<uint8_t>(id | (FifoEnabled() ? kIirFifoEnabled : 0));
  const bool level = id != kIirNoInt && (mcr_ & kMcrOut2);
  if (level != irq_level_) {
    irq_level_ = level;
    irq_.SetLevel(level);
  }
}

// --- save/restore ---

namespace {
constexpr uint32_t kUartSnapshotVersion = 1;
}

void Uart16550::Save(SnapshotWriter& w) const {
  w.BeginSection("uart16550", kUartSnapshotVersion);
  for (uint8_t reg : {rbr_, ier_, fcr_, lcr_, mcr_, lsr_, msr_, scr_, dll_, dlm_}) w.U8(reg);
  w.Bool(thr_ipending_);
  w.Bool(timeout_ipending_);
  w.Bool(rx_activity_);
  w.U8(static_cast<uint8_t>(rx_count_));
  for (unsigned i = 0; i < rx_count_; ++i) w.U8(rx_fifo_[(rx_head_ + i) % kFifoSize]);
  w.EndSection();
}

bool Uart16550::Load(SnapshotReader& r, std::string& error) {
  uint8_t reg[10] = {};
  bool thr_ipending = false, timeout_ipending = false, rx_activity = false;
  std::array<uint8_t, kFifoSize> fifo{};
  unsigned count = 0;
  if (r.BeginSection("uart16550", kUartSnapshotVersion)) {
    for (uint8_t& v : reg) v = r.U8();
    thr_ipending = r.Bool();
    timeout_ipending = r.Bool();
    rx_activity = r.Bool();
    count = r.U8();
    if (count > kFifoSize) {
      r.Fail("RX FIFO count above 16");
      count = 0;
    }
    for (unsigned i = 0; i < count; ++i) fifo[i] = r.U8();
    const uint8_t ier = reg[1], fcr = reg[2], mcr = reg[4];
    if (ier & ~kIerMask) r.Fail("reserved IER bits set");
    if (fcr & ~(kFcrEnable | kFcrDmaMode | kFcrTriggerMask)) r.Fail("FCR bits that are not stored");
    if (mcr & ~kMcrMask) r.Fail("reserved MCR bits set");
    if (!(fcr & kFcrEnable) && count != 0) r.Fail("bytes in the RX FIFO with FIFOs off");
    r.EndSection();
  }
  if (!r.Finish(error)) return false;
  rbr_ = reg[0], ier_ = reg[1], fcr_ = reg[2], lcr_ = reg[3], mcr_ = reg[4];
  lsr_ = reg[5], msr_ = reg[6], scr_ = reg[7], dll_ = reg[8], dlm_ = reg[9];
  thr_ipending_ = thr_ipending, timeout_ipending_ = timeout_ipending, rx_activity_ = rx_activity;
  rx_fifo_ = fifo, rx_head_ = 0, rx_count_ = count;
  UpdateIrq();  // IIR and the IRQ level are functions of the registers above
  return true;
}

}  // namespace kiln::devices
