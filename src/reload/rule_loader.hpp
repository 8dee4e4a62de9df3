#pragma once
// Files on disk -> a compiled, tested RuleSet and its views, or the reasons why not. The one
// entry point used by `check`, `test`, daemon start-up and every reload, so they all agree.
// It lives here, above rules/ and view/, because it composes both.
#include <memory>
#include <string>
#include <vector>

#include "rulefile/rule_error.hpp"
#include "rules/rule_set.hpp"
#include "rules/rule_tests.hpp"
#include "view/view.hpp"

namespace tapemeasure::reload {

struct LoadResult {
  std::shared_ptr<const rules::RuleSet> rules;  // null when the rules did not compile
  std::shared_ptr<const view::Views> views;     // null when the rules or a view did not compile
  rules::RuleErrors errors;                     // parse, compile and view errors
  rules::RuleTestReport tests;                  // in-file test results (when rules compiled)
  std::size_t files = 0;

  // The rules can match lines (`test` runs them even when a view or an in-file test fails).
  bool compiled() const { return rules != nullptr; }
  // Everything loads: what the daemon requires at start and on every reload.
  bool ok() const { return rules != nullptr && views != nullptr && tests.failures.empty(); }
  // Every error and failed test, one per line: at most rules::kMaxRuleErrors of each, and
  // a line counting the rest.
  std::string error_text() const;
};

LoadResult load_rules(const std::vector<std::string>& paths);

}  // namespace tapemeasure::reload
