#include "metrics/self_metrics.hpp"

#include <string>

namespace tapemeasure::metrics {
namespace {

prometheus::Family<prometheus::Counter>& counters(prometheus::Registry& r, const char* name,
                                                  const char* help) {
  return prometheus::BuildCounter().Name(name).Help(help).Register(r);
}
prometheus::Family<prometheus::Gauge>& gauges(prometheus::Registry& r, const char* name,
                                              const char* help) {
  return prometheus::BuildGauge().Name(name).Help(help).Register(r);
}

}  // namespace

SelfMetrics::SelfMetrics(prometheus::Registry& r, std::string_view version)
    : lines_total(counters(r, "tapemeasure_lines_total", "Log lines read.").Add({})),
      lines_matched(counters(r, "tapemeasure_lines_matched_total",
                             "Lines matched, by rule (a line can match several rules with continue: true).")),
      lines_unmatched(counters(r, "tapemeasure_lines_unmatched_total", "Lines no rule matched.").Add({})),
      lines_truncated(counters(r, "tapemeasure_lines_truncated_total",
                               "Lines longer than --max-line-bytes, truncated before matching.")
                          .Add({})),
      ingest_connections(gauges(r, "tapemeasure_ingest_connections",
                                "Writers connected to the ingest stream socket.")
                             .Add({})),
      ingest_refused(counters(r, "tapemeasure_ingest_refused_total",
                              "Stream-socket writers refused: all --max-ingest-connections slots taken by "
                              "writers active within --ingest-idle-timeout.")
                         .Add({})),
      ingest_idle_closed(counters(r, "tapemeasure_ingest_idle_closed_total",
                                  "Stream-socket writers idle longer than --ingest-idle-timeout closed to give "
                                  "their slot to a new writer (only when all slots were taken).")
                             .Add({})),
      ws_clients(gauges(r, "tapemeasure_ws_clients", "WebSocket clients connected.").Add({})),
      ws_events_sent(counters(r, "tapemeasure_ws_events_sent_total", "Events sent to WebSocket clients.").Add({})),
      ws_events_dropped(counters(r, "tapemeasure_ws_events_dropped_total",
                                 "Events not sent to a WebSocket client, by reason (rate cap, full queue).")),
      rules_reloads(counters(r, "tapemeasure_rules_reloads_total", "Successful rule reloads.").Add({})),
      rules_reload_failures(counters(r, "tapemeasure_rules_reload_failures_total",
                                     "Rule reloads rejected (the previous rules kept running).")
                                .Add({})),
      rules_loaded(gauges(r, "tapemeasure_rules_loaded", "Rules currently loaded.").Add({})),
      series_overflow(counters(r, "tapemeasure_series_overflow_total",
                               "Updates sent to the __overflow__ series because a metric hit --max-series-per-metric "
                               "or all metrics together hit --max-samples.")),
      metric_samples(gauges(r, "tapemeasure_metric_samples",
                            "Samples the user metrics put in /metrics; new series beyond --max-samples overflow.")
                         .Add({})),
      value_errors(counters(r, "tapemeasure_metric_value_errors_total",
                            "Metric updates skipped, by metric: the value was not a finite number, or negative for a counter.")),
      bad_values(counters(r, "tapemeasure_bad_values_total",
                          "Captured values not applied, by rule: not a finite number, or negative for a counter.")),
      recall_misses(counters(r, "tapemeasure_recall_misses_total",
                             "Lines whose recall found nothing remembered under its key, by rule.")),
      remembered(gauges(r, "tapemeasure_remembered", "Entries held in a remember table, by table.")),
      remembered_evicted(counters(r, "tapemeasure_remembered_evicted_total",
                                  "Entries evicted from a full remember table (--max-remembered), by table.")),
      build_info(gauges(r, "tapemeasure_build_info", "Always 1; the version label tells the build.")),
      follow_lines(counters(r, "tapemeasure_follow_lines_total", "Lines read from --follow files.").Add({})),
      follow_rotations(counters(r, "tapemeasure_follow_rotations_total",
                                "Rotations of --follow files seen, by kind (rename: a new file under the name; "
                                "truncate: copytruncate).")),
      follow_errors(counters(r, "tapemeasure_follow_errors_total",
                             "Problems with --follow files, by reason (missing, permission, io); retried.")),
      follow_files(gauges(r, "tapemeasure_follow_files",
                          "Files open for --follow (rotated files still being read to their end included).")
                       .Add({})),
      thread_failures(counters(r, "tapemeasure_thread_failures_total",
                               "Exceptions a daemon thread caught and went on from, by thread "
                               "(network, ingest, reload, follow).")),
      http_refused(counters(r, "tapemeasure_http_refused_total",
                            "HTTP requests and connections refused, by reason: host, origin (403), "
                            "transfer_encoding (501), bad_request (400, 413), reserve_only (503: only /healthz and "
                            "/metrics in the reserve), no_slot (closed at once), evicted (a waiting connection "
                            "closed to make room), header_timeout (a request not complete in --header-timeout).")) {
  build_info.Add({{"version", std::string(version)}}).Set(1);
  // Present from the start, so rate() and alerts see the first increment.
  for (const char* kind : {"rename", "truncate"}) follow_rotations.Add({{"kind", kind}});
  for (const char* reason : {"missing", "permission", "io"}) follow_errors.Add({{"reason", reason}});
  for (const char* thread : {"network", "ingest", "reload", "follow"}) thread_failures.Add({{"thread", thread}});
}

}  // namespace tapemeasure::metrics
