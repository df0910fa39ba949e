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
  state_.nvram[kRegA] = kADivider32k | 0x06;
  state_.nvram[kRegB] = k24Hour;
  state_.base_seconds = start_unix_seconds;
  state_.origin_ns = state_.pf_checked_ns = NowNs();
  FillTimeImage(state_.origin_ns);
  Reset();
}

void RtcCmos::Reset() {
  state_.nvram[kRegB] &= static_cast<uint8_t>(~(kBPie | kBAie | kBUie | kBSqwe));
  state_.reg_c = 0;
  state_.irq_level = false;
  irq_.SetLevel(false);
  state_.pf_checked_ns = NowNs();
  ArmTimers(state_.pf_checked_ns);
}

void RtcCmos::SetNvram(uint8_t index, uint8_t value) {
  if (index <= kRegD || index == kCentury) return;
  state_.nvram[index] = value;
}

void RtcCmos::SetIrqOutputEnabled(bool enabled) {
  if (enabled == state_.irq_enabled) return;
  state_.irq_enabled = enabled;
  if (!enabled && state_.irq_level) irq_.SetLevel(false);
  state_.irq_level = false;
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
      value = ReadRegister(state_.index);
      return true;
    default:
      return false;
  }
}

void RtcCmos::WriteByte(uint16_t port, uint8_t value) {
  switch (port) {
    case kIndexPort:
      state_.nmi_disabled = (value & kNmiDisable) != 0;
      state_.index = value & 0x7f;
      break;
    case kHighIndexPort:
      state_.index = static_cast<uint8_t>(value | 0x80);
      break;
    case kDataPort:
    case kHighDataPort:
      WriteRegister(state_.index, value);
      break;
    default:
      break;
  }
}

uint8_t RtcCmos::ReadRegister(uint8_t index) {
  const int64_t now = NowNs();
  if (IsTimeRegister(index)) {
    if (TimeRunning()) FillTimeImage(now);
    return state_.nvram[index];
  }
  switch (index) {
    case kRegA:
      return static_cast<uint8_t>((state_.nvram[kRegA] & ~kAUip) | (Uip(now) ? kAUip : 0));
    case kRegC: {
      CatchUpPeriodicFlag(now);  // a boundary whose timer has not run yet still counts
      UpdateIrq();
      const uint8_t value = state_.reg_c;
      state_.reg_c = 0;
      if (state_.irq_level) irq_.SetLevel(false);
      state_.irq_level = false;
      return value;
    }
    case kRegD:
      return kDVrt;
    default:
      return state_.nvram[index];
  }
}

void RtcCmos::WriteRegister(uint8_t index, uint8_t value) {
  const int64_t now = NowNs();
  if (IsTimeRegister(index)) {
    if (!TimeRunning()) {  // SET or a stopped divider: the registers hold the time, raw
      state_.nvram[index] = value;
      return;
    }
    // With SET clear the chip takes the new value at once and keeps counting from it.
    AdvanceToLastUpdate(now);
    FillTimeImage(now);
    state_.nvram[index] = value;
    state_.base_seconds = TimeFromImage();
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
      state_.nvram[index] = value;
      break;
  }
}

// A write to A or B may stop or start the time (SET, the divider) or change the data format.
// While the time runs it is base_seconds + whole seconds since origin_ns; while it is stopped the
// time registers hold it, as written by the guest.
void RtcCmos::WriteControl(uint8_t index, uint8_t value, int64_t now) {
  CatchUpPeriodicFlag(now);
  const bool was_running = TimeRunning();
  const bool divider_was_running = DividerRunning();
  const uint8_t old_b = state_.nvram[kRegB];
  if (was_running) {
    AdvanceToLastUpdate(now);
  } else {
    state_.base_seconds = TimeFromImage();
  }
  state_.nvram[index] = value;
  if (TimeRunning()) {
    if (!divider_was_running) state_.origin_ns = now - kSecondNs / 2;  // first update 500 ms after reset
    else state_.origin_ns += FloorDiv(now - state_.origin_ns, kSecondNs) * kSecondNs;  // keep the phase
  } else if (was_running || ((old_b ^ state_.nvram[kRegB]) & (kBDm | k24Hour))) {
    FillTimeImage(now);  // the stopped time, in the current format
  }
  state_.pf_checked_ns = now;
  ArmTimers(now);
  UpdateIrq();
}

bool RtcCmos::DividerRunning() const {
  return ((state_.nvram[kRegA] & kADividerMask) >> kADividerShift) <= (kADivider32k >> kADividerShift);
}

int64_t RtcCmos::CurrentSeconds(int64_t now) const {
  if (!TimeRunning()) return state_.base_seconds;
  return state_.base_seconds + FloorDiv(now - state_.origin_ns, kSecondNs);
}

