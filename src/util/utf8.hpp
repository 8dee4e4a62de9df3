#pragma once
// Making arbitrary log bytes safe for places that require valid UTF-8: Prometheus label
// values, HELP text and JSON. Log lines carry whatever a writer sent (Latin-1, binary, NUL);
// the daemon must never emit output that a scraper or a browser cannot parse.
#include <string>
#include <string_view>

namespace tapemeasure::util {

// True when `s` is valid UTF-8 and contains no NUL byte.
bool is_clean_utf8(std::string_view s) noexcept;

// Appends `s` to `out`, replacing each invalid UTF-8 sequence and each NUL byte with
// U+FFFD. Valid input is appended unchanged (the common case costs one scan).
void append_clean_utf8(std::string& out, std::string_view s);

inline std::string clean_utf8(std::string_view s) {
  std::string out;
  append_clean_utf8(out, s);
  return out;
}

}  // namespace tapemeasure::util
