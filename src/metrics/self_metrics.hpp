#pragma once
// The daemon's own metrics (prefix tapemeasure_), registered once in the shared registry.
// References stay valid for the registry's lifetime; all updates are atomic, so any
// thread may touch them.
#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include <string_view>

namespace tapemeasure::metrics {

class SelfMetrics {
 public:
  SelfMetrics(prometheus::Registry& registry, std::string_view version);

  prometheus::Counter& lines_total;
  prometheus::Family<prometheus::Counter>& lines_matched;  // {rule}
  prometheus::Counter& lines_unmatched;
  prometheus::Counter& lines_truncated;
  prometheus::Gauge& ingest_connections;
  prometheus::Counter& ingest_refused;      // writers refused: every slot taken, none idle long enough
  prometheus::Counter& ingest_idle_closed;  // idle writers closed to give their slot to a new one
  prometheus::Gauge& ws_clients;
  prometheus::Counter& ws_events_sent;
  prometheus::Family<prometheus::Counter>& ws_events_dropped;  // {reason}
  prometheus::Counter& rules_reloads;
  prometheus::Counter& rules_reload_failures;
  prometheus::Gauge& rules_loaded;
  prometheus::Family<prometheus::Counter>& series_overflow;  // {metric}
  prometheus::Gauge& metric_samples;  // the user metrics' samples in /metrics (vs --max-samples)
  prometheus::Family<prometheus::Counter>& value_errors;     // {metric}
  // {rule}: captured values refused (not a finite number, or negative for a counter). The
  // LineProcessor adds a series for each rule that has a value template, so a rate() alert
  // sees the first bad value too.
  prometheus::Family<prometheus::Counter>& bad_values;
  // Memory between lines: {rule} lines whose recall missed; {table} entries held and evicted.
  prometheus::Family<prometheus::Counter>& recall_misses;
  prometheus::Family<prometheus::Gauge>& remembered;
  prometheus::Family<prometheus::Counter>& remembered_evicted;
  prometheus::Family<prometheus::Gauge>& build_info;         // {version}
  // --follow (see docs/follow.md). Totals, not per file: a glob can match thousands of
  // files over a year, and each would stay a series forever.
  prometheus::Counter& follow_lines;
  prometheus::Family<prometheus::Counter>& follow_rotations;  // {kind="rename"|"truncate"}
  prometheus::Family<prometheus::Counter>& follow_errors;     // {reason="missing"|"permission"|"io"}
  prometheus::Gauge& follow_files;
  // {thread}: exceptions a long-lived thread (network, ingest, reload, follow) caught and went
  // on from. Present from the start for each, so an alert on increase() sees the first.
  prometheus::Family<prometheus::Counter>& thread_failures;
  prometheus::Family<prometheus::Counter>& http_refused;
};

}  // namespace tapemeasure::metrics