void RtcCmos::AdvanceToLastUpdate(int64_t now) {
  const int64_t elapsed = FloorDiv(now - state_.origin_ns, kSecondNs);
  state_.base_seconds += elapsed;
  state_.origin_ns += elapsed * kSecondNs;
}

bool RtcCmos::Uip(int64_t now) const {
  if (!TimeRunning()) return false;
  const int64_t phase = now - state_.origin_ns - FloorDiv(now - state_.origin_ns, kSecondNs) * kSecondNs;
  return phase >= kSecondNs - static_cast<int64_t>(kUipNs);
}

uint8_t RtcCmos::Encode(unsigned value) const {
  value %= 100;
  if (state_.nvram[kRegB] & kBDm) return static_cast<uint8_t>(value);
  return static_cast<uint8_t>(((value / 10) << 4) | (value % 10));
}

unsigned RtcCmos::Decode(uint8_t value) const {
  if (state_.nvram[kRegB] & kBDm) return value;
  return (value >> 4) * 10u + (value & 0x0f);  // digits A-F count on arithmetically
}

uint8_t RtcCmos::EncodeHour(unsigned hour) const {
  if (state_.nvram[kRegB] & k24Hour) return Encode(hour);
  const unsigned h12 = hour % 12 == 0 ? 12 : hour % 12;
  return static_cast<uint8_t>(Encode(h12) | (hour >= 12 ? kHourPm : 0));
}

unsigned RtcCmos::DecodeHour(uint8_t value) const {
  if (state_.nvram[kRegB] & k24Hour) return Decode(value);
  return Decode(value & static_cast<uint8_t>(~kHourPm)) % 12 + ((value & kHourPm) ? 12 : 0);
}

void RtcCmos::FillTimeImage(int64_t now) {
  const CivilTime t = CivilFromSeconds(CurrentSeconds(now));
  state_.nvram[kSeconds] = Encode(t.second);
  state_.nvram[kMinutes] = Encode(t.minute);
  state_.nvram[kHours] = EncodeHour(t.hour);
  state_.nvram[kDayOfWeek] = Encode(t.weekday + 1);
  state_.nvram[kDayOfMonth] = Encode(t.day);
  state_.nvram[kMonth] = Encode(t.month);
  const int64_t year = t.year < 0 ? 0 : t.year;
  state_.nvram[kYear] = Encode(static_cast<unsigned>(year % 100));
  state_.nvram[kCentury] = Encode(static_cast<unsigned>(year / 100 % 100));
}

int64_t RtcCmos::TimeFromImage() const {
  CivilTime t;
  t.year = int64_t{Decode(state_.nvram[kCentury])} * 100 + Decode(state_.nvram[kYear]);
  t.month = Decode(state_.nvram[kMonth]);
  t.day = Decode(state_.nvram[kDayOfMonth]);
  t.hour = DecodeHour(state_.nvram[kHours]);
  t.minute = Decode(state_.nvram[kMinutes]);
  t.second = Decode(state_.nvram[kSeconds]);
  return SecondsFromCivil(t);  // the day of week is derived from the date, as QEMU does
}

// --- interrupts ---

uint64_t RtcCmos::PeriodTicks() const {
  const unsigned rate = state_.nvram[kRegA] & kARateMask;
  if (rate == 0 || !DividerRunning()) return 0;
  if (rate <= 2) return rate == 1 ? 128 : 256;  // 256 Hz and 128 Hz, as rates 8 and 9
  return uint64_t{1} << (rate - 1);
}

void RtcCmos::CatchUpPeriodicFlag(int64_t now) {
  const uint64_t period = PeriodTicks();
  if (period != 0 && now > state_.pf_checked_ns) {
    const auto index = [&](int64_t t) {
      return NsToTicks(static_cast<uint64_t>(t - state_.origin_ns), kTimeBaseHz) / period;
    };
    if (state_.pf_checked_ns < state_.origin_ns || index(now) != index(state_.pf_checked_ns)) {
      state_.reg_c |= kCPf;
    }
  }
  state_.pf_checked_ns = now;
}

void RtcCmos::ArmTimers(int64_t now) {
  ArmUpdateTimer(now);
  ArmPeriodicTimer();
}

void RtcCmos::ArmUpdateTimer(int64_t now) {
  if (TimeRunning()) {
    const int64_t next = state_.origin_ns + (FloorDiv(now - state_.origin_ns, kSecondNs) + 1) * kSecondNs;
    update_timer_->Arm(static_cast<uint64_t>(next));
  } else {
    update_timer_->Cancel();
  }
}

