#pragma once
// A rule file as written, before compilation: plain data with the source line of every
// piece, so that compile errors can point at the exact line. Produced by rule_file_parser,
// consumed by RuleSet::compile.
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "metrics/metric_schema.hpp"
#include "rules/rule_error.hpp"
#include "rules/view_spec.hpp"

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

struct MetricSpec {
  MetricKind kind = MetricKind::counter;
  std::string name;
  SourcePos pos;
  std::string help;
  std::vector<std::pair<std::string, TemplateSpec>> labels;  // label name -> template
  bool has_value = false;  // counter: `value` (default 1); histogram: `value`; gauge: set/add
  TemplateSpec value;
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

struct RuleSpec {
  std::string name;
  SourcePos pos;
  InputFormat format = InputFormat::raw;
  std::string match;
  SourcePos match_pos;
  bool continue_matching = false;
  bool event_enabled = true;
  std::vector<std::pair<std::string, TemplateSpec>> event_fields;
  std::vector<MetricSpec> metrics;
  std::vector<RuleTestSpec> tests;
};

struct RuleFileSpec {
  std::string file;
  InputFormat format = InputFormat::raw;
  std::vector<RuleSpec> rules;
  std::optional<ViewSpec> view;  // absent: the file gets a default view
};

}  // namespace tapemeasure::rules
