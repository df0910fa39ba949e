// Pit8254: the 8254 counters computed from the virtual clock (82C54 datasheet, mode definitions;
// QEMU hw/timer/i8254.c and hw/audio/pcspk.c for the PC wiring).
#include "devices/pit_8254.h"

#include <algorithm>

#include "devices/isa_bytes.h"

namespace kiln::devices {

using namespace pit;

namespace {

/// The first nanosecond at which NsToTicks(ns, kTickRate) reaches `tick`.
uint64_t TickStartNs(uint64_t tick) {
  const auto scaled = static_cast<unsigned __int128>(tick) * 1'000'000'000u;
  return static_cast<uint64_t>((scaled + kTickRate - 1) / kTickRate);
}

uint32_t BinaryToBcd(uint32_t v) {
  return (v % 10) | ((v / 10 % 10) << 4) | ((v / 100 % 10) << 8) | ((v / 1000 % 10) << 12);
}

bool PeriodicMode(uint8_t mode) { return mode == 2 || mode == 3; }
bool TriggeredMode(uint8_t mode) { return mode == 1 || mode == 5; }

}  // namespace

// --- one counter ---

uint32_t Pit8254::Channel::DecodedCount() const {
  uint32_t n = count_register;
  if (bcd) {
    n = 0;
    for (int shift = 12; shift >= 0; shift -= 4) n = n * 10 + std::min<uint32_t>((count_register >> shift) & 0xf, 9);
  }
  if (n == 0) n = Modulus();
  if (PeriodicMode(mode) && n == 1) n = 2;
  return n;
}

uint32_t Pit8254::Channel::Value(uint64_t t) const {
  if (run == Run::kIdle || run == Run::kWaitTrigger) return frozen_value;
  const uint64_t d = Elapsed(t);
  const uint32_t m = Modulus();
  switch (mode) {
    case 2:  // N, N-1, ..., 1, reload
      return static_cast<uint32_t>((count - d % count) % m);
    case 3:  // decrements by two each clock, reloading at each half-period
      return static_cast<uint32_t>((count - (2 * (d % count)) % count) % m);
    default:  // 0, 1, 4, 5: N down to 0, then wraps around the modulus and keeps counting
      return static_cast<uint32_t>((count + m - d % m) % m);
  }
}

bool Pit8254::Channel::Out(uint64_t t) const {
  if (run == Run::kIdle) return mode != 0;  // the control word sets OUT low in mode 0, high otherwise
  if (run == Run::kWaitTrigger) return true;
  if (run == Run::kPaused && PeriodicMode(mode)) return true;  // gate low forces OUT high
  const uint64_t d = Elapsed(t);
  switch (mode) {
    case 0: return d >= count;              // high at terminal count, until reprogrammed
    case 1: return d >= count;              // one-shot: low from the trigger to terminal count
    case 2: return d % count != count - 1;  // low for the one clock at count 1
    case 3: return d % count < (count + 1) / 2;
    default: return d != count;             // 4, 5: a one-clock low strobe at terminal count
  }
}

uint64_t Pit8254::Channel::RisesUpTo(uint64_t d) const {
  switch (mode) {
    case 0:
    case 1: return d >= count ? 1 : 0;
    case 2:
    case 3: return d / count;
    default: return d >= uint64_t{count} + 1 ? 1 : 0;
  }
}

uint64_t Pit8254::Channel::NextTransition(uint64_t t) const {
  if (run != Run::kCounting) return UINT64_MAX;
  const uint64_t d = t - load_tick;
  uint64_t next = UINT64_MAX;
  switch (mode) {
    case 0:
    case 1:
      if (d < count) next = count;
      break;
    case 2:
    case 3: {
      const uint64_t period_start = d - d % count;
      const uint64_t fall = mode == 2 ? count - 1 : (count + 1) / 2;
      next = period_start + (d % count < fall ? fall : count);
      break;
    }
    default:
      if (d < count) next = count;
      else if (d == count) next = uint64_t{count} + 1;
      break;
  }
  return next == UINT64_MAX ? next : load_tick + next;
}

uint8_t Pit8254::Channel::Status(uint64_t t) const {
  uint8_t status = static_cast<uint8_t>((static_cast<uint8_t>(access) << kCwAccessShift) | (mode << kCwModeShift));
  if (bcd) status |= kCwBcd;
  if (Out(t)) status |= kStatusOut;
  if (t < null_count_until) status |= kStatusNullCount;
  return status;
}

// --- the device ---

Pit8254::Pit8254(Clock& clock, IrqLine& irq0)
    : clock_(clock), irq0_(irq0), timer_(clock.NewTimer([this] { OnTimer(); })) {
  Reset();
}

void Pit8254::Reset() {
  timer_->Cancel();
  state_.channels = {};
  state_.channels[2].gate = false;
  state_.port_b = 0;
  state_.irq_level = false;
  irq0_.SetLevel(false);
  state_.irq_synced_tick = NowTick();
  state_.irq_owed_rises = 0;
}

uint64_t Pit8254::NowTick() const { return NsToTicks(clock_.NowNs(), kTickRate); }

bool Pit8254::out(unsigned channel) const {
  const uint64_t t = NowTick();
  Channel c = state_.channels[channel % kChannels];  // a copy: a due reload is applied without side effects
  if (c.reload_pending && t >= c.pending_tick) c.count = c.pending_count, c.load_tick = c.pending_tick;
  return c.Out(t);
}

void Pit8254::SetIrqOutputEnabled(bool enabled) {
  if (enabled == state_.irq_enabled) return;
  const uint64_t t = NowTick();
  if (!enabled) {
    timer_->Cancel();
    state_.irq_level = false;
    irq0_.SetLevel(false);
  }
  state_.irq_enabled = enabled;
  state_.irq_synced_tick = t;  // edges while disconnected are not replayed
  state_.irq_owed_rises = 0;
  if (enabled) RefreshIrq(t);
}

uint32_t Pit8254::PortRead(uint16_t port, unsigned size) {
  return ReadBytewise(port, size, [&](uint16_t p, uint8_t& byte) { return ReadByte(p, byte); });
}

void Pit8254::PortWrite(uint16_t port, unsigned size, uint32_t value) {
  WriteBytewise(port, size, value, [&](uint16_t p, uint8_t byte) { WriteByte(p, byte); });
}

bool Pit8254::ReadByte(uint16_t port, uint8_t& value) {
  const uint64_t t = NowTick();
  if (port >= kChannel0 && port <= kChannel2) {
    value = ReadCounter(port - kChannel0, t);
    return true;
  }
  if (port == kControl) {
    value = 0xff;  // the control register is write-only; QEMU reads it as 0xff as well
    return true;
  }
  if (port == kPortB) {
    value = ReadPortB(t);
    return true;
  }
  return false;
}

void Pit8254::WriteByte(uint16_t port, uint8_t value) {
  const uint64_t t = NowTick();
  if (port >= kChannel0 && port <= kChannel2) {
    WriteCounter(port - kChannel0, value, t);
  } else if (port == kControl) {
    WriteControl(value, t);
  } else if (port == kPortB) {
    state_.port_b = value & kPortBWritable;
    SetGate(2, (value & kPortBGate2) != 0, t);
  }
}

uint8_t Pit8254::ReadPortB(uint64_t t) {
  ApplyPendingReload(2, t);
  uint8_t value = state_.port_b;
  if ((t / kRefreshTicks) & 1) value |= kPortBRefresh;
  if (state_.channels[2].Out(t)) value |= kPortBOut2;
  return value;
}

uint8_t Pit8254::ReadCounter(unsigned ch, uint64_t t) {
  ApplyPendingReload(ch, t);
  Channel& c = state_.channels[ch];
  if (c.status_latched) {  // the status goes first when both are latched
    c.status_latched = false;
    return c.latched_status;
  }
  const auto byte_of = [](uint16_t v, bool msb) { return static_cast<uint8_t>(msb ? v >> 8 : v); };
  if (c.count_latched) {
    bool msb = c.access == Access::kMsb;
    if (c.access == Access::kLsbMsb) {
      msb = c.latched_msb_next;
      c.latched_msb_next = !c.latched_msb_next;
      if (msb) c.count_latched = false;  // both bytes read: the latch follows the counter again
    } else {
      c.count_latched = false;
    }
    return byte_of(c.latched_count, msb);
  }
  uint32_t value = c.Value(t);
  if (c.bcd) value = BinaryToBcd(value);
  bool msb = c.access == Access::kMsb;
  if (c.access == Access::kLsbMsb) {
    msb = c.read_msb_next;
    c.read_msb_next = !c.read_msb_next;
  }
  return byte_of(static_cast<uint16_t>(value), msb);
}

void Pit8254::LatchCount(Channel& c, uint64_t t) {
  if (c.count_latched) return;  // a second latch before the first is read is ignored
  uint32_t value = c.Value(t);
  if (c.bcd) value = BinaryToBcd(value);
  c.latched_count = static_cast<uint16_t>(value);
  c.count_latched = true;
  c.latched_msb_next = false;
}

void Pit8254::WriteControl(uint8_t value, uint64_t t) {
  const unsigned select = value >> kCwSelectShift;
  if (select == kCwSelectReadBack) {
    for (unsigned ch = 0; ch < kChannels; ++ch) {
      if (!(value & (kRbCounter0 << ch))) continue;
      ApplyPendingReload(ch, t);
      Channel& c = state_.channels[ch];
      if (!(value & kRbNoCount)) LatchCount(c, t);
      if (!(value & kRbNoStatus) && !c.status_latched) {
        c.latched_status = c.Status(t);
        c.status_latched = true;
      }
    }
    return;
  }
  const auto access = static_cast<Access>((value & kCwAccessMask) >> kCwAccessShift);
  if (access == Access::kLatch) {
    ApplyPendingReload(select, t);
    LatchCount(state_.channels[select], t);
    return;
  }
  Begin(select, t);
  Channel& c = state_.channels[select];
  // A control word stops the counter and resets its logic; the count element keeps its value.
  c.frozen_value = c.Value(t);
  c.run = Run::kIdle;
  c.mode = static_cast<uint8_t>((value & kCwModeMask) >> kCwModeShift);
  if (c.mode > 5) c.mode -= 4;  // modes 6 and 7 are aliases of 2 and 3
  c.access = access;
  c.bcd = (value & kCwBcd) != 0;
  c.write_msb_next = c.read_msb_next = false;
  c.count_latched = c.status_latched = false;
  c.reload_pending = false;
  c.null_count_until = UINT64_MAX;
  End(select, t);
}

void Pit8254::WriteCounter(unsigned ch, uint8_t value, uint64_t t) {
  Begin(ch, t);
  Channel& c = state_.channels[ch];
  switch (c.access) {
    case Access::kLsb:
      c.count_register = value;
      LoadCount(c, t);
      break;
    case Access::kMsb:
      c.count_register = static_cast<uint16_t>(value << 8);
      LoadCount(c, t);
      break;
    default:
      if (!c.write_msb_next) {
        c.write_lsb = value;
        c.write_msb_next = true;
        // Mode 0: writing the first byte stops the count (and OUT stays low) until the second.
        if (c.mode == 0 && c.run != Run::kIdle) {
          c.frozen_value = c.Value(t);
          c.run = Run::kIdle;
        }
      } else {
        c.count_register = static_cast<uint16_t>(c.write_lsb | (value << 8));
        c.write_msb_next = false;
        LoadCount(c, t);
      }
      break;
  }
  End(ch, t);
}

// A complete count has been written to the count register: when the counter takes it depends on
// the mode (82C54 datasheet, "Mode Definitions").
void Pit8254::LoadCount(Channel& c, uint64_t t) {
  const uint32_t n = c.DecodedCount();
  if (TriggeredMode(c.mode)) {  // taken at the next rising gate; a running one-shot goes on
    if (c.run == Run::kIdle) c.run = Run::kWaitTrigger;
    c.null_count_until = UINT64_MAX;
    return;
  }
  if (PeriodicMode(c.mode) && c.run == Run::kCounting) {  // takes effect at the period's end
    const uint64_t d = t - c.load_tick;
    c.reload_pending = true;
    c.pending_count = n;
    c.pending_tick = c.load_tick + (d / c.count + 1) * c.count;
    c.null_count_until = c.pending_tick;
    return;
  }
  if (PeriodicMode(c.mode) && c.run == Run::kPaused) {  // loaded by the next rising gate
    c.null_count_until = UINT64_MAX;
    return;
  }
  c.count = n;
  c.reload_pending = false;
  c.null_count_until = t + 1;
  if (c.gate) {
    c.run = Run::kCounting;
    c.load_tick = t;
  } else {
    c.run = Run::kPaused;
    c.paused_ticks = 0;
  }
}

void Pit8254::SetGate(unsigned ch, bool gate, uint64_t t) {
  Channel& c = state_.channels[ch];
  if (gate == c.gate) return;
  Begin(ch, t);
  c.gate = gate;
  if (!gate) {
    if (c.run == Run::kCounting && !TriggeredMode(c.mode)) {  // modes 1 and 5 ignore a low gate
      c.paused_ticks = t - c.load_tick;
      c.run = Run::kPaused;
      if (PeriodicMode(c.mode)) c.reload_pending = false;  // the rising gate reloads anyway
    }
  } else if (TriggeredMode(c.mode) || PeriodicMode(c.mode)) {
    if (c.run != Run::kIdle) {  // trigger / restart with the count register
      c.count = c.DecodedCount();
      c.load_tick = t;
      c.run = Run::kCounting;
      c.reload_pending = false;
      c.null_count_until = t + 1;
    }
  } else if (c.run == Run::kPaused) {  // modes 0 and 4 resume where they stopped
    c.load_tick = t - c.paused_ticks;
    c.run = Run::kCounting;
  }
  End(ch, t);
}

void Pit8254::ApplyPendingReload(unsigned ch, uint64_t t) {
  Channel& c = state_.channels[ch];
  if (!c.reload_pending || t < c.pending_tick) return;
  if (ch == 0 && state_.irq_enabled && c.run == Run::kCounting) {
    // Edges up to the reload, under the old count (the reload itself is a rising edge).
    const uint64_t from = std::max(state_.irq_synced_tick, c.load_tick) - c.load_tick;
    const uint64_t to = c.pending_tick - c.load_tick;
    if (to > from) state_.irq_owed_rises += c.RisesUpTo(to) - c.RisesUpTo(from);
    state_.irq_synced_tick = std::max(state_.irq_synced_tick, c.pending_tick);
  }
  c.count = c.pending_count;
  c.load_tick = c.pending_tick;
  c.reload_pending = false;
}

void Pit8254::Begin(unsigned ch, uint64_t t) {
  ApplyPendingReload(ch, t);
  if (ch == 0) CatchUpIrq(t);
}

void Pit8254::End(unsigned ch, uint64_t t) {
  if (ch == 0) RefreshIrq(t);
}

void Pit8254::CatchUpIrq(uint64_t t) {
  if (!state_.irq_enabled) return;
  const Channel& c = state_.channels[0];
  uint64_t rises = state_.irq_owed_rises;
  if (c.run == Run::kCounting && t > state_.irq_synced_tick) {
    const uint64_t from = std::max(state_.irq_synced_tick, c.load_tick) - c.load_tick;
    rises += c.RisesUpTo(t - c.load_tick) - c.RisesUpTo(from);
  }
  if (rises > 0) {  // one edge for however many were due: the PIC latches only one anyway
    if (state_.irq_level) irq0_.SetLevel(false);
    irq0_.SetLevel(true);
    state_.irq_level = true;
  }
  state_.irq_owed_rises = 0;
  state_.irq_synced_tick = std::max(state_.irq_synced_tick, t);
}

void Pit8254::RefreshIrq(uint64_t t) {
  if (!state_.irq_enabled) return;
  const Channel& c = state_.channels[0];
  const bool level = c.Out(t);
  if (level != state_.irq_level) {
    state_.irq_level = level;
    irq0_.SetLevel(level);
  }
  state_.irq_synced_tick = std::max(state_.irq_synced_tick, t);
  uint64_t next = c.NextTransition(t);
  if (c.reload_pending) next = std::min(next, c.pending_tick);
  if (next == UINT64_MAX) {
    timer_->Cancel();
  } else {
    timer_->Arm(TickStartNs(next));
  }
}

void Pit8254::OnTimer() {
  const uint64_t t = NowTick();
  Begin(0, t);
  End(0, t);
}

// --- save/restore ---

namespace {
constexpr uint32_t kPitSnapshotVersion = 1;
}

void Pit8254::Save(SnapshotWriter& w) const {
  w.BeginSection("pit8254", kPitSnapshotVersion);
  // Ticks are counts of the 1.193182 MHz clock derived from the virtual clock (NowTick), so
  // they mean the same thing in a machine restored at the same virtual time.
  for (const Channel& c : state_.channels) {
    w.U8(c.mode);
    w.U8(static_cast<uint8_t>(c.access));
    w.Bool(c.bcd);
    w.U16(c.count_register);
    w.U8(c.write_lsb);
    w.Bool(c.write_msb_next);
    w.Bool(c.read_msb_next);
    w.Bool(c.count_latched);
    w.U16(c.latched_count);
    w.Bool(c.latched_msb_next);
    w.Bool(c.status_latched);
    w.U8(c.latched_status);
    w.Bool(c.gate);
    w.U8(static_cast<uint8_t>(c.run));
    w.U32(c.count);
    w.U64(c.load_tick);
    w.U64(c.paused_ticks);
    w.U32(c.frozen_value);
    w.Bool(c.reload_pending);
    w.U32(c.pending_count);
    w.U64(c.pending_tick);
    w.U64(c.null_count_until);
  }
  w.U8(state_.port_b);
  w.Bool(state_.irq_enabled);
  w.Bool(state_.irq_level);
  w.U64(state_.irq_synced_tick);
  w.U64(state_.irq_owed_rises);
  w.EndSection();
}

bool Pit8254::Load(SnapshotReader& r, std::string& error) {
  State s;
  const uint64_t now = NowTick();
  if (r.BeginSection("pit8254", kPitSnapshotVersion)) {
    for (unsigned ch = 0; ch < kChannels; ++ch) {
      Channel& c = s.channels[ch];
      c.mode = r.U8();
      const uint8_t access = r.U8();
      c.access = static_cast<Access>(access);
      c.bcd = r.Bool();
      c.count_register = r.U16();
      c.write_lsb = r.U8();
      c.write_msb_next = r.Bool();
      c.read_msb_next = r.Bool();
      c.count_latched = r.Bool();
      c.latched_count = r.U16();
      c.latched_msb_next = r.Bool();
      c.status_latched = r.Bool();
      c.latched_status = r.U8();
      c.gate = r.Bool();
      const uint8_t run = r.U8();
      c.run = static_cast<Run>(run);
      c.count = r.U32();
      c.load_tick = r.U64();
      c.paused_ticks = r.U64();
      c.frozen_value = r.U32();
      c.reload_pending = r.Bool();
      c.pending_count = r.U32();
      c.pending_tick = r.U64();
      c.null_count_until = r.U64();
      // What WriteControl / LoadCount can produce: counts are divisors below.
      if (c.mode > 5) r.Fail("counter mode above 5");
      if (access < static_cast<uint8_t>(Access::kLsb) || access > static_cast<uint8_t>(Access::kLsbMsb))
        r.Fail("counter access mode outside LSB / MSB / LSB-MSB");
      if (run > static_cast<uint8_t>(Run::kPaused)) r.Fail("unknown counter run state");
      if (c.count < 1 || c.count > c.Modulus()) r.Fail("count outside 1 to the modulus");
      if (c.frozen_value >= c.Modulus()) r.Fail("count element beyond the modulus");
      if (c.reload_pending && (c.pending_count < 1 || c.pending_count > c.Modulus() || c.pending_tick <= c.load_tick))
        r.Fail("pending reload that cannot happen");
      if (c.load_tick > now) r.Fail("count loaded after the present virtual time");
      if (ch != 2 && !c.gate) r.Fail("gate of counter 0 or 1 low (tied high)");
    }
    s.port_b = r.U8();
    s.irq_enabled = r.Bool();
    s.irq_level = r.Bool();
    s.irq_synced_tick = r.U64();
    s.irq_owed_rises = r.U64();
    if (s.port_b & ~kPortBWritable) r.Fail("port 0x61 with read-only bits stored");
    if (s.channels[2].gate != ((s.port_b & kPortBGate2) != 0)) r.Fail("counter 2's gate differs from port 0x61 bit 0");
    if (s.irq_synced_tick > now) r.Fail("IRQ0 synchronised after the present virtual time");
    if (!s.irq_enabled && s.irq_level) r.Fail("IRQ0 high while disconnected");
    r.EndSection();
  }
  if (!r.Finish(error)) return false;
  state_ = s;
  irq0_.SetLevel(state_.irq_level);
  // Re-arm for OUT's next transition after the last point IRQ0 was brought up to date, as
  // RefreshIrq last did on the saved machine; a deadline already past fires at once, and the
  // callback catches up from irq_synced_tick.
  const Channel& c = state_.channels[0];
  uint64_t next = UINT64_MAX;
  if (state_.irq_enabled) {
    next = c.NextTransition(std::max(state_.irq_synced_tick, c.load_tick));
    if (c.reload_pending) next = std::min(next, c.pending_tick);
  }
  if (next == UINT64_MAX) {
    timer_->Cancel();
  } else {
    timer_->Arm(TickStartNs(next));
  }
  return true;
}

}  // namespace kiln::devices
