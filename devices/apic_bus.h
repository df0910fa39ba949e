// ApicBus: the APIC interrupt bus (in modern PCs, front-side-bus messages) that connects the
// local APICs of all CPUs, the IOAPIC and MSI-capable devices. A sender builds an ApicMessage —
// vector, delivery mode, trigger, and a destination (physical APIC ID, logical MDA, or a
// shorthand) — and the bus hands it to every local APIC it addresses (Intel SDM Vol. 3A 10.6).
// One CPU today, SMP later: a second CPU is one more LocalApic attached to the same bus.
#pragma once

#include <cstdint>
#include <vector>

namespace kiln::devices {

class LocalApic;

namespace apic {

/// Delivery modes shared by the ICR, LVT entries, IOAPIC redirection entries and MSI data.
enum class DeliveryMode : uint8_t {
  kFixed = 0,
  kLowestPriority = 1,
  kSmi = 2,
  kReserved3 = 3,
  kNmi = 4,
  kInit = 5,
  kStartup = 6,
  kExtInt = 7,
};

/// ICR destination shorthand (bits 19:18).
enum class Shorthand : uint8_t { kNone = 0, kSelf = 1, kAll = 2, kAllButSelf = 3 };

inline constexpr uint8_t kBroadcast = 0xff;  ///< physical or logical destination "all"

}  // namespace apic

struct ApicMessage {
  uint8_t vector = 0;
  apic::DeliveryMode mode = apic::DeliveryMode::kFixed;
  bool level_triggered = false;
  bool logical = false;     ///< destination is a logical MDA (flat/cluster per each APIC's DFR)
  uint8_t destination = 0;  ///< APIC ID (physical) or message destination address (logical)
  apic::Shorthand shorthand = apic::Shorthand::kNone;
};

/// Decodes an MSI write (address 0xFEExxxxx, 32-bit data) into a message: destination ID in
/// address bits 19:12, destination mode in bit 2; vector, delivery mode and trigger in the data.
ApicMessage MsiMessage(uint64_t address, uint32_t data);

class ApicBus {
 public:
  ApicBus() = default;
  ApicBus(const ApicBus&) = delete;
  ApicBus& operator=(const ApicBus&) = delete;

  /// LocalApic's constructor and destructor call these; an APIC is on at most one bus.
  void Attach(LocalApic& apic);
  void Detach(LocalApic& apic);

  /// Delivers `message` to the APICs it addresses. `source` is the sending local APIC (for the
  /// self and all-but-self shorthands); nullptr for the IOAPIC and MSIs. Lowest-priority
  /// messages go to one addressed APIC: the one with the lowest task priority.
  void Send(const ApicMessage& message, const LocalApic* source = nullptr);

  const std::vector<LocalApic*>& apics() const { return apics_; }

 private:
  std::vector<LocalApic*> apics_;
};

}  // namespace kiln::devices
