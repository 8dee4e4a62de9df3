#include "stats/second_stats.hpp"

#include <algorithm>
#include <optional>
#include <utility>
#include <vector>

#include "stats/compare_rows.hpp"
#include "stats/share_math.hpp"

namespace tapemeasure::stats {
namespace {

using json = nlohmann::ordered_json;
using metrics::MetricKind;
using metrics::Series;
using metrics::StoredMetric;

// What one declared metric did in this second, gathered from the harvest.
struct MetricSecond {
  const StoredMetric* metric = nullptr;
  std::vector<std::pair<const Series*, double>> increments;  // counters: series with any
  std::vector<std::uint64_t> bucket_increments;              // histograms: +Inf last
  std::uint64_t observations = 0;
  double observed_sum = 0;
  // Histograms a comparison reads: each series' own figures (the sums above lose its labels).
  struct SeriesObservations {
    const Series* series;
    std::vector<double> buckets;
    double count, sum;
  };
  bool per_series = false;
  std::vector<SeriesObservations> series;
};

// The harvest, sorted into one MetricSecond per declared metric.
class Gather final : public metrics::HarvestVisitor {
 public:
  // `per_series`: the histograms whose series are kept apart (those a comparison reads).
  Gather(const std::vector<StoredMetric*>& declared, const std::vector<std::string>& per_series) {
    seconds_.reserve(declared.size());
    for (const StoredMetric* m : declared) {
      MetricSecond& s = seconds_.emplace_back();
      s.metric = m;
      s.per_series = std::find(per_series.begin(), per_series.end(), m->schema.name) != per_series.end();
      if (m->schema.kind == MetricKind::histogram) s.bucket_increments.assign(m->schema.buckets.size() + 1, 0);
      by_metric_.emplace(m, seconds_.size() - 1);
    }
  }

  void counter(const Series& s, double increment) override {
    if (!(increment > 0)) return;  // an add of 0 is no activity
    if (MetricSecond* m = find(s)) m->increments.emplace_back(&s, increment);
  }

  void histogram(const Series& s, const metrics::HistogramIncrements& inc) override {
    MetricSecond* m = find(s);
    if (!m) return;
    const std::size_t n = std::min(inc.buckets.size(), m->bucket_increments.size());
    for (std::size_t i = 0; i < n; ++i) m->bucket_increments[i] += inc.buckets[i];
    m->observations += inc.count;
    m->observed_sum += inc.sum;
    if (m->per_series && inc.count > 0)
      m->series.push_back({&s, std::vector<double>(inc.buckets.begin(), inc.buckets.end()), static_cast<double>(inc.count), inc.sum});
  }

  std::vector<MetricSecond>& seconds() { return seconds_; }

  const MetricSecond* by_name(std::string_view name) const {
    for (const auto& s : seconds_)
      if (s.metric->schema.name == name) return &s;
    return nullptr;
  }

 private:
  MetricSecond* find(const Series& s) {
    const auto it = by_metric_.find(s.metric);
    return it == by_metric_.end() ? nullptr : &seconds_[it->second];
  }

