#include "rules/log_time.hpp"

#include <charconv>
#include <cmath>
#include <cstring>
#include <ctime>

namespace tapemeasure::rules {
namespace {

bool digits(std::string_view s, std::size_t at, std::size_t n, int& out) {
  if (at + n > s.size()) return false;
  int v = 0;
  for (std::size_t i = at; i < at + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  out = v;
  return true;
}

int month_of(std::string_view m) {
  static constexpr std::string_view kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  for (int i = 0; i < 12; ++i)
    if (m == kMonths[i]) return i + 1;
  return 0;
}

// ".123" at `at`: the fraction and its length (0 when there is none).
double fraction(std::string_view s, std::size_t at, std::size_t& len) {
  len = 0;
  if (at >= s.size() || s[at] != '.') return 0;
  std::size_t n = at + 1;
  double f = 0, scale = 0.1;
  while (n < s.size() && s[n] >= '0' && s[n] <= '9') {
    if (scale > 1e-10) f += (s[n] - '0') * scale;
    scale /= 10;
    ++n;
  }
  if (n == at + 1) return 0;
  len = n - at;
  return f;
}

// The local year of `now`. localtime_r reads the zone each call (most of a syslog time's
// cost when measured): the year is kept with the span of time it covers.
int year_of(double now) {
  thread_local double span_begin = 1, span_end = 0;
  thread_local int year = 1970;
  if (now >= span_begin && now < span_end) return year;
  const std::time_t t = static_cast<std::time_t>(now);
  std::tm tm{};
  if (!::localtime_r(&t, &tm)) return 1970;
  year = tm.tm_year + 1900;
  span_begin = local_epoch(year, 1, 1, 0, 0, 0);
  span_end = local_epoch(year + 1, 1, 1, 0, 0, 0);
  return year;
}

// A date without a year: the year that puts it nearest to `now` (a log read on January 1st
// is still mostly December's). Only one year is read as local time in the usual case.
double nearest_year_epoch(int month, int day, int hour, int minute, double second, double now) {
  constexpr double kHalfYear = 365.2425 * 86400 / 2;
  const int y = year_of(now);
  const double e = local_epoch(y, month, day, hour, minute, second);
  if (e - now > kHalfYear) return local_epoch(y - 1, month, day, hour, minute, second);
  if (now - e > kHalfYear) return local_epoch(y + 1, month, day, hour, minute, second);
  return e;
}

bool valid_clock(int month, int day, int hour, int minute, int second) {
  return month >= 1 && month <= 12 && day >= 1 && day <= 31 && hour <= 23 && minute <= 59 && second <= 60;
}

// RFC 3339 / ISO 8601: "2026-11-27T09:01:02[.frac][Z|+hh:mm|+hhmm]"; rest must be empty
// (or spaces) when `whole` is set.
bool parse_iso(std::string_view s, bool whole, double& out) {
  int y, mo, d, h, mi, se;
  if (!digits(s, 0, 4, y) || s.size() < 19 || s[4] != '-' || !digits(s, 5, 2, mo) || s[7] != '-' ||
      !digits(s, 8, 2, d) || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') || !digits(s, 11, 2, h) ||
      s[13] != ':' || !digits(s, 14, 2, mi) || s[16] != ':' || !digits(s, 17, 2, se))
    return false;
  if (!valid_clock(mo, d, h, mi, se)) return false;
  std::size_t flen = 0;
  const double frac = fraction(s, 19, flen);
  std::size_t at = 19 + flen;
  bool zoned = false;
  int offset = 0;
  if (at < s.size() && (s[at] == 'Z' || s[at] == 'z')) {
    zoned = true;
    ++at;
  } else if (at < s.size() && (s[at] == '+' || s[at] == '-')) {
    int oh = 0, om = 0;
    const int sign = s[at] == '-' ? -1 : 1;
    if (!digits(s, at + 1, 2, oh)) return false;
    std::size_t next = at + 3;
    if (next < s.size() && s[next] == ':') ++next;
    if (!digits(s, next, 2, om)) return false;
    offset = sign * (oh * 3600 + om * 60);
    zoned = true;
    at = next + 2;
  }
  if (whole) {
    while (at < s.size() && s[at] == ' ') ++at;
    if (at != s.size()) return false;
  }
  out = zoned ? utc_epoch(y, mo, d, h, mi, se + frac) - offset : local_epoch(y, mo, d, h, mi, se + frac);
  return true;
}

bool parse_number(std::string_view s, double& out) {
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  if (s.empty()) return false;
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size() && std::isfinite(out);
}

}  // namespace

double utc_epoch(int year, int month, int day, int hour, int minute, double second) {
  // Howard Hinnant's days_from_civil.
  const int y = year - (month <= 2);
  const int era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = static_cast<unsigned>((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1);
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  const double days = static_cast<double>(era) * 146097 + static_cast<double>(doe) - 719468;
  return days * 86400 + hour * 3600 + minute * 60 + second;
}

double local_epoch(int year, int month, int day, int hour, int minute, double second) {
  // mktime takes a lock and may read the zone file: once per hour of log is plenty, since
  // zone offsets change on whole hours (or half hours: those zones' changes still fall on
  // an hour boundary of local time).
  thread_local int cached_key[4] = {-1, -1, -1, -1};
  thread_local double cached_hour = 0;
  if (cached_key[0] != year || cached_key[1] != month || cached_key[2] != day || cached_key[3] != hour) {
    std::tm tm{};
    tm.tm_year = year - 1900;
    tm.tm_mon = month - 1;
    tm.tm_mday = day;
    tm.tm_hour = hour;
    tm.tm_isdst = -1;
    cached_hour = static_cast<double>(std::mktime(&tm));
    cached_key[0] = year, cached_key[1] = month, cached_key[2] = day, cached_key[3] = hour;
  }
  return cached_hour + minute * 60 + second;
}

bool parse_syslog_time(std::string_view s, double now, double& out) {
  if (s.size() >= 15 && s[3] == ' ') {
    // "Nov  7 09:01:02" (day space-padded) or "Nov 07 09:01:02"
    const int month = month_of(s.substr(0, 3));
    int day = 0, h, mi, se;
    if (month == 0) return false;
    if (s[4] == ' ') {
      if (!digits(s, 5, 1, day)) return false;
    } else if (!digits(s, 4, 2, day)) {
      return false;
    }
    if (s[6] != ' ' || !digits(s, 7, 2, h) || s[9] != ':' || !digits(s, 10, 2, mi) || s[12] != ':' ||
        !digits(s, 13, 2, se))
      return false;
    if (!valid_clock(month, day, h, mi, se)) return false;
    std::size_t flen = 0;
    const double frac = fraction(s, 15, flen);
    out = nearest_year_epoch(month, day, h, mi, se + frac, now);
    return true;
  }
  return parse_iso(s, false, out);
}

std::string TimeLayout::compile(std::string_view layout) {
  source_ = std::string(layout);
  if (layout == "rfc3339") kind_ = Kind::rfc3339;
  else if (layout == "unix") kind_ = Kind::unix_s;
  else if (layout == "unix_ms") kind_ = Kind::unix_ms;
  else if (layout.find('%') == std::string_view::npos)
    return "time layout '" + source_ + "' is not rfc3339, unix, unix_ms or a strptime layout with % fields";
  else {
    kind_ = Kind::strptime;
    has_zone_ = has_year_ = false;
    for (std::size_t i = 0; i + 1 < layout.size(); ++i) {
      if (layout[i] != '%') continue;
      const char c = layout[++i];
      if (c == 'z') has_zone_ = true;
      else if (c == 'Y' || c == 'y' || c == 'G' || c == 'F' || c == 'D' || c == 'x' || c == 'c') has_year_ = true;
      else if (c == 's') has_year_ = has_zone_ = true;
      else if (c == 'Z') return "time layout '" + source_ + "': %Z (zone names) is ambiguous; use %z (+0100)";
    }
  }
  return {};
}

bool TimeLayout::parse(std::string_view text, double now, double& out) const {
  switch (kind_) {
    case Kind::rfc3339: return parse_iso(text, true, out);
    case Kind::unix_s: return parse_number(text, out);
    case Kind::unix_ms:
      if (!parse_number(text, out)) return false;
      out /= 1000;
      return true;
    case Kind::strptime: break;
  }
  if (text.size() > 256) return false;
  char buf[257];
  std::memcpy(buf, text.data(), text.size());
  buf[text.size()] = '\0';
  std::tm tm{};
  tm.tm_mday = 1;
  tm.tm_isdst = -1;
  const char* end = ::strptime(buf, source_.c_str(), &tm);
  if (end == nullptr) return false;
  std::size_t flen = 0;
  const double frac = fraction(std::string_view(end), 0, flen);  // fractions after the seconds
  end += flen;
  while (*end == ' ') ++end;
  if (end != buf + text.size()) return false;  // also when a NUL in the text stopped strptime
  if (!valid_clock(tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec)) return false;
  const double sec = tm.tm_sec + frac;
  if (has_zone_) {
    out = utc_epoch(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, sec) -
          static_cast<double>(tm.tm_gmtoff);
  } else if (has_year_) {
    out = local_epoch(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, sec);
  } else {
    out = nearest_year_epoch(tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, sec, now);
  }
  return std::isfinite(out);
}

}  // namespace tapemeasure::rules
