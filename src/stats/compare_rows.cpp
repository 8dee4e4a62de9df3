#include "stats/compare_rows.hpp"

#include <set>

#include "stats/share_math.hpp"

namespace tapemeasure::stats {

void add_to_row(CompareRow& row, double count, double sum, std::span<const double> increments) {
  row.count += count;
  row.sum += sum;
  if (row.increments.size() < increments.size()) row.increments.resize(increments.size(), 0);
  for (std::size_t i = 0; i < increments.size(); ++i) row.increments[i] += increments[i];
}

double keep_busiest(CompareRows& rows, std::size_t keep) {
  if (rows.size() <= keep) return 0;
  std::map<std::string, double> counts;
  for (const auto& [value, row] : rows) counts[value] = row.count;
  const auto busy = busiest(counts, keep);
  const std::set<std::string> kept(busy.begin(), busy.end());
  CompareRows out;
  double dropped = 0;
  for (auto& [value, row] : rows) {
    if (kept.contains(value)) out.emplace(value, std::move(row));
    else dropped += row.count;
  }
  rows = std::move(out);
  return dropped;
}

nlohmann::ordered_json compare_rows_json(CompareRows rows, double omitted, bool histogram) {
  omitted += keep_busiest(rows, kMaxCompareRows);
  nlohmann::ordered_json out = nlohmann::ordered_json::object();
  nlohmann::ordered_json list = nlohmann::ordered_json::object();
  for (const auto& [value, row] : rows) {
    nlohmann::ordered_json r = nlohmann::ordered_json::object();
    r["count"] = compact_number(row.count);
    if (histogram) {
      r["sum"] = compact_number(row.sum);
      nlohmann::ordered_json inc = nlohmann::ordered_json::array();
      for (double x : row.increments) inc.push_back(compact_number(x));
      r["increments"] = std::move(inc);
    }
    list[value] = std::move(r);
  }
  out["rows"] = std::move(list);
  out["omitted"] = compact_number(omitted);
  return out;
}

}  // namespace tapemeasure::stats
