#pragma once
// A rule's pattern with only the capture groups something reads. When a line's event is not
// wanted (`test --format metrics`, a daemon with no browser connected), or is filled only
// if a browser takes it (the daemon with browsers), matching only has to fill the fields
// that labels, values, `when:`, keys, time and the event's type read. Turning the other groups
// into non-capturing ones changes nothing about what matches or what the kept groups hold
// (RE2's captures do not change its choices), but it can make the pattern one-pass: RE2 then
// extracts captures with its OnePass engine, about 3x faster than the backtracker it uses
// otherwise. (`(?:postfix|(?P<instance>postfix-\w+))` is not one-pass, as the group opens
// before the first letter tells the branches apart; `(?:postfix|postfix-\w+)` is.)
#include <string>
#include <string_view>
#include <vector>

namespace tapemeasure::rules {

// `pattern` with capture group g (1-based, in RE2's numbering: the order of the opening
// parentheses) made non-capturing wherever keep[g] is false (groups past keep.size() are
// dropped too). Understands escapes, \Q...\E, character classes ([]a], [^]a], [[:alpha:]]),
// and (?flags) / (?flags:...) groups, which are not capturing.
std::string without_captures(std::string_view pattern, const std::vector<bool>& keep);

}  // namespace tapemeasure::rules
