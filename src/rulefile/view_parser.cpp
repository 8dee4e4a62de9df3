#include "rulefile/view_parser.hpp"

#include <string>

namespace tapemeasure::rules {

namespace {

class ViewParser {
 public:
  explicit ViewParser(YamlReader& yaml) : yaml_(yaml) {}

  ViewSpec parse(const YAML::Node& key, const YAML::Node& v) {
    ViewSpec spec;
    spec.pos = yaml_.pos(key);
    if (!v.IsMap()) {
      yaml_.error(key, "view: must be a map with at least 'tiers' (see docs/views.md)");
      return spec;
    }
    yaml_.check_keys(v, {"title", "tiers", "sink", "types", "shares", "ratios", "compares"}, "view");
    spec.title = value(v, "title", "view title");
    if (const auto tiers = v["tiers"]) {
      spec.tiers_pos = yaml_.pos(tiers);
      if (!tiers.IsSequence()) yaml_.error(tiers, "view: 'tiers' must be a list such as [{name: mta, title: MTAs}]");
      else
        for (const auto& t : tiers) spec.tiers.push_back(tier(t));
    } else {
      spec.tiers_pos = spec.pos;
    }
    if (const auto s = v["sink"]) {
      spec.has_sink = true;
      spec.sink = sink(s);
    }
    if (const auto types = v["types"]) {
      if (!types.IsMap()) yaml_.error(types, "view: 'types' must be a map of type: {colour, from, to, then}");
      else
        for (const auto& kv : types) spec.types.push_back(type(kv.first, kv.second));
    }
    if (const auto shares = v["shares"]) {
      if (!shares.IsSequence()) yaml_.error(shares, "view: 'shares' must be a list");
      else
        for (const auto& s : shares) spec.shares.push_back(share(s));
    }
    if (const auto compares = v["compares"]) {
      if (!compares.IsSequence()) yaml_.error(compares, "view: 'compares' must be a list");
      else
        for (const auto& c : compares) spec.compares.push_back(compare(c));
    }
    if (const auto ratios = v["ratios"]) {
      if (!ratios.IsSequence()) yaml_.error(ratios, "view: 'ratios' must be a list");
      else
        for (const auto& r : ratios) spec.ratios.push_back(ratio(r));
    }
    return spec;
  }

 private:
  // map[key] as text, with its line; not given when absent.
  ViewValue value(const YAML::Node& map, const char* key, const std::string& what) {
    ViewValue out;
    if (const auto n = map[key]) {
      out.pos = yaml_.pos(n);
      out.given = true;
      out.text = yaml_.scalar(n, "view: " + what);
    }
    return out;
  }

  // `n` itself as text (a list item, a map key).
  ViewValue text_of(const YAML::Node& n, const std::string& what) {
    return {yaml_.scalar(n, "view: " + what), yaml_.pos(n), true};
  }

  ViewTierSpec tier(const YAML::Node& t) {
    ViewTierSpec spec;
    spec.pos = yaml_.pos(t);
    if (!t.IsMap()) {
      yaml_.error(t, "view: a tier is a map such as {name: mta, title: MTAs}");
      return spec;
    }
    yaml_.check_keys(t, {"name", "title"}, "view tier");
    spec.name = value(t, "name", "tier name");
    spec.title = value(t, "title", "tier title");
    if (!spec.name.given) yaml_.error(t, "view: a tier needs a 'name'");
    return spec;
  }

  ViewSinkSpec sink(const YAML::Node& s) {
    ViewSinkSpec spec;
    spec.pos = yaml_.pos(s);
    if (!s.IsMap()) {
      yaml_.error(s, "view: 'sink' must be a map such as {title: Internet, scale: {field: ip, kind: octet}}");
      return spec;
    }
    yaml_.check_keys(s, {"title", "scale"}, "view sink");
    spec.title = value(s, "title", "sink title");
    if (const auto sc = s["scale"]) {
      spec.has_scale = true;
      spec.scale = scale(sc);
    }
    return spec;
  }

