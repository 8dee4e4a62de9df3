// The acceptance check of the default pack: on every Postfix log we keep,
// `tapemeasure test --rules rules --format metrics` must give mail_deliveries_total per
// (mta, relay, outcome) equal to an independent awk count of the status= words
// (tests/data/postfix_status_count.sh), and tapemeasure_lines_total equal to `wc -l`.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <sstream>

#include "golden/golden_runner.hpp"
#include "unit/test_support.hpp"

namespace tapemeasure::testing {
namespace {

namespace fs = std::filesystem;
using Counts = std::map<std::string, double>;  // "mta relay outcome" -> count

std::vector<std::string> postfix_logs() {
  std::vector<std::string> out;
  for (const auto& log : golden_logs())
    if (log.filename().string().starts_with("postfix")) out.push_back(log.string());
  return out;
}

Counts awk_counts(const fs::path& log) {
  const fs::path script = source_dir() / "tests/data/postfix_status_count.sh";
  const auto r = run_command({"bash", script.string(), log.string()});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  Counts out;
  for (const auto& line : split_lines(r.out)) {
    std::istringstream in(line);
    std::string mta, relay, outcome;
    double n = 0;
    EXPECT_TRUE(in >> mta >> relay >> outcome >> n) << "unexpected line from the script: " << line;
    out[mta + " " + relay + " " + outcome] += n;
  }
  return out;
}

class PostfixCrossCheckTest : public ::testing::TestWithParam<std::string> {};

TEST_P(PostfixCrossCheckTest, DeliveriesEqualAnIndependentAwkCount) {
  const fs::path script = source_dir() / "tests/data/postfix_status_count.sh";
  ASSERT_TRUE(fs::exists(script)) << script;
  const fs::path log = source_dir() / GetParam();
  const auto r = run_tapemeasure({"test", "--rules", (source_dir() / "rules").string(), "--input", log.string(),
                                  "--format", "metrics"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto e = parse_exposition(r.out);
  ASSERT_TRUE(e.problems.empty()) << e.problems.front();

  Counts ours;
  for (const auto& s : e.samples) {
    if (s.name != "mail_deliveries_total") continue;
    ASSERT_EQ(s.labels.size(), 3u);
    // Label values with spaces would break the awk key; the pack's labels never have them.
    ours[s.labels.at("mta") + " " + s.labels.at("relay") + " " + s.labels.at("outcome")] += s.value;
  }
  const Counts theirs = awk_counts(log);
  EXPECT_FALSE(theirs.empty()) << "the log has no delivery attempts: a weak test";
  EXPECT_EQ(ours, theirs);

  // tapemeasure_lines_total == wc -l (a last line without '\n' is a line to us, not to wc).
  const std::string data = read_file(log);
  ASSERT_TRUE(data.empty() || data.back() == '\n') << "end the log with a newline so wc -l agrees";
  EXPECT_EQ(sample_value(e, "tapemeasure_lines_total"), static_cast<double>(std::count(data.begin(), data.end(), '\n')));
}

INSTANTIATE_TEST_SUITE_P(Data, PostfixCrossCheckTest, ::testing::ValuesIn(postfix_logs()), path_param_name);
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(PostfixCrossCheckTest);

// Without a Postfix log the cross-check above would silently instantiate nothing.
TEST(PostfixCrossCheckSetupTest, ThereIsAPostfixLog) {
  EXPECT_FALSE(postfix_logs().empty()) << "tests/data/postfix.log is missing";
}

}  // namespace
}  // namespace tapemeasure::testing
