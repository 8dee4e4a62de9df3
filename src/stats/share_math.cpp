#include "stats/share_math.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <set>
#include <utility>
#include <vector>

namespace tapemeasure::stats {
namespace {

using json = nlohmann::ordered_json;
using Row = std::map<std::string_view, double>;  // column -> increment

}  // namespace

json share_matrix(std::span<const CellIncrement> cells, const ShareLimits& limits) {
  std::map<std::string_view, Row> matrix;
  for (const auto& c : cells) {
    if (!(c.increment > 0) || !std::isfinite(c.increment)) continue;  // not seen this second
    matrix[cut_utf8(c.row, limits.max_label_bytes)][cut_utf8(c.col, limits.max_label_bytes)] += c.increment;
  }

  double omitted = 0;
  std::map<std::string_view, double> row_totals;
  for (const auto& [row, cols] : matrix)
    for (const auto& [col, n] : cols) row_totals[row] += n;
  const auto rows_kept = busiest(row_totals, limits.max_rows);
  const std::set<std::string_view> kept_rows(rows_kept.begin(), rows_kept.end());

  std::map<std::string_view, double> col_totals;  // over the kept rows only
  for (const auto& [row, cols] : matrix) {
    if (!kept_rows.contains(row)) {
      omitted += row_totals[row];
      continue;
    }
    for (const auto& [col, n] : cols) col_totals[col] += n;
  }
  const auto cols_kept = busiest(col_totals, limits.max_cols);
  const std::set<std::string_view> kept_cols(cols_kept.begin(), cols_kept.end());
  const double k = static_cast<double>(kept_cols.size());

  json counts = json::object(), shares = json::object(), deviation = json::object();
  for (const auto& [row, cols] : matrix) {
    if (!kept_rows.contains(row)) continue;
    double kept_total = 0;
    for (const auto& [col, n] : cols) (kept_cols.contains(col) ? kept_total : omitted) += n;
    if (kept_total <= 0) continue;  // all of it in omitted columns
    const std::string key(row);
    json& c = counts[key] = json::object();
    json& s = shares[key] = json::object();
    json& d = deviation[key] = json::object();
    for (const auto& [col, n] : cols) {
      if (!kept_cols.contains(col)) continue;
      const std::string col_key(col);
      const double share = n / kept_total;
      c[col_key] = compact_number(n);
      s[col_key] = round_to(share, 4);
      d[col_key] = round_to(share * k - 1, 4);
    }
  }
  json out = json::object();
  out["counts"] = std::move(counts);
  out["shares"] = std::move(shares);
  out["deviation"] = std::move(deviation);
  out["omitted"] = compact_number(omitted);
  return out;
}

bool matches_all(std::span<const std::string> label_values, std::span<const LabelEquals> where) {
  return std::all_of(where.begin(), where.end(), [&](const LabelEquals& w) {
    return w.index < label_values.size() && label_values[w.index] == w.value;
  });
}

json ratio_figures(double part, double total) {
  json out = json::object();
  out["part"] = compact_number(part);
  out["total"] = compact_number(total);
  out["value"] = total > 0 ? compact_number(part / total) : json(nullptr);
  return out;
}

double round_to(double v, int decimals) {
  const double scale = std::pow(10.0, decimals);
  const double r = std::round(v * scale) / scale;
  return r == 0 ? 0.0 : r;  // no "-0.0"
}

json compact_number(double v) {
  if (!std::isfinite(v)) return nullptr;
  constexpr double kExactIntegers = 9007199254740992.0;  // 2^53
  const auto integral = [&](double x) { return std::abs(x) < kExactIntegers && x == std::trunc(x); };
  if (integral(v)) return static_cast<std::int64_t>(v);
  if (std::abs(v) >= kExactIntegers) return v;  // no fraction worth keeping
  double r = 0;
  if (std::abs(v) >= 1) {
    r = round_to(v, 3);  // totals keep every integer digit
  } else {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.6g", v);  // small values keep their significant digits
    r = std::strtod(buf, nullptr);
  }
  if (integral(r)) return static_cast<std::int64_t>(r);
  return r;
}

std::string_view cut_utf8(std::string_view s, std::size_t max_bytes) {
  if (s.size() <= max_bytes) return s;
  std::size_t end = max_bytes;
  // Back off over continuation bytes (10xxxxxx) to the start of the cut sequence.
  while (end > 0 && (static_cast<unsigned char>(s[end]) & 0xC0) == 0x80) --end;
  return s.substr(0, end);
}

}  // namespace tapemeasure::stats
