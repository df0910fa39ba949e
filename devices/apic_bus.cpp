// ApicBus: routes APIC messages to the local APICs they address (Intel SDM Vol. 3A 10.6.2).
#include "devices/apic_bus.h"

#include <algorithm>

#include "devices/local_apic.h"

namespace kiln::devices {

using apic::DeliveryMode;
using apic::Shorthand;

ApicMessage MsiMessage(uint64_t address, uint32_t data) {
  ApicMessage m;
  m.vector = static_cast<uint8_t>(data & 0xff);
  m.mode = static_cast<DeliveryMode>((data >> 8) & 7);
  m.level_triggered = (data & (1u << 15)) != 0;
  m.logical = (address & (1u << 2)) != 0;
  m.destination = static_cast<uint8_t>((address >> 12) & 0xff);
  return m;
}

void ApicBus::Attach(LocalApic& apic) {
  if (std::find(apics_.begin(), apics_.end(), &apic) == apics_.end()) apics_.push_back(&apic);
}

void ApicBus::Detach(LocalApic& apic) { std::erase(apics_, &apic); }

namespace {

bool Addressed(const ApicMessage& message, const LocalApic& apic, const LocalApic* source) {
  if (!apic.global_enabled()) return false;  // a globally disabled APIC is off the bus
  switch (message.shorthand) {
    case Shorthand::kNone: return apic.MatchesDestination(message.logical, message.destination);
    case Shorthand::kSelf: return &apic == source;
    case Shorthand::kAll: return true;
    case Shorthand::kAllButSelf: return &apic != source;
  }
  return false;
}

}  // namespace

void ApicBus::Send(const ApicMessage& message, const LocalApic* source) {
  if (message.mode == DeliveryMode::kLowestPriority) {
    // One addressed APIC takes it: the lowest task priority, the first attached on a tie, as
    // QEMU's model (no focus processor, no arbitration IDs).
    LocalApic* chosen = nullptr;
    for (LocalApic* apic : apics_)
      if (Addressed(message, *apic, source) && (!chosen || apic->tpr() < chosen->tpr())) chosen = apic;
    if (chosen) chosen->Deliver(message.vector, message.mode, message.level_triggered);
    return;
  }
  // Index loop: a delivery never attaches or detaches APICs, but stays safe if it did.
  for (size_t i = 0; i < apics_.size(); ++i)
    if (Addressed(message, *apics_[i], source)) apics_[i]->Deliver(message.vector, message.mode, message.level_triggered);
}

}  // namespace kiln::devices
