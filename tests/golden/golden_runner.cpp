#include "golden/golden_runner.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "ingest/line_splitter.hpp"
#include "metrics/exposition.hpp"
#include "rules/event_json.hpp"
#include "rules/rule_loader.hpp"
#include "unit/test_support.hpp"

namespace tapemeasure::testing {

namespace fs = std::filesystem;

GoldenOutput run_golden(const std::vector<std::string>& rule_paths, const fs::path& log) {
  return run_engine(rule_paths, read_file(log));
}

GoldenOutput run_engine(const std::vector<std::string>& rule_paths, const std::string& data, int match_threads,
                        bool with_events) {
  GoldenOutput out;
  const auto loaded = rules::load_rules(rule_paths);
  EXPECT_TRUE(loaded.ok()) << loaded.error_text();
  if (!loaded.compiled()) return out;

  Engine engine({}, kGoldenVersion, match_threads);
  engine.processor.install(loaded.rules);
  const rules::LineProcessor::EventCallback on_event = [&](const rules::RuleMatch& m) {
    out.events += rules::render_event_json(m, kGoldenEventTs);
    out.events += '\n';
  };
  std::vector<std::string_view> batch;
  const auto on_line = [&](std::string_view line, bool truncated) {
    if (truncated) engine.processor.count_truncated();
    if (match_threads > 1) batch.push_back(line);
    else engine.processor.process(line, with_events ? &on_event : nullptr);
  };
  const auto end_batch = [&] {
    engine.processor.process_batch(batch, with_events ? &on_event : nullptr);
    batch.clear();
  };
  ingest::LineSplitter splitter(64 * 1024);  // the daemon's default --max-line-bytes
  // Fed in odd-sized chunks, as a socket would deliver it (a busy writer's read when batched).
  const std::size_t chunk = match_threads > 1 ? 262139 : 4093;
  for (std::size_t i = 0; i < data.size(); i += chunk) {
    splitter.feed(std::string_view(data).substr(i, chunk), on_line);
    end_batch();
  }
  splitter.finish(on_line);
  end_batch();
  out.metrics = engine.exposition();
  out.helper_chunks = engine.processor.helper_chunks();
  return out;
}

std::vector<fs::path> golden_logs() {
  std::vector<fs::path> out;
  for (const char* dir : {"tests/data", "tests/data/golden"}) {
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(source_dir() / dir, ec))
      if (entry.is_regular_file() && entry.path().extension() == ".log")
        out.push_back(fs::path(dir) / entry.path().filename());
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace tapemeasure::testing
