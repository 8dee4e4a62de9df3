#pragma once
// Runs the `tests:` that rules carry in their files, against the whole compiled set (a
// line meant for one rule must not be taken by an earlier one). Run by `tapemeasure check`
// and before every reload: a file whose tests fail is not loaded.
#include "rulefile/rule_error.hpp"
#include "rules/rule_set.hpp"

namespace tapemeasure::rules {

struct RuleTestReport {
  int run = 0;
  RuleErrors failures;  // one per failed test, at the test's line
  // Tests that pass, but only thanks to or despite an earlier rule also taking the line
  // (`check` prints them and still exits 0).
  RuleErrors warnings;
  // The event type each passing test's line gave, where the rule's `type` is a template
  // (a literal one is checked against the view when the view is compiled): the loader
  // checks these against the rule's view, which this stage does not know.
  struct TemplatedType {
    SourcePos pos;  // the test's line
    std::string rule, type, source;  // source: the template, such as "${outcome}"
  };
  std::vector<TemplatedType> templated_types;
};

RuleTestReport run_rule_tests(const RuleSet& rules);

}  // namespace tapemeasure::rules
