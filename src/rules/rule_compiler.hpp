#pragma once
// Rule specs (as parsed from the files) -> compiled rules, metric schemas and memory tables,
// with every problem reported at its file:line. Used by RuleSet::compile only.
#include <re2/re2.h>

#include <cstdint>
#include <vector>

#include "rules/rule_set.hpp"

namespace tapemeasure::rules {

struct CompiledRules {
  std::vector<CompiledRule> rules;
  std::vector<MetricSchema> metrics;
  std::vector<TableInfo> tables;
};

// Compiles every rule of `files` (rules that fail are left out, their errors appended).
CompiledRules compile_rules(const std::vector<RuleFileSpec>& files, RuleErrors& errors);

RE2::Options regex_options(std::int64_t max_mem);

}  // namespace tapemeasure::rules
