#include "rules/rule_compiler.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "rules/lean_pattern.hpp"
#include "rules/metric_value.hpp"
#include "util/utf8.hpp"

namespace tapemeasure::rules {
namespace {

constexpr std::int64_t kRegexMaxMem = 16 << 20;  // per rule; RE2's default is 8 MiB
constexpr std::string_view kSyslogFields[] = {"host", "program", "pid"};
// The syslog header's timestamp: a field matching fills, which no template can name.
constexpr std::string_view kHeaderTimeField = "\x01time";
constexpr std::string_view kLineTime = "line.time";
// Prometheus' client default buckets, for histograms that declare none.
const std::vector<double> kDefaultBuckets = {.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10};
// A metric's recalls_used is a bit mask.
constexpr std::size_t kMaxRecalls = 32;

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

std::string describe(const SourcePos& p) { return p.file + ":" + std::to_string(p.line); }

// The names a metric's samples take in the text exposition.
std::vector<std::string> exposition_names(const MetricSchema& m) {
  if (m.kind != MetricKind::histogram) return {m.name};
  return {m.name, m.name + "_bucket", m.name + "_sum", m.name + "_count"};
}

class Compiler {
 public:
  explicit Compiler(RuleErrors& errors) : errors_(errors) {}

  // The pattern and the fields matching fills: named groups in group order, then the syslog
  // header's; and where the rule's lines take their time from. False when RE2 refuses it.
  bool compile_pattern(const RuleSpec& spec, CompiledRule& out) {
    const auto fail = [&](const SourcePos& pos, std::string msg) {
      errors_.push_back({pos, spec.name, std::move(msg)});
    };
    auto re = std::make_unique<RE2>(spec.match, regex_options(kRegexMaxMem));
    if (!re->ok()) {
      fail(spec.match_pos, "invalid RE2 pattern: " + re->error());
      return false;
    }
    std::map<std::string, int> first_group;
    for (const auto& [group, name] : re->CapturingGroupNames()) {
      // RE2 accepts a name twice, but reports only one group for it: lines taking the other
      // branch would get an empty field, silently.
      if (auto [it, fresh] = first_group.emplace(name, group); !fresh) {
        fail(spec.match_pos, "capture name (?P<" + name + ">) is used twice in the pattern (groups " +
                                 std::to_string(it->second) + " and " + std::to_string(group) +
                                 "); give each group its own name");
        continue;
      }
      if (spec.format == InputFormat::syslog &&
          std::find(std::begin(kSyslogFields), std::end(kSyslogFields), name) != std::end(kSyslogFields))
        fail(spec.match_pos, "capture (?P<" + name + ">) clashes with the syslog field of that name");
      if (name == "ts" || name == "rule")
        fail(spec.match_pos, "capture (?P<" + name + ">) clashes with the event's own '" + name + "'");
      out.fields.add(name);
      out.field_group.push_back(group);
    }
    const std::size_t ncap = out.field_group.size();
    if (spec.format == InputFormat::syslog) {
      for (auto f : kSyslogFields) out.fields.add(std::string(f));
      out.event_auto_fields = out.fields.size();
      out.fields.add(std::string(kHeaderTimeField));
      out.time_source = TimeSource::syslog_header;
      out.time_field = static_cast<int>(ncap + 3);
    } else {
      out.event_auto_fields = out.fields.size();
      if (spec.time) {
        out.time_layout = layout_for(*spec.time);
        const int f = out.fields.index_of(spec.time->field);
        if (f >= 0 && out.time_layout) {  // else: arrival time (the rule does not capture it)
          out.time_source = TimeSource::field;
          out.time_field = f;
        }
      }
    }
    out.match_fields = out.fields.size();
    out.submatches_all = re->NumberOfCapturingGroups() + 1;
    out.re = std::move(re);
    return true;
  }

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

    if (!compile_pattern(spec, out)) return false;

