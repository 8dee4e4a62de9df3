#pragma once
// The arithmetic behind a view's shares and ratios in the per-second stats record
// (docs/views.md, "{"stats": ...} frames"): pure functions from one second's increments to
// the JSON the UI draws, plus the number and label trimming that keeps a record small.
// Nothing here knows the metric store or the views; second_stats.cpp feeds it.
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tapemeasure::stats {

// A share matrix's row and column label values, and labels in `top` lists, are cut to this
// many bytes: a record must stay small whatever a capture held.
inline constexpr std::size_t kMaxLabelBytes = 200;

// One series' increment in this second, by the values of the share's row and column labels.
// Several increments may name the same cell (series that differ in other labels); they add.
struct CellIncrement {
  std::string_view row, col;
  double increment = 0;
};

struct ShareLimits {
  std::size_t max_rows = 128;  // the busiest rows are kept
  std::size_t max_cols = 64;   // within them, the busiest columns are kept
  std::size_t max_label_bytes = kMaxLabelBytes;
};

// {"counts": {row: {col: n}}, "shares": {row: {col: fraction}}, "deviation": {row: {col: d}},
//  "omitted": n}. Cells hold only what was seen this second (absent means 0); rows and
// columns appear in name order. A share is a cell's part of its row's kept cells; the
// deviation is share * k - 1 for the k columns kept (0 is a fair split). Increments in rows
// or columns beyond the limits are summed in `omitted`. Shares and deviations are rounded
// to 4 decimals.
nlohmann::ordered_json share_matrix(std::span<const CellIncrement> cells, const ShareLimits& limits = {});

// A where-filter term: the label at `index` (in schema order) must equal `value`.
struct LabelEquals {
  std::size_t index = 0;
  std::string_view value;
};

// True when every term holds for a series with these label values (true for no terms).
bool matches_all(std::span<const std::string> label_values, std::span<const LabelEquals> where);

// {"part": p, "total": t, "value": p / t, or null when t is 0}.
nlohmann::ordered_json ratio_figures(double part, double total);

// The keys of the `keep` largest values of `totals` (a map of key -> number), largest
// first, ties by key: the busiest rows or columns a matrix keeps, the top of a list.
template <class Map>
std::vector<typename Map::key_type> busiest(const Map& totals, std::size_t keep) {
  std::vector<std::pair<typename Map::key_type, double>> order(totals.begin(), totals.end());
  const auto n = std::min(keep, order.size());
  std::partial_sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(n), order.end(),
                    [](const auto& a, const auto& b) { return a.second != b.second ? a.second > b.second : a.first < b.first; });
  std::vector<typename Map::key_type> out;
  for (std::size_t i = 0; i < n; ++i) out.push_back(std::move(order[i].first));
  return out;
}

// `v` rounded to `decimals` places.
double round_to(double v, int decimals);

// A number as the record carries it: integral values as integers (no "12.0"), others to 3
// decimals (from 1 up) or 6 significant digits (below 1). Non-finite values become null.
nlohmann::ordered_json compact_number(double v);

// The longest prefix of `s` of at most `max_bytes` bytes that does not split a UTF-8
// sequence (`s` is clean UTF-8, as the metric store keeps label values).
std::string_view cut_utf8(std::string_view s, std::size_t max_bytes);

}  // namespace tapemeasure::stats
