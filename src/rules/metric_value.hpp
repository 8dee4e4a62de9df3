#pragma once
// The one reading of a metric `value` (a template's expansion, or a literal in a rule
// file): load-time checks, in-file tests and the daemon must agree on what is a number.
//
// Only finite decimal numbers are values. std::from_chars (not strtod) decides, so:
//   accepted  "12", " +0.5 ", "-3", "1e3", "1e-310" (subnormal)
//   refused   "nan", "inf", "-inf", "infinity": from_chars reads them, but one of them added
//             to a counter leaves it NaN or +Inf for ever, and a histogram's sum with it;
//             "1e999", "1e-400": out of double's range (from_chars reports it; strtod
//             would quietly give inf or 0);
//             "0x10": no hex (strtod would read 16; a log field that looks like hex is an
//             id, not a measurement); "12kb", "": not a number at all.
// Whether a negative value is allowed depends on the metric (not for counters): the caller
// checks that.
#include <charconv>
#include <cmath>
#include <string_view>

namespace tapemeasure::rules {

// Accepts a finite decimal or exponent number with surrounding spaces and an optional '+'.
inline bool parse_metric_value(std::string_view s, double& out) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '+')) s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  if (s.empty()) return false;
  double v = 0;
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || !std::isfinite(v)) return false;
  out = v;
  return true;
}

}  // namespace tapemeasure::rules
