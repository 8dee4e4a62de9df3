#include "rules/lean_pattern.hpp"

#include <algorithm>

namespace tapemeasure::rules {

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
      std::size_t j = i + 1;
      if (j < p.size() && p[j] == '^') ++j;
      if (j < p.size() && p[j] == ']') ++j;  // a ']' first in a class is literal
      while (j < p.size() && p[j] != ']') {
        if (p[j] == '\\') {
          j += 2;
        } else if (p[j] == '[' && j + 1 < p.size() && p[j + 1] == ':') {  // [:alpha:]
          const std::size_t e = p.find(":]", j + 2);
          j = e == std::string_view::npos ? j + 1 : e + 2;
        } else {
          ++j;
        }
      }
      copy_to(std::min(j + 1, p.size()));
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
        }
        continue;
      }
    }
    copy_to(i + 1);
  }
  return out;
}

}  // namespace tapemeasure::rules
