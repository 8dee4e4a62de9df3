#pragma once
// The daemon's line path, wired: ingest hands lines here; each goes through the
// LineProcessor (metrics), and matches with events go to the stream Hub. Once a second the
// metric deltas become a stats record (/api/stats and the {"stats"} frame). It also keeps
// the loaded views (what the browser draws), swapped with the rules on every reload (which
// is built elsewhere: see reload/reloader.hpp; only install() runs here).
//
// Runs entirely on the ingest thread, except the snapshot getters, which any thread may call.
#include <prometheus/registry.h>

#include <chrono>
#include <climits>
#include <cstdint>
#include <mutex>
#include <string>

#include "ingest/line_sink.hpp"
#include "metrics/metric_store.hpp"
#include "metrics/self_metrics.hpp"
#include "rules/line_processor.hpp"
#include "reload/reload_status.hpp"
#include "reload/rule_loader.hpp"
#include "stats/second_stats.hpp"
#include "stats/stats_history.hpp"
#include "stream/event_router.hpp"
#include "stream/hub.hpp"
#include "view/view.hpp"

namespace tapemeasure::app {

struct PipelineOptions {
  metrics::MetricStore::Options store;
  stream::Hub::Options hub;  // its daemon_name also stamps the stats and view frames, and /api/stats
  int match_threads = 1;  // threads that match large batches (this one included)
  std::size_t max_remembered = rules::LineProcessor::kDefaultMaxRemembered;  // per remember table
};

class Pipeline : public ingest::LineSink {
 public:
  using clock = std::chrono::steady_clock;

  // The rules and views of one successful reload::load_rules (both non-null). The reload
  // status is read from `reload_status` (for /api/rules and the stats), never written.
  Pipeline(prometheus::Registry& registry, metrics::SelfMetrics& self, PipelineOptions options,
           std::shared_ptr<const rules::RuleSet> initial_rules, std::shared_ptr<const view::Views> initial_views,
           const reload::ReloadStatusBoard& reload_status);

  // Lines read in one go share one arrival time (taken once, not per line), and are
  // processed together at the end of the batch (in parallel when there are many).
  void begin_batch() override;
  void line(std::string_view line, bool truncated) override;
  void end_batch() override;

  // Swaps in rules built by a reload (reload::Reloader), with their views and one copy per
  // match helper (match_helpers() of them). A changed view goes to every client as a
  // {"view"} frame. Cheap: nothing is compiled here.
  void install(std::shared_ptr<const rules::RuleSet> rules, std::shared_ptr<const view::Views> views,
               rules::MatchWorkers::Copies helper_copies);
  int match_helpers() const { return processor_.helper_copies(); }
  // The reload status changed without new rules (a failed reload): /api/rules says so.
  void reload_status_changed() { publish_rules_snapshot(); }

  // A new WebSocket client: into the hub, and its first frame is {"view": ...}.
  void add_client(std::shared_ptr<stream::ClientSink> client);

  void flush_frames() { hub_.flush(clock::now()); }
  void tick_second();

  stream::Hub& hub() { return hub_; }
  // The views of the running rules (ingest thread only; replaced by a successful reload).
  const view::Views& views() const { return *views_; }

  // Thread-safe snapshots for HTTP.
  // GET /api/stats: {"daemon":"NAME","seconds":[...]}; ?step=60 and ?step=all: {"daemon":
  // "NAME","step":...,"records":[...]} (stats/stats_history.hpp).
  enum class StatsStep { second, minute, all };
  // `since_ms`: for StatsStep::minute, only the minutes that start then or later.
  std::string stats_json(StatsStep step = StatsStep::second, std::int64_t since_ms = INT64_MIN) const;
  std::string rules_json() const;
  std::string view_json() const;  // GET /api/view
  std::uint64_t lines() const { return processor_.lines(); }

 private:
  void publish_rules_snapshot();
  // Makes `views` current; true when its JSON differs from the previous views'.
  bool install_views(std::shared_ptr<const view::Views> views);
  void on_match(const rules::RuleMatch& m);

  PipelineOptions options_;
  // ,"daemon":"NAME" (escaped) closing each stats and view frame, or empty (no name given).
  std::string daemon_field_;
  metrics::MetricStore store_;
  rules::LineProcessor processor_;
  stream::Hub hub_;
  stats::StatsHistory stats_;
  stats::SecondStats second_stats_{store_};  // the only harvester of store_
  rules::LineProcessor::EventCallback on_event_;

  clock::time_point batch_now_{};
  std::int64_t batch_ts_ms_ = 0;
  std::uint64_t events_this_second_ = 0;
  std::uint64_t lines_at_last_second_ = 0, unmatched_at_last_second_ = 0;
  double dropped_at_last_second_ = 0;
  stream::EventRouter router_{hub_};
  std::vector<std::string_view> batch_lines_;  // views into ingest's buffer, valid until end_batch

  const reload::ReloadStatusBoard& reload_status_;
  mutable std::mutex snapshot_mutex_;
  std::string rules_snapshot_;
  std::string view_snapshot_;  // the views as JSON, the body of GET /api/view

  std::shared_ptr<const view::Views> views_;
  std::shared_ptr<const std::string> view_frame_;  // {"view":...,"daemon":"NAME"}, shared by every client
};

}  // namespace tapemeasure::app
