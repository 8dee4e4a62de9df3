#include "rulefile/rule_file_parser.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <sstream>

#include "rulefile/view_parser.hpp"
#include "rulefile/yaml_reader.hpp"

namespace tapemeasure::rules {

namespace {

class Parser : YamlReader {
 public:
  Parser(const std::string& file, RuleErrors& errors) : YamlReader(file, errors), errors_(errors) {}

  RuleFileSpec parse(std::string_view text) {
    RuleFileSpec spec;
    spec.file = file();
    parse_into(spec, text);
    finish();
    return spec;
  }

 private:
  void parse_into(RuleFileSpec& spec, std::string_view text) {
    YAML::Node root;
    try {
      root = YAML::Load(std::string(text));
    } catch (const YAML::Exception& e) {
      RuleError invalid;
      invalid.pos = {file(), e.mark.line >= 0 ? e.mark.line + 1 : 0};
      invalid.message = "invalid YAML: " + excerpt(e.msg, 200);
      errors_.push_back(std::move(invalid));
      return;
    }
    if (!check_size(root)) return;  // walking it would be the attack
    if (root.IsNull()) return;      // an empty file is a valid file with no rules
    if (!root.IsMap()) {
      error(root, "a rule file is a map with a 'rules' list");
      return;
    }
    check_keys(root, {"rules", "format", "time", "view"}, "file");
    if (const auto f = root["format"]) {
      const std::string v = scalar(f, "format");
      if (v == "syslog") spec.format = InputFormat::syslog;
      else if (v != "raw") error(f, "format must be 'raw' or 'syslog', not '" + excerpt(v) + "'");
    }
    if (const auto t = root["time"]) spec.time = parse_time(t, spec.format);
    const auto rules = root["rules"];
    if (!rules) {
      error(root, "missing 'rules' list");
      return;
    }
    if (!rules.IsSequence()) {
      error(rules, "'rules' must be a list");
      return;
    }
    for (const auto& r : rules) {
      spec.rules.push_back(parse_rule(r, spec.format));
      spec.rules.back().time = spec.time;
    }
    set_rule("");
    for (const auto& kv : root)
      if (kv.first.IsScalar() && kv.first.Scalar() == "view") spec.view = parse_view(*this, kv.first, kv.second);
  }

  std::vector<std::pair<std::string, TemplateSpec>> template_map(const YAML::Node& n,
                                                                 std::string_view what) {
    std::vector<std::pair<std::string, TemplateSpec>> out;
    if (!n.IsMap()) {
      error(n, std::string(what) + " must be a map of name: template");
      return out;
    }
    for (const auto& kv : n) {
      const std::string key = scalar(kv.first, std::string(what) + " name");
      out.push_back({key, {scalar(kv.second, std::string(what) + " '" + key + "'"), pos(kv.second)}});
    }
    return out;
  }

  RuleSpec parse_rule(const YAML::Node& r, InputFormat format) {
    RuleSpec rule;
    rule.pos = pos(r);
    rule.format = format;
    set_rule("");
    if (!r.IsMap()) {
      error(r, "each rule is a map with at least 'name' and 'match'");
      return rule;
    }
    if (const auto n = r["name"]) {
      rule.name = scalar(n, "name");
      set_rule(rule.name);
    }
    else error(r, "rule has no 'name'");
    check_keys(r, {"name", "description", "match", "continue", "when", "recall", "forget", "remember", "event",
                   "metrics", "tests"},
               "rule");
    if (const auto m = r["match"]) {
      rule.match = scalar(m, "match");
      rule.match_pos = pos(m);
    } else {
      error(r, "rule has no 'match' pattern");
    }
    if (const auto c = r["continue"]) rule.continue_matching = boolean(c, "continue");
    if (const auto w = r["when"]) rule.when = TemplateSpec{scalar(w, "when"), pos(w)};
    if (const auto rc = r["recall"])
      for_each_map(rc, "recall", [&](const YAML::Node& n) { rule.recalls.push_back(parse_recall(n, "recall")); });
    if (const auto f = r["forget"])
      for_each_map(f, "forget", [&](const YAML::Node& n) { rule.forgets.push_back(parse_recall(n, "forget")); });
    if (const auto rm = r["remember"])
      for_each_map(rm, "remember", [&](const YAML::Node& n) { rule.remembers.push_back(parse_remember(n)); });
    if (const auto e = r["event"]) {
      bool enabled = true;
      if (e.IsScalar() && YAML::convert<bool>::decode(e, enabled)) {
        if (enabled) error(e, "event must be a map of fields, or false");
        rule.event_enabled = false;
      } else {
        rule.event_fields = template_map(e, "event field");
      }
    }
    if (const auto ms = r["metrics"]) {
      if (!ms.IsSequence()) error(ms, "'metrics' must be a list");
      else
        for (const auto& m : ms) rule.metrics.push_back(parse_metric(m));
    }
    if (const auto ts = r["tests"]) {
      if (!ts.IsSequence()) error(ts, "'tests' must be a list");
      else
        for (const auto& t : ts) rule.tests.push_back(parse_test(t));
    }
    return rule;
  }

