#include "rules/rule_set.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "rules/metric_value.hpp"
#include "util/utf8.hpp"

namespace tapemeasure::rules {
namespace {

constexpr std::int64_t kRegexMaxMem = 16 << 20;  // per rule; RE2's default is 8 MiB
constexpr std::int64_t kSetMaxMem = 64 << 20;    // the Set's DFA cache for all rules
constexpr std::string_view kSyslogFields[] = {"host", "program", "pid"};
// Prometheus' client default buckets, for histograms that declare none.
const std::vector<double> kDefaultBuckets = {.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10};

bool is_rule_name(std::string_view s) {
  if (s.empty() || !(s[0] == '_' || (s[0] >= 'a' && s[0] <= 'z'))) return false;
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return c == '_' || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); });
}

bool is_metric_name(std::string_view s) {
  const auto ok = [](char c, bool first) {
    return c == '_' || c == ':' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (!first && c >= '0' && c <= '9');
  };
  if (s.empty() || !ok(s[0], true)) return false;
  return std::all_of(s.begin() + 1, s.end(), [&](char c) { return ok(c, false); });
}

bool is_label_name(std::string_view s) {
  return is_metric_name(s) && s.find(':') == std::string_view::npos && !s.starts_with("__");
}

std::string clean_help(std::string_view help) {
  // prometheus-cpp writes HELP as given; a backslash or newline would break the exposition.
  std::string out = util::clean_utf8(help);
  for (char& c : out) {
    if (c == '\n' || c == '\r') c = ' ';
    else if (c == '\\') c = '/';
  }
  return out;
}

RE2::Options regex_options(std::int64_t max_mem) {
  RE2::Options o;
  o.set_log_errors(false);
  o.set_max_mem(max_mem);
  return o;
}

std::string describe(const SourcePos& p) { return p.file + ":" + std::to_string(p.line); }

class Compiler {
 public:
  explicit Compiler(RuleErrors& errors) : errors_(errors) {}

