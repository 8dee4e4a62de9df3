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
  // The parser bounds its own errors; the compiler's and the tests' are cut here, so the
  // text every status reader gets stays short however broken the files are.
  result.rules = rules::RuleSet::compile(files, result.errors);
  rules::cap_errors(result.errors);
  if (!result.rules) return result;
  result.views = view::compile_views(files, *result.rules, result.errors);
  rules::cap_errors(result.errors);
  result.tests = rules::run_rule_tests(*result.rules);
  rules::cap_errors(result.tests.failures);
  return result;
}

}  // namespace tapemeasure::reload
