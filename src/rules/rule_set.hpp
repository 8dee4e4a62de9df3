#pragma once
// The compiled, immutable form of all loaded rule files. Thread-safe for concurrent
// matching (each caller brings its own MatchScratch); shared as shared_ptr<const RuleSet>
// so a reload builds a new one and swaps it in while the old one finishes its line.
//
// Matching is two-phase: one RE2::Set pass per input kind picks the candidate rules, then
// only those run their own regex with captures, in file order, until one matches without
// `continue: true`.
#include <re2/re2.h>
#include <re2/set.h>

#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "rulefile/rule_error.hpp"
#include "rulefile/rule_spec.hpp"
#include "rules/expression.hpp"
#include "rules/log_time.hpp"
#include "rules/syslog_header.hpp"
#include "rules/template.hpp"

namespace tapemeasure::rules {

using metrics::MetricSchema;

struct CompiledMetric {
  int schema = -1;               // index into RuleSet::metrics()
  std::vector<Template> labels;  // one per schema label name, in schema order
  bool has_value = false;        // else a counter adds 1
  Expression value;
  GaugeOp gauge_op = GaugeOp::none;
  double scale = 1;  // the value is multiplied by this before it is applied
  bool has_when = false;
  Expression when;  // the metric is applied only when this holds
  // Bit r: the metric reads a field of the rule's recalls[r]. When that recall finds
  // nothing, the metric is not applied (an absent measurement, not a zero).
  std::uint32_t recalls_used = 0;
};

// recall: {from: TABLE, key: ...}: the entry's fields become ${TABLE.NAME} for the rule.
struct CompiledRecall {
  int table = -1;  // index into RuleSet::tables()
  std::string table_name;
  SourcePos pos;
  Template key;
  bool forget = false;  // remove the entry once the line is done
  std::vector<std::pair<std::string, int>> fields;  // recalled field name -> the rule's field index
  int elapsed_field = -1;  // ${TABLE.elapsed}: seconds from the remembered line to this one
};

// forget: {from: TABLE, key: ...}
struct CompiledForget {
  int table = -1;
  Template key;
};

// remember: {in: TABLE, key: ..., for: ...}
struct CompiledRemember {
  int table = -1;
  SourcePos pos;
  Template key;
  double lifetime = 3600;  // seconds of log time
  // What it stores: the fields later rules recall from this table (decided once every rule
  // is compiled). Each comes from an event field of that name, else a capture/syslog field.
  struct Stored {
    std::string name;
    int field = -1;        // index into the rule's fields, or
    int event_field = -1;  // index into event_fields
  };
  std::vector<Stored> stored;
};

// Where a rule's lines take their own time from (see rules/log_time.hpp).
enum class TimeSource { arrival, syslog_header, field };

struct CompiledRule {
  std::string name;
  SourcePos pos;
  InputFormat format = InputFormat::raw;
  std::shared_ptr<const RE2> re;  // shared by copies of the rule; see RuleSet::clone_for_thread
  bool continue_matching = false;
  bool event_enabled = true;

  // Named capture groups; then, for syslog rules, host, program, pid and the header's
  // timestamp (internal); then recalled fields and ${line.time}, added as templates name them.
  FieldNames fields;
  std::vector<int> field_group;  // capture group number of each capture field
  std::size_t match_fields = 0;  // fields matching fills (captures, syslog header); the rest are the runner's
  std::size_t event_auto_fields = 0;  // captures and host/program/pid: added to events as they are
  int submatches_all = 1;        // RE2 submatches to request to fill every field
  // Matching without all fields (no events wanted, or events filled on demand) uses `lean`:
  // the pattern with only the groups something other than the event's fields reads (see
  // lean_pattern.hpp), often one-pass where the whole one is not.
  // lean_group[f] is capture field f's group in it, or -1 where nothing but the event reads
  // the field. lean_submatches 0: nothing to capture, the RE2::Set's answer is the match.
  // lean_complete: it fills every capture field anyway (nothing to leave out).
  std::shared_ptr<const RE2> lean;
  std::vector<int> lean_group;
  int lean_submatches = 1;
  bool lean_complete = true;

  // Measuring across lines (all optional). A rule with any of them is `stateful`: the line
  // processor runs it through a RuleRunner, in line order.
  bool has_when = false;
  Expression when;  // false: as if the rule had not matched
  std::vector<CompiledRecall> recalls;
  std::vector<CompiledForget> forgets;
  std::vector<CompiledRemember> remembers;
  int line_time_field = -1;  // ${line.time}
  bool stateful = false;
  TimeSource time_source = TimeSource::arrival;
  int time_field = -1;  // the field holding the time text (syslog header or the file's time field)
  std::shared_ptr<const TimeLayout> time_layout;  // TimeSource::field