  bool compile_rule(const RuleSpec& spec, CompiledRule& out) {
    const std::size_t errors_before = errors_.size();
    const auto fail = [&](const SourcePos& pos, std::string msg) {
      errors_.push_back({pos, spec.name, std::move(msg)});
    };
    out.name = spec.name;
    out.pos = spec.pos;
    out.format = spec.format;
    out.continue_matching = spec.continue_matching;
    out.event_enabled = spec.event_enabled;
    out.tests = spec.tests;

    if (!is_rule_name(spec.name))
      fail(spec.pos, "rule name '" + spec.name + "' must match [a-z_][a-z0-9_]*");
    if (auto [it, fresh] = names_.emplace(spec.name, spec.pos); !fresh)
      fail(spec.pos, "duplicate rule name (first defined at " + describe(it->second) + ")");

    auto re = std::make_unique<RE2>(spec.match, regex_options(kRegexMaxMem));
    if (!re->ok()) {
      fail(spec.match_pos, "invalid RE2 pattern: " + re->error());
      return false;
    }
    // Fields: named groups in group order, then the syslog header's.
    std::map<int, std::string> by_group;
    for (const auto& [name, group] : re->NamedCapturingGroups()) by_group[group] = name;
    for (const auto& [group, name] : by_group) {
      if (spec.format == InputFormat::syslog &&
          std::find(std::begin(kSyslogFields), std::end(kSyslogFields), name) != std::end(kSyslogFields))
        fail(spec.match_pos, "capture (?P<" + name + ">) clashes with the syslog field of that name");
      if (name == "ts" || name == "rule")
        fail(spec.match_pos, "capture (?P<" + name + ">) clashes with the event's own '" + name + "'");
      out.fields.add(name);
      out.field_group.push_back(group);
    }
    if (spec.format == InputFormat::syslog)
      for (auto f : kSyslogFields) out.fields.add(std::string(f));
    out.submatches_all = re->NumberOfCapturingGroups() + 1;
    out.re = std::move(re);

    int max_metric_field = -1;
    const auto compile_template = [&](const TemplateSpec& t, Template& tpl, int* max_field) {
      if (auto err = tpl.compile(t.text, out.fields); !err.empty()) {
        fail(t.pos, err);
        return false;
      }
      if (max_field) *max_field = std::max(*max_field, tpl.max_field());
      return true;
    };

    for (const auto& [field, t] : spec.event_fields) {
      if (field == "ts" || field == "rule")
        fail(t.pos, "event field '" + field + "' is set by tapemeasure itself");
      Template tpl;
      compile_template(t, tpl, nullptr);
      if (field == "type") out.type_field = static_cast<int>(out.event_fields.size());
      out.event_fields.emplace_back(field, std::move(tpl));
    }

    for (const auto& m : spec.metrics) {
      CompiledMetric cm;
      cm.schema = declare_metric(spec, m);
      cm.has_value = m.has_value;
      cm.gauge_op = m.gauge_op;
      cm.scale = m.scale;
      if (m.has_value) {
        const bool ok = compile_template(m.value, cm.value, &max_metric_field);
        if (ok && cm.value.max_field() < 0) {  // a literal: check it once, here
          double d = 0;
          const auto& s = m.value.text;
          if (!parse_metric_value(s, d))
            fail(m.value.pos, "value '" + s + "' is not a number");
          else if (!std::isfinite(d * m.scale))
            fail(m.value.pos, "value " + s + " times the scale is beyond a double's range");
          else if (m.kind == MetricKind::counter && d < 0)
            fail(m.value.pos, "a counter cannot go down (value " + s + ")");
        }
      }
      if (cm.schema >= 0) {
        // Labels in schema order, so every rule fills the same series key layout.
        for (const auto& label : metrics_[cm.schema].label_names) {
          Template tpl;
          for (const auto& [name, t] : m.labels)
            if (name == label) compile_template(t, tpl, &max_metric_field);
          cm.labels.push_back(std::move(tpl));
        }
      }
      out.metrics.push_back(std::move(cm));
    }
    // Captures the metrics need: up to the highest group any metric template reads.
    out.submatches_metrics = 1;
    for (int f = 0; f <= max_metric_field && f < static_cast<int>(out.field_group.size()); ++f)
      out.submatches_metrics = std::max(out.submatches_metrics, out.field_group[f] + 1);
    return errors_.size() == errors_before;
  }

  std::vector<MetricSchema> take_metrics() { return std::move(metrics_); }

 private:
  // Returns the schema index, merging with an earlier declaration of the same name.
  int declare_metric(const RuleSpec& rule, const MetricSpec& m) {
    const auto fail = [&](const SourcePos& pos, std::string msg) {
      errors_.push_back({pos, rule.name, std::move(msg)});
    };
    if (!is_metric_name(m.name)) {
      fail(m.pos, "metric name '" + m.name + "' must match [a-zA-Z_:][a-zA-Z0-9_:]*");
      return -1;
    }
    if (m.name.starts_with("tapemeasure_")) {
      fail(m.pos, "metric names starting with tapemeasure_ are reserved for the daemon's own");
      return -1;
    }
    MetricSchema schema;
    schema.name = m.name;
    schema.kind = m.kind;
    schema.help = clean_help(m.help.empty() ? "Declared by rule " + rule.name + "." : m.help);
    std::set<std::string> seen;
    for (const auto& [label, t] : m.labels) {
      if (!is_label_name(label)) fail(t.pos, "label name '" + label + "' must match [a-zA-Z_][a-zA-Z0-9_]* and not start with __");
      if (!seen.insert(label).second) fail(t.pos, "label '" + label + "' given twice");
      // The exposition adds `le` to every bucket sample; a second one makes the scrape invalid.
      if (m.kind == MetricKind::histogram && label == "le")
        fail(t.pos, "a histogram cannot have a label named 'le' (Prometheus sets it on each bucket)");
      schema.label_names.push_back(label);
    }
    if (m.kind == MetricKind::histogram) schema.buckets = m.buckets.empty() ? kDefaultBuckets : m.buckets;

    for (std::size_t i = 0; i < metrics_.size(); ++i) {
      auto& prev = metrics_[i];
      if (prev.name != m.name) continue;
      const std::string where = " (first declared at " + describe(metric_pos_[i]) + ")";
      if (prev.kind != schema.kind) {
        fail(m.pos, "metric " + m.name + " declared as " + to_string(schema.kind) +
                        " here but as " + to_string(prev.kind) + where);
        return -1;
      }
      if (std::set(prev.label_names.begin(), prev.label_names.end()) != seen) {
        fail(m.pos, "metric " + m.name + " declared with different label names" + where);
        return -1;
      }
      if (prev.buckets != schema.buckets) {
        fail(m.pos, "histogram " + m.name + " declared with different buckets" + where);
        return -1;
      }
      if (!m.help.empty() && prev.help.starts_with("Declared by rule ")) prev.help = schema.help;
      return static_cast<int>(i);
    }
    metrics_.push_back(std::move(schema));
    metric_pos_.push_back(m.pos);
    return static_cast<int>(metrics_.size() - 1);
  }

