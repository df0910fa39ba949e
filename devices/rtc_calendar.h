// Proleptic Gregorian calendar arithmetic for the RTC: Unix seconds to a civil date and time and
// back, for any 64-bit second count a guest can reach (years 0-9999 and beyond; no time zones,
// no leap seconds, as the MC146818 has neither). After H. Hinnant's days_from_civil algorithms.
#pragma once

#include <cstdint>

namespace kiln::devices::rtc {

struct CivilTime {
  int64_t year = 1970;
  unsigned month = 1;  ///< 1-12
  unsigned day = 1;    ///< 1-31
  unsigned hour = 0, minute = 0, second = 0;
  unsigned weekday = 0;  ///< 0 = Sunday
};

/// Days since 1970-01-01 of a date; months out of 1-12 are clamped, days out of range simply
/// count on (day 32 of January is February 1st), so any register contents give some date.
inline int64_t DaysFromCivil(int64_t y, unsigned m, int64_t d) {
  if (m < 1) m = 1;
  if (m > 12) m = 12;
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;                                       // [0, 399]
  const int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;     // [0, 365]
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;               // [0, 146096]
  return era * 146097 + doe - 719468;
}

inline CivilTime CivilFromSeconds(int64_t seconds) {
  int64_t days = seconds / 86400;
  int64_t rem = seconds % 86400;
  if (rem < 0) rem += 86400, --days;
  CivilTime t;
  t.hour = static_cast<unsigned>(rem / 3600);
  t.minute = static_cast<unsigned>(rem / 60 % 60);
  t.second = static_cast<unsigned>(rem % 60);
  t.weekday = static_cast<unsigned>(((days % 7) + 11) % 7);  // 1970-01-01 was a Thursday (4)
  const int64_t z = days + 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  t.day = static_cast<unsigned>(doy - (153 * mp + 2) / 5 + 1);
  t.month = static_cast<unsigned>(mp < 10 ? mp + 3 : mp - 9);
  t.year = yoe + era * 400 + (t.month <= 2);
  return t;
}

inline int64_t SecondsFromCivil(const CivilTime& t) {
  return DaysFromCivil(t.year, t.month, t.day) * 86400 + int64_t{t.hour} * 3600 + int64_t{t.minute} * 60 + t.second;
}

}  // namespace kiln::devices::rtc