  MetricSpec parse_metric(const YAML::Node& m) {
    MetricSpec spec;
    spec.pos = pos(m);
    if (!m.IsMap()) {
      error(m, "a metric is a map such as {counter: name, labels: {...}}");
      return spec;
    }
    int kinds = 0;
    for (auto [key, kind] : {std::pair{"counter", MetricKind::counter},
                             std::pair{"gauge", MetricKind::gauge},
                             std::pair{"histogram", MetricKind::histogram}}) {
      if (const auto n = m[key]) {
        ++kinds;
        spec.kind = kind;
        spec.name = scalar(n, key);
      }
    }
    if (kinds != 1) {
      error(m, "a metric names exactly one of counter, gauge or histogram");
      return spec;
    }
    check_keys(m, {"counter", "gauge", "histogram", "help", "labels", "value", "set", "add",
                   "scale", "buckets", "when", "init"},
               "metric");
    if (const auto h = m["help"]) spec.help = scalar(h, "help");
    if (const auto w = m["when"]) spec.when = TemplateSpec{scalar(w, "when"), pos(w)};
    if (const auto in = m["init"]) {
      if (!in.IsSequence()) {
        error(in, "init must be a list of label sets, such as [{outcome: sent}, {outcome: bounced}]");
      } else if (in.size() > kMaxInitLabelSets) {
        error(in, "init lists " + std::to_string(in.size()) + " label sets; at most " +
                      std::to_string(kMaxInitLabelSets) + " (the others appear when first seen)");
      } else {
        for (const auto& set : in) {
          if (!set.IsMap()) {
            error(set, "each init entry is a map of label: value");
            continue;
          }
          if (set.size() > kMaxLabelsPerMetric) {
            error(set, "an init entry has at most " + std::to_string(kMaxLabelsPerMetric) + " labels");
            continue;
          }
          LabelSet labels;
          for (const auto& kv : set) labels.push_back({scalar(kv.first, "label name"), scalar(kv.second, "label value")});
          spec.init.push_back({pos(set), std::move(labels)});
        }
      }
    }
    if (const auto l = m["labels"]) {
      if (l.IsMap() && l.size() > kMaxLabelsPerMetric)
        error(l, "a metric has at most " + std::to_string(kMaxLabelsPerMetric) + " labels, not " +
                     std::to_string(l.size()));
      else
        spec.labels = template_map(l, "label");
    }
    const auto value = m["value"], set = m["set"], add = m["add"];
    switch (spec.kind) {
      case MetricKind::counter:
        if (set || add) error(set ? set : add, "a counter takes 'value', not set/add");
        break;
      case MetricKind::gauge:
        if (value) error(value, "a gauge takes 'set' or 'add', not 'value'");
        if (static_cast<bool>(set) == static_cast<bool>(add))
          error(m, "a gauge needs exactly one of 'set' or 'add'");
        break;
      case MetricKind::histogram:
        if (set || add) error(set ? set : add, "a histogram takes 'value', not set/add");
        if (!value) error(m, "a histogram needs 'value' (the number to observe)");
        break;
    }
    const YAML::Node v = value ? value : set ? set : add;
    if (v) {
      spec.has_value = true;
      spec.value = {scalar(v, "value"), pos(v)};
      spec.gauge_op = set ? GaugeOp::set : add ? GaugeOp::add : GaugeOp::none;
    }
    // Logs write durations in their own units (HAProxy's in ms, Postfix's and nginx's in s);
    // Prometheus wants base units, so the rule converts rather than the dashboard.
    if (const auto sc = m["scale"]) {
      double d = 0;
      if (!sc.IsScalar() || !YAML::convert<double>::decode(sc, d) || !std::isfinite(d) || d <= 0)
        error(sc, "scale must be a number > 0 that the value is multiplied by, e.g. 0.001 for milliseconds "
                  "to seconds");
      else if (!v)
        error(sc, "scale multiplies a metric's value: give 'value' (or a gauge's set/add) too");
      else
        spec.scale = d;
    }
    if (const auto b = m["buckets"]) {
      if (spec.kind != MetricKind::histogram) error(b, "only a histogram has buckets");
      if (!b.IsSequence() || b.size() == 0) {
        error(b, "buckets must be a non-empty list of numbers");
      } else if (b.size() > kMaxBucketsPerHistogram) {
        // Each bucket is one more sample of every series in every scrape.
        error(b, "a histogram has at most " + std::to_string(kMaxBucketsPerHistogram) + " buckets, not " +
                     std::to_string(b.size()));
      } else {
        for (const auto& x : b) {
          double d = 0;
          if (!x.IsScalar() || !YAML::convert<double>::decode(x, d)) {
            error(x, "bucket bound '" + (x.IsScalar() ? excerpt(x.Scalar()) : std::string("?")) +
                         "' is not a number");
            continue;
          }
          if (!spec.buckets.empty() && d <= spec.buckets.back())
            error(x, "bucket bounds must increase");
          spec.buckets.push_back(d);
        }
      }
    }
    return spec;
  }

