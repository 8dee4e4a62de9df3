#include "app/pipeline.hpp"

#include <nlohmann/json.hpp>

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

std::string iso_now() {
  const auto t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace

Pipeline::Pipeline(prometheus::Registry& registry, metrics::SelfMetrics& self, PipelineOptions options,
                   std::shared_ptr<const rules::RuleSet> initial_rules,
                   std::shared_ptr<const view::Views> initial_views)
    : self_(self),
      options_(std::move(options)),
      store_(registry, self, options_.store),
      processor_(store_, self, options_.match_threads),
      hub_(options_.hub, self) {
  processor_.install(std::move(initial_rules));
  install_views(std::move(initial_views));
  on_event_ = [this](const rules::RuleMatch& m) { on_match(m); };
  last_reload_at_ = iso_now();
  publish_rules_snapshot();
}

void Pipeline::begin_batch() {
  batch_now_ = clock::now();
  batch_ts_ms_ = epoch_ms();
  batch_lines_.clear();
}

void Pipeline::line(std::string_view line, bool truncated) {
  if (truncated) processor_.count_truncated();
  batch_lines_.push_back(line);
}

void Pipeline::end_batch() {
  processor_.process_batch(batch_lines_, hub_.has_clients() ? &on_event_ : nullptr);
  batch_lines_.clear();
  hub_.flush_due(batch_now_);
}

void Pipeline::on_match(const rules::RuleMatch& m) {
  ++events_this_second_;
  type_buf_.clear();
  if (m.rule.type_field >= 0) m.rule.event_fields[m.rule.type_field].second.expand(m.fields, type_buf_);
  hub_.offer(type_buf_, batch_now_, [&] { return rules::render_event_json(m, batch_ts_ms_); });
}

bool Pipeline::reload(const std::string& why) {
  const auto started = clock::now();
  auto result = rules::load_rules(options_.rule_paths);
  const double ms = std::chrono::duration<double, std::milli>(clock::now() - started).count();
  last_reload_at_ = iso_now();
  if (!result.ok()) {
    ++reload_failures_;
    self_.rules_reload_failures.Increment();
    last_reload_error_ = result.error_text();
    log::error("reload (" + why + ") failed, keeping the running rules:\n" + last_reload_error_);
    publish_rules_snapshot();
    return false;
  }
  processor_.install(result.rules);
  // Only a changed view is news to the browsers: a regex fix must not make them redraw.
  if (install_views(result.views) && hub_.has_clients()) hub_.broadcast(view_frame_);
  ++reloads_;
  self_.rules_reloads.Increment();
  last_reload_error_.clear();
  char took[32];
  std::snprintf(took, sizeof took, "%.1f", ms);
  log::info("reloaded rules (" + why + "): " + std::to_string(result.rules->size()) + " rules, " +
            std::to_string(result.rules->metrics().size()) + " metrics, " + std::to_string(result.tests.run) +
            " tests passed in " + took + " ms");
  publish_rules_snapshot();
  return true;
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
  view_frame_ = std::make_shared<const std::string>("{\"view\":" + text + "}");
  return true;
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
  const stats::ReloadStatus reload{.at = last_reload_at_, .error = last_reload_error_,
                                   .reloads = reloads_, .failures = reload_failures_};
  json second = second_stats_.tick(counts, reload);
  std::string record = rules::dump_json(second);
  if (hub_.has_clients()) hub_.broadcast(std::make_shared<const std::string>("{\"stats\":" + record + "}"));
  stats_.push(std::move(record));
  publish_rules_snapshot();
}

void Pipeline::publish_rules_snapshot() {
  const auto& set = *processor_.rules();
  json j = json::object();
  j["lines"] = processor_.lines();
  j["unmatched"] = processor_.unmatched();
  j["unmatched_seconds"] = processor_.unmatched_seconds();
  j["files"] = set.files();
  json rules = json::array();
  for (std::size_t i = 0; i < set.size(); ++i) {
    const auto& r = set.rule(i);
    json metrics = json::array();
    for (const auto& m : r.metrics) metrics.push_back(set.metrics()[m.schema].name);
    rules.push_back({{"name", r.name},
                     {"file", r.pos.file},
                     {"line", r.pos.line},
                     {"format", r.format == rules::InputFormat::syslog ? "syslog" : "raw"},
                     {"match", r.re->pattern()},
                     {"continue", r.continue_matching},
                     {"event", r.event_enabled},
                     {"metrics", std::move(metrics)},
                     {"matches", processor_.rule_stats()[i].matches},
                     {"seconds", processor_.rule_stats()[i].seconds}});
  }
  j["rules"] = std::move(rules);
  json metrics = json::array();
  for (const auto& m : set.metrics())
    metrics.push_back({{"name", m.name}, {"kind", metrics::to_string(m.kind)}, {"labels", m.label_names}});
  j["metrics"] = std::move(metrics);
  j["reloads"] = reloads_;
  j["reload_failures"] = reload_failures_;
  j["last_reload"] = {{"at", last_reload_at_},
                      {"ok", last_reload_error_.empty()},
                      {"error", last_reload_error_.empty() ? json(nullptr) : json(last_reload_error_)}};
  j["recent_unmatched"] = processor_.recent_unmatched();
  std::string text = rules::dump_json(j);
  std::lock_guard lock(snapshot_mutex_);
  rules_snapshot_ = std::move(text);
}

std::string Pipeline::rules_json() const {
  std::lock_guard lock(snapshot_mutex_);
  return rules_snapshot_;
}

}  // namespace tapemeasure::app