  std::vector<std::pair<std::string, Template>> event_fields;
  int type_field = -1;  // index of the `type` event field, found once here, not per event
  std::vector<CompiledMetric> metrics;
  std::vector<RuleTestSpec> tests;
};

// A table that rules remember into and recall from, and the fields recalled from it.
struct TableInfo {
  std::string name;
  std::vector<std::string> fields;  // what remembering rules store (recalled somewhere)
};

// A rule that matched one line. `fields` follow rule.fields; a field whose group did not
// take part has a null data() (so events can leave it out), and reads as empty.
// Matched without all fields, only what metrics, keys, `when:`, time and the event's type
// read is filled (`complete` false); RuleSet::with_all_fields fills the rest from `text`,
// the text the rule's pattern ran on, for an event a client actually takes.
struct RuleMatch {
  int index;
  const CompiledRule& rule;
  std::span<const std::string_view> fields;
  std::string_view text;
  bool complete = true;
};

// Per-thread buffers reused across lines, so matching does not allocate.
struct MatchScratch {
  std::vector<int> hits;
  std::vector<int> candidates;
  std::vector<re2::StringPiece> submatches;
  std::vector<std::string_view> fields;
  std::string cleaned;  // the line with invalid UTF-8 replaced, when it had any
};

// Buffers for with_all_fields, reused across events.
struct FillScratch {
  std::vector<re2::StringPiece> submatches;
  std::vector<std::string_view> fields;
};

class RuleSet : public std::enable_shared_from_this<RuleSet> {
 public:
  // Compiles the specs; on any error returns nullptr and appends to `errors`.
  static std::shared_ptr<const RuleSet> compile(const std::vector<RuleFileSpec>& files,
                                                RuleErrors& errors);

  // The same rules with their own RE2 objects, for another matching thread. RE2 guards each
  // regex's DFA cache with a lock; two threads matching with the same objects keep taking
  // that lock's cache line from each other (5-7% of each thread's time, measured). Rule
  // indices are the same, so matches found with the copy apply to this set.
  std::shared_ptr<const RuleSet> clone_for_thread() const;

  // Calls on_match for each rule that matches `line`, in rule order; returns how many.
  // Stops after the first rule without `continue: true` and without `when:` (whether a
  // `when:` holds is decided where lines are applied, in order: it may read remembered
  // fields). With all_fields false, captures that only the event's fields read are left out
  // (RuleMatch::complete false; see with_all_fields).
  int match(std::string_view line, MatchScratch& scratch, bool all_fields,
            const std::function<void(const RuleMatch&)>& on_match) const;

  // `m` with every field filled: the rule's whole pattern run again on m.text, for the
  // captures matching left out. Costs one capture pass, paid only for the events clients
  // take (at most --ws-max-rate a second each) instead of every line. The result's fields
  // live in `scratch` until its next use.
  static RuleMatch with_all_fields(const RuleMatch& m, FillScratch& scratch);

  std::size_t size() const { return rules_.size(); }
  const CompiledRule& rule(std::size_t i) const { return rules_[i]; }
  const std::vector<CompiledRule>& rules() const { return rules_; }
  const std::vector<MetricSchema>& metrics() const { return metrics_; }
  const std::vector<std::string>& files() const { return files_; }
  const std::vector<TableInfo>& tables() const { return tables_; }

 private:
  struct SetGroup {
    InputFormat format;
    bool anchored;  // every pattern starts with '^': the DFA can stop early
    std::unique_ptr<RE2::Set> set;
    std::vector<int> rule_of;  // set index -> rule index
  };

  // Groups rules_ into the RE2::Sets; false (and errors) if RE2 rejects them.
  bool build_sets(RuleErrors& errors, const std::string& file);

  std::vector<CompiledRule> rules_;
  std::vector<MetricSchema> metrics_;
  std::vector<TableInfo> tables_;
  std::vector<SetGroup> groups_;
  std::vector<std::string> files_;
  bool any_syslog_ = false;
  std::size_t max_fields_ = 0;
  int max_submatches_ = 1;
};

// True when the pattern can only match at the start of the text: it begins with '^' and
// has no top-level alternation.
bool anchored_at_start(std::string_view pattern);

}  // namespace tapemeasure::rules
