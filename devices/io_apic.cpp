// IoApic: redirection table and delivery (82093AA datasheet; QEMU hw/intc/ioapic.c).
#include "devices/io_apic.h"

namespace kiln::devices {

using namespace ioapic;

IoApic::IoApic(ApicBus& bus, uint8_t id) : bus_(bus), initial_id_(static_cast<uint8_t>(id & kIdMask)) {
  for (unsigned i = 0; i < inputs_.size(); ++i) inputs_[i].ioapic = this, inputs_[i].pin = i;
  Reset();
}

void IoApic::Reset() {
  const uint32_t levels = state_.levels;
  state_ = State{};
  state_.id = initial_id_;
  state_.levels = levels;
  state_.redirection.fill(kResetEntry);  // all edge and masked: no request is held
}

IrqLine& IoApic::Line(unsigned pin) { return inputs_[pin < kPins ? pin : kPins]; }

void IoApic::Input::SetLevel(bool high) {
  if (pin < kPins) ioapic->SetPin(pin, high);
}

void IoApic::SetPin(unsigned pin, bool level) {
  const uint32_t bit = 1u << pin;
  const bool was = (state_.levels & bit) != 0;
  state_.levels = level ? (state_.levels | bit) : (state_.levels & ~bit);
  const uint64_t entry = state_.redirection[pin];
  if (entry & kLevelTriggered) {
    if (level) {
      state_.irr |= bit;
      Service();
    } else {
      state_.irr &= ~bit;
    }
  } else if (level && !was && !(entry & kMasked)) {
    // An edge on a masked pin is lost (82093AA 3.2.4), as in QEMU.
    state_.irr |= bit;
    Service();
  }
}

void IoApic::Service() {
  for (unsigned pin = 0; pin < kPins; ++pin) {
    const uint32_t bit = 1u << pin;
    if (!(state_.irr & bit)) continue;
    uint64_t& entry = state_.redirection[pin];
    if (entry & kMasked) continue;
    const bool level = (entry & kLevelTriggered) != 0;
    if (level) {
      if (entry & kRemoteIrr) continue;  // waits for the EOI
      entry |= kRemoteIrr;
    } else {
      state_.irr &= ~bit;
    }
    ApicMessage m;
    m.vector = static_cast<uint8_t>(entry & kVectorMask);
    m.mode = static_cast<apic::DeliveryMode>((entry >> kDeliveryModeShift) & 7);
    m.level_triggered = level;
    m.logical = (entry & kDestLogical) != 0;
    m.destination = static_cast<uint8_t>(entry >> kDestinationShift);
    bus_.Send(m);
  }
}

void IoApic::Eoi(uint8_t vector) {
  bool any = false;
  for (uint64_t& entry : state_.redirection) {
    if ((entry & kLevelTriggered) && (entry & kRemoteIrr) && (entry & kVectorMask) == vector) {
      entry &= ~kRemoteIrr;
      any = true;
    }
  }
  if (any) Service();  // still-asserted level pins send again
}

uint64_t IoApic::MmioRead(uint64_t offset, unsigned size) {
  if (offset == kIoRegSel && size >= 1 && size <= 8) return state_.regsel;
  if (offset == kIoWin && (size == 4 || size == 8)) return ReadRegister(state_.regsel);
  return 0;
}

void IoApic::MmioWrite(uint64_t offset, unsigned size, uint64_t value) {
  if (offset == kIoRegSel && size >= 1 && size <= 8) {
    state_.regsel = static_cast<uint8_t>(value);
  } else if (offset == kIoWin && (size == 4 || size == 8)) {
    WriteRegister(state_.regsel, static_cast<uint32_t>(value));
  } else if (offset == kEoi && (size == 4 || size == 8)) {
    Eoi(static_cast<uint8_t>(value));
  }
}

uint32_t IoApic::ReadRegister(uint8_t index) const {
  switch (index) {
    case kRegId: return uint32_t{state_.id} << kIdShift;
    case kRegVersion: return kVersionValue;
    case kRegArb: return 0;
    default: break;
  }
  if (index < kRegRedirBase) return 0;
  const unsigned pin = (index - kRegRedirBase) >> 1;
  if (pin >= kPins) return 0;
  const uint64_t entry = state_.redirection[pin];
  return static_cast<uint32_t>((index & 1) ? entry >> 32 : entry);
}

void IoApic::WriteRegister(uint8_t index, uint32_t value) {
  if (index == kRegId) {
    state_.id = static_cast<uint8_t>((value >> kIdShift) & kIdMask);
    return;
  }
  if (index < kRegRedirBase) return;  // version and arbitration are read-only
  const unsigned pin = (index - kRegRedirBase) >> 1;
  if (pin >= kPins) return;
  uint64_t& entry = state_.redirection[pin];
  const uint64_t written = (index & 1) ? (entry & 0xffffffffull) | (uint64_t{value} << 32)
                                       : (entry & 0xffffffff00000000ull) | value;
  entry = (written & kWritable) | (entry & kRemoteIrr);
  // An entry switched to edge loses Remote IRR (QEMU; Linux relies on it to clear a stuck one).
  if (!(entry & kLevelTriggered)) entry &= ~kRemoteIrr;
  // A level input asserted while its entry was masked or edge is a request now; an edge entry
  // never holds a request (edges are sent at once or lost while masked).
  const uint32_t bit = 1u << pin;
  if ((entry & kLevelTriggered) && (state_.levels & bit)) {
    state_.irr |= bit;
  } else {
    state_.irr &= ~bit;
  }
  Service();
}

// --- save/restore ---

namespace {
constexpr uint32_t kIoApicSnapshotVersion = 1;
constexpr uint32_t kAllPins = (uint32_t{1} << kPins) - 1;
}  // namespace

void IoApic::Save(SnapshotWriter& w) const {
  w.BeginSection("ioapic", kIoApicSnapshotVersion);
  w.U8(state_.id);
  w.U8(state_.regsel);
  w.U32(state_.levels);
  w.U32(state_.irr);
  for (uint64_t entry : state_.redirection) w.U64(entry);
  w.EndSection();
}

bool IoApic::Load(SnapshotReader& r, std::string& error) {
  State s;
  if (r.BeginSection("ioapic", kIoApicSnapshotVersion)) {
    s.id = r.U8();
    s.regsel = r.U8();
    s.levels = r.U32();
    s.irr = r.U32();
    for (uint64_t& entry : s.redirection) entry = r.U64();
    if (s.id > kIdMask) r.Fail("ID above 15");
    if ((s.levels | s.irr) & ~kAllPins) r.Fail("pin bits beyond pin 23");
    for (uint64_t entry : s.redirection)
      if (entry & ~(kWritable | kRemoteIrr)) r.Fail("redirection entry with read-only bits set");
    r.EndSection();
  }
  if (!r.Finish(error)) return false;
  state_ = s;
  return true;
}

}  // namespace kiln::devices
