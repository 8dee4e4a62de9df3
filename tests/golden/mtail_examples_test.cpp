// Every mtail example program has an equivalent in rules/examples/ that gives mtail's numbers:
// each tests/data/mtail/NAME.log (with its companions NAME.*.log after it, as one stream) runs
// through rules/examples/NAME.yml in-process, exactly as `tapemeasure test` would, and every
// series of NAME.mtail.expected (Debian mtail's own output on that log, recorded; see
// tests/data/mtail/README.md) must be in our /metrics text with the same value and type.
// tests/ecosystem/t25_mtail.sh runs live mtail on the same logs as well.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <thread>

#include "golden/golden_runner.hpp"
#include "support/test_support.hpp"

namespace tapemeasure::testing {
namespace {

namespace fs = std::filesystem;

const fs::path kData = "tests/data/mtail";

std::vector<std::string> example_logs() {
  std::vector<std::string> out;
  for (const auto& entry : fs::directory_iterator(source_dir() / kData)) {
    const fs::path p = entry.path();
    // NAME.log, not a companion NAME.xferlog.log
    if (p.extension() == ".log" && p.stem().extension().empty()) out.push_back((kData / p.filename()).string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

// mtail's series: its `prog` label dropped, its own and the Go runtime's metrics left out.
bool mtail_internal(const std::string& name) {
  return name.starts_with("mtail_") || name.starts_with("go_") || name.starts_with("process_");
}

class MtailExamplesTest : public ::testing::TestWithParam<std::string> {};

TEST(MtailExamplesSuite, EveryProgramHasALogAndARuleFile) {
  // Not zero cases by accident: the ten programs of mtail's example suite.
  const auto logs = example_logs();
  EXPECT_EQ(logs.size(), 10u);
  for (const auto& log : logs) {
    const std::string name = fs::path(log).stem().string();
    EXPECT_TRUE(fs::exists(source_dir() / "rules/examples" / (name + ".yml"))) << name;
    EXPECT_TRUE(fs::exists(source_dir() / kData / (name + ".mtail.expected"))) << name;
  }
}

TEST_P(MtailExamplesTest, GivesMtailsNumbers) {
  const fs::path log = GetParam();
  const std::string name = log.stem().string();
  std::string data = read_file(source_dir() / log);
  std::vector<fs::path> companions;
  for (const auto& entry : fs::directory_iterator(source_dir() / kData)) {
    const std::string file = entry.path().filename().string();
    if (file.starts_with(name + ".") && file.ends_with(".log") && file != name + ".log") companions.push_back(entry.path());
  }
  std::sort(companions.begin(), companions.end());
  for (const auto& c : companions) data += read_file(c);

  const auto ours = parse_exposition(
      run_engine({(source_dir() / "rules/examples" / (name + ".yml")).string()}, data, 1, false).metrics);
  ASSERT_TRUE(ours.problems.empty()) << ours.problems.front();
  const auto theirs = parse_exposition(read_file(source_dir() / kData / (name + ".mtail.expected")));

  std::size_t compared = 0;
  for (Sample want : theirs.samples) {
    if (mtail_internal(want.name)) continue;
    want.labels.erase("prog");
    const auto got = sample_value(ours, want.name, want.labels);
    std::string labels;
    for (const auto& [k, v] : want.labels) labels += k + "=" + v + " ";
    if (!got) {
      ADD_FAILURE() << name << ": series " << want.name << "{" << labels << "} is missing";
      continue;
    }
    EXPECT_NEAR(*got, want.value, std::fabs(want.value) * 1e-12) << name << ": " << want.name << "{" << labels << "}";
    ++compared;
  }
  for (const auto& [family, type] : theirs.type)
    if (!mtail_internal(family) && ours.type.contains(family)) {
      EXPECT_EQ(ours.type.at(family), type) << name << ": the type of " << family;
    }
  EXPECT_GT(compared, 5u) << name << ": too few series compared to mean anything";
}

// Memory between lines is applied in line order: matching on several threads changes nothing.
TEST_P(MtailExamplesTest, SeveralMatchThreadsGiveTheSameNumbers) {
  const fs::path log = GetParam();
  const std::string rules = (source_dir() / "rules/examples" / (log.stem().string() + ".yml")).string();
  const std::string data = read_file(source_dir() / log);
  const auto one = run_engine({rules}, data, 1, true);
  // On a busy machine the helpers may wake too late to take a chunk: try again, for up to
  // 20 s (ten tries in a row lost the race while a build held the cores), pausing between
  // tries for the helpers to be scheduled.
  GoldenOutput three;
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  for (int attempt = 0; three.helper_chunks == 0 && std::chrono::steady_clock::now() < give_up; ++attempt) {
    if (attempt > 0) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    three = run_engine({rules}, data, 3, true);
  }
  ASSERT_GT(three.helper_chunks, 0u) << "the helpers never matched a chunk in 20 s of tries";
  EXPECT_EQ(one.metrics, three.metrics);
  EXPECT_EQ(one.events, three.events);
}

INSTANTIATE_TEST_SUITE_P(Mtail, MtailExamplesTest, ::testing::ValuesIn(example_logs()), path_param_name);

}  // namespace
}  // namespace tapemeasure::testing
