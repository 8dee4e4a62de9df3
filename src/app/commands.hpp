#pragma once
// Each CLI command: its options (filled by CLI11 in main.cpp) and the function that runs it.
// Functions return the process exit code.
#include <cstddef>
#include <string>
#include <vector>

namespace tapemeasure::app {

struct CheckOptions {
  std::vector<std::string> paths;
};
int run_check(const CheckOptions& o);

struct TestOptions {
  std::vector<std::string> rules;
  std::string input = "-";
  std::string format = "summary";  // events | metrics | summary
  std::size_t max_line_bytes = 64 * 1024;
  std::size_t max_series_per_metric = 10000;
  bool progress = true;  // only ever shown on a terminal
};
int run_test(const TestOptions& o);

}  // namespace tapemeasure::app
