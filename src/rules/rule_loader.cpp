#include "rules/rule_loader.hpp"

#include "rules/rule_file_parser.hpp"
#include "view/view_compiler.hpp"

namespace tapemeasure::rules {

std::string LoadResult::error_text() const {
  return to_string(errors) + to_string(tests.failures);
}

LoadResult load_rules(const std::vector<std::string>& paths) {
  LoadResult result;
  const auto files = load_rule_files(paths, result.errors);
  result.files = files.size();
  if (!result.errors.empty()) return result;
  result.rules = RuleSet::compile(files, result.errors);
  if (!result.rules) return result;
  result.views = view::compile_views(files, *result.rules, result.errors);
  result.tests = run_rule_tests(*result.rules);
  return result;
}

}  // namespace tapemeasure::rules
