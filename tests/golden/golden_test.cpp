// Golden tests (mtail style): each tests/data/X.log (and tests/data/golden/X.log) runs
// through the default rule pack in rules/ (or its own pack, see rules_for), and the events and the /metrics text must equal
// X.events.jsonl and X.metrics beside it, byte for byte.
//
// After an intended change, regenerate with
//   UPDATE_GOLDENS=1 ./build/tests/tapemeasure_unit_tests --gtest_filter='Golden*'
// and read the diff before committing it: a golden is only as right as its review.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <iostream>

#include "golden/golden_runner.hpp"
#include "support/test_support.hpp"
#include "util/utf8.hpp"

namespace tapemeasure::testing {
namespace {

namespace fs = std::filesystem;

bool updating() {
  const char* v = std::getenv("UPDATE_GOLDENS");
  return v != nullptr && *v != '\0' && std::string_view(v) != "0";
}

fs::path with_suffix(const fs::path& log, const char* ext) {
  fs::path p = log;
  p.replace_extension(ext);
  return p;
}

// Logs that have goldens, or every log when regenerating.
std::vector<std::string> golden_cases() {
  std::vector<std::string> out;
  for (const auto& log : golden_logs()) {
    const fs::path abs = source_dir() / log;
    if (updating() || fs::exists(with_suffix(abs, ".events.jsonl")) || fs::exists(with_suffix(abs, ".metrics")))
      out.push_back(log.string());
  }
  return out;
}

// The rules a log runs with: a log named after a pack in rules/packs/ (momentum_mainlog.log:
// rules/packs/momentum.yml) runs with that pack alone, every other with the default rules/.
std::string rules_for(const fs::path& log) {
  const std::string stem = log.stem().string();
  const fs::path pack = source_dir() / "rules/packs" / (stem.substr(0, stem.find('_')) + ".yml");
  return (fs::exists(pack) ? pack : source_dir() / "rules").string();
}

// A readable account of the first differences, instead of two huge strings.
std::string diff(const std::string& want, const std::string& got) {
  const auto w = split_lines(want), g = split_lines(got);
  std::string out;
  int shown = 0;
  for (std::size_t i = 0; i < std::max(w.size(), g.size()) && shown < 8; ++i) {
    const std::string* a = i < w.size() ? &w[i] : nullptr;
    const std::string* b = i < g.size() ? &g[i] : nullptr;
    if (a && b && *a == *b) continue;
    out += "line " + std::to_string(i + 1) + ":\n  golden: " + (a ? *a : "<none>") + "\n  actual: " + (b ? *b : "<none>") + "\n";
    ++shown;
  }
  out += "(" + std::to_string(w.size()) + " golden lines, " + std::to_string(g.size()) + " actual lines)\n";
  return out;
}

class GoldenTest : public ::testing::TestWithParam<std::string> {
 protected:
  void compare_or_update(const fs::path& golden, const std::string& actual) {
    if (updating()) {
      write_file(golden, actual);
      std::cout << "updated " << golden << "\n";
      return;
    }
    ASSERT_TRUE(fs::exists(golden)) << golden << " is missing; run with UPDATE_GOLDENS=1 and review it";
    const std::string want = read_file(golden);
    EXPECT_TRUE(want == actual) << golden.string() << " differs:\n" << diff(want, actual)
                                << "If the change is intended: UPDATE_GOLDENS=1, then review the diff.";
  }
};

TEST_P(GoldenTest, EventsAndMetricsMatch) {
  const fs::path log = source_dir() / GetParam();
  const auto out = run_golden({rules_for(log)}, log);
  compare_or_update(with_suffix(log, ".events.jsonl"), out.events);
  compare_or_update(with_suffix(log, ".metrics"), out.metrics);
}

TEST_P(GoldenTest, OutputIsValid) {
  const fs::path log = source_dir() / GetParam();
  const auto out = run_golden({rules_for(log)}, log);
  // Every event is one valid JSON object per line.
  for (const auto& line : split_lines(out.events)) {
    ASSERT_TRUE(util::is_clean_utf8(line)) << line;
    ASSERT_TRUE(nlohmann::json::accept(line)) << line;
  }
  // lines = matched + unmatched, and every line of the file is counted once.
  const auto e = parse_exposition(out.metrics);
  EXPECT_TRUE(e.problems.empty()) << e.problems.front();
  const std::string data = read_file(log);
  const auto newlines = static_cast<double>(std::count(data.begin(), data.end(), '\n'));
  const double lines = newlines + (!data.empty() && data.back() != '\n' ? 1 : 0);
  EXPECT_EQ(sample_value(e, "tapemeasure_lines_total"), lines);
  // The Prometheus reference parser and linter accept the exposition.
  TempDir dir;
  const auto p = run_command({"promtool", "check", "metrics"}, dir.write("metrics.txt", out.metrics));
  EXPECT_EQ(p.exit_code, 0) << "promtool check metrics (required; apt-get install prometheus):\n" << p.out << p.err;
}

// `tapemeasure test` must print what the engine produces: the same events (but for their
// arrival time) and the same exposition (but for the version label). `test` places RFC 3164
// times (no year) nearest to the wall clock, so the engine runs with the wall clock too: in
// a log that also has ISO 8601 times, the year it picks decides which remembered entries
// have expired (a line a year later expires them all).
TEST_P(GoldenTest, CommandLineAgrees) {
  const fs::path log = source_dir() / GetParam();
  const auto rules = rules_for(log);
  const auto want =
      run_golden({rules}, log, std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count());
  // One thread, and three (helpers taking chunks): the same events and metrics.
  for (const char* threads : {"1", "3"}) {
    SCOPED_TRACE(std::string("--threads ") + threads);
    const auto events = run_tapemeasure(
        {"test", "--rules", rules, "--input", log.string(), "--format", "events", "--threads", threads});
    ASSERT_EQ(events.exit_code, 0) << events.err;
    std::string got_events;
    for (const auto& line : split_lines(events.out)) {
      auto j = nlohmann::ordered_json::parse(line);
      j["ts"] = kGoldenEventTs;
      got_events += j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::strict) + "\n";
    }
    EXPECT_TRUE(got_events == want.events) << diff(want.events, got_events);

    const auto metrics = run_tapemeasure(
        {"test", "--rules", rules, "--input", log.string(), "--format", "metrics", "--threads", threads});
    ASSERT_EQ(metrics.exit_code, 0) << metrics.err;
    std::string got_metrics;
    for (const auto& line : split_lines(metrics.out))
      got_metrics += (line.starts_with("tapemeasure_build_info{") ? "tapemeasure_build_info{version=\"golden\"} 1" : line) + "\n";
    EXPECT_TRUE(got_metrics == want.metrics) << diff(want.metrics, got_metrics);
  }
}

// Under load the daemon matches each read's lines on several threads and applies the
// results in line order: events and metrics must be exactly those of one line at a time,
// with browsers connected (all captures) or not (only the captures metrics need). The log
// is repeated, each time followed by tests/data/postfix.log, so that reads hold many
// matching chunks even when the log's own lines are huge (hostile_input). A run in which the
// helpers never got a chunk (a busy machine) proves nothing, so it is repeated until they did.
TEST_P(GoldenTest, ParallelMatchingAgrees) {
  const fs::path log = source_dir() / GetParam();
  const std::vector<std::string> rules{rules_for(log)};
  std::string data = read_file(log);
  if (!data.empty() && data.back() != '\n') data += '\n';
  data += read_file(source_dir() / "tests/data/postfix.log");
  std::string repeated;
  while (repeated.size() < 1'000'000) repeated += data;
  for (const bool with_events : {true, false}) {
    const auto want = run_engine(rules, repeated, 1, with_events);
    ASSERT_FALSE(want.metrics.empty());
    if (with_events) {
      ASSERT_FALSE(want.events.empty());
    }
    for (int threads : {2, 3}) {
      GoldenOutput got;
      for (int attempt = 0; attempt < 10 && got.helper_chunks == 0; ++attempt)
        got = run_engine(rules, repeated, threads, with_events);
      ASSERT_GT(got.helper_chunks, 0u) << "the helpers never matched a chunk";
      EXPECT_TRUE(got.events == want.events) << threads << " threads:\n" << diff(want.events, got.events);
      EXPECT_TRUE(got.metrics == want.metrics) << threads << " threads:\n" << diff(want.metrics, got.metrics);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Data, GoldenTest, ::testing::ValuesIn(golden_cases()), path_param_name);

// The suite above passes with zero cases if the logs or their goldens go missing: say so.
TEST(GoldenSuiteTest, EveryShippedGoldenLogIsACase) {
  const auto cases = golden_cases();
  EXPECT_GE(cases.size(), 7u) << "golden logs (tests/data/*.log with .events.jsonl/.metrics) went missing";
  EXPECT_NE(std::find(cases.begin(), cases.end(), "tests/data/postfix.log"), cases.end());
}

}  // namespace
}  // namespace tapemeasure::testing
