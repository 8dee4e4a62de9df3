#include "reload/rule_loader.hpp"

#include "rulefile/rule_file_parser.hpp"
#include "view/view_compiler.hpp"

namespace tapemeasure::reload {

std::string LoadResult::error_text() const {
  return rules::to_string(errors) + rules::to_string(tests.failures);
}

namespace {

// A rule whose `type` is a template can give types its view does not declare: those are
// drawn in palette colours, so it is no error, but a typo there ('${outcome}' giving
// "bounce" where the view styles "bounced") would otherwise go unseen. Its test lines say.
void warn_undeclared_types(const view::Views& views, rules::RuleTestReport& tests) {
  for (const auto& t : tests.templated_types) {
    const view::View* v = views.view_of_rule(t.rule);
    if (!v || !v->declared) continue;  // a default view styles every type as it comes
    std::string known;
    bool declared = false;
    for (const auto& style : v->types) {
      declared |= style.type == t.type;
      known += (known.empty() ? "" : ", ") + style.type;
    }
    if (!declared)
      tests.warnings.push_back({t.pos, t.rule,
                                "test line gives event type '" + t.type + "' (from '" + t.source +
                                    "'), which this file's view does not declare (types: " + known +
                                    "): it would be drawn in a palette colour; add it under view: types"});
  }
}

}  // namespace

LoadResult load_rules(const std::vector<std::string>& paths) {
  LoadResult result;
  const auto files = rules::load_rule_files(paths, result.errors);
  result.files = files.size();
  if (!result.errors.empty()) return result;
  // The parser bounds its own errors; the compiler's and the tests' are cut here, so the
  // text every status reader gets stays short however broken the files are.
  result.rules = rules::RuleSet::compile(files, result.errors);
  rules::cap_errors(result.errors);
  if (!result.rules) return result;
  result.views = view::compile_views(files, *result.rules, result.errors);
  rules::cap_errors(result.errors);
  result.tests = rules::run_rule_tests(*result.rules);
  if (result.views) warn_undeclared_types(*result.views, result.tests);
  rules::cap_errors(result.tests.failures);
  return result;
}

}  // namespace tapemeasure::reload
