// `tapemeasure check PATH...`: load, compile and run the in-file tests of rule files.
#include <iostream>

#include "app/commands.hpp"
#include "reload/rule_loader.hpp"

namespace tapemeasure::app {

int run_check(const CheckOptions& o) {
  const auto result = reload::load_rules(o.paths);
  for (const auto& w : result.tests.warnings) std::cerr << "warning: " << w.to_string() << "\n";
  if (!result.ok()) {
    std::cerr << result.error_text();
    const auto n = result.errors.size() + result.tests.failures.size();
    std::cerr << "check failed: " << n << (n == 1 ? " problem" : " problems") << "\n";
    return 1;
  }
  std::cout << "ok: " << result.files << (result.files == 1 ? " file, " : " files, ")
            << result.rules->size() << " rules, " << result.rules->metrics().size() << " metrics, "
            << result.tests.run << " tests passed"
            << (result.tests.warnings.empty() ? std::string()
                                              : ", " + std::to_string(result.tests.warnings.size()) + " warnings")
            << "\n";
  return 0;
}

}  // namespace tapemeasure::app