    // Fields that everything but the event's fields reads (its type included): matching
    // without all fields extracts only these.
    std::set<int> needed;
    if (out.time_field >= 0) needed.insert(out.time_field);
    const auto compile_template = [&](const TemplateSpec& t, Template& tpl, bool for_metrics) {
      if (auto err = tpl.compile(t.text, out.fields); !err.empty()) {
        fail(t.pos, err);
        return false;
      }
      if (for_metrics) tpl.for_each_field([&](int f) { needed.insert(f); });
      return true;
    };
    const auto compile_expression = [&](const TemplateSpec& t, Expression& e, Expression::Want want) {
      if (auto err = e.compile(t.text, out.fields, want); !err.empty()) {
        fail(t.pos, err);
        return false;
      }
      needed.insert(e.fields_used().begin(), e.fields_used().end());
      return true;
    };

    // Recall keys read this line's own fields only; after them, templates may name recalled
    // fields (${queue.size}) and ${line.time}, which become fields of the rule as they are named.
    if (spec.recalls.size() > kMaxRecalls) fail(spec.recalls[kMaxRecalls].pos, "a rule recalls from at most 32 tables");
    for (const auto& r : spec.recalls) {
      CompiledRecall cr;
      cr.table_name = r.table;
      cr.pos = r.pos;
      cr.forget = r.forget;
      compile_template(r.key, cr.key, true);
      for (const auto& other : out.recalls)
        if (other.table_name == r.table) fail(r.pos, "table '" + r.table + "' is recalled twice by this rule");
      out.recalls.push_back(std::move(cr));
    }
    std::vector<int> recall_of_field;  // field index -> recall index, for fields added below
    out.fields.extend = [&](std::string_view name) -> int {
      if (name == kLineTime) {
        out.fields.add(std::string(name));
        out.line_time_field = static_cast<int>(out.fields.size() - 1);
        return out.line_time_field;
      }
      const auto dot = name.find('.');
      if (dot == std::string_view::npos) return -1;
      const std::string_view table = name.substr(0, dot), field = name.substr(dot + 1);
      for (std::size_t r = 0; r < out.recalls.size(); ++r) {
        auto& cr = out.recalls[r];
        if (cr.table_name != table || field.empty()) continue;
        out.fields.add(std::string(name));
        const int index = static_cast<int>(out.fields.size() - 1);
        if (field == "elapsed") cr.elapsed_field = index;
        else cr.fields.emplace_back(std::string(field), index);
        recall_of_field.resize(out.fields.size(), -1);
        recall_of_field[static_cast<std::size_t>(index)] = static_cast<int>(r);
        return index;
      }
      return -1;
    };
    const auto recalls_read = [&](const std::vector<int>& fields) {
      std::uint32_t mask = 0;
      for (int f : fields)
        if (f < static_cast<int>(recall_of_field.size()) && recall_of_field[static_cast<std::size_t>(f)] >= 0)
          mask |= std::uint32_t{1} << recall_of_field[static_cast<std::size_t>(f)];
      return mask;
    };

    if (spec.when && compile_expression(*spec.when, out.when, Expression::Want::condition)) out.has_when = true;

    for (const auto& [field, t] : spec.event_fields) {
      if (field == "ts" || field == "rule")
        fail(t.pos, "event field '" + field + "' is set by tapemeasure itself");
      Template tpl;
      // The type is read for every event offered, before a client takes it (the rest of
      // the event is filled only for events a client takes: see RuleSet::with_all_fields).
      compile_template(t, tpl, field == "type");
      if (field == "type") out.type_field = static_cast<int>(out.event_fields.size());
      out.event_fields.emplace_back(field, std::move(tpl));
    }

