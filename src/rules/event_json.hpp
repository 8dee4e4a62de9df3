#pragma once
// Turns a rule match into the event object of DESIGN.md: ts, rule, the rule's event fields,
// then every capture (and syslog field) not already set. Invalid UTF-8 is replaced, never
// thrown, so no input line can break the JSON or the daemon.
#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>

#include "rules/rule_set.hpp"

namespace tapemeasure::rules {

// The event's fields without ts/rule (what in-file tests compare against).
nlohmann::ordered_json event_fields(const RuleMatch& match);

nlohmann::ordered_json event_object(const RuleMatch& match, std::int64_t ts_ms);

// Serialised, single line, invalid UTF-8 replaced with U+FFFD.
std::string render_event_json(const RuleMatch& match, std::int64_t ts_ms);

std::string dump_json(const nlohmann::ordered_json& j);

}  // namespace tapemeasure::rules