  // A map, or a list of maps (a rule may recall from several tables).
  template <class F>
  void for_each_map(const YAML::Node& n, std::string_view what, F f) {
    if (n.IsMap()) {
      f(n);
    } else if (n.IsSequence()) {
      for (const auto& item : n) {
        if (item.IsMap()) f(item);
        else error(item, std::string(what) + " entries are maps such as {" + example(what) + "}");
      }
    } else {
      error(n, std::string(what) + " must be a map such as {" + example(what) + "}, or a list of them");
    }
  }

  static std::string example(std::string_view what) {
    if (what == "remember") return "in: queue, key: '${qid}', for: 2h";
    if (what == "recall") return "from: queue, key: '${qid}'";
    return "from: queue, key: '${qid}'";
  }

  std::string table_name(const YAML::Node& n) {
    const std::string t = scalar(n, "table");
    const bool ok = !t.empty() && (t[0] == '_' || (t[0] >= 'a' && t[0] <= 'z')) &&
                    std::all_of(t.begin(), t.end(), [](char c) {
                      return c == '_' || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
                    });
    if (!ok) error(n, "table name '" + excerpt(t) + "' must match [a-z_][a-z0-9_]*");
    else if (t == "line") error(n, "'line' is reserved (${line.time} is the line's own time); name the table otherwise");
    return t;
  }

  RecallSpec parse_recall(const YAML::Node& n, std::string_view what) {
    RecallSpec spec;
    spec.pos = pos(n);
    const bool recall = what == "recall";
    if (recall) check_keys(n, {"from", "key", "forget"}, "recall");
    else check_keys(n, {"from", "key"}, "forget");
    if (const auto f = n["from"]) spec.table = table_name(f);
    else error(n, std::string(what) + " needs 'from' (the table to read)");
    if (const auto k = n["key"]) spec.key = {scalar(k, "key"), pos(k)};
    else error(n, std::string(what) + " needs 'key' (a template such as '${host}/${qid}')");
    if (const auto f = n["forget"]; recall && f) spec.forget = boolean(f, "forget");
    return spec;
  }

  RememberSpec parse_remember(const YAML::Node& n) {
    RememberSpec spec;
    spec.pos = pos(n);
    check_keys(n, {"in", "key", "for"}, "remember");
    if (const auto t = n["in"]) spec.table = table_name(t);
    else error(n, "remember needs 'in' (the table to write)");
    if (const auto k = n["key"]) spec.key = {scalar(k, "key"), pos(k)};
    else error(n, "remember needs 'key' (a template such as '${host}/${qid}')");
    if (const auto f = n["for"]) {
      const std::string text = scalar(f, "for");
      if (!parse_duration(text, spec.lifetime))
        error(f, "for must be a duration such as 30s, 15m, 2h or 1d, not '" + excerpt(text) + "'");
    }
    return spec;
  }

