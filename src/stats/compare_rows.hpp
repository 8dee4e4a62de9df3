#pragma once
// The figures behind a view's comparison ("which is faster, the new parser or the old?") in
// the stats records (docs/views.md): for each value of the compared label, how many
// observations (a counter: its increments), their sum, and a histogram's bucket increments,
// from which the UI reads p50/p90/p99 as Prometheus' histogram_quantile does. Pure: fed by
// second_stats.cpp for one second and by record_sum.cpp over a minute or since start.
#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <vector>

namespace tapemeasure::stats {

// At most this many label values per comparison and record (the busiest); the count of
// the rest is in `omitted`, so a record stays small whatever the label holds.
inline constexpr std::size_t kMaxCompareRows = 64;

struct CompareRow {
  double count = 0;                // observations, or a counter's increments
  double sum = 0;                  // histograms: the sum of the observed values
  std::vector<double> increments;  // histograms: per bucket, not cumulative, +Inf last
};

// Label value (cut to kMaxLabelBytes by whoever adds it) -> its figures.
using CompareRows = std::map<std::string, CompareRow>;

// Adds one series' figures to its row (increments bucket by bucket).
void add_to_row(CompareRow& row, double count, double sum, std::span<const double> increments);

// Keeps the `keep` busiest rows; returns the count of those dropped.
double keep_busiest(CompareRows& rows, std::size_t keep);

// {"rows": {value: {"count", "sum", "increments"}}, "omitted": n}: histogram rows carry
// `sum` and `increments`, a counter's `count` only. At most kMaxCompareRows rows (the
// busiest; the others' counts added to `omitted`).
nlohmann::ordered_json compare_rows_json(CompareRows rows, double omitted, bool histogram);

}  // namespace tapemeasure::stats
