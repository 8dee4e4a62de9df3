#include "stream/event_router.hpp"

#include "rules/event_json.hpp"

namespace tapemeasure::stream {

void EventRouter::route(const rules::RuleMatch& m, std::int64_t ts_ms, Hub::clock::time_point now) {
  // Only here, for an event some client takes, are the fields matching left out filled.
  const auto render = [&] { return rules::render_event_json(rules::RuleSet::with_all_fields(m, fill_), ts_ms); };
  int& known = rule_type_ids_[m.index];
  if (known >= 0) {  // a constant type, already looked up
    hub_.offer(known, {}, now, render);
    return;
  }
  type_buf_.clear();
  const rules::Template* type = m.rule.type_field >= 0 ? &m.rule.event_fields[m.rule.type_field].second : nullptr;
  if (type) type->expand(m.fields, type_buf_);
  const int id = hub_.type_id(type_buf_);
  // Only a type with an id may be kept: beyond the table the hub matches by name.
  if (known == kTypeIdUnknown)
    known = (!type || type->max_field() < 0) && id != Hub::kNoId ? id : kTypeNotConstant;
  hub_.offer(id, type_buf_, now, render);
}

}  // namespace tapemeasure::stream
