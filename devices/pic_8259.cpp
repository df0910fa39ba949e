// Pic8259Pair: the cascaded 8259A pair (8259A datasheet; QEMU hw/intc/i8259.c for PC details).
#include "devices/pic_8259.h"

#include "devices/isa_bytes.h"

namespace kiln::devices {

using namespace pic;

// --- one chip ---

void Pic8259Pair::Chip::InitReset() {
  // ICW1 resets the edge sense, clears IMR, ISR and the modes; level-triggered requests stay.
  last_irr = 0;
  irr &= elcr;
  imr = 0;
  isr = 0;
  priority_add = 0;
  irq_base = 0;
  init_state = 0;
  init4 = single = false;
  read_isr = poll = special_mask = false;
  auto_eoi = rotate_on_auto_eoi = special_fully_nested = false;
}

int Pic8259Pair::Chip::Priority(uint8_t mask) const {
  if (mask == 0) return 8;
  int priority = 0;
  while ((mask & (1u << ((priority + priority_add) & 7))) == 0) ++priority;
  return priority;
}

int Pic8259Pair::Chip::PendingIrq() const {
  const int priority = Priority(irr & ~imr);
  if (priority == 8) return -1;
  // What is in service blocks equal and lower priorities; in special mask mode, masked levels in
  // service do not; in special fully nested mode the master lets the slave interrupt itself.
  uint8_t in_service = isr;
  if (special_mask) in_service &= static_cast<uint8_t>(~imr);
  if (special_fully_nested && master) in_service &= static_cast<uint8_t>(~(1u << kCascadeIrq));
  if (priority < Priority(in_service)) return (priority + priority_add) & 7;
  return -1;
}

void Pic8259Pair::Chip::SetInput(unsigned irq, bool level) {
  const uint8_t bit = static_cast<uint8_t>(1u << irq);
  if (IsLevel(bit)) {  // level: IRR follows the line
    if (level) {
      irr |= bit, last_irr |= bit;
    } else {
      irr &= static_cast<uint8_t>(~bit), last_irr &= static_cast<uint8_t>(~bit);
    }
  } else {  // edge: a rising edge latches IRR until acknowledged
    if (level) {
      if (!(last_irr & bit)) irr |= bit;
      last_irr |= bit;
    } else {
      last_irr &= static_cast<uint8_t>(~bit);
    }
  }
}

void Pic8259Pair::Chip::Intack(unsigned irq) {
  const uint8_t bit = static_cast<uint8_t>(1u << irq);
  if (auto_eoi) {
    if (rotate_on_auto_eoi) priority_add = static_cast<uint8_t>((irq + 1) & 7);
  } else {
    isr |= bit;
  }
  if (!IsLevel(bit)) irr &= static_cast<uint8_t>(~bit);  // a level request stays while the line is high
}

void Pic8259Pair::Chip::WriteCommand(uint8_t value) {
  if (value & kIcw1Init) {
    InitReset();
    init_state = 1;
    init4 = (value & kIcw1Ic4) != 0;
    single = (value & kIcw1Single) != 0;
    ltim = (value & kIcw1Ltim) != 0;
    return;
  }
  if (value & kOcw3Select) {
    if (value & kOcw3Poll) poll = true;
    if (value & kOcw3ReadRegister) read_isr = (value & kOcw3ReadIsr) != 0;
    if (value & kOcw3SetSpecialMask) special_mask = (value & kOcw3SpecialMask) != 0;
    return;
  }
  const unsigned level = value & 7;
  switch (static_cast<Ocw2>(value >> 5)) {
    case Ocw2::kRotateInAeoiClear:
    case Ocw2::kRotateInAeoiSet:
      rotate_on_auto_eoi = (value >> 7) != 0;
      break;
    case Ocw2::kNonSpecificEoi:
    case Ocw2::kRotateOnEoi: {
      const int priority = Priority(isr);
      if (priority != 8) {
        const unsigned irq = (priority + priority_add) & 7;
        isr &= static_cast<uint8_t>(~(1u << irq));
        if (static_cast<Ocw2>(value >> 5) == Ocw2::kRotateOnEoi) priority_add = static_cast<uint8_t>((irq + 1) & 7);
      }
      break;
    }
    case Ocw2::kSpecificEoi:
      isr &= static_cast<uint8_t>(~(1u << level));
      break;
    case Ocw2::kSetPriority:
      priority_add = static_cast<uint8_t>((level + 1) & 7);
      break;
    case Ocw2::kRotateOnSpecificEoi:
      isr &= static_cast<uint8_t>(~(1u << level));
      priority_add = static_cast<uint8_t>((level + 1) & 7);
      break;
    case Ocw2::kNop:
      break;
  }
}

void Pic8259Pair::Chip::WriteData(uint8_t value) {
  switch (init_state) {
    case 0:  // OCW1
      imr = value;
      break;
    case 1:  // ICW2: the vector base (bits 7-3)
      irq_base = value & 0xf8;
      init_state = single ? (init4 ? 3 : 0) : 2;
      break;
    case 2:  // ICW3: the cascade wiring is fixed on a PC
      init_state = init4 ? 3 : 0;
      break;
    default:  // ICW4 (bit 0, 8086 mode, is assumed; buffered mode does not matter)
      special_fully_nested = (value & kIcw4Sfnm) != 0;
      auto_eoi = (value & kIcw4Aeoi) != 0;
      init_state = 0;
      break;
  }
}

// --- the pair ---

void Pic8259Pair::Input::SetLevel(bool high) {
  if (irq >= 16 || irq == kCascadeIrq) return;
  pic->chips_[irq >> 3].SetInput(irq & 7, high);
  pic->Update();
}

Pic8259Pair::Pic8259Pair() {
  for (unsigned i = 0; i < inputs_.size(); ++i) {
    inputs_[i].pic = this;
    inputs_[i].irq = i;
  }
  Reset();
}

void Pic8259Pair::Reset() {
  for (unsigned i = 0; i < 2; ++i) {
    Chip& chip = chips_[i];
    chip = Chip{};
    chip.master = i == 0;
    chip.elcr_mask = i == 0 ? kElcrMasterMask : kElcrSlaveMask;
  }
  Update();
}

IrqLine& Pic8259Pair::Line(unsigned n) { return inputs_[n < 16 ? n : 16]; }

void Pic8259Pair::SetIntrOutput(IrqLine* intr) {
  intr_out_ = intr;
  if (intr_out_) intr_out_->SetLevel(intr_);
}

void Pic8259Pair::Update() {
  Chip& master = chips_[0];
  Chip& slave = chips_[1];
  master.SetInput(kCascadeIrq, slave.PendingIrq() >= 0);
  const bool intr = master.PendingIrq() >= 0;
  if (intr != intr_) {
    intr_ = intr;
    if (intr_out_) intr_out_->SetLevel(intr);
  }
}

uint8_t Pic8259Pair::Acknowledge() {
  Chip& master = chips_[0];
  Chip& slave = chips_[1];
  uint8_t vector;
  const int irq = master.PendingIrq();
  if (irq < 0) {
    vector = static_cast<uint8_t>(master.irq_base + 7);  // spurious IRQ7: ISR untouched
  } else {
    if (irq == static_cast<int>(kCascadeIrq)) {
      const int irq2 = slave.PendingIrq();
      if (irq2 >= 0) {
        slave.Intack(static_cast<unsigned>(irq2));
        vector = static_cast<uint8_t>(slave.irq_base + irq2);
      } else {
        vector = static_cast<uint8_t>(slave.irq_base + 7);  // spurious IRQ15
      }
    } else {
      vector = static_cast<uint8_t>(master.irq_base + irq);
    }
    master.Intack(static_cast<unsigned>(irq));
  }
  Update();
  return vector;
}

uint8_t Pic8259Pair::PollRead(unsigned chip) {
  // A poll read is an INTA: bit 7 says whether a request was pending, bits 2-0 its level.
  Chip& c = chips_[chip];
  c.poll = false;
  const int irq = c.PendingIrq();
  if (irq < 0) return 0;
  c.Intack(static_cast<unsigned>(irq));
  Update();
  return static_cast<uint8_t>(0x80 | irq);
}

bool Pic8259Pair::ReadByte(uint16_t port, uint8_t& value) {
  switch (port) {
    case kMasterCommand:
    case kMasterData:
    case kSlaveCommand:
    case kSlaveData: {
      const unsigned index = port >= kSlaveCommand ? 1 : 0;
      Chip& chip = chips_[index];
      if (chip.poll) {
        value = PollRead(index);
      } else if (port & 1) {
        value = chip.imr;
      } else {
        value = chip.read_isr ? chip.isr : chip.irr;
      }
      return true;
    }
    case kElcrMaster:
      value = chips_[0].elcr;
      return true;
    case kElcrSlave:
      value = chips_[1].elcr;
      return true;
    default:
      return false;
  }
}

void Pic8259Pair::WriteByte(uint16_t port, uint8_t value) {
  switch (port) {
    case kMasterCommand:
    case kMasterData:
    case kSlaveCommand:
    case kSlaveData: {
      Chip& chip = chips_[port >= kSlaveCommand ? 1 : 0];
      if (port & 1) {
        chip.WriteData(value);
      } else {
        chip.WriteCommand(value);
      }
      break;
    }
    case kElcrMaster:
    case kElcrSlave: {
      Chip& chip = chips_[port & 1];
      chip.elcr = value & chip.elcr_mask;
      break;
    }
    default:
      return;
  }
  Update();
}

uint32_t Pic8259Pair::PortRead(uint16_t port, unsigned size) {
  return ReadBytewise(port, size, [&](uint16_t p, uint8_t& byte) { return ReadByte(p, byte); });
}

void Pic8259Pair::PortWrite(uint16_t port, unsigned size, uint32_t value) {
  WriteBytewise(port, size, value, [&](uint16_t p, uint8_t byte) { WriteByte(p, byte); });
}

// --- save/restore ---

namespace {
constexpr uint32_t kPicSnapshotVersion = 1;
}

void Pic8259Pair::Save(SnapshotWriter& w) const {
  w.BeginSection("pic8259", kPicSnapshotVersion);
  for (const Chip& c : chips_) {
    for (uint8_t v : {c.last_irr, c.irr, c.imr, c.isr, c.priority_add, c.irq_base, c.init_state, c.elcr}) w.U8(v);
    for (bool b : {c.init4, c.single, c.read_isr, c.poll, c.special_mask, c.auto_eoi, c.rotate_on_auto_eoi,
                   c.special_fully_nested, c.ltim})
      w.Bool(b);
  }
  w.EndSection();
}

bool Pic8259Pair::Load(SnapshotReader& r, std::string& error) {
  std::array<Chip, 2> chips = chips_;  // keeps `master` and the ELCR masks, which are wiring
  if (r.BeginSection("pic8259", kPicSnapshotVersion)) {
    for (Chip& c : chips) {
      for (uint8_t* v : {&c.last_irr, &c.irr, &c.imr, &c.isr, &c.priority_add, &c.irq_base, &c.init_state, &c.elcr})
        *v = r.U8();
      for (bool* b : {&c.init4, &c.single, &c.read_isr, &c.poll, &c.special_mask, &c.auto_eoi,
                      &c.rotate_on_auto_eoi, &c.special_fully_nested, &c.ltim})
        *b = r.Bool();
      if (c.priority_add > 7) r.Fail("priority base outside 0-7");
      if (c.irq_base & 7) r.Fail("vector base not a multiple of 8");
      if (c.init_state > 3) r.Fail("initialisation state outside 0-3");
      if (c.elcr & ~c.elcr_mask) r.Fail("ELCR bits on inputs that are always edge-triggered");
    }
    r.EndSection();
  }
  if (!r.Finish(error)) return false;
  chips_ = chips;
  Update();
  if (intr_out_) intr_out_->SetLevel(intr_);  // INTR follows the restored requests even if unchanged
  return true;
}

}  // namespace kiln::devices
