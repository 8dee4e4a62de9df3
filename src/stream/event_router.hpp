#pragma once
// Routes each match with an event to the hub: finds its type's id (looked up once per rule
// when the type is a constant, as most are; expanded per event when it holds a capture) and
// offers it with a renderer that makes its JSON only if some client wants that type, after
// filling the fields matching may have left out (RuleSet::with_all_fields).
// Ingest thread only, like the hub's offer().
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "rules/rule_set.hpp"
#include "stream/hub.hpp"

namespace tapemeasure::stream {

class EventRouter {
 public:
  explicit EventRouter(Hub& hub) : hub_(hub) {}

  // A new rule set: every rule's type is looked up again on its next event.
  void install(std::size_t rule_count) { rule_type_ids_.assign(rule_count, kTypeIdUnknown); }

  // One match of a rule with an event, seen at `now`; its JSON carries `ts_ms`.
  void route(const rules::RuleMatch& m, std::int64_t ts_ms, Hub::clock::time_point now);

 private:
  Hub& hub_;
  std::string type_buf_;
  rules::FillScratch fill_;
  // Per rule of the installed set: its type's hub id when the type is a constant, found on
  // its first event; kTypeNotConstant when it holds a capture or has no id (beyond the
  // hub's table: there the hub matches by name).
  static constexpr int kTypeIdUnknown = -2, kTypeNotConstant = -3;
  std::vector<int> rule_type_ids_;
};

}  // namespace tapemeasure::stream
