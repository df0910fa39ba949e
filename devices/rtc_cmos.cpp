// RtcCmos: MC146818A time keeping, alarms and interrupts from the virtual clock (MC146818A
// datasheet, "Update Cycle", "Interrupts"; QEMU hw/rtc/mc146818rtc.c for the PC specifics).
#include "devices/rtc_cmos.h"

#include "devices/isa_bytes.h"
#include "devices/rtc_calendar.h"

namespace kiln::devices {

using namespace rtc;

namespace {

constexpr int64_t kSecondNs = 1'000'000'000;

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

bool IsTimeRegister(uint8_t index) {
  switch (index) {
    case kSeconds: case kMinutes: case kHours: case kDayOfWeek: case kDayOfMonth: case kMonth:
    case kYear: case kCentury:
      return true;
    default:
      return false;
  }
}

}  // namespace

RtcCmos::RtcCmos(Clock& clock, IrqLine& irq8, int64_t start_unix_seconds)
    : clock_(clock),
      irq_(irq8),
      update_timer_(clock.NewTimer([this] { OnUpdate(); })),
      periodic_timer_(clock.NewTimer([this] { OnPeriodic(); })) {
  // The state SeaBIOS and QEMU leave: 32.768 kHz divider, 1024 Hz rate, 24-hour BCD.
  nvram_[kRegA] = kADivider32k | 0x06;
  nvram_[kRegB] = k24Hour;
  base_seconds_ = start_unix_seconds;
  origin_ns_ = pf_checked_ns_ = NowNs();
  FillTimeImage(origin_ns_);
  Reset();
}

void RtcCmos::Reset() {
  nvram_[kRegB] &= static_cast<uint8_t>(~(kBPie | kBAie | kBUie | kBSqwe));
  reg_c_ = 0;
  irq_level_ = false;
  irq_.SetLevel(false);
  pf_checked_ns_ = NowNs();
  ArmTimers(pf_checked_ns_);
}

void RtcCmos::SetNvram(uint8_t index, uint8_t value) {
  if (index <= kRegD || index == kCentury) return;
  nvram_[index] = value;
}

void RtcCmos::SetIrqOutputEnabled(bool enabled) {
  if (enabled == irq_enabled_) return;
  irq_enabled_ = enabled;
  if (!enabled && irq_level_) irq_.SetLevel(false);
  irq_level_ = false;
  if (enabled) UpdateIrq();
}

uint32_t RtcCmos::PortRead(uint16_t port, unsigned size) {
  return ReadBytewise(port, size, [&](uint16_t p, uint8_t& byte) { return ReadByte(p, byte); });
}

void RtcCmos::PortWrite(uint16_t port, unsigned size, uint32_t value) {
  WriteBytewise(port, size, value, [&](uint16_t p, uint8_t byte) { WriteByte(p, byte); });
}

bool RtcCmos::ReadByte(uint16_t port, uint8_t& value) {
  switch (port) {
    case kIndexPort:
    case kHighIndexPort:
      value = 0xff;
      return true;
    case kDataPort:
    case kHighDataPort:
      value = ReadRegister(index_);
      return true;
    default:
      return false;
  }
}

void RtcCmos::WriteByte(uint16_t port, uint8_t value) {
  switch (port) {
    case kIndexPort:
      nmi_disabled_ = (value & kNmiDisable) != 0;
      index_ = value & 0x7f;
      break;
    case kHighIndexPort:
      index_ = static_cast<uint8_t>(value | 0x80);
      break;
    case kDataPort:
    case kHighDataPort:
      WriteRegister(index_, value);
      break;
    default:
      break;
  }
}

uint8_t RtcCmos::ReadRegister(uint8_t index) {
  const int64_t now = NowNs();
  if (IsTimeRegister(index)) {
    if (TimeRunning()) FillTimeImage(now);
    return nvram_[index];
  }
  switch (index) {
    case kRegA:
      return static_cast<uint8_t>((nvram_[kRegA] & ~kAUip) | (Uip(now) ? kAUip : 0));
    case kRegC: {
      CatchUpPeriodicFlag(now);  // a boundary whose timer has not run yet still counts
      UpdateIrq();
      const uint8_t value = reg_c_;
      reg_c_ = 0;
      if (irq_level_) irq_.SetLevel(false);
      irq_level_ = false;
      return value;
    }
    case kRegD:
      return kDVrt;
    default:
      return nvram_[index];
  }
}

void RtcCmos::WriteRegister(uint8_t index, uint8_t value) {
  const int64_t now = NowNs();
  if (IsTimeRegister(index)) {
    if (!TimeRunning()) {  // SET or a stopped divider: the registers hold the time, raw
      nvram_[index] = value;
      return;
    }
    // With SET clear the chip takes the new value at once and keeps counting from it.
    AdvanceToLastUpdate(now);
    FillTimeImage(now);
    nvram_[index] = value;
    base_seconds_ = TimeFromImage();
    ArmTimers(now);
    return;
  }
  switch (index) {
    case kRegA:
      WriteControl(kRegA, value & static_cast<uint8_t>(~kAUip), now);
      break;
    case kRegB:
      if (value & kBSet) value &= static_cast<uint8_t>(~kBUie);  // SET clears UIE (datasheet)
      WriteControl(kRegB, value, now);
      break;
    case kRegC:
    case kRegD:
      break;  // read-only
    default:
      nvram_[index] = value;
      break;
  }
}

// A write to A or B may stop or start the time (SET, the divider) or change the data format.
// While the time runs it is base_seconds_ + whole seconds since origin_ns_; while it is stopped
// the time registers hold it, as written by the guest.
void RtcCmos::WriteControl(uint8_t index, uint8_t value, int64_t now) {
  CatchUpPeriodicFlag(now);
  const bool was_running = TimeRunning();
  const bool divider_was_running = DividerRunning();
  const uint8_t old_b = nvram_[kRegB];
  if (was_running) {
    AdvanceToLastUpdate(now);
  } else {
    base_seconds_ = TimeFromImage();
  }
  nvram_[index] = value;
  if (TimeRunning()) {
    if (!divider_was_running) origin_ns_ = now - kSecondNs / 2;  // first update 500 ms after reset
    else origin_ns_ += FloorDiv(now - origin_ns_, kSecondNs) * kSecondNs;  // keep the phase
  } else if (was_running || ((old_b ^ nvram_[kRegB]) & (kBDm | k24Hour))) {
    FillTimeImage(now);  // the stopped time, in the current format
  }
  pf_checked_ns_ = now;
  ArmTimers(now);
  UpdateIrq();
}

bool RtcCmos::DividerRunning() const {
  return ((nvram_[kRegA] & kADividerMask) >> kADividerShift) <= (kADivider32k >> kADividerShift);
}

int64_t RtcCmos::CurrentSeconds(int64_t now) const {
  if (!TimeRunning()) return base_seconds_;
  return base_seconds_ + FloorDiv(now - origin_ns_, kSecondNs);
}

void RtcCmos::AdvanceToLastUpdate(int64_t now) {
  const int64_t elapsed = FloorDiv(now - origin_ns_, kSecondNs);
  base_seconds_ += elapsed;
  origin_ns_ += elapsed * kSecondNs;
}

bool RtcCmos::Uip(int64_t now) const {
  if (!TimeRunning()) return false;
  const int64_t phase = now - origin_ns_ - FloorDiv(now - origin_ns_, kSecondNs) * kSecondNs;
  return phase >= kSecondNs - static_cast<int64_t>(kUipNs);
}

uint8_t RtcCmos::Encode(unsigned value) const {
  value %= 100;
  if (nvram_[kRegB] & kBDm) return static_cast<uint8_t>(value);
  return static_cast<uint8_t>(((value / 10) << 4) | (value % 10));
}

unsigned RtcCmos::Decode(uint8_t value) const {
  if (nvram_[kRegB] & kBDm) return value;
  return (value >> 4) * 10u + (value & 0x0f);  // digits A-F count on arithmetically
}

uint8_t RtcCmos::EncodeHour(unsigned hour) const {
  if (nvram_[kRegB] & k24Hour) return Encode(hour);
  const unsigned h12 = hour % 12 == 0 ? 12 : hour % 12;
  return static_cast<uint8_t>(Encode(h12) | (hour >= 12 ? kHourPm : 0));
}

unsigned RtcCmos::DecodeHour(uint8_t value) const {
  if (nvram_[kRegB] & k24Hour) return Decode(value);
  return Decode(value & static_cast<uint8_t>(~kHourPm)) % 12 + ((value & kHourPm) ? 12 : 0);
}

void RtcCmos::FillTimeImage(int64_t now) {
  const CivilTime t = CivilFromSeconds(CurrentSeconds(now));
  nvram_[kSeconds] = Encode(t.second);
  nvram_[kMinutes] = Encode(t.minute);
  nvram_[kHours] = EncodeHour(t.hour);
  nvram_[kDayOfWeek] = Encode(t.weekday + 1);
  nvram_[kDayOfMonth] = Encode(t.day);
  nvram_[kMonth] = Encode(t.month);
  const int64_t year = t.year < 0 ? 0 : t.year;
  nvram_[kYear] = Encode(static_cast<unsigned>(year % 100));
  nvram_[kCentury] = Encode(static_cast<unsigned>(year / 100 % 100));
}

int64_t RtcCmos::TimeFromImage() const {
  CivilTime t;
  t.year = int64_t{Decode(nvram_[kCentury])} * 100 + Decode(nvram_[kYear]);
  t.month = Decode(nvram_[kMonth]);
  t.day = Decode(nvram_[kDayOfMonth]);
  t.hour = DecodeHour(nvram_[kHours]);
  t.minute = Decode(nvram_[kMinutes]);
  t.second = Decode(nvram_[kSeconds]);
  return SecondsFromCivil(t);  // the day of week is derived from the date, as QEMU does
}

// --- interrupts ---

uint64_t RtcCmos::PeriodTicks() const {
  const unsigned rate = nvram_[kRegA] & kARateMask;
  if (rate == 0 || !DividerRunning()) return 0;
  if (rate <= 2) return rate == 1 ? 128 : 256;  // 256 Hz and 128 Hz, as rates 8 and 9
  return uint64_t{1} << (rate - 1);
}

void RtcCmos::CatchUpPeriodicFlag(int64_t now) {
  const uint64_t period = PeriodTicks();
  if (period != 0 && now > pf_checked_ns_) {
    const auto index = [&](int64_t t) { return NsToTicks(static_cast<uint64_t>(t - origin_ns_), kTimeBaseHz) / period; };
    if (pf_checked_ns_ < origin_ns_ || index(now) != index(pf_checked_ns_)) reg_c_ |= kCPf;
  }
  pf_checked_ns_ = now;
}

void RtcCmos::ArmTimers(int64_t now) {
  ArmUpdateTimer(now);
  ArmPeriodicTimer();
}

void RtcCmos::ArmUpdateTimer(int64_t now) {
  if (TimeRunning()) {
    const int64_t next = origin_ns_ + (FloorDiv(now - origin_ns_, kSecondNs) + 1) * kSecondNs;
    update_timer_->Arm(static_cast<uint64_t>(next));
  } else {
    update_timer_->Cancel();
  }
}

// The first periodic boundary after the last one accounted for in PF (pf_checked_ns_), so that a
// boundary due at the same moment as another event is not skipped.
void RtcCmos::ArmPeriodicTimer() {
  const uint64_t period = PeriodTicks();
  if (period != 0 && (nvram_[kRegB] & kBPie) && pf_checked_ns_ >= origin_ns_) {
    const uint64_t k = NsToTicks(static_cast<uint64_t>(pf_checked_ns_ - origin_ns_), kTimeBaseHz) / period + 1;
    const auto scaled = static_cast<unsigned __int128>(k * period) * kSecondNs;
    const auto offset = static_cast<int64_t>((scaled + kTimeBaseHz - 1) / kTimeBaseHz);
    periodic_timer_->Arm(static_cast<uint64_t>(origin_ns_ + offset));
  } else {
    periodic_timer_->Cancel();
  }
}

void RtcCmos::OnUpdate() {
  const int64_t now = NowNs();
  if (!TimeRunning()) return;
  FillTimeImage(now);
  reg_c_ |= kCUf;
  const auto matches = [&](uint8_t alarm, uint8_t value) {
    return (alarm & kAlarmDontCare) == kAlarmDontCare || alarm == value;
  };
  if (matches(nvram_[kSecondsAlarm], nvram_[kSeconds]) && matches(nvram_[kMinutesAlarm], nvram_[kMinutes]) &&
      matches(nvram_[kHoursAlarm], nvram_[kHours]))
    reg_c_ |= kCAf;
  UpdateIrq();
  ArmUpdateTimer(now);
}

void RtcCmos::OnPeriodic() {
  const int64_t now = NowNs();
  reg_c_ |= kCPf;
  pf_checked_ns_ = now;
  UpdateIrq();
  ArmPeriodicTimer();
}

void RtcCmos::UpdateIrq() {
  const uint8_t b = nvram_[kRegB];
  const bool flagged = ((reg_c_ & kCPf) && (b & kBPie)) || ((reg_c_ & kCAf) && (b & kBAie)) ||
                       ((reg_c_ & kCUf) && (b & kBUie));
  if (!flagged) return;
  reg_c_ |= kCIrqf;
  if (irq_enabled_ && !irq_level_) {
    irq_level_ = true;
    irq_.SetLevel(true);
  }
}

}  // namespace kiln::devices
