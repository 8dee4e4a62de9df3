#include "golden/golden_runner.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "app/line_feeder.hpp"
#include "metrics/exposition.hpp"
#include "rules/event_json.hpp"
#include "reload/rule_loader.hpp"
#include "support/test_support.hpp"

namespace tapemeasure::testing {

namespace fs = std::filesystem;

GoldenOutput run_golden(const std::vector<std::string>& rule_paths, const fs::path& log, double arrival) {
  return run_engine(rule_paths, read_file(log), 1, true, arrival);
}

GoldenOutput run_engine(const std::vector<std::string>& rule_paths, const std::string& data, int match_threads,
                        bool with_events, double arrival) {
  GoldenOutput out;
  const auto loaded = reload::load_rules(rule_paths);
  EXPECT_TRUE(loaded.ok()) << loaded.error_text();
  if (!loaded.compiled()) return out;

  Engine engine({}, kGoldenVersion, match_threads);
  engine.processor.install(loaded.rules);
  const rules::LineProcessor::EventCallback on_event = [&](const rules::RuleMatch& m) {
    out.events += rules::render_event_json(m, kGoldenEventTs);
    out.events += '\n';
  };
  // The daemon's way through the rules (app::LineFeeder), with a fixed arrival time so that
  // log times without a year, and lines without a time, come out the same on every run.
  app::LineFeeder feeder(engine.processor, 64 * 1024,  // the daemon's default --max-line-bytes
                         with_events ? &on_event : nullptr, arrival);
  // Fed in odd-sized chunks, as a socket would deliver it (a busy writer's read when batched).
  const std::size_t chunk = match_threads > 1 ? 262139 : 4093;
  for (std::size_t i = 0; i < data.size(); i += chunk) feeder.feed(std::string_view(data).substr(i, chunk));
  feeder.finish();
  out.metrics = engine.exposition();
  out.helper_chunks = engine.processor.helper_chunks();
  return out;
}

std::vector<fs::path> golden_logs() {
  std::vector<fs::path> out;
  for (const char* dir : {"tests/data", "tests/data/golden"}) {
    // No error_code: a missing directory must fail the suite, not empty it.
    for (const auto& entry : fs::directory_iterator(source_dir() / dir))
      if (entry.is_regular_file() && entry.path().extension() == ".log")
        out.push_back(fs::path(dir) / entry.path().filename());
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace tapemeasure::testing
