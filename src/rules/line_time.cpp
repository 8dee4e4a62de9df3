#include "rules/line_time.hpp"

#include "rules/log_time.hpp"
#include "rules/syslog_header.hpp"

namespace tapemeasure::rules {

std::optional<double> LineTimeReader::read(std::string_view line, double now) {
  std::optional<double> found;
  if (rules_) {
    rules_->match(line, scratch_, true, [&](const RuleMatch& m) {
      const int f = m.rule.time_field;
      if (found || f < 0 || static_cast<std::size_t>(f) >= m.fields.size() || m.fields[f].empty()) return;
      double t = 0;
      const bool ok = m.rule.time_source == TimeSource::field && m.rule.time_layout
                          ? m.rule.time_layout->parse(m.fields[f], now, t)
                          : parse_syslog_time(m.fields[f], now, t);
      if (ok) found = t;
    });
    if (found) return found;
  }
  const auto header = parse_syslog_header(line);
  double t = 0;
  if (!header.timestamp.empty() && parse_syslog_time(header.timestamp, now, t)) return t;
  return std::nullopt;
}

}  // namespace tapemeasure::rules
