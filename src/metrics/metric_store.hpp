#pragma once
// Holds the series of every user-declared metric in the shared prometheus-cpp registry.
//
// Series are keyed by metric name and label values, never by the rule that declared them,
// so a reload that keeps a metric's shape keeps its counts. The store caches each series'
// pointer, so the hot path is one hash lookup on a reused key buffer and an atomic add.
//
// Once a second, harvest() hands over what changed since the last harvest: each counter
// series' increment and each histogram series' bucket increments (both tracked by a dirty
// list, so an idle series costs nothing). Gauges are read as they are (for_each_series),
// and declared() lists every metric, so idle ones can be reported too.
//
// Bounded like Prometheus' own scrape limits: at most max_series_per_metric series per
// metric (its label sets), and at most max_samples samples in all (a counter or gauge series
// is one sample; a histogram series one per bucket, +Inf, _sum and _count). A new series
// beyond either goes to the metric's __overflow__ series instead, counted in
// tapemeasure_series_overflow_total{metric}; so one /metrics stays a bounded size whatever
// the logs say. (Each metric's one __overflow__ series may go past max_samples.)
//
// Not thread-safe: one thread (the ingest thread) declares, updates and harvests. Scrapes
// run concurrently through the registry, which locks internally.
#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "metrics/metric_schema.hpp"
#include "metrics/self_metrics.hpp"

namespace tapemeasure::metrics {

struct StoredMetric;

struct Series {
  StoredMetric* metric = nullptr;
  std::vector<std::string> label_values;  // clean, in schema label order
  prometheus::Counter* counter = nullptr;
  prometheus::Gauge* gauge = nullptr;
  prometheus::Histogram* histogram = nullptr;
  // Per-second aggregation: what this counter gained since the last harvest.
  double pending = 0;
  bool dirty = false;  // counter or histogram: updated since the last harvest
  // Histograms: the cumulative bucket counts (+Inf last) and sum at the last harvest, so
  // a harvest reports the difference without touching the observe() path.
  std::vector<std::uint64_t> harvested_buckets;
  double harvested_sum = 0;
};

struct StoredMetric {
  MetricSchema schema;
  // Unique per store and never reused: a metric that is dropped and declared again (or
  // reshaped) gets a new id, so per-metric state kept elsewhere knows to start afresh.
  std::uint64_t id = 0;
  std::size_t samples_per_series = 1;  // in each scrape: a histogram's buckets, +Inf, sum, count
  prometheus::Family<prometheus::Counter>* counters = nullptr;
  prometheus::Family<prometheus::Gauge>* gauges = nullptr;
  prometheus::Family<prometheus::Histogram>* histograms = nullptr;
  std::unordered_map<std::string, Series> series;  // key: label values, each + '\0'
  std::unique_ptr<Series> overflow;                 // every label __overflow__, made on demand
  prometheus::Counter* overflow_count = nullptr;   // tapemeasure_series_overflow_total{metric}
  prometheus::Counter* value_errors = nullptr;     // tapemeasure_metric_value_errors_total{metric}
};

// What one histogram series gained since the last harvest.
struct HistogramIncrements {
  std::span<const std::uint64_t> buckets;  // per bucket, not cumulative; schema order, +Inf last
  std::uint64_t count = 0;                 // observations (the sum of `buckets`)
  double sum = 0;                          // sum of the observed values
};

// Receives one harvest. Series references are valid until the next declare().
class HarvestVisitor {
 public:
  virtual ~HarvestVisitor() = default;
  virtual void counter(const Series& s, double increment) = 0;
  virtual void histogram(const Series& s, const HistogramIncrements& increments) = 0;
};

class MetricStore {
 public:
  struct Options {
    std::size_t max_series_per_metric = 10000;
    // All user metrics' samples in one /metrics (--max-samples). Measured: a million
    // histogram samples with a host-name label made a 90 MB body, 2-3 s to render and
    // 190 MB of peak memory; half that keeps a scrape near 45 MB and still holds three
    // histograms at the full default series cap.
    std::size_t max_samples = 500'000;
    std::size_t max_label_value_bytes = 1024;  // longer captured values are cut
  };

  MetricStore(prometheus::Registry& registry, SelfMetrics& self, Options options);
  ~MetricStore();
  MetricStore(const MetricStore&) = delete;
  MetricStore& operator=(const MetricStore&) = delete;

  // Makes the store hold exactly `schemas`: same-shaped metrics keep their series, reshaped
  // ones start afresh, undeclared ones disappear. Returns one pointer per schema, in order;
  // pointers to metrics that survive stay valid.
  std::vector<StoredMetric*> declare(const std::vector<MetricSchema>& schemas);

  // The series for these label values (raw captures; cleaned here), created on first use.
  // Beyond the cardinality cap, the __overflow__ series, counted.
  Series& series(StoredMetric& metric, std::span<const std::string_view> label_values);

  void add(Series& s, double v);  // counter
  void set(Series& s, double v);  // gauge
  void gauge_add(Series& s, double v);
  void observe(Series& s, double v);  // histogram
  void count_value_error(StoredMetric& m) { m.value_errors->Increment(); }

  // Reports every counter and histogram series updated since the last harvest, then
  // starts the next interval. Series of metrics dropped since are not reported.
  void harvest(HarvestVisitor& visitor);
  // Counters only (histograms are harvested and their increments discarded).
  void harvest(const std::function<void(const Series&, double delta)>& f);

  // The samples the user metrics put in /metrics now (counted against max_samples).
  std::size_t samples() const { return samples_; }

  // The metrics of the last declare(), in its order. Valid until the next declare().
  const std::vector<StoredMetric*>& declared() const { return declared_; }

  // Every series of `m`, the overflow series last (gauges are read this way, once a second).
  static void for_each_series(const StoredMetric& m, const std::function<void(const Series&)>& f);

 private:
  void remove(StoredMetric& m);
  void count_samples(std::size_t added, std::size_t removed);

  prometheus::Registry& registry_;
  SelfMetrics& self_;
  Options options_;
  std::unordered_map<std::string, std::unique_ptr<StoredMetric>> metrics_;
  std::vector<StoredMetric*> declared_;
  std::vector<Series*> dirty_;
  std::uint64_t next_metric_id_ = 1;
  std::size_t samples_ = 0;
  std::string key_;  // reused lookup buffer
};

}  // namespace tapemeasure::metrics