  TimeSpec parse_time(const YAML::Node& t, InputFormat format) {
    TimeSpec spec;
    spec.pos = pos(t);
    if (!t.IsMap()) {
      error(t, "time must be a map such as {field: logtime, layout: rfc3339}");
      return spec;
    }
    check_keys(t, {"field", "layout"}, "time");
    if (format == InputFormat::syslog)
      error(t, "a syslog file takes each line's time from its header; 'time' is for raw files");
    if (const auto f = t["field"]) spec.field = scalar(f, "field");
    else error(t, "time needs 'field' (the capture that holds the time)");
    if (const auto l = t["layout"]) {
      spec.layout = scalar(l, "layout");
      spec.layout_pos = pos(l);
    } else {
      error(t, "time needs 'layout' (rfc3339, unix, unix_ms, or such as '%d/%b/%Y:%H:%M:%S %z')");
    }
    return spec;
  }

  RuleTestSpec parse_test(const YAML::Node& t) {
    RuleTestSpec spec;
    spec.pos = pos(t);
    if (!t.IsMap()) {
      error(t, "a test is a map {line: ..., expect: ...}");
      return spec;
    }
    check_keys(t, {"line", "expect"}, "test");
    if (const auto l = t["line"]) spec.line = scalar(l, "line");
    else error(t, "test has no 'line'");
    const auto e = t["expect"];
    if (!e) {
      error(t, "test has no 'expect' (a map of fields, or 'no match')");
    } else if (e.IsScalar()) {
      if (e.Scalar() == "no match") spec.expect_no_match = true;
      else error(e, "expect must be a map of fields or 'no match', not '" + excerpt(e.Scalar()) + "'");
    } else if (e.IsMap()) {
      for (const auto& kv : e)
        spec.expect.push_back({scalar(kv.first, "expect key"), scalar(kv.second, "expected value")});
    } else {
      error(e, "expect must be a map of fields or 'no match'");
    }
    return spec;
  }

  RuleErrors& errors_;
};

// Built field by field: GCC 12 at -O3 warns (wrongly) about brace-initialised temporaries here.
RuleError file_error(const std::string& file, std::string message) {
  RuleError e;
  e.pos.file = file;
  e.message = std::move(message);
  return e;
}

bool is_rule_file(const std::filesystem::path& p) {
  const auto ext = p.extension();
  return ext == ".yml" || ext == ".yaml";
}

}  // namespace

bool parse_duration(std::string_view text, double& seconds) {
  if (text.empty()) return false;
  double v = 0;
  const auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || !std::isfinite(v) || v < 0) return false;
  const std::string_view unit(p, static_cast<std::size_t>(text.data() + text.size() - p));
  double scale = 0;
  if (unit.empty() || unit == "s") scale = 1;
  else if (unit == "m") scale = 60;
  else if (unit == "h") scale = 3600;
  else if (unit == "d") scale = 86400;
  else return false;
  seconds = v * scale;
  return std::isfinite(seconds);
}

RuleFileSpec parse_rule_file(const std::string& file, std::string_view text, RuleErrors& errors) {
  return Parser(file, errors).parse(text);
}

std::vector<std::filesystem::path> expand_rule_paths(const std::vector<std::string>& paths,
                                                     RuleErrors& errors) {
  namespace fs = std::filesystem;
  std::vector<fs::path> files;
  for (const auto& p : paths) {
    std::error_code ec;
    const auto status = fs::status(p, ec);
    if (ec || !fs::exists(status)) {
      errors.push_back(file_error(p, "no such file or directory"));
    } else if (fs::is_directory(status)) {
      std::vector<fs::path> in_dir;
      for (const auto& entry : fs::directory_iterator(p, ec))
        if (is_rule_file(entry.path()) && entry.is_regular_file(ec)) in_dir.push_back(entry.path());
      if (ec) errors.push_back(file_error(p, "cannot list directory: " + ec.message()));
      std::sort(in_dir.begin(), in_dir.end());
      files.insert(files.end(), in_dir.begin(), in_dir.end());
    } else {
      files.emplace_back(p);
    }
  }
  return files;
}

std::vector<RuleFileSpec> load_rule_files(const std::vector<std::string>& paths, RuleErrors& errors) {
  std::vector<RuleFileSpec> out;
  for (const auto& file : expand_rule_paths(paths, errors)) {
    std::ifstream in(file, std::ios::binary);
    if (!in) {
      errors.push_back(file_error(file.string(), "cannot read file"));
      continue;
    }
    std::ostringstream text;
    text << in.rdbuf();
    out.push_back(parse_rule_file(file.string(), text.str(), errors));
  }
  return out;
}

}  // namespace tapemeasure::rules