  RuleErrors& errors_;
  std::map<std::string, SourcePos> names_;
  std::vector<MetricSchema> metrics_;
  std::vector<SourcePos> metric_pos_;  // first declaration of each metric
};

}  // namespace

bool anchored_at_start(std::string_view p) {
  if (p.empty() || p[0] != '^') return false;
  int depth = 0;
  bool in_class = false;
  for (std::size_t i = 1; i < p.size(); ++i) {
    const char c = p[i];
    if (c == '\\') {
      ++i;
      continue;
    }
    if (in_class) {
      if (c == ']') in_class = false;
      continue;
    }
    if (c == '[') {
      in_class = true;
      if (i + 1 < p.size() && p[i + 1] == ']') ++i;  // "[]...]" starts with a literal ']'
    } else if (c == '(') {
      ++depth;
    } else if (c == ')') {
      --depth;
    } else if (c == '|' && depth == 0) {
      return false;
    }
  }
  return true;
}

std::shared_ptr<const RuleSet> RuleSet::compile(const std::vector<RuleFileSpec>& files,
                                                RuleErrors& errors) {
  auto set = std::shared_ptr<RuleSet>(new RuleSet());
  const std::size_t errors_before = errors.size();
  Compiler compiler(errors);
  for (const auto& file : files) {
    set->files_.push_back(file.file);
    for (const auto& spec : file.rules) {
      CompiledRule rule;
      if (compiler.compile_rule(spec, rule)) set->rules_.push_back(std::move(rule));
    }
  }
  set->metrics_ = compiler.take_metrics();
  if (errors.size() != errors_before) return nullptr;

  if (!set->build_sets(errors, files.empty() ? std::string() : files.front().file)) return nullptr;
  return set;
}

bool RuleSet::build_sets(RuleErrors& errors, const std::string& file) {
  groups_.clear();
  for (std::size_t i = 0; i < rules_.size(); ++i) {
    const auto& rule = rules_[i];
    const bool anchored = anchored_at_start(rule.re->pattern());
    auto g = std::find_if(groups_.begin(), groups_.end(), [&](const SetGroup& sg) {
      return sg.format == rule.format && sg.anchored == anchored;
    });
    if (g == groups_.end()) {
      groups_.push_back({rule.format, anchored,
                         std::make_unique<RE2::Set>(regex_options(kSetMaxMem),
                                                    anchored ? RE2::ANCHOR_START : RE2::UNANCHORED),
                         {}});
      g = groups_.end() - 1;
    }
    std::string err;
    if (g->set->Add(rule.re->pattern(), &err) < 0) {
      errors.push_back({rule.pos, rule.name, "invalid RE2 pattern: " + err});
      return false;
    }
    g->rule_of.push_back(static_cast<int>(i));
    any_syslog_ |= rule.format == InputFormat::syslog;
    max_fields_ = std::max(max_fields_, rule.fields.size());
    max_submatches_ = std::max(max_submatches_, rule.submatches_all);
  }
  for (auto& g : groups_) {
    if (!g.set->Compile()) {
      RuleError e;
      e.pos.file = file;
      e.message = "the rules together exceed RE2's memory budget; split or simplify patterns";
      errors.push_back(std::move(e));
      return false;
    }
  }
  return true;
}

