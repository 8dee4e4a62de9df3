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

#include "rules/rule_error.hpp"
#include "rules/rule_spec.hpp"
#include "rules/syslog_header.hpp"
#include "rules/template.hpp"

namespace tapemeasure::rules {

using metrics::MetricSchema;

struct CompiledMetric {
  int schema = -1;               // index into RuleSet::metrics()
  std::vector<Template> labels;  // one per schema label name, in schema order
  bool has_value = false;        // else a counter adds 1
  Template value;
  GaugeOp gauge_op = GaugeOp::none;
  double scale = 1;  // the value is multiplied by this before it is applied
};

struct CompiledRule {
  std::string name;
  SourcePos pos;
  InputFormat format = InputFormat::raw;
  std::shared_ptr<const RE2> re;  // shared by copies of the rule; see RuleSet::clone_for_thread
  bool continue_matching = false;
  bool event_enabled = true;

  FieldNames fields;             // named capture groups, then host/program/pid (syslog)
  std::vector<int> field_group;  // capture group number of each capture field
  int submatches_all = 1;        // RE2 submatches to request to fill every field
  int submatches_metrics = 1;    // ... enough for the metric templates alone (cheaper)

  std::vector<std::pair<std::string, Template>> event_fields;
  int type_field = -1;  // index of the `type` event field, found once here, not per event
  std::vector<CompiledMetric> metrics;
  std::vector<RuleTestSpec> tests;
};

// A rule that matched one line. `fields` follow rule.fields; a field whose group did not
// take part has a null data() (so events can leave it out), and reads as empty.
struct RuleMatch {
  int index;
  const CompiledRule& rule;
  std::span<const std::string_view> fields;
};

// Per-thread buffers reused across lines, so matching does not allocate.
struct MatchScratch {
  std::vector<int> hits;
  std::vector<int> candidates;
  std::vector<re2::StringPiece> submatches;
  std::vector<std::string_view> fields;
  std::string cleaned;  // the line with invalid UTF-8 replaced, when it had any
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
  // With all_fields false, only the captures metric templates need are extracted.
  int match(std::string_view line, MatchScratch& scratch, bool all_fields,
            const std::function<void(const RuleMatch&)>& on_match) const;

  std::size_t size() const { return rules_.size(); }
  const CompiledRule& rule(std::size_t i) const { return rules_[i]; }
  const std::vector<CompiledRule>& rules() const { return rules_; }
  const std::vector<MetricSchema>& metrics() const { return metrics_; }
  const std::vector<std::string>& files() const { return files_; }

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
