#pragma once
// Files on disk -> a compiled, tested RuleSet, or the reasons why not. The one entry point
// used by `check`, `test`, daemon start-up and every reload, so they all agree.
#include <memory>
#include <string>
#include <vector>

#include "rules/rule_error.hpp"
#include "rules/rule_set.hpp"
#include "rules/rule_tests.hpp"

namespace tapemeasure::rules {

struct LoadResult {
  std::shared_ptr<const RuleSet> rules;  // null when errors is not empty
  RuleErrors errors;                     // parse and compile errors
  RuleTestReport tests;                  // in-file test results (when rules compiled)
  std::size_t files = 0;

  bool compiled() const { return rules != nullptr; }
  bool ok() const { return rules != nullptr && tests.failures.empty(); }
  std::string error_text() const;  // every error and failed test, one per line
};

LoadResult load_rules(const std::vector<std::string>& paths);

}  // namespace tapemeasure::rules