    for (const auto& m : spec.metrics) {
      CompiledMetric cm;
      cm.schema = declare_metric(spec, m);
      cm.has_value = m.has_value;
      cm.gauge_op = m.gauge_op;
      cm.scale = m.scale;
      std::vector<int> reads;
      if (m.has_value && compile_value(spec, m, out.fields, cm.value)) {
        reads = cm.value.fields_used();
        needed.insert(reads.begin(), reads.end());
      }
      if (m.when && compile_expression(*m.when, cm.when, Expression::Want::condition)) {
        cm.has_when = true;
        reads.insert(reads.end(), cm.when.fields_used().begin(), cm.when.fields_used().end());
      }
      if (cm.schema >= 0) {
        // Labels in schema order, so every rule fills the same series key layout.
        for (const auto& label : metrics_[static_cast<std::size_t>(cm.schema)].label_names) {
          Template tpl;
          for (const auto& [name, t] : m.labels)
            if (name == label) compile_template(t, tpl, true);
          tpl.for_each_field([&](int f) { reads.push_back(f); });
          cm.labels.push_back(std::move(tpl));
        }
        add_initial_series(spec, m, cm);
      }
      cm.recalls_used = recalls_read(reads);
      out.metrics.push_back(std::move(cm));
    }

    for (const auto& f : spec.forgets) {
      CompiledForget cf;
      compile_template(f.key, cf.key, true);
      forget_tables_.push_back({f.table, f.pos, spec.name});
      cf.table = table_index(f.table);
      out.forgets.push_back(std::move(cf));
    }
    for (const auto& r : spec.remembers) {
      CompiledRemember cr;
      cr.pos = r.pos;
      cr.lifetime = r.lifetime;
      compile_template(r.key, cr.key, true);
      cr.table = table_index(r.table);
      out.remembers.push_back(std::move(cr));
    }
    for (auto& cr : out.recalls) cr.table = table_index(cr.table_name);
    out.fields.extend = nullptr;  // it points at `out`, which is about to move

    out.stateful = out.has_when || !out.recalls.empty() || !out.forgets.empty() || !out.remembers.empty() ||
                   out.line_time_field >= 0;
    const bool ok = errors_.size() == errors_before;
    if (ok) needed_.push_back(std::move(needed));
    return ok;
  }

  // Once every rule is compiled: which tables exist, that every recall reads a table and
  // fields some rule remembers, what each remember stores, and the captures each rule needs.
  void link(std::vector<CompiledRule>& rules) {
    const auto fail = [&](const SourcePos& pos, const std::string& rule, std::string msg) {
      errors_.push_back({pos, rule, std::move(msg)});
    };
    for (const auto& rule : rules) {
      for (const auto& cr : rule.recalls) {
        if (!remembered(cr.table)) {
          fail(cr.pos, rule.name,
               "recall from table '" + cr.table_name + "', which no rule remembers into (" + remembered_tables() +
                   ")");
          continue;
        }
        for (const auto& [field, index] : cr.fields) {
          if (produces_somewhere(rules, cr.table, field)) {
            add_table_field(cr.table, field);
            continue;
          }
          fail(cr.pos, rule.name,
               "${" + cr.table_name + "." + field + "}: no rule that remembers into '" + cr.table_name +
                   "' has a field '" + field + "' (they have: " + producible(rules, cr.table) + ")");
        }
      }
    }
    for (const auto& [table, pos, rule] : forget_tables_)
      if (!remembered(table_index(table)))
        fail(pos, rule, "forget from table '" + table + "', which no rule remembers into (" + remembered_tables() + ")");

    for (std::size_t i = 0; i < rules.size(); ++i) {
      auto& rule = rules[i];
      std::set<int>& needed = needed_[i];
      for (auto& rem : rule.remembers) {
        for (const auto& name : tables_[static_cast<std::size_t>(rem.table)].fields) {
          CompiledRemember::Stored st;
          st.name = name;
          for (std::size_t e = 0; e < rule.event_fields.size(); ++e)
            if (rule.event_fields[e].first == name) st.event_field = static_cast<int>(e);
          if (st.event_field >= 0) {
            rule.event_fields[static_cast<std::size_t>(st.event_field)].second.for_each_field(
                [&](int f) { needed.insert(f); });
          } else {
            st.field = rule.fields.index_of(name);
            if (st.field < 0 || st.field >= static_cast<int>(rule.event_auto_fields)) continue;
            needed.insert(st.field);
          }
          rem.stored.push_back(std::move(st));
        }
      }
      make_lean(rule, needed);
    }
  }