  ViewScaleSpec scale(const YAML::Node& s) {
    ViewScaleSpec spec;
    spec.pos = yaml_.pos(s);
    if (!s.IsMap()) {
      yaml_.error(s, "view: 'scale' must be a map such as {field: ip, kind: octet}");
      return spec;
    }
    yaml_.check_keys(s, {"field", "kind", "min", "max"}, "view scale");
    spec.field = value(s, "field", "scale field");
    spec.kind = value(s, "kind", "scale kind");
    if (const auto n = s["min"]) {
      spec.min_pos = yaml_.pos(n);
      spec.has_min = yaml_.number(n, "view: scale min", spec.min);
    }
    if (const auto n = s["max"]) {
      spec.max_pos = yaml_.pos(n);
      spec.has_max = yaml_.number(n, "view: scale max", spec.max);
    }
    return spec;
  }

  ViewTypeSpec type(const YAML::Node& key, const YAML::Node& t) {
    ViewTypeSpec spec;
    spec.pos = yaml_.pos(key);
    spec.type = text_of(key, "type name");
    if (!t.IsMap()) {
      yaml_.error(key, "view: type '" + excerpt(spec.type.text) +
                           "' must be a map such as {colour: blue, from: mta, to: relay}");
      return spec;
    }
    yaml_.check_keys(t, {"colour", "from", "to", "then", "error"}, "view type '" + excerpt(spec.type.text) + "'");
    spec.colour = value(t, "colour", "colour");
    spec.from = value(t, "from", "from");
    spec.to = value(t, "to", "to");
    spec.then = value(t, "then", "then");
    spec.error = value(t, "error", "error");
    return spec;
  }

  ViewShareSpec share(const YAML::Node& s) {
    ViewShareSpec spec;
    spec.pos = yaml_.pos(s);
    if (!s.IsMap()) {
      yaml_.error(s, "view: a share is a map such as {title: MTA to relay, metric: m, rows: mta, cols: relay}");
      return spec;
    }
    yaml_.check_keys(s, {"title", "metric", "rows", "cols", "where", "fair"}, "view share");
    spec.title = value(s, "title", "share title");
    spec.metric = value(s, "metric", "share metric");
    spec.rows = value(s, "rows", "share rows");
    spec.cols = value(s, "cols", "share cols");
    spec.fair = value(s, "fair", "share fair");
    spec.where = where(s);
    return spec;
  }

  // A share's or ratio's `where: {label: value, ...}`.
  std::vector<std::pair<ViewValue, ViewValue>> where(const YAML::Node& n) {
    std::vector<std::pair<ViewValue, ViewValue>> out;
    const auto w = n["where"];
    if (!w) return out;
    if (!w.IsMap()) yaml_.error(w, "view: 'where' must be a map of label: value");
    else
      for (const auto& kv : w) out.push_back({text_of(kv.first, "where label"), text_of(kv.second, "where value")});
    return out;
  }

  ViewRatioSpec ratio(const YAML::Node& r) {
    ViewRatioSpec spec;
    spec.pos = yaml_.pos(r);
    if (!r.IsMap()) {
      yaml_.error(r, "view: a ratio is a map such as {title: bounce ratio, metric: m, label: outcome, part: [permanent]}");
      return spec;
    }
    yaml_.check_keys(r, {"title", "metric", "label", "part", "where"}, "view ratio");
    spec.title = value(r, "title", "ratio title");
    spec.metric = value(r, "metric", "ratio metric");
    spec.label = value(r, "label", "ratio label");
    if (const auto p = r["part"]) {
      if (!p.IsSequence()) yaml_.error(p, "view: a ratio's 'part' must be a list of label values, such as [transient, permanent]");
      else
        for (const auto& x : p) spec.part.push_back(text_of(x, "ratio part"));
    }
    spec.where = where(r);
    return spec;
  }

  ViewCompareSpec compare(const YAML::Node& c) {
    ViewCompareSpec spec;
    spec.pos = yaml_.pos(c);
    if (!c.IsMap()) {
      yaml_.error(c, "view: a comparison is a map such as {title: parser old vs new, metric: parse_seconds, label: parser, baseline: old}");
      return spec;
    }
    yaml_.check_keys(c, {"title", "metric", "label", "baseline"}, "view compare");
    spec.title = value(c, "title", "compare title");
    spec.metric = value(c, "metric", "compare metric");
    spec.label = value(c, "label", "compare label");
    spec.baseline = value(c, "baseline", "compare baseline");
    return spec;
  }

  YamlReader& yaml_;
};

}  // namespace

ViewSpec parse_view(YamlReader& yaml, const YAML::Node& key, const YAML::Node& value) {
  return ViewParser(yaml).parse(key, value);
}

}  // namespace tapemeasure::rules
