#include "rules/event_json.hpp"

namespace tapemeasure::rules {
namespace {

void add_fields(nlohmann::ordered_json& j, const RuleMatch& m) {
  std::string value;
  for (const auto& [name, tpl] : m.rule.event_fields) {
    value.clear();
    tpl.expand(m.fields, value);
    j[name] = value;
  }
  // Captures and syslog fields as they are; recalled fields only through event templates.
  const auto& names = m.rule.fields.names();
  for (std::size_t i = 0; i < m.rule.event_auto_fields; ++i) {
    if (m.fields[i].data() == nullptr) continue;  // the group did not take part
    if (j.contains(names[i])) continue;            // an event field of that name wins
    j[names[i]] = std::string(m.fields[i]);
  }
}

}  // namespace

nlohmann::ordered_json event_fields(const RuleMatch& match) {
  nlohmann::ordered_json j = nlohmann::ordered_json::object();
  add_fields(j, match);
  return j;
}

nlohmann::ordered_json event_object(const RuleMatch& match, std::int64_t ts_ms) {
  nlohmann::ordered_json j = nlohmann::ordered_json::object();
  j["ts"] = ts_ms;
  j["rule"] = match.rule.name;
  add_fields(j, match);
  return j;
}

std::string dump_json(const nlohmann::ordered_json& j) {
  return j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

std::string render_event_json(const RuleMatch& match, std::int64_t ts_ms) {
  return dump_json(event_object(match, ts_ms));
}

}  // namespace tapemeasure::rules
