#include "app/pipeline.hpp"

#include <nlohmann/json.hpp>

#include "reload/rules_report.hpp"
#include "rules/event_json.hpp"
#include "view/view_json.hpp"
#include "util/log.hpp"

namespace tapemeasure::app {
namespace {

using json = nlohmann::ordered_json;

std::int64_t epoch_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

Pipeline::Pipeline(prometheus::Registry& registry, metrics::SelfMetrics& self, PipelineOptions options,
                   std::shared_ptr<const rules::RuleSet> initial_rules,
                   std::shared_ptr<const view::Views> initial_views,
                   const reload::ReloadStatusBoard& reload_status)
    : options_(std::move(options)),
      daemon_field_(options_.hub.daemon_name.empty() ? ""
                                                     : ",\"daemon\":" + json(options_.hub.daemon_name).dump()),
      store_(registry, self, options_.store),
      processor_(store_, self, options_.match_threads, options_.max_remembered),
      hub_(options_.hub, self),
      reload_status_(reload_status) {
  router_.install(initial_rules->size());
  // Clients take at most --ws-max-rate events a second each: fill the fields of those, not
  // of every line's event.
  processor_.fill_event_fields_on_demand();
  processor_.install(std::move(initial_rules));
  install_views(std::move(initial_views));
  on_event_ = [this](const rules::RuleMatch& m) { on_match(m); };
  publish_rules_snapshot();
}

void Pipeline::begin_batch() {
  batch_now_ = clock::now();
  batch_ts_ms_ = epoch_ms();
  processor_.set_arrival(static_cast<double>(batch_ts_ms_) / 1000);
  batch_lines_.clear();
}

void Pipeline::line(std::string_view line, bool truncated) {
  if (truncated) processor_.count_truncated();
  batch_lines_.push_back(line);
}

void Pipeline::end_batch() {
  if (hub_.has_clients()) {
    processor_.process_batch(batch_lines_, &on_event_);
  } else {
    // No one to send events to: count them all the same ("seq", events/s), from the
    // per-rule match counts, without asking the matcher for every event field.
    const std::uint64_t before = processor_.event_matches();
    processor_.process_batch(batch_lines_, nullptr);
    const std::uint64_t n = processor_.event_matches() - before;
    events_this_second_ += n;
    hub_.count_unoffered(n);
  }
  batch_lines_.clear();
  hub_.flush_due(batch_now_);
}

void Pipeline::on_match(const rules::RuleMatch& m) {
  ++events_this_second_;
  router_.route(m, batch_ts_ms_, batch_now_);
}

void Pipeline::install(std::shared_ptr<const rules::RuleSet> rules, std::shared_ptr<const view::Views> views,
                       rules::MatchWorkers::Copies helper_copies) {
  router_.install(rules->size());
  processor_.install(std::move(rules), std::move(helper_copies));
  // Only a changed view is news to the browsers: a regex fix must not make them redraw.
  if (install_views(std::move(views)) && hub_.has_clients()) hub_.broadcast(view_frame_);
  publish_rules_snapshot();
}

void Pipeline::add_client(std::shared_ptr<stream::ClientSink> client) {
  hub_.add(client, clock::now());
  client->deliver(view_frame_);
}

bool Pipeline::install_views(std::shared_ptr<const view::Views> views) {
  views_ = std::move(views);
  second_stats_.set_views(views_);
  std::string text = view::render_views_json(*views_);
  {
    std::lock_guard lock(snapshot_mutex_);
    if (text == view_snapshot_) return false;
    view_snapshot_ = text;
  }
  view_frame_ = std::make_shared<const std::string>("{\"view\":" + text + daemon_field_ + "}");
  return true;
}

std::string Pipeline::stats_json(StatsStep step, std::int64_t since_ms) const {
  std::string text = step == StatsStep::minute ? stats_.minutes_json(since_ms)
                     : step == StatsStep::all  ? stats_.all_json()
                                               : stats_.seconds_json();
  // The name first, so a reader merging several daemons' histories sees whose this is.
  if (!daemon_field_.empty()) text.insert(1, daemon_field_.substr(1) + ",");
  return text;
}

std::string Pipeline::view_json() const {
  std::lock_guard lock(snapshot_mutex_);
  return view_snapshot_;
}

void Pipeline::tick_second() {
  const std::uint64_t lines = processor_.lines(), unmatched = processor_.unmatched();
  const std::uint64_t dl = lines - lines_at_last_second_, du = unmatched - unmatched_at_last_second_;
  const double dropped = hub_.dropped_total();
  const stats::SecondCounts counts{.ts_ms = epoch_ms(), .lines = dl, .matched = dl - du, .unmatched = du,
                                   .events = events_this_second_, .dropped = dropped - dropped_at_last_second_,
                                   .clients = hub_.clients()};
  lines_at_last_second_ = lines;
  unmatched_at_last_second_ = unmatched;
  events_this_second_ = 0;
  dropped_at_last_second_ = dropped;

  // Everything the views declare (shares, ratios) and every declared metric, generically:
  // nothing here knows which pack is loaded.
  const stats::ReloadStatus reload = reload_status_.get().for_stats();
  json second = second_stats_.tick(counts, reload);
  std::string record = rules::dump_json(second);
  if (hub_.has_clients())
    hub_.broadcast(std::make_shared<const std::string>("{\"stats\":" + record + daemon_field_ + "}"));
  stats_.add(second, std::move(record));
  publish_rules_snapshot();
}

void Pipeline::publish_rules_snapshot() {
  std::string text = reload::render_rules_report(processor_, reload_status_.get());
  std::lock_guard lock(snapshot_mutex_);
  rules_snapshot_ = std::move(text);
}

std::string Pipeline::rules_json() const {
  std::lock_guard lock(snapshot_mutex_);
  return rules_snapshot_;
}

}  // namespace tapemeasure::app
