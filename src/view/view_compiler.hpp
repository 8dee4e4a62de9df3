#pragma once
// Rule files' `view:` sections -> validated view::Views (docs/views.md). One View per file:
// its declared view, or the default view of a file without `view:`. Checked against the
// compiled rules: tiers, colours and `then` of every type, the sink's scale, shares and
// ratios on declared counters and their labels, a type claimed by two files' views, and
// every literal event `type` a file emits being in that file's view.
#include <memory>
#include <vector>

#include "rulefile/rule_error.hpp"
#include "rules/rule_set.hpp"
#include "rulefile/rule_spec.hpp"
#include "view/view.hpp"

namespace tapemeasure::view {

// `files` are the specs `rules` was compiled from. On any error returns null and appends
// every problem found (file:line and a hint) to `errors`.
std::shared_ptr<const Views> compile_views(const std::vector<rules::RuleFileSpec>& files, const rules::RuleSet& rules,
                                           rules::RuleErrors& errors);

}  // namespace tapemeasure::view
