#pragma once
// The one reading of a metric `value` (a template's expansion, or a literal in a rule
// file): load-time checks, in-file tests and the daemon must agree on what is a number.
#include <charconv>
#include <string_view>

namespace tapemeasure::rules {

// Accepts a decimal or exponent number with surrounding spaces and an optional '+'.
inline bool parse_metric_value(std::string_view s, double& out) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '+')) s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  if (s.empty()) return false;
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size();
}

}  // namespace tapemeasure::rules
