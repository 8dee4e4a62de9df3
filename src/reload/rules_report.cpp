#include "reload/rules_report.hpp"

#include <nlohmann/json.hpp>

#include "rules/event_json.hpp"

namespace tapemeasure::reload {

std::string render_rules_report(const rules::LineProcessor& processor, const ReloadStatus& reload) {
  using json = nlohmann::ordered_json;
  const auto& set = *processor.rules();
  json j = json::object();
  j["lines"] = processor.lines();
  j["unmatched"] = processor.unmatched();
  j["unmatched_seconds"] = processor.unmatched_seconds();
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
                     {"matches", processor.rule_stats()[i].matches},
                     {"seconds", processor.rule_stats()[i].seconds}});
  }
  j["rules"] = std::move(rules);
  json metrics = json::array();
  for (const auto& m : set.metrics())
    metrics.push_back({{"name", m.name}, {"kind", metrics::to_string(m.kind)}, {"labels", m.label_names}});
  j["metrics"] = std::move(metrics);
  j["reloads"] = reload.reloads;
  j["reload_failures"] = reload.failures;
  j["last_reload"] = {{"at", reload.at},
                      {"ok", reload.ok()},
                      {"error", reload.ok() ? json(nullptr) : json(reload.error_text())},  // capped: 64 KiB
                      {"duration_ms", reload.duration_ms}};
  j["recent_unmatched"] = processor.recent_unmatched();
  return rules::dump_json(j);
}

}  // namespace tapemeasure::reload