std::shared_ptr<const RuleSet> RuleSet::clone_for_thread() const {
  auto copy = std::shared_ptr<RuleSet>(new RuleSet());
  copy->rules_ = rules_;
  for (auto& rule : copy->rules_) rule.re = std::make_shared<const RE2>(rule.re->pattern(), rule.re->options());
  copy->metrics_ = metrics_;
  copy->files_ = files_;
  RuleErrors errors;
  // The same patterns compiled before: this cannot fail, but if it did, sharing is correct.
  if (!copy->build_sets(errors, {})) return shared_from_this();
  return copy;
}

int RuleSet::match(std::string_view line, MatchScratch& s, bool all_fields,
                   const std::function<void(const RuleMatch&)>& on_match) const {
  // RE2 works in UTF-8: an invalid byte (a Latin-1 name in an address, say) would stop
  // `.` and `[^>]` from matching and silently lose the line. Match a cleaned copy instead;
  // captures then hold U+FFFD where the bad bytes were, as events and labels would anyway.
  if (!util::is_clean_utf8(line)) {
    s.cleaned.clear();
    util::append_clean_utf8(s.cleaned, line);
    line = s.cleaned;
  }
  const SyslogHeader header = any_syslog_ ? parse_syslog_header(line) : SyslogHeader{};
  const auto text_for = [&](InputFormat f) { return f == InputFormat::syslog ? header.body : line; };

  s.candidates.clear();
  for (const auto& g : groups_) {
    const std::string_view text = text_for(g.format);
    RE2::Set::ErrorInfo info{};
    if (g.set->Match(re2::StringPiece(text.data(), text.size()), &s.hits, &info)) {
      for (int h : s.hits) s.candidates.push_back(g.rule_of[h]);
    } else if (info.kind != RE2::Set::kNoError) {
      // The Set's DFA ran out of memory on this line: try every rule of the group instead
      // (slower, same answer). Never lose the line.
      s.candidates.insert(s.candidates.end(), g.rule_of.begin(), g.rule_of.end());
    }
  }
  if (s.candidates.empty()) return 0;
  // RE2::Set reports hits in no particular order; rules run in file order.
  std::sort(s.candidates.begin(), s.candidates.end());

  s.submatches.resize(max_submatches_);
  s.fields.resize(max_fields_);
  int matched = 0;
  for (int index : s.candidates) {
    const CompiledRule& rule = rules_[index];
    const std::string_view text = text_for(rule.format);
    const int n = all_fields ? rule.submatches_all : rule.submatches_metrics;
    if (!rule.re->Match(re2::StringPiece(text.data(), text.size()), 0, text.size(),
                        RE2::UNANCHORED, s.submatches.data(), n))
      continue;
    const std::size_t ncap = rule.field_group.size();
    for (std::size_t f = 0; f < ncap; ++f) {
      const int g = rule.field_group[f];
      const auto& sp = s.submatches[g];
      s.fields[f] = g < n && sp.data() != nullptr ? std::string_view(sp.data(), sp.size())
                                                   : std::string_view();
    }
    if (rule.format == InputFormat::syslog) {
      s.fields[ncap] = header.host;
      s.fields[ncap + 1] = header.program;
      s.fields[ncap + 2] = header.pid;
    }
    ++matched;
    on_match(RuleMatch{index, rule, std::span<const std::string_view>(s.fields.data(), rule.fields.size())});
    if (!rule.continue_matching) break;
  }
  return matched;
}

}  // namespace tapemeasure::rules
