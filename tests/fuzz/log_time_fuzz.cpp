// Fuzzes reading a line's own time (rules/log_time.hpp): syslog header timestamps come from
// the network, `time:` layouts from rule files and the times they read from log lines.
// Nothing may crash, hang or give a time that is not a finite number.
//
// Input: a layout, a NUL byte, then the text to read with it. The whole input is also read
// as a syslog timestamp, and the text with each built-in layout.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "rules/log_time.hpp"

using namespace tapemeasure;

namespace {

// 2026-11-27 09:01:02 UTC, and a moment after New Year (the year-less formats' edge).
constexpr double kNows[] = {1795770062.0, 1798761630.0};

void must_be_finite(bool ok, double t) {
  if (ok && !std::isfinite(t)) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const std::size_t nul = input.find('\0');
  const std::string_view layout = input.substr(0, nul);
  const std::string_view text = nul == std::string_view::npos ? input : input.substr(nul + 1);

  for (const double now : kNows) {
    double t = 0;
    must_be_finite(rules::parse_syslog_time(input, now, t), t);
    must_be_finite(rules::parse_syslog_time(text, now, t), t);
    for (const char* builtin : {"rfc3339", "unix", "unix_ms"}) {
      rules::TimeLayout l;
      if (!l.compile(builtin).empty()) __builtin_trap();
      must_be_finite(l.parse(text, now, t), t);
    }
    rules::TimeLayout l;
    const std::string err = l.compile(layout);
    if (l.source() != layout) __builtin_trap();
    if (err.empty()) must_be_finite(l.parse(text, now, t), t);
  }
  return 0;
}