  // The pattern matching uses without all fields (no event wanted, or events filled on
  // demand): only the groups `needed` reads capture (see lean_pattern.hpp).
  static void make_lean(CompiledRule& rule, const std::set<int>& needed) {
    const std::size_t ncap = rule.field_group.size();
    std::vector<bool> keep(static_cast<std::size_t>(rule.re->NumberOfCapturingGroups()) + 1, false);
    int kept = 0;
    for (int f : needed)
      if (f < static_cast<int>(ncap) && !keep[static_cast<std::size_t>(rule.field_group[static_cast<std::size_t>(f)])]) {
        keep[static_cast<std::size_t>(rule.field_group[static_cast<std::size_t>(f)])] = true;
        ++kept;
      }
    auto lean = std::make_shared<const RE2>(without_captures(rule.re->pattern(), keep), rule.re->options());
    rule.lean_group.assign(ncap, -1);
    rule.lean_submatches = 0;
    if (lean->ok() && lean->NumberOfCapturingGroups() == kept) {
      const auto& groups = lean->NamedCapturingGroups();
      for (std::size_t f = 0; f < ncap; ++f) {
        if (!keep[static_cast<std::size_t>(rule.field_group[f])]) continue;
        const auto it = groups.find(rule.fields.names()[f]);
        if (it == groups.end()) break;  // cannot happen; the check below falls back
        rule.lean_group[f] = it->second;
        rule.lean_submatches = std::max(rule.lean_submatches, it->second + 1);
      }
      const bool mapped = std::all_of(needed.begin(), needed.end(), [&](int f) {
        return f >= static_cast<int>(ncap) || rule.lean_group[static_cast<std::size_t>(f)] > 0;
      });
      if (mapped) {
        rule.lean = kept == rule.re->NumberOfCapturingGroups() ? rule.re : std::move(lean);
        rule.lean_complete = fills_every_field(rule);
        return;
      }
    }
    // The rewrite is not understood (it should always be): the whole pattern, up to the
    // highest group read, as before.
    rule.lean = rule.re;
    rule.lean_submatches = 1;
    for (std::size_t f = 0; f < ncap; ++f) {
      rule.lean_group[f] = rule.field_group[f];
      if (needed.count(static_cast<int>(f)))
        rule.lean_submatches = std::max(rule.lean_submatches, rule.field_group[f] + 1);
    }
    rule.lean_complete = fills_every_field(rule);
  }

  // Matching with `lean` fills every capture field anyway (unnamed groups need not capture).
  static bool fills_every_field(const CompiledRule& rule) {
    return std::all_of(rule.lean_group.begin(), rule.lean_group.end(),
                       [&](int g) { return g >= 0 && g < rule.lean_submatches; });
  }

  // Two metrics whose samples share a name (a histogram h and a counter h_count) would make
  // the whole scrape invalid.
  void check_exposition_names() {
    std::map<std::string, std::size_t> owner;
    for (std::size_t i = 0; i < metrics_.size(); ++i) {
      for (const auto& n : exposition_names(metrics_[i])) {
        auto [it, fresh] = owner.emplace(n, i);
        if (fresh || it->second == i) continue;
        const std::size_t a = std::min(it->second, i), b = std::max(it->second, i);
        errors_.push_back({metric_pos_[b], metric_rule_[b],
                           "metric " + metrics_[b].name + " (" + to_string(metrics_[b].kind) + ") and " +
                               metrics_[a].name + " (" + to_string(metrics_[a].kind) + ", declared at " +
                               describe(metric_pos_[a]) + ") both write samples named " + n +
                               "; rename one"});
      }
    }
  }