  std::vector<MetricSecond> seconds_;
  std::unordered_map<const StoredMetric*, std::size_t> by_metric_;
};

json labels_json(const Series& s) {
  json out = json::object();
  const auto& names = s.metric->schema.label_names;
  for (std::size_t i = 0; i < names.size() && i < s.label_values.size(); ++i)
    out[names[i]] = std::string(cut_utf8(s.label_values[i], kMaxLabelBytes));
  return out;
}

// The `keep` entries with the largest values, largest first (ties by label values, so a
// record does not reorder between equal seconds), as [{"labels", value_key}].
json top_json(std::vector<std::pair<const Series*, double>>& entries, std::size_t keep, const char* value_key) {
  const auto n = std::min(keep, entries.size());
  std::partial_sort(entries.begin(), entries.begin() + static_cast<std::ptrdiff_t>(n), entries.end(),
                    [](const auto& a, const auto& b) {
                      return a.second != b.second ? a.second > b.second : a.first->label_values < b.first->label_values;
                    });
  json out = json::array();
  for (std::size_t i = 0; i < n; ++i)
    out.push_back({{"labels", labels_json(*entries[i].first)}, {value_key, compact_number(entries[i].second)}});
  return out;
}

json counter_json(MetricSecond& m, double total) {
  double per_s = 0;
  for (const auto& [s, inc] : m.increments) per_s += inc;
  json out = json::object();
  out["kind"] = "counter";
  out["per_s"] = compact_number(per_s);
  out["total"] = compact_number(total);
  out["top"] = top_json(m.increments, SecondStats::kTopLabelSets, "per_s");
  out["label_sets"] = m.increments.size();
  return out;
}

json histogram_json(const MetricSecond& m, double total) {
  json out = json::object();
  out["kind"] = "histogram";
  out["per_s"] = m.observations;
  out["sum_per_s"] = compact_number(m.observed_sum);
  out["total"] = compact_number(total);
  out["buckets"] = m.metric->schema.buckets;
  out["increments"] = m.bucket_increments;
  return out;
}

json gauge_json(const StoredMetric& metric, std::size_t top) {
  std::vector<std::pair<const Series*, double>> values;
  double sum = 0;
  metrics::MetricStore::for_each_series(metric, [&](const Series& s) {
    const double v = s.gauge->Value();
    sum += v;
    values.emplace_back(&s, v);
  });
  json out = json::object();
  out["kind"] = "gauge";
  out["value"] = compact_number(sum);
  out["top"] = top_json(values, top, "value");
  out["label_sets"] = values.size();
  return out;
}

std::optional<std::size_t> label_index(const metrics::MetricSchema& schema, std::string_view label) {
  const auto& names = schema.label_names;
  const auto it = std::find(names.begin(), names.end(), label);
  if (it == names.end()) return std::nullopt;
  return static_cast<std::size_t>(it - names.begin());
}

// The share's counter, or null when this second's metrics do not have it as declared (the
// view compiler checks this; a view and metrics out of step give an empty matrix).
const MetricSecond* share_counter(const Gather& gathered, const std::string& metric) {
  const MetricSecond* m = gathered.by_name(metric);
  return m && m->metric->schema.kind == MetricKind::counter ? m : nullptr;
}

json matrix_json(const MetricSecond* m, const view::Share& share) {
  std::vector<CellIncrement> cells;
  if (m) {
    const auto& schema = m->metric->schema;
    const auto rows = label_index(schema, share.rows), cols = label_index(schema, share.cols);
    std::vector<LabelEquals> where;
    bool resolvable = rows && cols;
    for (const auto& [label, value] : share.where) {
      const auto i = label_index(schema, label);
      if (!i) resolvable = false;
      else where.push_back({*i, value});
    }
    if (resolvable) {
      cells.reserve(m->increments.size());
      for (const auto& [s, inc] : m->increments)
        if (matches_all(s->label_values, where)) cells.push_back({s->label_values[*rows], s->label_values[*cols], inc});
    }
  }
  return share_matrix(cells);
}

json share_json(const Gather& gathered, const std::string& view_id, const view::Share& share) {
  json out = json::object();
  out["view"] = view_id;
  out["title"] = share.title;
  out["metric"] = share.metric;
  out["rows"] = share.rows;
  out["cols"] = share.cols;
  json matrix = matrix_json(share_counter(gathered, share.metric), share);
  for (auto& [key, value] : matrix.items()) out[key] = std::move(value);
  return out;
}

json ratio_json(const Gather& gathered, const std::string& view_id, const view::Ratio& ratio) {
  double part = 0, total = 0;
  if (const MetricSecond* m = share_counter(gathered, ratio.metric)) {
    const auto& schema = m->metric->schema;
    std::vector<LabelEquals> where;
    bool resolvable = true;
    for (const auto& [label, value] : ratio.where) {
      const auto i = label_index(schema, label);
      if (!i) resolvable = false;
      else where.push_back({*i, value});
    }
    if (const auto label = label_index(schema, ratio.label); label && resolvable) {
      for (const auto& [s, inc] : m->increments) {
        if (!matches_all(s->label_values, where)) continue;
        total += inc;
        if (std::find(ratio.part.begin(), ratio.part.end(), s->label_values[*label]) != ratio.part.end()) part += inc;
      }
    }
  }
  json out = json::object();
  out["view"] = view_id;
  out["title"] = ratio.title;
  out["metric"] = ratio.metric;
  json figures = ratio_figures(part, total);
  for (auto& [key, value] : figures.items()) out[key] = std::move(value);
  return out;
}

json compare_json(const Gather& gathered, const std::string& view_id, const view::Compare& compare) {
  const MetricSecond* m = gathered.by_name(compare.metric);
  const bool histogram = m && m->metric->schema.kind == MetricKind::histogram;
  CompareRows rows;
  if (m) {
    if (const auto label = label_index(m->metric->schema, compare.label)) {
      const auto row_of = [&](const Series& s) -> CompareRow& {
        return rows[std::string(cut_utf8(s.label_values[*label], kMaxLabelBytes))];
      };
      if (histogram)
        for (const auto& o : m->series) add_to_row(row_of(*o.series), o.count, o.sum, o.buckets);
      else if (m->metric->schema.kind == MetricKind::counter)
        for (const auto& [s, inc] : m->increments) add_to_row(row_of(*s), inc, 0, {});
    }
  }
  json out = json::object();
  out["view"] = view_id;
  out["title"] = compare.title;
  out["metric"] = compare.metric;
  out["label"] = compare.label;
  out["baseline"] = compare.baseline;
  out["kind"] = histogram ? "histogram" : "counter";
  if (histogram) out["buckets"] = m->metric->schema.buckets;
  json figures = compare_rows_json(std::move(rows), 0, histogram);
  for (auto& [key, value] : figures.items()) out[key] = std::move(value);
  return out;
}

}  // namespace

json SecondStats::tick(const SecondCounts& counts, const ReloadStatus& reload) {
  std::vector<std::string> compared;
  if (views_)
    for (const auto& v : views_->views)
      for (const auto& c : v.compares) compared.push_back(c.metric);
  Gather gathered(store_.declared(), compared);
  store_.harvest(gathered);

  // Running totals of exactly the declared metrics: the others are forgotten.
  std::unordered_map<std::string, RunningTotal> totals;
  json metrics = json::object();
  for (MetricSecond& m : gathered.seconds()) {
    const StoredMetric& metric = *m.metric;
    RunningTotal running{metric.id, 0};
    if (const auto it = totals_.find(metric.schema.name); it != totals_.end() && it->second.metric_id == metric.id)
      running = it->second;
    switch (metric.schema.kind) {
      case MetricKind::counter:
        for (const auto& [s, inc] : m.increments) running.total += inc;
        metrics[metric.schema.name] = counter_json(m, running.total);
        break;
      case MetricKind::histogram:
        running.total += static_cast<double>(m.observations);
        metrics[metric.schema.name] = histogram_json(m, running.total);
        break;
      case MetricKind::gauge:
        metrics[metric.schema.name] = gauge_json(metric, kTopLabelSets);
        break;
    }
    totals.emplace(metric.schema.name, running);
  }
  totals_ = std::move(totals);

  json shares = json::array(), ratios = json::array(), compares = json::array();
  if (views_) {
    for (const auto& v : views_->views) {
      for (const auto& share : v.shares) shares.push_back(share_json(gathered, v.id, share));
      for (const auto& ratio : v.ratios) ratios.push_back(ratio_json(gathered, v.id, ratio));
      for (const auto& compare : v.compares) compares.push_back(compare_json(gathered, v.id, compare));
    }
  }

  json second = json::object();
  second["ts"] = counts.ts_ms;
  second["lines_per_s"] = counts.lines;
  second["matched_per_s"] = counts.matched;
  second["unmatched_per_s"] = counts.unmatched;
  second["events_per_s"] = counts.events;
  second["dropped_per_s"] = compact_number(counts.dropped);
  second["clients"] = counts.clients;
  second["metrics"] = std::move(metrics);
  second["shares"] = std::move(shares);
  second["ratios"] = std::move(ratios);
  second["compares"] = std::move(compares);
  second["reload"] = {{"at", reload.at},
                      {"ok", reload.error.empty()},
                      {"error", reload.error.empty() ? json(nullptr) : json(reload.error)},
                      {"reloads", reload.reloads},
                      {"failures", reload.failures}};
  return second;
}

}  // namespace tapemeasure::stats
