#include "metrics/exposition.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <new>
#include <ostream>
#include <streambuf>

#include "support/test_support.hpp"
#include "util/utf8.hpp"

namespace tapemeasure::metrics {
namespace {

using tapemeasure::testing::Engine;
using tapemeasure::testing::parse_exposition;
using tapemeasure::testing::run_command;
using tapemeasure::testing::TempDir;

// Rules whose help texts and captures try to break the exposition.
constexpr const char* kHostileRules = R"(rules:
  - name: hostile
    match: '^(?P<mta>\S+) (?P<relay>\S+) (?P<v>\S+)'
    metrics:
      - counter: zz_deliveries_total
        help: "Line one\nline two \\ with a backslash and caf\xE9"
        labels: {mta: '${mta}', relay: '${relay}'}
      - gauge: aa_level
        help: 'Tab	and "quotes"'
        set: '${v}'
      - histogram: mm_delay_seconds
        value: '${v}'
        labels: {relay: '${relay}'}
)";

class ExpositionTest : public ::testing::Test {
 protected:
  ExpositionTest() {
    engine_.install(kHostileRules);
    for (const std::string& line : {std::string("mx2 p1 1"), std::string("mx1 p1 2"), std::string("mx1 p0 3"),
                                   std::string("caf\xE9 \"quoted\"\\ 4"), std::string("a\\nb p2 0.5")})
      engine_.process(line);
    engine_.process("unmatched");
    text_ = engine_.exposition();
  }
  Engine engine_;
  std::string text_;
};

TEST_F(ExpositionTest, ParsesCleanlyAndIsValidUtf8) {
  const auto e = parse_exposition(text_);
  EXPECT_THAT(e.problems, ::testing::IsEmpty()) << text_;
  EXPECT_TRUE(util::is_clean_utf8(text_));
  EXPECT_FALSE(e.samples.empty());
}

// A stream buffer that takes `limit` bytes, then fails like a string that cannot grow:
// throws std::bad_alloc, or (throws = false) just refuses.
class FailingBuffer : public std::streambuf {
 public:
  FailingBuffer(std::size_t limit, bool throws) : limit_(limit), throws_(throws) {}
  std::string taken;

 protected:
  int_type overflow(int_type c) override {
    if (taken.size() >= limit_) {
      if (throws_) throw std::bad_alloc();
      return traits_type::eof();
    }
    if (!traits_type::eq_int_type(c, traits_type::eof())) taken.push_back(traits_type::to_char_type(c));
    return traits_type::not_eof(c);
  }