  // Called after compile_rule for each rule kept.
  void note_remembers(const CompiledRule& rule) {
    for (const auto& r : rule.remembers) remembered_.push_back(r.table);
  }

  std::vector<MetricSchema> take_metrics() { return std::move(metrics_); }
  std::vector<TableInfo> take_tables() { return std::move(tables_); }

 private:
  int table_index(const std::string& name) {
    for (std::size_t i = 0; i < tables_.size(); ++i)
      if (tables_[i].name == name) return static_cast<int>(i);
    tables_.push_back({name, {}});
    return static_cast<int>(tables_.size() - 1);
  }

  // "tables remembered into: a, b", or how to make one.
  std::string remembered_tables() const {
    std::set<std::string> names;
    for (int t : remembered_) names.insert(tables_[static_cast<std::size_t>(t)].name);
    if (names.empty()) return "no rule has remember: {in: TABLE, key: ...}";
    std::string out = "tables remembered into: ";
    bool first = true;
    for (const auto& n : names) out += (first ? "" : ", ") + n, first = false;
    return out;
  }

  bool remembered(int table) const {
    return std::find(remembered_.begin(), remembered_.end(), table) != remembered_.end();
  }

  void add_table_field(int table, const std::string& field) {
    auto& fields = tables_[static_cast<std::size_t>(table)].fields;
    if (std::find(fields.begin(), fields.end(), field) == fields.end()) fields.push_back(field);
  }

  static bool rule_produces(const CompiledRule& rule, const std::string& field) {
    for (const auto& [name, tpl] : rule.event_fields)
      if (name == field) return true;
    const int f = rule.fields.index_of(field);
    return f >= 0 && f < static_cast<int>(rule.event_auto_fields);
  }

  static bool remembers_into(const CompiledRule& rule, int table) {
    for (const auto& r : rule.remembers)
      if (r.table == table) return true;
    return false;
  }

  static bool produces_somewhere(const std::vector<CompiledRule>& rules, int table, const std::string& field) {
    for (const auto& rule : rules)
      if (remembers_into(rule, table) && rule_produces(rule, field)) return true;
    return false;
  }

  static std::string producible(const std::vector<CompiledRule>& rules, int table) {
    std::set<std::string> names;
    for (const auto& rule : rules) {
      if (!remembers_into(rule, table)) continue;
      for (std::size_t f = 0; f < rule.event_auto_fields; ++f) names.insert(rule.fields.names()[f]);
      for (const auto& [name, tpl] : rule.event_fields) names.insert(name);
    }
    std::string out;
    for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
    return out.empty() ? "none" : out;
  }

  std::shared_ptr<const TimeLayout> layout_for(const TimeSpec& t) {
    const auto key = t.layout_pos.file;
    if (auto it = layouts_.find(key); it != layouts_.end()) return it->second;
    auto layout = std::make_shared<TimeLayout>();
    if (auto err = layout->compile(t.layout); !err.empty()) {
      errors_.push_back({t.layout_pos, "", err});
      layout = nullptr;
    }
    layouts_[key] = layout;
    return layout;
  }

  // value/set/add: an arithmetic expression; a literal is checked once, here.
  bool compile_value(const RuleSpec& rule, const MetricSpec& m, const FieldNames& fields, Expression& value) {
    const auto fail = [&](std::string msg) { errors_.push_back({m.value.pos, rule.name, std::move(msg)}); };
    const std::string& s = m.value.text;
    const bool literal = s.find("${") == std::string::npos;
    if (auto err = value.compile(s, fields, Expression::Want::number); !err.empty()) {
      // A single word ('12kb', 'nan', '-inf') is a number that is not one; anything with an
      // operator in it was meant as an expression, and its own message says what is wrong.
      std::string_view word = s;
      if (!word.empty() && (word[0] == '-' || word[0] == '+')) word.remove_prefix(1);
      const bool single_word = word.find_first_of(" +-*/%()<>=!'\",") == std::string_view::npos;
      fail(literal && single_word ? "value '" + s + "' is not a number" : err);
      return false;
    }
    if (!value.constant()) return true;
    double d = 0;
    if (!value.number({}, d)) fail("value '" + s + "' is not a number");
    else if (!std::isfinite(d * m.scale)) fail("value " + s + " times the scale is beyond a double's range");
    else if (m.kind == MetricKind::counter && d < 0) fail("a counter cannot go down (value " + s + ")");
    else return true;
    return false;
  }

