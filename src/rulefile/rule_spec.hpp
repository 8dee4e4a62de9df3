#pragma once
// A rule file as written, before compilation: plain data with the source line of every
// piece, so that compile errors can point at the exact line. Produced by rule_file_parser,
// consumed by RuleSet::compile.
#include <cstddef>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "metrics/metric_schema.hpp"
#include "rulefile/rule_error.hpp"
#include "rulefile/view_spec.hpp"

namespace tapemeasure::rules {

// What a rule's `match` runs on.
enum class InputFormat {
  raw,     // the whole line
  syslog,  // the line from the syslog tag on; host/program/pid become fields
};

using metrics::MetricKind;
enum class GaugeOp { none, set, add };

struct TemplateSpec {
  std::string text;
  SourcePos pos;
};

using LabelSet = std::vector<std::pair<std::string, std::string>>;  // label name -> value

// What one metric may declare (docs/rules.md, "Limits"). Each bounds what a file that looks
// legitimate can make the daemon hold or serve: labels per series (Grafana Mimir's default
// max_label_names_per_series is 30 too), series made at start (init:), and samples per
// histogram series in every scrape (a bucket is one sample; Prometheus' defaults are 11).
inline constexpr std::size_t kMaxLabelsPerMetric = 30;
inline constexpr std::size_t kMaxInitLabelSets = 1000;
inline constexpr std::size_t kMaxBucketsPerHistogram = 100;

struct MetricSpec {
  MetricKind kind = MetricKind::counter;
  std::string name;
  SourcePos pos;
  std::string help;
  std::vector<std::pair<std::string, TemplateSpec>> labels;  // label name -> template
  bool has_value = false;  // counter: `value` (default 1); histogram: `value`; gauge: set/add
  TemplateSpec value;      // an arithmetic expression (see rules/expression.hpp)
  std::optional<TemplateSpec> when;  // the metric is applied only when this holds
  std::vector<std::pair<SourcePos, LabelSet>> init;  // label sets shown at 0 from the start
  GaugeOp gauge_op = GaugeOp::none;
  double scale = 1;  // the value is multiplied by this (`scale:`, e.g. 0.001: ms to seconds)
  std::vector<double> buckets;  // histogram only; empty means Prometheus' defaults
};

struct RuleTestSpec {
  SourcePos pos;
  std::string line;
  bool expect_no_match = false;
  std::vector<std::pair<std::string, std::string>> expect;  // field -> value
};

// time: {field: NAME, layout: LAYOUT}: where a raw file's lines carry their own time.
struct TimeSpec {
  SourcePos pos;
  std::string field;
  std::string layout;
  SourcePos layout_pos;
};

// remember: {in: TABLE, key: TEMPLATE, for: DURATION}
struct RememberSpec {
  SourcePos pos;
  std::string table;
  TemplateSpec key;
  double lifetime = 3600;  // seconds of log time
};

// recall: {from: TABLE, key: TEMPLATE, forget: BOOL}, and a rule's forget: {from, key}
struct RecallSpec {
  SourcePos pos;
  std::string table;
  TemplateSpec key;
  bool forget = false;
};

struct RuleSpec {
  std::string name;
  SourcePos pos;
  InputFormat format = InputFormat::raw;
  std::optional<TimeSpec> time;  // the file's, copied to each rule
  std::string match;
  SourcePos match_pos;
  bool continue_matching = false;
  bool event_enabled = true;
  std::optional<TemplateSpec> when;  // false: as if the rule had not matched
  std::vector<RecallSpec> recalls;
  std::vector<RecallSpec> forgets;   // forget without recalling
  std::vector<RememberSpec> remembers;
  std::vector<std::pair<std::string, TemplateSpec>> event_fields;
  std::vector<MetricSpec> metrics;
  std::vector<RuleTestSpec> tests;
};

struct RuleFileSpec {
  std::string file;
  InputFormat format = InputFormat::raw;
  std::optional<TimeSpec> time;
  std::vector<RuleSpec> rules;
  std::optional<ViewSpec> view;  // absent: the file gets a default view
};

}  // namespace tapemeasure::rules
