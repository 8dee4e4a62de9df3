#pragma once
// A line's own time ("log time"), read from its text: the syslog header's timestamp, or a
// captured field in a layout the rule file names. Durations between lines (`elapsed`) and
// the lifetimes of remembered entries use it, so a replayed or offline log gives the same
// durations as the live one.
//
// Times are seconds since the epoch (UTC), with fractions. A time written without a zone is
// local time (the TZ of the process), as syslog writes it.
#include <cstdint>
#include <string>
#include <string_view>

namespace tapemeasure::rules {

// "Nov  7 09:01:02[.frac]" (RFC 3164: no year, so the year that puts it nearest to `now`) or
// "2026-11-27T09:01:02[.frac][Z|+hh:mm]" (RFC 3339 / ISO 8601, a space for the T allowed).
// False when `text` is neither.
bool parse_syslog_time(std::string_view text, double now, double& out);

class TimeLayout {
 public:
  // "rfc3339", "unix" (seconds, fractions allowed), "unix_ms", or a strptime-style layout such
  // as "%d/%b/%Y:%H:%M:%S %z" (a layout with no year takes the year nearest to now; with no
  // %z, local time). Returns "" or an error message.
  std::string compile(std::string_view layout);
  // False when `text` does not fit the layout.
  bool parse(std::string_view text, double now, double& out) const;
  const std::string& source() const { return source_; }

 private:
  enum class Kind { rfc3339, unix_s, unix_ms, strptime };
  Kind kind_ = Kind::rfc3339;
  std::string source_;
  bool has_zone_ = false;
  bool has_year_ = false;
};

// Seconds since the epoch of a civil date and time in UTC (proleptic Gregorian).
double utc_epoch(int year, int month, int day, int hour, int minute, double second);
// The same read as local time (cached per hour: one mktime per hour of log, not per line).
double local_epoch(int year, int month, int day, int hour, int minute, double second);

}  // namespace tapemeasure::rules
