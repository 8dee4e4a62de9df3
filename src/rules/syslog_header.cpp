#include "rules/syslog_header.hpp"

namespace tapemeasure::rules {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alpha(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }

// Length of an RFC 3164 timestamp at the start of s ("Nov  7 09:01:02"), or 0.
std::size_t rfc3164_timestamp(std::string_view s) {
  if (s.size() < 15) return 0;
  if (!is_alpha(s[0]) || !is_alpha(s[1]) || !is_alpha(s[2]) || s[3] != ' ') return 0;
  if (!(s[4] == ' ' || is_digit(s[4])) || !is_digit(s[5]) || s[6] != ' ') return 0;
  if (!is_digit(s[7]) || !is_digit(s[8]) || s[9] != ':' || !is_digit(s[10]) ||
      !is_digit(s[11]) || s[12] != ':' || !is_digit(s[13]) || !is_digit(s[14]))
    return 0;
  std::size_t n = 15;
  if (n < s.size() && s[n] == '.')  // some relays add fractional seconds
    for (++n; n < s.size() && is_digit(s[n]); ++n) {
    }
  return n;
}

// Length of an ISO 8601 timestamp at the start of s ("2026-11-27T09:01:02..."), or 0.
std::size_t iso8601_timestamp(std::string_view s) {
  if (s.size() < 19) return 0;
  for (int i : {0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18})
    if (!is_digit(s[i])) return 0;
  if (s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != ' ') || s[13] != ':' ||
      s[16] != ':')
    return 0;
  std::size_t n = 19;
  while (n < s.size() && s[n] != ' ') ++n;  // fraction and zone
  return n;
}

std::string_view skip_spaces(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size() && s[i] == ' ') ++i;
  return s.substr(i);
}

// A tag is "prog:", "prog[pid]:" (and the word is followed by a space or ends the line).
bool looks_like_tag(std::string_view word) {
  if (word.empty()) return false;
  if (word.back() == ':') return true;
  return false;
}

}  // namespace

SyslogHeader parse_syslog_header(std::string_view line) noexcept {
  SyslogHeader h;
  std::string_view rest = line;

  if (!rest.empty() && rest[0] == '<') {
    std::size_t i = 1;
    while (i < rest.size() && i <= 4 && is_digit(rest[i])) ++i;
    if (i > 1 && i < rest.size() && rest[i] == '>') rest.remove_prefix(i + 1);
  }

  std::size_t ts = rfc3164_timestamp(rest);
  if (ts == 0) ts = iso8601_timestamp(rest);
  if (ts > 0) {
    h.timestamp = rest.substr(0, ts);
    rest = skip_spaces(rest.substr(ts));
    // The host, unless the next word is already the tag (datagrams without a host name).
    const std::size_t sp = rest.find(' ');
    const std::string_view word = rest.substr(0, sp);
    if (!looks_like_tag(word) && sp != std::string_view::npos) {
      h.host = word;
      rest = skip_spaces(rest.substr(sp));
    }
  }

  h.body = rest;
  // The tag: program[pid]: — only if a ':' ends the first word.
  const std::size_t sp = rest.find(' ');
  std::string_view word = rest.substr(0, sp);
  if (!word.empty() && word.back() == ':') {
    word.remove_suffix(1);
    if (const auto open = word.find('['); open != std::string_view::npos && word.back() == ']') {
      h.program = word.substr(0, open);
      h.pid = word.substr(open + 1, word.size() - open - 2);
    } else {
      h.program = word;
    }
  }
  return h;
}

}  // namespace tapemeasure::rules
