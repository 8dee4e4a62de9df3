#include "app/pipeline.hpp"

#include <nlohmann/json.hpp>

#include <map>

#include "rules/event_json.hpp"
#include "util/log.hpp"

namespace tapemeasure::app {
namespace {

using json = nlohmann::ordered_json;
constexpr std::size_t kMaxCountersPerSecond = 1000;  // bounds /api/stats memory

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

int label_index(const metrics::MetricSchema& s, std::string_view name) {
  for (std::size_t i = 0; i < s.label_names.size(); ++i)
    if (s.label_names[i] == name) return static_cast<int>(i);
  return -1;
}

}  // namespace

Pipeline::Pipeline(prometheus::Registry& registry, metrics::SelfMetrics& self, PipelineOptions options,
                   std::shared_ptr<const rules::RuleSet> initial_rules)
    : self_(self),
      options_(std::move(options)),
      store_(registry, self, options_.store),
      processor_(store_, self, options_.match_threads),
      hub_(options_.hub, self) {
  processor_.install(std::move(initial_rules));
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

void Pipeline::tick_second() {
  json second = json::object();
  second["ts"] = epoch_ms();
  const std::uint64_t lines = processor_.lines(), unmatched = processor_.unmatched();
  const std::uint64_t dl = lines - lines_at_last_second_, du = unmatched - unmatched_at_last_second_;
  lines_at_last_second_ = lines;
  unmatched_at_last_second_ = unmatched;
  const double dropped = hub_.dropped_total();
  second["lines_per_s"] = dl;
  second["matched_per_s"] = dl - du;
  second["unmatched_per_s"] = du;
  second["events_per_s"] = events_this_second_;
  second["dropped_per_s"] = dropped - dropped_at_last_second_;
  second["clients"] = hub_.clients();
  events_this_second_ = 0;
  dropped_at_last_second_ = dropped;

  // The default pack's mail_deliveries_total{mta,relay,outcome} gives the answers the UI
  // draws: outcomes, bounce ratio, and who hands how much to whom.
  std::map<std::string, double> outcomes{{"delivered", 0}, {"transient", 0}, {"permanent", 0}};
  json matrix = json::object();
  json counters = json::array();
  store_.harvest([&](const metrics::Series& s, double delta) {
    const auto& schema = s.metric->schema;
    if (counters.size() < kMaxCountersPerSecond) {
      json labels = json::object();
      for (std::size_t i = 0; i < schema.label_names.size(); ++i) labels[schema.label_names[i]] = s.label_values[i];
      counters.push_back({{"metric", schema.name}, {"labels", std::move(labels)}, {"delta", delta}});
    }
    if (schema.name != "mail_deliveries_total") return;
    const int mta = label_index(schema, "mta"), relay = label_index(schema, "relay"),
              outcome = label_index(schema, "outcome");
    if (outcome >= 0) outcomes[s.label_values[outcome]] += delta;
    if (mta >= 0 && relay >= 0) {
      auto& cell = matrix[s.label_values[mta]][s.label_values[relay]];
      cell = (cell.is_null() ? 0.0 : cell.get<double>()) + delta;
    }
  });
  const double attempts = outcomes["delivered"] + outcomes["transient"] + outcomes["permanent"];
  second["deliveries_per_s"] = outcomes;
  second["bounce_ratio"] = attempts > 0 ? json((outcomes["transient"] + outcomes["permanent"]) / attempts) : json(nullptr);
  second["relay_matrix"] = std::move(matrix);

  if (hub_.has_clients()) {
    json frame = json::object();
    frame["stats"] = second;
    hub_.broadcast(std::make_shared<const std::string>(rules::dump_json(frame)));
  }
  second["counters"] = std::move(counters);
  stats_.push(rules::dump_json(second));
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
