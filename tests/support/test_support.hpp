#pragma once
// Shared helpers for the unit, CLI and golden tests: compiling rules from inline YAML, an
// in-process engine (the same wiring as `tapemeasure test`), running the CLI binary, and
// reading the Prometheus text exposition back into samples.
#include <gtest/gtest.h>
#include <prometheus/registry.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "metrics/metric_store.hpp"
#include "metrics/self_metrics.hpp"
#include "rules/line_processor.hpp"
#include "rulefile/rule_error.hpp"
#include "rules/rule_set.hpp"

namespace boost::asio {
class io_context;
}

namespace tapemeasure::testing {

// Runs an event loop the test drives itself, in 10 ms slices, until `done` holds (true) or
// `deadline` passes (false): the unit tests' one way to wait on sockets, files and timers.
bool run_until(boost::asio::io_context& ioc, const std::function<bool()>& done,
               std::chrono::milliseconds deadline = std::chrono::seconds(5));

std::filesystem::path source_dir();  // the repository root
std::filesystem::path tapemeasure_binary();

std::string read_file(const std::filesystem::path& p);
void write_file(const std::filesystem::path& p, std::string_view content);

// A fresh directory under the test temp dir, removed with the object.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path write(const std::string& name, std::string_view content) const;

 private:
  std::filesystem::path path_;
};

// Parses and compiles one rule file given as text; errors go to `errors`.
std::shared_ptr<const rules::RuleSet> compile_yaml(std::string_view yaml, rules::RuleErrors& errors,
                                                   const std::string& file = "test.yml");
// Same, but the rules must compile (fails the current test otherwise, returns null).
std::shared_ptr<const rules::RuleSet> must_compile(std::string_view yaml);
// Every error of parsing and compiling `yaml`, one to_string() per entry.
std::vector<std::string> error_lines(std::string_view yaml, const std::string& file = "test.yml");

// The daemon's line path in-process: registry, self-metrics, store, processor.
struct Engine {
  explicit Engine(metrics::MetricStore::Options options = {}, std::string_view version = "0.0.0-test",
                  int match_threads = 1,
                  std::size_t max_remembered = rules::LineProcessor::kDefaultMaxRemembered);
  prometheus::Registry registry;
  metrics::SelfMetrics self;
  metrics::MetricStore store;
  rules::LineProcessor processor;

  void install(std::string_view yaml) { processor.install(must_compile(yaml)); }
  int process(std::string_view line) { return processor.process(line); }
  std::string exposition() const;
};

// One sample line of the text exposition.
struct Sample {
  std::string name;
  std::map<std::string, std::string> labels;
  double value = 0;
};
struct Exposition {
  std::vector<Sample> samples;
  std::map<std::string, std::string> help;  // family -> HELP text as written
  std::map<std::string, std::string> type;  // family -> TYPE
  std::vector<std::string> problems;        // lines that are not valid exposition syntax
};
// A strict reader of the text format (0.0.4), enough to check our own output.
Exposition parse_exposition(std::string_view text);
// The value of the sample with exactly these labels, if present.
std::optional<double> sample_value(const Exposition& e, std::string_view name,
                                   const std::map<std::string, std::string>& labels = {});

struct CommandResult {
  int exit_code = -1;  // -1 when the process did not exit normally (signal)
  int signal = 0;
  std::string out;
  std::string err;
};
// Runs `argv` (argv[0] a path) with stdin from `stdin_file` (or /dev/null); no shell.
CommandResult run_command(const std::vector<std::string>& argv,
                          const std::optional<std::filesystem::path>& stdin_file = std::nullopt);
CommandResult run_tapemeasure(const std::vector<std::string>& args,
                              const std::optional<std::filesystem::path>& stdin_file = std::nullopt);

std::vector<std::string> split_lines(std::string_view text);  // without the '\n's

// A GoogleTest name for a parameter that is a path: "tests/data/x.log" -> "tests_data_x_log".
std::string path_param_name(const ::testing::TestParamInfo<std::string>& info);

}  // namespace tapemeasure::testing
