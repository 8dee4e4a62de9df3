// Fuzzes the rule-file loader from text: YAML -> RuleFileSpec -> RuleSet -> views, then the
// in-file tests, the same steps as reload::load_rules (which reads from disk). Rule files
// come from users and from ConfigMaps; a bad one must be an error message, never a crash.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "rulefile/rule_file_parser.hpp"
#include "rules/rule_set.hpp"
#include "rules/rule_tests.hpp"
#include "view/view_compiler.hpp"
#include "view/view_json.hpp"

using namespace tapemeasure;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  rules::RuleErrors errors;
  std::vector<rules::RuleFileSpec> files{rules::parse_rule_file("fuzz.yml", text, errors)};
  if (!errors.empty()) {
    (void)rules::to_string(errors);  // the message path runs on every bad reload
    return 0;
  }
  const auto set = rules::RuleSet::compile(files, errors);
  if (!set) {
    if (errors.empty()) __builtin_trap();  // refused without saying why
    (void)rules::to_string(errors);
    return 0;
  }
  if (const auto views = view::compile_views(files, *set, errors)) (void)view::render_views_json(*views);
  (void)rules::run_rule_tests(*set);
  return 0;
}
