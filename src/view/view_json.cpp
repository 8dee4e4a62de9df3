#include "view/view_json.hpp"

#include "rules/event_json.hpp"
#include "view/palette.hpp"

namespace tapemeasure::view {

namespace {

using json = nlohmann::ordered_json;

const char* to_string(Then then) {
  switch (then) {
    case Then::stop: return "stop";
    case Then::sink: return "sink";
    case Then::return_: return "return";
    case Then::fall: return "fall";
  }
  return "stop";
}

const char* to_string(ScaleKind kind) {
  switch (kind) {
    case ScaleKind::octet: return "octet";
    case ScaleKind::linear: return "linear";
    case ScaleKind::log: return "log";
  }
  return "octet";
}

json view_json(const View& v) {
  json j = json::object();
  j["id"] = v.id;
  j["title"] = v.title;
  j["file"] = v.file;
  j["declared"] = v.declared;
  j["rules"] = v.rules;
  json tiers = json::array();
  for (const auto& t : v.tiers) tiers.push_back({{"name", t.name}, {"title", t.title}});
  j["tiers"] = std::move(tiers);
  if (v.has_sink) {
    const auto& s = v.sink.scale;
    j["sink"] = {{"title", v.sink.title},
                 {"scale", {{"field", s.field}, {"kind", to_string(s.kind)}, {"min", s.min}, {"max", s.max}}}};
  } else {
    j["sink"] = nullptr;
  }
  json types = json::array();
  for (const auto& t : v.types)
    types.push_back({{"type", t.type},
                     {"colour", t.colour},
                     {"from", t.from},
                     {"to", t.to},
                     {"then", to_string(t.then)},
                     {"error", t.error}});
  j["types"] = std::move(types);
  json shares = json::array();
  for (const auto& s : v.shares) {
    json where = json::object();
    for (const auto& [label, value] : s.where) where[label] = value;
    shares.push_back(
        {{"title", s.title}, {"metric", s.metric}, {"rows", s.rows}, {"cols", s.cols}, {"where", std::move(where)}, {"fair", s.fair}});
  }
  j["shares"] = std::move(shares);
  json ratios = json::array();
  for (const auto& r : v.ratios) {
    json where = json::object();
    for (const auto& [label, value] : r.where) where[label] = value;
    ratios.push_back(
        {{"title", r.title}, {"metric", r.metric}, {"label", r.label}, {"part", r.part}, {"where", std::move(where)}});
  }
  j["ratios"] = std::move(ratios);
  json compares = json::array();
  for (const auto& c : v.compares)
    compares.push_back({{"title", c.title}, {"metric", c.metric}, {"label", c.label}, {"baseline", c.baseline}});
  j["compares"] = std::move(compares);
  return j;
}

}  // namespace

json views_json(const Views& views) {
  json j = json::object();
  json list = json::array();
  for (const auto& v : views.views) list.push_back(view_json(v));
  j["views"] = std::move(list);
  json palette = json::array();
  for (const auto& c : kPalette) palette.push_back(std::string(c.hex));
  j["palette"] = std::move(palette);
  json metrics = json::array();
  for (const auto& m : views.metrics)
    metrics.push_back({{"name", m.name},
                       {"kind", metrics::to_string(m.kind)},
                       {"help", m.help},
                       {"labels", m.label_names},
                       {"buckets", m.buckets}});
  j["metrics"] = std::move(metrics);
  return j;
}

std::string render_views_json(const Views& views) { return rules::dump_json(views_json(views)); }

}  // namespace tapemeasure::view