 private:
  std::size_t limit_;
  bool throws_;
};

// A plain stream swallows what its buffer throws and stops writing; /metrics then answered
// 200 with a body cut mid-line. Writing the exposition is all or an exception.
TEST_F(ExpositionTest, AWriteThatRunsOutOfMemoryPartWayThrowsInsteadOfStoppingQuietly) {
  FailingBuffer buffer(text_.size() / 2, true);
  std::ostream out(&buffer);
  EXPECT_THROW(write_text_exposition(engine_.registry, out), std::bad_alloc);
  EXPECT_LT(buffer.taken.size(), text_.size());
}

TEST_F(ExpositionTest, AWriteThatIsRefusedPartWayThrows) {
  FailingBuffer buffer(text_.size() / 2, false);
  std::ostream out(&buffer);
  EXPECT_THROW(write_text_exposition(engine_.registry, out), std::ios_base::failure);
}

TEST_F(ExpositionTest, AWriteWithRoomIsTheWholeText) {
  FailingBuffer buffer(text_.size() + 1, true);
  std::ostream out(&buffer);
  write_text_exposition(engine_.registry, out);
  EXPECT_EQ(buffer.taken, render_text_exposition(engine_.registry));
  EXPECT_EQ(buffer.taken.back(), '\n');
}

TEST_F(ExpositionTest, FamiliesAreSortedByName) {
  std::vector<std::string> families;
  for (const auto& line : testing::split_lines(text_))
    if (line.starts_with("# TYPE ")) families.push_back(line.substr(7, line.find(' ', 7) - 7));
  EXPECT_TRUE(std::is_sorted(families.begin(), families.end())) << text_;
  EXPECT_THAT(families, ::testing::Contains("aa_level"));
  EXPECT_THAT(families, ::testing::Contains("tapemeasure_lines_total"));
  // Each family once.
  EXPECT_EQ(std::adjacent_find(families.begin(), families.end()), families.end());
}

TEST_F(ExpositionTest, SeriesAreSortedByLabels) {
  std::vector<std::string> series;
  for (const auto& line : testing::split_lines(text_))
    if (line.starts_with("zz_deliveries_total{")) series.push_back(line.substr(0, line.rfind(' ')));
  EXPECT_TRUE(std::is_sorted(series.begin(), series.end())) << text_;
  const auto at = [&](const char* s) { return std::find(series.begin(), series.end(), s) - series.begin(); };
  EXPECT_LT(at(R"(zz_deliveries_total{mta="mx1",relay="p0"})"), at(R"(zz_deliveries_total{mta="mx1",relay="p1"})"));
  EXPECT_LT(at(R"(zz_deliveries_total{mta="mx1",relay="p1"})"), at(R"(zz_deliveries_total{mta="mx2",relay="p1"})"));
  EXPECT_LT(at(R"(zz_deliveries_total{mta="mx2",relay="p1"})"), static_cast<long>(series.size()));
}

TEST_F(ExpositionTest, OutputDoesNotDependOnInsertionOrder) {
  Engine other;
  other.install(kHostileRules);
  // Same lines, other order.
  for (const std::string& line : {std::string("a\\nb p2 0.5"), std::string("mx1 p0 3"),
                                 std::string("caf\xE9 \"quoted\"\\ 4"), std::string("mx1 p1 2"), std::string("mx2 p1 1")})
    other.process(line);
  other.process("unmatched");
  // The gauge keeps the last value set, which depends on order: compare the rest.
  const auto drop_gauge = [](const std::string& t) {
    std::string out;
    for (const auto& l : testing::split_lines(t))
      if (!l.starts_with("aa_level ")) out += l + "\n";
    return out;
  };
  EXPECT_EQ(drop_gauge(other.exposition()), drop_gauge(text_));
}

TEST_F(ExpositionTest, HelpHasNoBackslashOrNewlineEvenWhenTheRuleHasThem) {
  const auto e = parse_exposition(text_);
  ASSERT_TRUE(e.help.contains("zz_deliveries_total"));
  const std::string& help = e.help.at("zz_deliveries_total");
  EXPECT_EQ(help.find('\\'), std::string::npos) << help;
  EXPECT_THAT(help, ::testing::StartsWith("Line one"));
  EXPECT_THAT(help, ::testing::HasSubstr("line two"));  // on the same HELP line
  EXPECT_TRUE(util::is_clean_utf8(help));
  for (const auto& line : testing::split_lines(text_))
    EXPECT_FALSE(line.starts_with("line two")) << "HELP text spilled onto its own line";
}

TEST_F(ExpositionTest, LabelValuesAreCleanedAndEscaped) {
  const auto e = parse_exposition(text_);
  EXPECT_EQ(tapemeasure::testing::sample_value(
                e, "zz_deliveries_total", {{"mta", "caf\xEF\xBF\xBD"}, {"relay", "\"quoted\"\\"}}),
            1);
  EXPECT_EQ(tapemeasure::testing::sample_value(e, "zz_deliveries_total", {{"mta", "a\\nb"}, {"relay", "p2"}}), 1);
}

TEST_F(ExpositionTest, SelfMetricsArePresent) {
  const auto e = parse_exposition(text_);
  for (const char* name : {"tapemeasure_lines_total", "tapemeasure_lines_unmatched_total", "tapemeasure_lines_truncated_total",
                           "tapemeasure_lines_matched_total", "tapemeasure_series_overflow_total",
                           "tapemeasure_rules_loaded", "tapemeasure_build_info", "tapemeasure_ingest_connections",
                           "tapemeasure_ws_clients", "tapemeasure_ws_events_sent_total", "tapemeasure_rules_reloads_total",
                           "tapemeasure_rules_reload_failures_total"})
    EXPECT_TRUE(e.type.contains(name)) << name;
  EXPECT_EQ(tapemeasure::testing::sample_value(e, "tapemeasure_lines_total"), 6);
  EXPECT_EQ(tapemeasure::testing::sample_value(e, "tapemeasure_build_info", {{"version", "0.0.0-test"}}), 1);
}

// promtool is the reference parser (CI installs the Debian `prometheus` package). Its
// absence is a failure, not a skip: a skipped check would let a broken /metrics through.
TEST_F(ExpositionTest, PromtoolAcceptsIt) {
  TempDir dir;
  const auto file = dir.write("metrics.txt", text_);
  const auto r = run_command({"promtool", "check", "metrics"}, file);
  ASSERT_NE(r.exit_code, -1) << "promtool is required (apt-get install prometheus): " << r.err;
  EXPECT_EQ(r.exit_code, 0) << "promtool check metrics rejected:\n" << r.out << r.err << "\n---\n" << text_;
}

}  // namespace
}  // namespace tapemeasure::metrics