  // Series that exist from the start: a counter or gauge whose labels are all literal, and
  // every `init:` label set.
  void add_initial_series(const RuleSpec& rule, const MetricSpec& m, const CompiledMetric& cm) {
    auto& schema = metrics_[static_cast<std::size_t>(cm.schema)];
    const auto add = [&](std::vector<std::string> values) {
      if (std::find(schema.initial.begin(), schema.initial.end(), values) == schema.initial.end())
        schema.initial.push_back(std::move(values));
    };
    const bool literal = std::all_of(cm.labels.begin(), cm.labels.end(), [](const Template& t) { return t.max_field() < 0; });
    if (literal && m.kind != MetricKind::histogram) {
      std::vector<std::string> values;
      for (const auto& t : cm.labels) values.push_back(t.expand({}));
      add(std::move(values));
    }
    for (const auto& [pos, set] : m.init) {
      std::vector<std::string> values(schema.label_names.size());
      std::vector<bool> given(values.size(), false);
      bool ok = true;
      for (const auto& [label, value] : set) {
        const auto it = std::find(schema.label_names.begin(), schema.label_names.end(), label);
        if (it == schema.label_names.end()) {
          errors_.push_back({pos, rule.name, "init: label '" + label + "' is not a label of " + m.name});
          ok = false;
          continue;
        }
        const auto i = static_cast<std::size_t>(it - schema.label_names.begin());
        values[i] = value;
        given[i] = true;
      }
      for (std::size_t i = 0; i < given.size(); ++i)
        if (!given[i] && ok) {
          errors_.push_back({pos, rule.name, "init: label set gives no value for '" + schema.label_names[i] + "'"});
          ok = false;
        }
      if (ok) add(std::move(values));
    }
  }

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
    metric_rule_.push_back(rule.name);
    return static_cast<int>(metrics_.size() - 1);
  }

  RuleErrors& errors_;
  std::map<std::string, SourcePos> names_;
  std::vector<MetricSchema> metrics_;
  std::vector<SourcePos> metric_pos_;    // first declaration of each metric
  std::vector<std::string> metric_rule_;  // ... and its rule
  std::vector<TableInfo> tables_;
  std::vector<int> remembered_;  // tables some rule remembers into
  struct ForgetAt {
    std::string table;
    SourcePos pos;
    std::string rule;
  };
  std::vector<ForgetAt> forget_tables_;
  std::map<std::string, std::shared_ptr<const TimeLayout>> layouts_;  // per file
  std::vector<std::set<int>> needed_;  // per rule kept (compile_rule returned true)
};

}  // namespace

RE2::Options regex_options(std::int64_t max_mem) {
  RE2::Options o;
  o.set_log_errors(false);
  o.set_max_mem(max_mem);
  return o;
}

CompiledRules compile_rules(const std::vector<RuleFileSpec>& files, RuleErrors& errors) {
  CompiledRules out;
  Compiler compiler(errors);
  for (const auto& file : files) {
    for (const auto& spec : file.rules) {
      CompiledRule rule;
      if (compiler.compile_rule(spec, rule)) {
        compiler.note_remembers(rule);
        out.rules.push_back(std::move(rule));
      }
    }
  }
  compiler.link(out.rules);
  compiler.check_exposition_names();
  out.metrics = compiler.take_metrics();
  out.tables = compiler.take_tables();
  return out;
}

}  // namespace tapemeasure::rules
