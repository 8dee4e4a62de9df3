#pragma once
// Hints for misspelt names ("did you mean 'format'?"), shared by the YAML readers and the
// view compiler, so every "unknown X" error offers the same kind of help.
#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

namespace tapemeasure::rules {

inline std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diag = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] != b[j - 1])});
      diag = up;
    }
  }
  return row[b.size()];
}

// "did you mean 'x'?" when some candidate is within two edits of `word`, else "known: a b c".
inline std::string closest_hint(std::string_view word, const std::vector<std::string>& candidates) {
  std::string best;
  std::size_t best_d = 3;
  for (const auto& c : candidates)
    if (const auto d = edit_distance(word, c); d < best_d) best = c, best_d = d;
  if (!best.empty()) return "did you mean '" + best + "'?";
  std::string out = "known:";
  for (const auto& c : candidates) out += " " + c;
  return out;
}

}  // namespace tapemeasure::rules
