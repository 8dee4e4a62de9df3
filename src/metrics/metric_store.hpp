#pragma once
// Holds the series of every user-declared metric in the shared prometheus-cpp registry.
//
// Series are keyed by metric name and label values, never by the rule that declared them,
// so a reload that keeps a metric's shape keeps its counts. The store caches each series'
// pointer, so the hot path is one hash lookup on a reused key buffer and an atomic add.
//
// Not thread-safe: one thread (the ingest thread) declares and updates. Scrapes run
// concurrently through the registry, which locks internally.
#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

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
  bool dirty = false;
};

struct StoredMetric {
  MetricSchema schema;
  prometheus::Family<prometheus::Counter>* counters = nullptr;
  prometheus::Family<prometheus::Gauge>* gauges = nullptr;
  prometheus::Family<prometheus::Histogram>* histograms = nullptr;
  std::unordered_map<std::string, Series> series;  // key: label values, each + '\0'
  std::unique_ptr<Series> overflow;                 // every label __overflow__, made on demand
  prometheus::Counter* overflow_count = nullptr;   // tapemeasure_series_overflow_total{metric}
  prometheus::Counter* value_errors = nullptr;     // tapemeasure_metric_value_errors_total{metric}
};

class MetricStore {
 public:
  struct Options {
    std::size_t max_series_per_metric = 10000;
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

  // Calls f for every counter series that gained since the last harvest, then resets.
  void harvest(const std::function<void(const Series&, double delta)>& f);

 private:
  void remove(StoredMetric& m);

  prometheus::Registry& registry_;
  SelfMetrics& self_;
  Options options_;
  std::unordered_map<std::string, std::unique_ptr<StoredMetric>> metrics_;
  std::vector<Series*> dirty_;
  std::string key_;  // reused lookup buffer
};

}  // namespace tapemeasure::metrics
