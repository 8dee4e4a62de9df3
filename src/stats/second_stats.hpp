#pragma once
// The per-second stats record (docs/views.md, "{"stats": ...} frames and GET /api/stats"):
// once a second, harvests the metric store and builds SECOND — the basic rates, every
// declared metric (counters, histograms, gauges), the loaded views' shares and ratios, and
// the last reload. The caller sends {"stats": SECOND} to clients and keeps the dumped
// record in the StatsHistory (stats_history.hpp).
//
// Bounded: `top` lists hold 10 label sets, labels cut to 200 bytes; share matrices are
// capped by share_math. Cheap: one pass over the series that changed, plus one over each
// gauge's series.
//
// Not thread-safe: lives on the ingest thread with the MetricStore it harvests, and only
// it may harvest that store (a harvest hands each increment over once).
#include <nlohmann/json.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>

#include "metrics/metric_store.hpp"
#include "view/view.hpp"

namespace tapemeasure::stats {

// The daemon's own figures for the second just ended (increments in it, not totals).
struct SecondCounts {
  std::int64_t ts_ms = 0;  // the record's time, epoch milliseconds
  std::uint64_t lines = 0, matched = 0, unmatched = 0;
  std::uint64_t events = 0;  // matches with an event, offered to the stream
  double dropped = 0;        // events clients did not get
  std::size_t clients = 0;
};

// The last reload, as the record repeats it every second (300 records in the ring, and a
// frame to every client): so only the short summary of a failure, never its whole text.
struct ReloadStatus {
  std::string at;     // ISO-8601 UTC
  // The first error with file:line and "(N more errors)", at most a few hundred bytes
  // (reload::ReloadStatus::summary); empty when the last reload succeeded.
  std::string error;
  std::uint64_t reloads = 0, failures = 0;
};

class SecondStats {
 public:
  static constexpr std::size_t kTopLabelSets = 10;

  explicit SecondStats(metrics::MetricStore& store) : store_(store) {}

  // The shares and ratios to compute from now on (after each reload; null: none).
  void set_views(std::shared_ptr<const view::Views> views) { views_ = std::move(views); }

  // Harvests the store and returns SECOND. The metrics reported are the store's declared
  // ones; a metric dropped or reshaped by a reload starts its `total` afresh.
  nlohmann::ordered_json tick(const SecondCounts& counts, const ReloadStatus& reload);

 private:
  struct RunningTotal {
    std::uint64_t metric_id = 0;  // StoredMetric::id the total belongs to
    double total = 0;
  };

  metrics::MetricStore& store_;
  std::shared_ptr<const view::Views> views_;
  std::unordered_map<std::string, RunningTotal> totals_;  // by metric name
};

}  // namespace tapemeasure::stats
