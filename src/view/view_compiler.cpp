#include "view/view_compiler.hpp"

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>
#include <string>

#include "rulefile/did_you_mean.hpp"
#include "view/palette.hpp"

namespace tapemeasure::view {

namespace {

using rules::RuleErrors;
using rules::SourcePos;
using rules::ViewValue;

std::string upper(std::string s) {
  for (char& c : s)
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  return s;
}

std::string join(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

// Where a type was first claimed, to name both places when a second view claims it.
struct Claim {
  std::string file;
  SourcePos pos;
};

// Compiles one file's view; errors go to `errors` (the view is then not used).
class FileViewCompiler {
 public:
  FileViewCompiler(const rules::RuleFileSpec& file, const rules::RuleSet& rules, RuleErrors& errors)
      : file_(file), metrics_(rules.metrics()), errors_(errors) {}

  // Errors come out in line order, as a reader of the file meets them.
  View compile(std::string id) {
    const auto first_error = errors_.size();
    View v = compile_unsorted(std::move(id));
    std::stable_sort(errors_.begin() + static_cast<std::ptrdiff_t>(first_error), errors_.end(),
                     [](const rules::RuleError& a, const rules::RuleError& b) { return a.pos.line < b.pos.line; });
    return v;
  }

 private:
  View compile_unsorted(std::string id) {
    View v;
    v.id = std::move(id);
    v.file = file_.file;
    v.title = std::filesystem::path(file_.file).stem().string();
    v.pos.file = file_.file;
    for (const auto& r : file_.rules)
      if (r.event_enabled) v.rules.push_back(r.name);
    if (!file_.view) {
      // Nothing the file did not declare: from nodes left, to nodes right, no sink.
      v.tiers = {{"from", "FROM"}, {"to", "TO"}};
      return v;
    }
    const auto& spec = *file_.view;
    v.declared = true;
    v.pos = spec.pos;
    if (spec.title.given) v.title = spec.title.text;
    compile_tiers(spec, v);
    compile_sink(spec, v);
    for (const auto& t : spec.types) compile_type(t, v);
    for (const auto& s : spec.shares) compile_share(s, v);
    for (const auto& r : spec.ratios) compile_ratio(r, v);
    for (const auto& c : spec.compares) compile_compare(c, v);
    check_rule_types(v);
    return v;
  }

  void fail(const SourcePos& pos, std::string message, std::string rule = {}) {
    rules::RuleError e;
    e.pos = pos;
    e.rule = std::move(rule);
    e.message = std::move(message);
    errors_.push_back(std::move(e));
  }

  std::vector<std::string> tier_names(const View& v) const {
    std::vector<std::string> out;
    for (const auto& t : v.tiers) out.push_back(t.name);
    return out;
  }

  void compile_tiers(const rules::ViewSpec& spec, View& v) {
    if (spec.tiers.empty()) fail(spec.tiers_pos, "view: needs at least one tier, such as tiers: [{name: mta, title: MTAs}]");
    std::map<std::string, int> first_line;
    for (const auto& t : spec.tiers) {
      if (!t.name.given) continue;  // reported by the parser
      if (const auto it = first_line.find(t.name.text); it != first_line.end()) {
        fail(t.name.pos, "view: tier '" + t.name.text + "' is declared twice (first at line " + std::to_string(it->second) +
                             "); tier names must be unique");
        continue;
      }
      first_line[t.name.text] = t.name.pos.line;
      v.tiers.push_back({t.name.text, t.title.given ? t.title.text : upper(t.name.text)});
    }
  }

  void compile_sink(const rules::ViewSpec& spec, View& v) {
    if (!spec.has_sink) return;
    const auto& s = spec.sink;
    v.has_sink = true;
    v.sink.title = s.title.given ? s.title.text : "Sink";
    if (!s.has_scale) {
      fail(s.pos, "view: the sink needs a scale, such as scale: {field: ip, kind: octet}");
      return;
    }
    const auto& sc = s.scale;
    Scale& out = v.sink.scale;
    if (!sc.field.given || sc.field.text.empty())
      fail(sc.pos, "view: the sink's scale needs a 'field' (the event field that sets where a dot lands)");
    out.field = sc.field.text;
    if (!sc.kind.given) {
      fail(sc.pos, "view: the sink's scale needs a 'kind': octet, linear or log");
      return;
    }
    if (sc.kind.text == "octet") {
      out.kind = ScaleKind::octet;
      if (sc.has_min || sc.has_max)
        fail(sc.has_min ? sc.min_pos : sc.max_pos, "view: an octet scale is always 0-255; min and max are for linear and log");
      out.min = 0;
      out.max = 255;
      return;
    }
    if (sc.kind.text == "linear") out.kind = ScaleKind::linear;
    else if (sc.kind.text == "log") out.kind = ScaleKind::log;
    else {
      fail(sc.kind.pos, "view: unknown scale kind '" + sc.kind.text + "' (" +
                            rules::closest_hint(sc.kind.text, {"octet", "linear", "log"}) + ")");
      return;
    }
    if (!sc.has_min || !sc.has_max) {
      fail(sc.pos, "view: a " + sc.kind.text + " scale needs both min and max, such as {field: " +
                       (sc.field.text.empty() ? "bytes" : sc.field.text) + ", kind: " + sc.kind.text + ", min: 1, max: 1000}");
      return;
    }
    out.min = sc.min;
    out.max = sc.max;
    if (sc.min >= sc.max)
      fail(sc.min_pos, "view: a " + sc.kind.text + " scale's min must be below its max (min " + number(sc.min) + ", max " +
                           number(sc.max) + ")");
    else if (out.kind == ScaleKind::log && sc.min <= 0)
      fail(sc.min_pos, "view: a log scale needs min > 0 (got " + number(sc.min) + "); use linear for a range from 0");
  }

  static std::string number(double d) {
    std::string s = std::to_string(d);
    s.erase(s.find_last_not_of('0') + 1);
    if (s.back() == '.') s.pop_back();
    return s;
  }

  // A tier reference of type `t`; false (and an error) when the view does not declare it.
  bool known_tier(const View& v, const ViewValue& tier, const std::string& type, const char* verb) {
    const auto names = tier_names(v);
    if (std::find(names.begin(), names.end(), tier.text) != names.end()) return true;
    fail(tier.pos, "view: type '" + type + "' " + verb + " tier '" + tier.text +
                       "', which the view does not declare (tiers: " + join(names) + ")");
    return false;
  }

  void compile_type(const rules::ViewTypeSpec& t, View& v) {
    const std::string& name = t.type.text;
    for (const auto& prev : v.types)
      if (prev.type == name) {
        fail(t.type.pos, "view: type '" + name + "' is declared twice (first at line " + std::to_string(prev.pos.line) + ")");
        return;
      }
    TypeStyle style;
    style.type = name;
    style.pos = t.type.pos;
    if (t.colour.given) {
      if (const auto hex = resolve_colour(t.colour.text)) {
        style.colour = *hex;
      } else {
        std::vector<std::string> names;
        for (const auto& c : kPalette) names.emplace_back(c.name);
        std::string hint = rules::closest_hint(t.colour.text, names);
        if (!hint.starts_with("did you mean")) hint += ", or #rrggbb";
        fail(t.colour.pos, "view: unknown colour '" + t.colour.text + "' for type '" + name + "' (" + hint + ")");
      }
    } else {
      style.colour = std::string(kPalette[v.types.size() % kPalette.size()].hex);
    }
    if (!t.from.given) {
      fail(t.type.pos, "view: type '" + name + "' needs 'from' (a tier: " + join(tier_names(v)) + ")");
    } else if (known_tier(v, t.from, name, "comes from")) {
      style.from = t.from.text;
    }
    const ViewValue& to = t.to.given ? t.to : t.from;
    if (t.to.given && known_tier(v, to, name, "goes to")) style.to = to.text;
    if (!t.to.given) style.to = style.from;
    if (t.then.given) {
      const std::string& then = t.then.text;
      if (then == "stop") style.then = Then::stop;
      else if (then == "return") style.then = Then::return_;
      else if (then == "fall") style.then = Then::fall;
      else if (then == "sink") {
        style.then = Then::sink;
        if (!v.has_sink)
          fail(t.then.pos, "view: type '" + name + "' has then: sink, but the view declares no sink "
                           "(add sink: {title: ..., scale: {field: ..., kind: ...}})");
      } else {
        fail(t.then.pos, "view: unknown then '" + then + "' for type '" + name + "' (" +
                             rules::closest_hint(then, {"stop", "sink", "return", "fall"}) + ")");
      }
    }
    style.error = style.then == Then::return_ || style.then == Then::fall;
    if (t.error.given) {
      if (t.error.text == "true" || t.error.text == "yes") style.error = true;
      else if (t.error.text == "false" || t.error.text == "no") style.error = false;
      else fail(t.error.pos, "view: type '" + name + "' has error: '" + t.error.text + "'; it is true or false");
    }
    v.types.push_back(std::move(style));
  }

  // The counter a share or ratio reads; null (and an error) when it is not a declared counter.
  const metrics::MetricSchema* counter(const ViewValue& metric, const SourcePos& at, const char* what) {
    if (!metric.given) {
      fail(at, std::string("view: a ") + what + " needs 'metric' (a counter declared by a loaded rule)");
      return nullptr;
    }
    std::vector<std::string> counters;
    for (const auto& m : metrics_) {
      if (m.name == metric.text) {
        if (m.kind == metrics::MetricKind::counter) return &m;
        fail(metric.pos, std::string("view: ") + what + " metric '" + metric.text + "' is a " + metrics::to_string(m.kind) +
                             "; shares and ratios count a counter's increments");
        return nullptr;
      }
      if (m.kind == metrics::MetricKind::counter) counters.push_back(m.name);
    }
    fail(metric.pos, std::string("view: ") + what + " metric '" + metric.text + "' is not a counter declared by any loaded rule (" +
                         rules::closest_hint(metric.text, counters) + ")");
    return nullptr;
  }

  // A label of `m` named by a share or ratio; false (and an error) when `m` has no such label.
  bool label_of(const metrics::MetricSchema& m, const ViewValue& label, const SourcePos& at, const std::string& what) {
    if (!label.given) {
      fail(at, "view: needs '" + what + "' (a label of " + m.name + ": " + join(m.label_names) + ")");
      return false;
    }
    if (std::find(m.label_names.begin(), m.label_names.end(), label.text) != m.label_names.end()) return true;
    fail(label.pos, "view: " + what + " '" + label.text + "' is not a label of " + m.name + " (" +
                        rules::closest_hint(label.text, m.label_names) + ")");
    return false;
  }

  void compile_share(const rules::ViewShareSpec& s, View& v) {
    Share share;
    share.pos = s.pos;
    share.metric = s.metric.text;
    share.title = s.title.given ? s.title.text : s.metric.text;
    share.rows = s.rows.text;
    share.cols = s.cols.text;
    if (s.fair.given) {
      if (s.fair.text == "true" || s.fair.text == "yes") share.fair = true;
      else if (s.fair.text == "false" || s.fair.text == "no") share.fair = false;
      else fail(s.fair.pos, "view: share '" + share.title + "' has fair: '" + s.fair.text + "'; it is true or false");
    }
    const auto* m = counter(s.metric, s.pos, "share");
    if (m) {
      label_of(*m, s.rows, s.pos, "share rows");
      label_of(*m, s.cols, s.pos, "share cols");
      for (const auto& [label, value] : s.where)
        if (label_of(*m, label, s.pos, "share where")) share.where.push_back({label.text, value.text});
    }
    v.shares.push_back(std::move(share));
  }

  void compile_ratio(const rules::ViewRatioSpec& r, View& v) {
    Ratio ratio;
    ratio.pos = r.pos;
    ratio.metric = r.metric.text;
    ratio.title = r.title.given ? r.title.text : r.metric.text;
    ratio.label = r.label.text;
    if (const auto* m = counter(r.metric, r.pos, "ratio")) {
      label_of(*m, r.label, r.pos, "ratio label");
      for (const auto& [label, value] : r.where)
        if (label_of(*m, label, r.pos, "ratio where")) ratio.where.push_back({label.text, value.text});
    }
    if (r.part.empty())
      fail(r.pos, "view: a ratio needs 'part', the label values counted above the line, such as [transient, permanent]");
    for (const auto& p : r.part) ratio.part.push_back(p.text);
    v.ratios.push_back(std::move(ratio));
  }

  void compile_compare(const rules::ViewCompareSpec& c, View& v) {
    Compare compare;
    compare.pos = c.pos;
    compare.metric = c.metric.text;
    compare.title = c.title.given ? c.title.text : c.metric.text;
    compare.label = c.label.text;
    compare.baseline = c.baseline.text;
    if (!c.metric.given) {
      fail(c.pos, "view: a comparison needs 'metric' (a histogram or counter declared by a loaded rule)");
    } else {
      const metrics::MetricSchema* m = nullptr;
      std::vector<std::string> names;
      for (const auto& x : metrics_) {
        if (x.kind == metrics::MetricKind::gauge) continue;
        names.push_back(x.name);
        if (x.name == c.metric.text) m = &x;
      }
      if (m) {
        label_of(*m, c.label, c.pos, "compare label");
      } else {
        const bool gauge = std::any_of(metrics_.begin(), metrics_.end(), [&](const auto& x) { return x.name == c.metric.text; });
        fail(c.metric.pos, gauge ? "view: compare metric '" + c.metric.text +
                                       "' is a gauge; a comparison reads a histogram's observations or a counter's increments"
                                 : "view: compare metric '" + c.metric.text +
                                       "' is not a histogram or counter declared by any loaded rule (" +
                                       rules::closest_hint(c.metric.text, names) + ")");
      }
    }
    v.compares.push_back(std::move(compare));
  }

  // Every literal `type` this file's rules emit must be styled by its view; templates
  // (`${class}`) can only be known per event, and are drawn in palette colours.
  void check_rule_types(const View& v) {
    std::vector<std::string> declared;
    for (const auto& t : v.types) declared.push_back(t.type);
    for (const auto& r : file_.rules) {
      if (!r.event_enabled) continue;
      for (const auto& [field, tmpl] : r.event_fields) {
        if (field != "type" || tmpl.text.find("${") != std::string::npos) continue;
        if (std::find(declared.begin(), declared.end(), tmpl.text) != declared.end()) continue;
        fail(tmpl.pos, "event type '" + tmpl.text + "' is not in this file's view (types: " + join(declared) +
                           "); add it under view: types", r.name);
      }
    }
  }

  const rules::RuleFileSpec& file_;
  const std::vector<metrics::MetricSchema>& metrics_;
  RuleErrors& errors_;
};

}  // namespace

std::shared_ptr<const Views> compile_views(const std::vector<rules::RuleFileSpec>& files, const rules::RuleSet& rules,
                                           RuleErrors& errors) {
  const auto before = errors.size();
  auto views = std::make_shared<Views>();
  views->metrics = rules.metrics();
  std::set<std::string> ids;
  std::map<std::string, Claim> claims;  // type -> the view that declared it first
  for (const auto& file : files) {
    // The file's stem names its view in URLs; a second rules/x.yml (another directory) gets x-2.
    const std::string stem = std::filesystem::path(file.file).stem().string();
    std::string id = stem;
    for (int n = 2; ids.count(id) != 0; ++n) id = stem + "-" + std::to_string(n);
    ids.insert(id);
    View v = FileViewCompiler(file, rules, errors).compile(id);
    for (const auto& t : v.types) {
      const auto [it, fresh] = claims.try_emplace(t.type, Claim{file.file, t.pos});
      if (fresh) continue;
      rules::RuleError e;
      e.pos = t.pos;
      e.message = "view: type '" + t.type + "' is also claimed by the view of " + it->second.pos.file + ":" +
                  std::to_string(it->second.pos.line) + "; an event type belongs to one view (load only one of the two packs)";
      errors.push_back(std::move(e));
    }
    views->views.push_back(std::move(v));
  }
  if (errors.size() != before) return nullptr;
  return views;
}

}  // namespace tapemeasure::view
