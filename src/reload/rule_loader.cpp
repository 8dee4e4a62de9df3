#include "reload/rule_loader.hpp"

#include "rulefile/rule_file_parser.hpp"
#include "view/view_compiler.hpp"

namespace tapemeasure::reload {

std::string LoadResult::error_text() const {
  return rules::to_string(errors) + rules::to_string(tests.failures);
}

LoadResult load_rules(const std::vector<std::string>& paths) {
  LoadResult result;
  const auto files = rules::load_rule_files(paths, result.errors);
  result.files = files.size();
  if (!result.errors.empty()) return result;
  result.rules = rules::RuleSet::compile(files, result.errors);
  if (!result.rules) return result;
  result.views = view::compile_views(files, *result.rules, result.errors);
  result.tests = rules::run_rule_tests(*result.rules);
  return result;
}

}  // namespace tapemeasure::reload
