#include "stats/record_sum.hpp"

#include <algorithm>
#include <cmath>
#include <initializer_list>
#include <set>
#include <utility>

#include "stats/compare_rows.hpp"
#include "stats/share_math.hpp"

namespace tapemeasure::stats {
namespace {

using json = nlohmann::ordered_json;

constexpr std::size_t kTopFollowed = 100;  // label sets a counter's sum follows for `top`
constexpr std::size_t kTopShown = 10;

double number(const json& j, const char* key) {
  const auto it = j.find(key);
  return it != j.end() && it->is_number() ? it->get<double>() : 0;
}

std::uint64_t count(const json& j, const char* key) {
  const double v = number(j, key);
  return v > 0 ? static_cast<std::uint64_t>(std::llround(v)) : 0;
}

std::string key_of(const json& j) {
  const auto view = j.find("view"), title = j.find("title");
  if (view == j.end() || title == j.end() || !view->is_string() || !title->is_string()) return "";
  return view->get<std::string>() + "\n" + title->get<std::string>();
}

// The `keys` of `j` that it has, in that order: what names a share or ratio.
json pick(const json& j, std::initializer_list<const char*> keys) {
  json out = json::object();
  for (const char* k : keys)
    if (j.contains(k)) out[k] = j[k];
  return out;
}

}  // namespace

void RecordSum::add(const json& second) {
  if (!second.is_object()) return;
  ++seconds_;
  if (const auto it = second.find("ts"); it != second.end() && it->is_number_integer())
    last_ts_ = std::max(last_ts_, it->get<std::int64_t>());
  lines_ += count(second, "lines_per_s");
  matched_ += count(second, "matched_per_s");
  unmatched_ += count(second, "unmatched_per_s");
  events_ += count(second, "events_per_s");
  dropped_ += number(second, "dropped_per_s");
  if (const auto it = second.find("clients"); it != second.end()) clients_ = *it;
  if (const auto it = second.find("reload"); it != second.end()) reload_ = *it;
  if (const auto it = second.find("metrics"); it != second.end() && it->is_object())
    for (const auto& [name, m] : it->items()) add_metric(name, m);
  if (const auto it = second.find("shares"); it != second.end() && it->is_array())
    for (const auto& s : *it) add_share(s);
  if (const auto it = second.find("ratios"); it != second.end() && it->is_array())
    for (const auto& r : *it) add_ratio(r);
  if (const auto it = second.find("compares"); it != second.end() && it->is_array())
    for (const auto& c : *it) add_compare(c);
}

void RecordSum::add_compare(const json& c) {
  const std::string key = key_of(c);
  if (key.empty()) return;
  auto [it, fresh] = compares_.try_emplace(key);
  if (fresh) compare_order_.push_back(key);
  CompareSum& sum = it->second;
  json head = pick(c, {"view", "title", "metric", "label", "baseline", "kind", "buckets"});
  // Another kind or other bucket bounds (a reload reshaped the metric): from here on.
  if (head != sum.head) sum = CompareSum{std::move(head), {}, 0};
  const bool histogram = sum.head.value("kind", "") == "histogram";
  if (const auto rows = c.find("rows"); rows != c.end() && rows->is_object()) {
    std::vector<double> inc;
    for (const auto& [value, row] : rows->items()) {
      if (!row.is_object()) continue;
      inc.clear();
      if (const auto i = row.find("increments"); histogram && i != row.end() && i->is_array())
        for (const auto& x : *i) inc.push_back(x.is_number() ? x.get<double>() : 0);
      add_to_row(sum.rows[value], number(row, "count"), number(row, "sum"), inc);
    }
  }
  sum.omitted += number(c, "omitted");
  // Between renderings, twice what a record shows: the quietest values go to `omitted`.
  if (sum.rows.size() > 2 * kMaxCompareRows) sum.omitted += keep_busiest(sum.rows, kMaxCompareRows);
}

void RecordSum::add_metric(const std::string& name, const json& m) {
  if (!m.is_object() || !m.contains("kind") || !m["kind"].is_string()) return;
  auto [it, fresh] = metrics_.try_emplace(name);
  if (fresh) metric_order_.push_back(name);
  MetricSum& sum = it->second;
  const std::string kind = m["kind"].get<std::string>();
  if (sum.kind != kind) sum = MetricSum{kind, {}, {}, {}};  // reshaped by a reload: start again
  if (kind == "counter") {
    CounterSum& c = sum.counter;
    c.per_s += number(m, "per_s");
    c.total = m.value("total", json(0));
    c.label_sets = std::max(c.label_sets, count(m, "label_sets"));
    if (const auto top = m.find("top"); top != m.end() && top->is_array()) {
      for (const auto& e : *top) {
        if (!e.is_object() || !e.contains("labels")) continue;
        auto& [labels, n] = c.top[e["labels"].dump(-1, ' ', false, json::error_handler_t::replace)];
        labels = e["labels"];
        n += number(e, "per_s");
      }
      trim(c);
    }
  } else if (kind == "histogram") {
    HistogramSum& h = sum.histogram;
    h.per_s += number(m, "per_s");
    h.sum_per_s += number(m, "sum_per_s");
    h.total = m.value("total", json(0));
    const json buckets = m.value("buckets", json::array());
    const auto inc = m.find("increments");
    if (inc == m.end() || !inc->is_array()) return;
    if (buckets != h.buckets || h.increments.size() != inc->size()) {  // new bounds: from here on
      h.buckets = buckets;
      h.increments.assign(inc->size(), 0);
    }
    for (std::size_t i = 0; i < inc->size(); ++i)
      if ((*inc)[i].is_number()) h.increments[i] += (*inc)[i].get<double>();
  } else {
    sum.gauge = m;
  }
}

void RecordSum::add_share(const json& s) {
  const std::string key = key_of(s);
  if (key.empty()) return;
  auto [it, fresh] = shares_.try_emplace(key);
  if (fresh) share_order_.push_back(key);
  ShareSum& sum = it->second;
  sum.head = pick(s, {"view", "title", "metric", "rows", "cols"});
  if (const auto counts = s.find("counts"); counts != s.end() && counts->is_object())
    for (const auto& [row, cols] : counts->items())
      if (cols.is_object())
        for (const auto& [col, n] : cols.items())
          if (n.is_number()) sum.cells[row][col] += n.get<double>();
  sum.omitted += number(s, "omitted");
  trim(sum);
}

void RecordSum::add_ratio(const json& r) {
  const std::string key = key_of(r);
  if (key.empty()) return;
  auto [it, fresh] = ratios_.try_emplace(key);
  if (fresh) ratio_order_.push_back(key);
  RatioSum& sum = it->second;
  sum.head = pick(r, {"view", "title", "metric"});
  sum.part += number(r, "part");
  sum.total += number(r, "total");
}

// Keeps a matrix within twice share_math's limits between renderings: the quietest rows,
// then the quietest columns, go to `omitted`.
void RecordSum::trim(ShareSum& s) {
  const ShareLimits limits;
  if (s.cells.size() > 2 * limits.max_rows) {
    std::map<std::string, double> totals;
    for (const auto& [row, cols] : s.cells)
      for (const auto& [col, n] : cols) totals[row] += n;
    const auto busy = busiest(totals, limits.max_rows);
    const std::set<std::string> keep(busy.begin(), busy.end());
    for (auto it = s.cells.begin(); it != s.cells.end();) {
      if (keep.contains(it->first)) {
        ++it;
        continue;
      }
      s.omitted += totals[it->first];
      it = s.cells.erase(it);
    }
  }
  std::map<std::string, double> col_totals;
  for (const auto& [row, cols] : s.cells)
    for (const auto& [col, n] : cols) col_totals[col] += n;
  if (col_totals.size() <= 2 * limits.max_cols) return;
  const auto busy = busiest(col_totals, limits.max_cols);
  const std::set<std::string> keep(busy.begin(), busy.end());
  for (auto& [row, cols] : s.cells)
    for (auto it = cols.begin(); it != cols.end();) {
      if (keep.contains(it->first)) {
        ++it;
        continue;
      }
      s.omitted += it->second;
      it = cols.erase(it);
    }
}

void RecordSum::trim(CounterSum& c) {
  if (c.top.size() <= 2 * kTopFollowed) return;
  std::map<std::string, double> totals;
  for (const auto& [key, e] : c.top) totals[key] = e.second;
  const auto busy = busiest(totals, kTopFollowed);
  const std::set<std::string> keep(busy.begin(), busy.end());
  for (auto it = c.top.begin(); it != c.top.end();) it = keep.contains(it->first) ? std::next(it) : c.top.erase(it);
}

json RecordSum::record(std::int64_t ts_ms, int step) const {
  json metrics = json::object();
  for (const auto& name : metric_order_) {
    const MetricSum& m = metrics_.at(name);
    json out = json::object();
    if (m.kind == "counter") {
      std::map<std::string, double> totals;
      for (const auto& [key, e] : m.counter.top) totals[key] = e.second;
      json top = json::array();
      for (const auto& key : busiest(totals, kTopShown))
        top.push_back({{"labels", m.counter.top.at(key).first}, {"per_s", compact_number(totals[key])}});
      out["kind"] = "counter";
      out["per_s"] = compact_number(m.counter.per_s);
      out["total"] = m.counter.total;
      out["top"] = std::move(top);
      // Label sets with increments in the span: at least the most of any second, and at least
      // those followed for `top` (exact while they number 100 or fewer).
      out["label_sets"] = std::max<std::uint64_t>(m.counter.label_sets, m.counter.top.size());
    } else if (m.kind == "histogram") {
      out["kind"] = "histogram";
      out["per_s"] = compact_number(m.histogram.per_s);
      out["sum_per_s"] = compact_number(m.histogram.sum_per_s);
      out["total"] = m.histogram.total;
      out["buckets"] = m.histogram.buckets;
      json inc = json::array();
      for (const double v : m.histogram.increments) inc.push_back(compact_number(v));
      out["increments"] = std::move(inc);
    } else {
      out = m.gauge;
    }
    metrics[name] = std::move(out);
  }

  json shares = json::array();
  for (const auto& key : share_order_) {
    const ShareSum& s = shares_.at(key);
    std::vector<CellIncrement> cells;
    for (const auto& [row, cols] : s.cells)
      for (const auto& [col, n] : cols) cells.push_back({row, col, n});
    json out = s.head;
    json matrix = share_matrix(cells);
    const double omitted = number(matrix, "omitted") + s.omitted;
    for (auto& [k, v] : matrix.items()) out[k] = std::move(v);
    out["omitted"] = compact_number(omitted);
    shares.push_back(std::move(out));
  }
  json ratios = json::array();
  for (const auto& key : ratio_order_) {
    const RatioSum& r = ratios_.at(key);
    json out = r.head;
    json figures = ratio_figures(r.part, r.total);  // named: items() of a temporary would dangle
    for (auto& [k, v] : figures.items()) out[k] = std::move(v);
    ratios.push_back(std::move(out));
  }

  json compares = json::array();
  for (const auto& key : compare_order_) {
    const CompareSum& c = compares_.at(key);
    json out = c.head;
    json figures = compare_rows_json(c.rows, c.omitted, out.value("kind", "") == "histogram");
    for (auto& [k, v] : figures.items()) out[k] = std::move(v);
    compares.push_back(std::move(out));
  }

  json rec = json::object();
  rec["ts"] = ts_ms;
  if (step > 0) rec["step"] = step;
  rec["seconds"] = seconds_;
  if (last_ts_ != kNoTs) rec["last_ts"] = last_ts_;
  rec["lines_per_s"] = lines_;
  rec["matched_per_s"] = matched_;
  rec["unmatched_per_s"] = unmatched_;
  rec["events_per_s"] = events_;
  rec["dropped_per_s"] = compact_number(dropped_);
  rec["clients"] = clients_;
  rec["metrics"] = std::move(metrics);
  rec["shares"] = std::move(shares);
  rec["ratios"] = std::move(ratios);
  rec["compares"] = std::move(compares);
  rec["reload"] = reload_.is_null() ? json::object() : reload_;
  return rec;
}

}  // namespace tapemeasure::stats
