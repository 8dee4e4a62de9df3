// Captured values that are not finite numbers, or negative for a counter, are refused and
// counted in tapemeasure_bad_values_total{rule} (DESIGN.md "Rule files"; issue 10 item 6).
// Everything runs through the real line path: LineProcessor, MetricStore, the exposition.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <string_view>
#include <vector>

#include "rules/metric_value.hpp"
#include "support/test_support.hpp"

namespace tapemeasure::rules {
namespace {

using tapemeasure::testing::Engine;
using tapemeasure::testing::Exposition;
using tapemeasure::testing::parse_exposition;
using tapemeasure::testing::run_command;
using tapemeasure::testing::sample_value;
using tapemeasure::testing::TempDir;
using Labels = std::map<std::string, std::string>;

constexpr std::string_view kRules = R"(rules:
  - name: counted
    match: '^v=(?P<v>.*)$'
    metrics:
      - counter: things_total
        value: '${v}'
  - name: gauged
    match: '^g=(?P<g>.*)$'
    metrics:
      - gauge: level
        set: '${g}'
  - name: timed
    match: '^d=(?P<d>.*)$'
    metrics:
      - histogram: delay_seconds
        value: '${d}'
        buckets: [1, 10]
  - name: plain
    match: '^p$'
    metrics:
      - counter: plain_total
)";

Exposition scrape(const Engine& e) {
  Exposition x = parse_exposition(e.exposition());
  EXPECT_THAT(x.problems, ::testing::IsEmpty());
  return x;
}

TEST(BadValuesTest, NanAndInfDoNotPoisonACounter) {
  Engine engine;
  engine.install(kRules);
  for (const char* line : {"v=1", "v=nan", "v=inf", "v=2"}) engine.process(line);
  const auto e = scrape(engine);
  EXPECT_EQ(sample_value(e, "things_total"), 3);  // was NaN before the fix
  EXPECT_EQ(sample_value(e, "tapemeasure_bad_values_total", Labels{{"rule", "counted"}}), 2);
  EXPECT_EQ(sample_value(e, "tapemeasure_lines_matched_total", Labels{{"rule", "counted"}}), 4);
}

TEST(BadValuesTest, EveryNonFiniteSpellingIsRefused) {
  Engine engine;
  engine.install(kRules);
  const std::vector<std::string> bad = {"nan", "-nan", "NaN", "nan(1)", "inf", "-inf", "+inf", "Infinity",
                                        "1e999", "-1e999", "1e-400", "0x10", "12kb", ""};
  for (const auto& v : bad) {
    engine.process("g=" + v);
    engine.process("d=" + v);
  }
  engine.process("g=-2.5");  // a gauge may go negative
  engine.process("d=5");
  const auto e = scrape(engine);
  EXPECT_EQ(sample_value(e, "level"), -2.5);
  EXPECT_EQ(sample_value(e, "delay_seconds_count"), 1);
  EXPECT_EQ(sample_value(e, "delay_seconds_sum"), 5);
  const double n = static_cast<double>(bad.size());
  EXPECT_EQ(sample_value(e, "tapemeasure_bad_values_total", Labels{{"rule", "gauged"}}), n);
  EXPECT_EQ(sample_value(e, "tapemeasure_bad_values_total", Labels{{"rule", "timed"}}), n);
  EXPECT_EQ(sample_value(e, "tapemeasure_bad_values_total", Labels{{"rule", "counted"}}), 0);
}

TEST(BadValuesTest, NegativeCounterValueIsRefusedAndCountedPerRule) {
  Engine engine;
  engine.install(R"(rules:
  - name: sent
    match: '^s=(?P<n>\S+)'
    metrics:
      - counter: bytes_total
        value: '${n}'
  - name: received
    match: '^r=(?P<n>\S+)'
    metrics:
      - counter: bytes_total
        value: '${n}'
)");
  for (const char* line : {"s=10", "s=-1", "r=-5", "r=-0.5", "r=7", "s=-0"}) engine.process(line);
  const auto e = scrape(engine);
  EXPECT_EQ(sample_value(e, "bytes_total"), 17);  // -0 is not below zero: applied, adds nothing
  EXPECT_EQ(sample_value(e, "tapemeasure_bad_values_total", Labels{{"rule", "sent"}}), 1);
  EXPECT_EQ(sample_value(e, "tapemeasure_bad_values_total", Labels{{"rule", "received"}}), 2);
}

TEST(BadValuesTest, SeriesExistFromLoadOnlyForRulesWithValuesAndFollowReloads) {
  Engine engine;
  engine.install(kRules);
  auto e = scrape(engine);
  // Present at 0 before any bad value, so rate() sees the first one.
  EXPECT_EQ(sample_value(e, "tapemeasure_bad_values_total", Labels{{"rule", "timed"}}), 0);
  EXPECT_EQ(sample_value(e, "tapemeasure_bad_values_total", Labels{{"rule", "plain"}}), std::nullopt);

  engine.process("v=nan");
  engine.install(R"(rules:
  - name: counted
    match: '^v=(?P<v>.*)$'
    metrics:
      - counter: things_total
        value: '${v}'
)");
  engine.process("v=inf");
  e = scrape(engine);
  EXPECT_EQ(sample_value(e, "tapemeasure_bad_values_total", Labels{{"rule", "counted"}}), 2);  // kept across reload
  EXPECT_EQ(sample_value(e, "tapemeasure_bad_values_total", Labels{{"rule", "timed"}}), std::nullopt);  // rule gone
}

TEST(BadValuesTest, ParallelBatchesRefuseTheSameValues) {
  Engine engine({}, "0.0.0-test", /*match_threads=*/2);
  engine.install(kRules);
  std::vector<std::string> lines;
  for (int i = 0; i < 200; ++i) lines.push_back(i % 4 == 1 ? "v=nan" : i % 4 == 3 ? "v=-1" : "v=1");
  const std::vector<std::string_view> views(lines.begin(), lines.end());
  engine.processor.process_batch(views);
  const auto e = scrape(engine);
  EXPECT_EQ(sample_value(e, "things_total"), 100);
  EXPECT_EQ(sample_value(e, "tapemeasure_bad_values_total", Labels{{"rule", "counted"}}), 100);
}

TEST(BadValuesTest, ExpositionStaysValidForPromtool) {
  Engine engine;
  engine.install(kRules);
  for (const char* line : {"v=nan", "g=inf", "d=-inf", "v=1", "g=3", "d=0.5"}) engine.process(line);
  const std::string text = engine.exposition();
  for (const auto& s : scrape(engine).samples) EXPECT_TRUE(std::isfinite(s.value)) << s.name << "\n" << text;
  TempDir dir;
  const auto r = run_command({"promtool", "check", "metrics"}, dir.write("metrics.txt", text));
  ASSERT_NE(r.exit_code, -1) << "promtool is required (apt-get install prometheus): " << r.err;
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err << "\n---\n" << text;
}

// `scale:` turns a log's milliseconds into Prometheus' seconds; a value that the scale
// takes out of double's range is refused like any other non-finite value.
TEST(BadValuesTest, ScaledValuesAreAppliedInTheScaledUnitAndOverflowIsRefused) {
  Engine engine;
  engine.install(R"(rules:
  - name: timed
    match: '^ms=(?P<ms>\S+)$'
    metrics:
      - histogram: request_seconds
        value: '${ms}'
        scale: 0.001
        buckets: [0.1, 1]
      - counter: request_seconds_total
        value: '${ms}'
        scale: 0.001
  - name: huge
    match: '^big=(?P<b>\S+)$'
    metrics:
      - counter: big_total
        value: '${b}'
        scale: 1e10
)");
  for (const char* line : {"ms=50", "ms=250", "ms=2000", "big=1e300", "big=1e299", "big=2"}) engine.process(line);
  const auto e = scrape(engine);
  EXPECT_EQ(sample_value(e, "request_seconds_bucket", Labels{{"le", "0.1"}}), 1);  // 0.05 s
  EXPECT_EQ(sample_value(e, "request_seconds_bucket", Labels{{"le", "1"}}), 2);    // and 0.25 s
  EXPECT_EQ(sample_value(e, "request_seconds_count"), 3);
  EXPECT_DOUBLE_EQ(*sample_value(e, "request_seconds_sum"), 2.3);
  EXPECT_DOUBLE_EQ(*sample_value(e, "request_seconds_total"), 2.3);
  EXPECT_EQ(sample_value(e, "big_total"), 2e10);  // 1e300 and 1e299 times 1e10 are beyond a double
  EXPECT_EQ(sample_value(e, "tapemeasure_bad_values_total", Labels{{"rule", "huge"}}), 2);
  EXPECT_EQ(sample_value(e, "tapemeasure_bad_values_total", Labels{{"rule", "timed"}}), 0);
}

TEST(MetricValueTest, FiniteDecimalNumbersOnly) {
  double d = -1;
  EXPECT_TRUE(parse_metric_value(" +1e3 ", d));
  EXPECT_EQ(d, 1000);
  EXPECT_TRUE(parse_metric_value("1e-310", d));  // subnormal, still finite
  EXPECT_GT(d, 0);
  d = 42;
  EXPECT_FALSE(parse_metric_value("inf", d));
  EXPECT_EQ(d, 42) << "a refused value leaves the output alone";
  EXPECT_FALSE(parse_metric_value("nan", d));
  EXPECT_FALSE(parse_metric_value("1e999", d));
  EXPECT_FALSE(parse_metric_value("0x10", d));
}

}  // namespace
}  // namespace tapemeasure::rules
