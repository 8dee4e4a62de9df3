#pragma once
// Splits a syslog line into host, tag and the text rules match, without a regex. Rule files
// with `format: syslog` match from the tag on ("postfix/smtp[42]: 4F1A: to=<...>"), so their
// patterns stay short and anchored; this is the largest single win for throughput.
//
// Understood prefixes, each optional in turn:
//   <PRI>                              raw syslog datagrams
//   Nov  7 09:01:02[.frac]             RFC 3164 (day space-padded)
//   2026-11-27T09:01:02.123456+00:00   ISO 8601 / RFC 3339 (rsyslog's high-precision format)
//   host                               absent in some raw datagrams: a word ending in ':' or
//                                      holding "[pid]:" is taken as the tag instead
#include <string_view>

namespace tapemeasure::rules {

// Fields are never null views: an absent host, program or pid is "" (present and empty),
// unlike a capture group that did not take part, which events leave out.
struct SyslogHeader {
  std::string_view host = "";     // empty when the line carries none
  std::string_view program = "";  // the tag without "[pid]" and ':', e.g. "postfix-out/smtp"
  std::string_view pid = "";
  std::string_view timestamp = "";  // as written ("Nov  7 09:01:02"); see rules/log_time.hpp
  std::string_view body;     // from the tag on: what `format: syslog` rules match
};

// Never fails: a line without a recognisable header yields empty fields and body == line.
SyslogHeader parse_syslog_header(std::string_view line) noexcept;

}  // namespace tapemeasure::rules