// The first periodic boundary after the last one accounted for in PF (state_.pf_checked_ns), so that a
// boundary due at the same moment as another event is not skipped.
void RtcCmos::ArmPeriodicTimer() {
  const uint64_t period = PeriodTicks();
  if (period != 0 && (state_.nvram[kRegB] & kBPie) && state_.pf_checked_ns >= state_.origin_ns) {
    const uint64_t since_origin = static_cast<uint64_t>(state_.pf_checked_ns - state_.origin_ns);
    const uint64_t k = NsToTicks(since_origin, kTimeBaseHz) / period + 1;
    const auto scaled = static_cast<unsigned __int128>(k * period) * kSecondNs;
    const auto offset = static_cast<int64_t>((scaled + kTimeBaseHz - 1) / kTimeBaseHz);
    periodic_timer_->Arm(static_cast<uint64_t>(state_.origin_ns + offset));
  } else {
    periodic_timer_->Cancel();
  }
}

void RtcCmos::OnUpdate() {
  const int64_t now = NowNs();
  if (!TimeRunning()) return;
  FillTimeImage(now);
  state_.reg_c |= kCUf;
  const auto matches = [&](uint8_t alarm, uint8_t value) {
    return (alarm & kAlarmDontCare) == kAlarmDontCare || alarm == value;
  };
  const auto& r = state_.nvram;
  if (matches(r[kSecondsAlarm], r[kSeconds]) && matches(r[kMinutesAlarm], r[kMinutes]) &&
      matches(r[kHoursAlarm], r[kHours])) {
    state_.reg_c |= kCAf;
  }
  UpdateIrq();
  ArmUpdateTimer(now);
}

void RtcCmos::OnPeriodic() {
  const int64_t now = NowNs();
  state_.reg_c |= kCPf;
  state_.pf_checked_ns = now;
  UpdateIrq();
  ArmPeriodicTimer();
}

void RtcCmos::UpdateIrq() {
  const uint8_t b = state_.nvram[kRegB];
  const bool flagged = ((state_.reg_c & kCPf) && (b & kBPie)) || ((state_.reg_c & kCAf) && (b & kBAie)) ||
                       ((state_.reg_c & kCUf) && (b & kBUie));
  if (!flagged) return;
  state_.reg_c |= kCIrqf;
  if (state_.irq_enabled && !state_.irq_level) {
    state_.irq_level = true;
    irq_.SetLevel(true);
  }
}

// --- save/restore ---

namespace {
constexpr uint32_t kRtcSnapshotVersion = 1;
/// Far beyond any date the registers can show (year 9999), small enough that no sum of it with
/// elapsed virtual seconds overflows.
constexpr int64_t kMaxSnapshotSeconds = int64_t{1} << 45;
}  // namespace

void RtcCmos::Save(SnapshotWriter& w) const {
  w.BeginSection("rtc-cmos", kRtcSnapshotVersion);
  w.Bytes(state_.nvram);
  w.U8(state_.reg_c);
  w.U8(state_.index);
  w.Bool(state_.nmi_disabled);
  // The time as an offset from the virtual clock: base_seconds at the divider phase origin_ns
  // (virtual ns), so a machine restored at the same virtual time reads the same date and sees
  // the next update, alarm and periodic interrupt at the same instants.
  w.I64(state_.base_seconds);
  w.I64(state_.origin_ns);
  w.I64(state_.pf_checked_ns);
  w.Bool(state_.irq_enabled);
  w.Bool(state_.irq_level);
  w.EndSection();
}

bool RtcCmos::Load(SnapshotReader& r, std::string& error) {
  State s;
  const int64_t now = NowNs();
  if (r.BeginSection("rtc-cmos", kRtcSnapshotVersion)) {
    r.Bytes(s.nvram);
    s.reg_c = r.U8();
    s.index = r.U8();
    s.nmi_disabled = r.Bool();
    s.base_seconds = r.I64();
    s.origin_ns = r.I64();
    s.pf_checked_ns = r.I64();
    s.irq_enabled = r.Bool();
    s.irq_level = r.Bool();
    if (s.reg_c & ~(kCIrqf | kCPf | kCAf | kCUf)) r.Fail("register C with bits that are never set");
    if (s.base_seconds < -kMaxSnapshotSeconds || s.base_seconds > kMaxSnapshotSeconds) r.Fail("time out of range");
    // The divider's phase is moved forward only to a boundary already passed (or 500 ms before
    // the present when it is released), and the periodic flag is checked at present times.
    if (s.origin_ns > now || s.origin_ns < -kSecondNs) r.Fail("divider phase outside the virtual time so far");
    if (s.pf_checked_ns > now || s.pf_checked_ns < 0) r.Fail("periodic check outside the virtual time so far");
    if (!s.irq_enabled && s.irq_level) r.Fail("IRQ8 high while disconnected");
    r.EndSection();
  }
  if (!r.Finish(error)) return false;
  state_ = s;
  irq_.SetLevel(state_.irq_level);
  // Both timers are functions of the registers and the phase: the next second boundary after
  // now, the next periodic boundary after the last one accounted for in PF.
  ArmTimers(now);
  return true;
}

}  // namespace kiln::devices
