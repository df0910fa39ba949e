// AcpiPm: PM1 event/control, PM timer and GPE0 (ACPI 6.5 section 4.8; QEMU hw/acpi/core.c).
#include "devices/acpi_pm.h"

#include <cstdio>

#include "devices/isa_bytes.h"

namespace kiln::devices {

using namespace acpi_pm;

namespace {
/// The first virtual nanosecond at which the counter reads `ticks` (ceil of ticks / hz).
uint64_t TicksToNsCeil(uint64_t ticks) {
  const unsigned __int128 scaled = static_cast<unsigned __int128>(ticks) * 1'000'000'000u;
  return static_cast<uint64_t>((scaled + kPmTimerHz - 1) / kPmTimerHz);
}
/// The 64-bit tick count since the machine was built.
uint64_t TicksAt(uint64_t ns) { return NsToTicks(ns, kPmTimerHz); }
constexpr uint64_t kMsbPeriod = uint64_t{1} << (kPmTimerBits - 1);  ///< bit 23 changes every 2^23 ticks
}  // namespace

AcpiPm::AcpiPm(const AcpiPmConfig& config, Clock& clock, IrqLine& sci, MachineControl& control)
    : config_(config), clock_(clock), sci_(sci), control_(control) {
  overflow_timer_ = clock_.NewTimer([this] {
    CheckTimerOverflow();
    UpdateSci();
  });
  ArmOverflowTimer();
  Reset();
}

void AcpiPm::Reset() {
  state_ = State();
  CheckTimerOverflow();   // consume a pending bit-23 change so that reset leaves TMR_STS clear
  state_.pm1_sts = 0;
  UpdateSci();
}

void AcpiPm::PowerButton() {
  state_.pm1_sts |= kPwrBtnSts;
  UpdateSci();
}

void AcpiPm::RtcAlarm() {
  state_.pm1_sts |= kRtcSts;
  UpdateSci();
}

void AcpiPm::RaiseGpe(unsigned gpe) {
  if (gpe >= kGpe0Bits) return;
  state_.gpe_sts[gpe / 8] = static_cast<uint8_t>(state_.gpe_sts[gpe / 8] | (1u << (gpe % 8)));
  UpdateSci();
}

uint32_t AcpiPm::TimerValue() const { return static_cast<uint32_t>(TicksAt(clock_.NowNs())) & kPmTimerMask; }

void AcpiPm::ArmOverflowTimer() {
  const uint64_t ticks = TicksAt(clock_.NowNs());
  next_flip_ns_ = TicksToNsCeil((ticks / kMsbPeriod + 1) * kMsbPeriod);
  overflow_timer_->Arm(next_flip_ns_);
}

void AcpiPm::CheckTimerOverflow() {
  if (clock_.NowNs() < next_flip_ns_) return;
  state_.pm1_sts |= kTmrSts;
  ArmOverflowTimer();
}

void AcpiPm::UpdateSci() {
  bool level = (state_.pm1_sts & state_.pm1_en & kPm1EnBits) != 0;
  for (size_t i = 0; i < state_.gpe_sts.size(); ++i) level |= (state_.gpe_sts[i] & state_.gpe_en[i]) != 0;
  if (level == sci_level_) return;
  sci_level_ = level;
  sci_.SetLevel(level);
}

uint32_t AcpiPm::PortRead(uint16_t port, unsigned size) {
  if (static_cast<uint16_t>(port - config_.pm1_evt) < kPm1EvtLength) {
    // A guest polling PM1_STS sees a bit-23 change even if the timer's callback has not run yet.
    CheckTimerOverflow();
    UpdateSci();
  }
  // PM_TMR is one counter: a wide read samples it once. Sampling per byte could tear a carry
  // between bytes (0xfbc2ff, then 0xfbc201 with the low byte read after the carry), which Linux
  // rejects as a timer running backwards ("PM-Timer had inconsistent results").
  const uint32_t timer = TimerValue();
  return ReadBytewise(port, size, [this, timer](uint16_t p, uint8_t& byte) { return ReadByte(p, byte, timer); });
}

void AcpiPm::PortWrite(uint16_t port, unsigned size, uint32_t value) {
  WriteBytewise(port, size, value, [this](uint16_t p, uint8_t byte) { WriteByte(p, byte); });
  UpdateSci();
}

bool AcpiPm::ReadByte(uint16_t port, uint8_t& value, uint32_t timer) {
  auto byte_of = [](uint32_t reg, unsigned index) { return static_cast<uint8_t>(reg >> (8 * index)); };
  if (unsigned off = static_cast<uint16_t>(port - config_.pm1_evt); off < kPm1EvtLength) {
    value = byte_of(off < 2 ? state_.pm1_sts : state_.pm1_en, off & 1);
  } else if (off = static_cast<uint16_t>(port - config_.pm1_cnt); off < kPm1CntLength) {
    value = byte_of(state_.pm1_cnt, off);  // SLP_EN and GBL_RLS are write-only: never stored
  } else if (off = static_cast<uint16_t>(port - config_.pm_tmr); off < kPmTmrLength) {
    value = byte_of(timer, off);
  } else if (off = static_cast<uint16_t>(port - config_.gpe0); off < kGpe0Length) {
    const unsigned half = kGpe0Length / 2;
    value = off < half ? state_.gpe_sts[off] : state_.gpe_en[off - half];
  } else {
    return false;
  }
  return true;
}

void AcpiPm::WriteByte(uint16_t port, uint8_t value) {
  if (unsigned off = static_cast<uint16_t>(port - config_.pm1_evt); off < kPm1EvtLength) {
    const unsigned shift = 8 * (off & 1);
    const uint16_t bits = static_cast<uint16_t>(value << shift);
    const uint16_t lane = static_cast<uint16_t>(0xFFu << shift);
    if (off < 2) {
      state_.pm1_sts = static_cast<uint16_t>(state_.pm1_sts & ~(bits & kPm1StsBits));  // write 1 to clear
    } else {
      state_.pm1_en = static_cast<uint16_t>((state_.pm1_en & ~lane) | (bits & kPm1EnBits));
    }
  } else if (off = static_cast<uint16_t>(port - config_.pm1_cnt); off < kPm1CntLength) {
    if (off == 0) {
      // SCI_EN stays 1 (no SMI_CMD to leave ACPI mode); GBL_RLS would signal SMM firmware: none.
      state_.pm1_cnt = static_cast<uint16_t>((state_.pm1_cnt & 0xFF00) | kSciEn | (value & kBmRld));
    } else {
      WritePm1CntHigh(value);
    }
  } else if (off = static_cast<uint16_t>(port - config_.gpe0); off < kGpe0Length) {
    const unsigned half = kGpe0Length / 2;
    if (off < half) {
      state_.gpe_sts[off] = static_cast<uint8_t>(state_.gpe_sts[off] & ~value);
    } else {
      state_.gpe_en[off - half] = value;
    }
  }
  // PM_TMR is read-only; other ports are not ours.
}

void AcpiPm::WritePm1CntHigh(uint8_t value) {
  const uint16_t high = static_cast<uint16_t>(value << 8);
  state_.pm1_cnt = static_cast<uint16_t>((state_.pm1_cnt & 0x00FF) | (high & kSlpTypMask));
  if (!(high & kSlpEn)) return;
  const unsigned slp_typ = (high & kSlpTypMask) >> kSlpTypShift;
  if (slp_typ == config_.s5_slp_typ) {
    control_.RequestPowerOff();
    return;
  }
  if (!warned_sleep_type_) {
    warned_sleep_type_ = true;
    std::fprintf(stderr, "kiln: acpi-pm: sleep type %u is not supported (only S5 = %u); ignored\n", slp_typ,
                 static_cast<unsigned>(config_.s5_slp_typ));
  }
}

// --- save/restore ---

namespace {
constexpr uint32_t kAcpiPmSnapshotVersion = 1;
}

void AcpiPm::Save(SnapshotWriter& w) const {
  w.BeginSection("acpi-pm", kAcpiPmSnapshotVersion);
  w.U16(state_.pm1_sts);
  w.U16(state_.pm1_en);
  w.U16(state_.pm1_cnt);
  w.Bytes(state_.gpe_sts);
  w.Bytes(state_.gpe_en);
  // The PM timer is the virtual clock itself; only when its bit 23 next changes is state (in
  // virtual ns), so that a change not yet turned into TMR_STS is not lost.
  w.U64(next_flip_ns_);
  w.EndSection();
}

bool AcpiPm::Load(SnapshotReader& r, std::string& error) {
  State s;
  uint64_t next_flip = 0;
  if (r.BeginSection("acpi-pm", kAcpiPmSnapshotVersion)) {
    s.pm1_sts = r.U16();
    s.pm1_en = r.U16();
    s.pm1_cnt = r.U16();
    r.Bytes(s.gpe_sts);
    r.Bytes(s.gpe_en);
    next_flip = r.U64();
    if (s.pm1_sts & ~kPm1StsBits) r.Fail("PM1_STS with reserved bits set");
    if (s.pm1_en & ~kPm1EnBits) r.Fail("PM1_EN with reserved bits set");
    if (!(s.pm1_cnt & kSciEn) || (s.pm1_cnt & ~(kSciEn | kBmRld | kSlpTypMask))) r.Fail("PM1_CNT not as stored");
    const uint64_t next_boundary = TicksToNsCeil((TicksAt(clock_.NowNs()) / kMsbPeriod + 1) * kMsbPeriod);
    if (next_flip > next_boundary) r.Fail("PM timer bit 23 changing later than it can");
    r.EndSection();
  }
  if (!r.Finish(error)) return false;
  state_ = s;
  next_flip_ns_ = next_flip;
  overflow_timer_->Arm(next_flip_ns_);  // in the past: fires at once and sets TMR_STS
  UpdateSci();
  return true;
}

}  // namespace kiln::devices
