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

void ApicBus::Send(const ApicMessage& message, const LocalApic* source) {
  // Collect first: a delivery may make a CPU act (in the machine, later), never re-enter the bus
  // here, but the list is copied so an APIC detaching during delivery cannot invalidate it.
  std::vector<LocalApic*> targets;
  for (LocalApic* apic : apics_) {
    bool addressed = false;
    switch (message.shorthand) {
      case Shorthand::kNone: addressed = apic->MatchesDestination(message.logical, message.destination); break;
      case Shorthand::kSelf: addressed = apic == source; break;
      case Shorthand::kAll: addressed = true; break;
      case Shorthand::kAllButSelf: addressed = apic != source; break;
    }
    if (addressed && apic->global_enabled()) targets.push_back(apic);
  }
  if (message.mode == DeliveryMode::kLowestPriority && targets.size() > 1) {
    // Arbitration by task priority, as QEMU's model (no focus processor, no arbitration IDs).
    auto lowest = std::min_element(targets.begin(), targets.end(),
                                   [](const LocalApic* a, const LocalApic* b) { return a->tpr() < b->tpr(); });
    targets = {*lowest};
  }
  for (LocalApic* apic : targets) apic->Deliver(message.vector, message.mode, message.level_triggered);
}

}  // namespace kiln::devices
