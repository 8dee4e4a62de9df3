#include "rules/lean_pattern.hpp"

#include <algorithm>

namespace tapemeasure::rules {

namespace {

// Past one character of a class: an escape ("\]", "\x{41}", "\p{Greek}") or a byte.
std::size_t class_char_end(std::string_view p, std::size_t j) {
  if (p[j] != '\\') return j + 1;
  if (j + 1 >= p.size()) return p.size();
  const char e = p[j + 1];
  j += 2;
  if ((e == 'x' || e == 'p' || e == 'P') && j < p.size() && p[j] == '{') {
    const std::size_t close = p.find('}', j);
    return close == std::string_view::npos ? p.size() : close + 1;
  }
  return j;
}

// Past the class that opens at p[i] ('['), read as RE2 reads it: a ']' first is literal;
// "[:name:]" is a POSIX class where a character may start (RE2 looks ahead for ":]"), but
// not as the end of a range ("[.-[:a]" is '.' to '[', then ':' and 'a').
std::size_t class_end(std::string_view p, std::size_t i) {
  std::size_t j = i + 1;
  if (j < p.size() && p[j] == '^') ++j;
  bool first = true;
  while (j < p.size()) {
    if (p[j] == ']' && !first) return j + 1;
    first = false;
    if (p[j] == '[' && j + 1 < p.size() && p[j + 1] == ':') {
      const std::size_t e = p.find(":]", j + 2);
      if (e != std::string_view::npos) {
        j = e + 2;
        continue;
      }
    }
    // \d \s \w (and their capitals) and \p classes are sets, never the start of a range:
    // "[\w-[:word:]]" is \w, '-' and [:word:].
    const bool set = p[j] == '\\' && j + 1 < p.size() && std::string_view("dDsSwWpP").find(p[j + 1]) != std::string_view::npos;
    j = class_char_end(p, j);
    if (!set && j + 1 < p.size() && p[j] == '-' && p[j + 1] != ']') j = class_char_end(p, j + 1);  // a range
  }
  return p.size();
}

}  // namespace

std::string without_captures(std::string_view p, const std::vector<bool>& keep) {
  std::string out;
  out.reserve(p.size());
  int group = 0;
  std::size_t i = 0;
  const auto copy_to = [&](std::size_t end) {
    out.append(p.substr(i, end - i));
    i = end;
  };
  while (i < p.size()) {
    const char c = p[i];
    if (c == '\\') {
      if (i + 1 < p.size() && p[i + 1] == 'Q') {  // literal text up to \E (or the end)
        const std::size_t e = p.find("\\E", i + 2);
        copy_to(e == std::string_view::npos ? p.size() : e + 2);
      } else {
        copy_to(std::min(i + 2, p.size()));
      }
      continue;
    }
    if (c == '[') {
      copy_to(class_end(p, i));
      continue;
    }
    if (c == '(') {
      const bool named = p.substr(i, 4) == "(?P<";
      if (named || p.substr(i, 2) != "(?") {
        ++group;
        const bool kept = static_cast<std::size_t>(group) < keep.size() && keep[static_cast<std::size_t>(group)];
        std::size_t open_end = i + 1;
        if (named) {
          const std::size_t e = p.find('>', i);
          open_end = e == std::string_view::npos ? p.size() : e + 1;
        }
        if (kept) {
          copy_to(open_end);
        } else {
          out += "(?:";
          i = open_end;
          // "(?:]" would put ":]" in the pattern, which RE2 takes as the end of a POSIX
          // class ("[:alpha:]") that an earlier "[:" in a class looks ahead for. Here, just
          // inside a group, ']' is a literal: written escaped, it means the same.
          if (i < p.size() && p[i] == ']') {
            out += "\\]";
            ++i;
          }
        }
        continue;
      }
    }
    copy_to(i + 1);
  }
  return out;
}

}  // namespace tapemeasure::rules
