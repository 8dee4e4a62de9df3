#include "rules/line_processor.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "rules/event_json.hpp"
#include "support/test_support.hpp"

namespace tapemeasure::rules {
namespace {

using ::testing::ElementsAre;
using tapemeasure::testing::Engine;
using tapemeasure::testing::must_compile;
using tapemeasure::testing::parse_exposition;
using tapemeasure::testing::sample_value;
using Labels = std::map<std::string, std::string>;

constexpr const char* kRules = R"(format: syslog
rules:
  - name: delivered
    match: '^postfix/smtp\[\d+\]: \w+: relay=(?P<relay>\w+), delay=(?P<delay>\S+), status=sent'
    event: {type: delivered, to: '${relay}'}
    metrics:
      - counter: mail_deliveries_total
        labels: {mta: '${host:-localhost}', relay: '${relay}', outcome: delivered}
      - histogram: mail_delay_seconds
        value: '${delay}'
        buckets: [1, 10]
  - name: queue
    match: '^postfix/qmgr\[\d+\]: size=(?P<size>\d+) (?P<op>set|add)'
    event: false
    metrics:
      - gauge: queue_bytes_set
        set: '${size}'
      - gauge: queue_bytes_add
        add: '${size}'
      - counter: bytes_total
        value: '${size}'
  - name: tagged
    match: '^tag: '
    continue: true
    event: {type: tagged}
  - name: tagged_counted
    match: '^tag: (?P<n>\w+)'
    metrics:
      - counter: tags_total
        labels: {n: '${n}'}
)";

class LineProcessorTest : public ::testing::Test {
 protected:
  LineProcessorTest() { engine_.install(kRules); }
  testing::Exposition scrape() const { return parse_exposition(engine_.exposition()); }
  int process(std::string_view line) { return engine_.processor.process(line); }
  std::vector<std::string> process_with_events(std::string_view line) {
    std::vector<std::string> events;
    const LineProcessor::EventCallback cb = [&](const RuleMatch& m) { events.push_back(render_event_json(m, 1)); };
    engine_.processor.process(line, &cb);
    return events;
  }

  Engine engine_;
};

TEST_F(LineProcessorTest, LinesAreMatchedPlusUnmatched) {
  EXPECT_EQ(process("Nov  7 09:01:02 mx1 postfix/smtp[1]: A: relay=p1, delay=0.5, status=sent"), 1);
  EXPECT_EQ(process("Nov  7 09:01:02 mx1 postfix/smtp[1]: connect from x"), 0);
  EXPECT_EQ(process(""), 0);
  EXPECT_EQ(process("Nov  7 09:01:02 mx1 tag: t1"), 2);  // two rules, one line
  auto& p = engine_.processor;
  EXPECT_EQ(p.lines(), 4u);
  EXPECT_EQ(p.unmatched(), 2u);
  const auto e = scrape();
  EXPECT_EQ(sample_value(e, "tapemeasure_lines_total"), 4);
  EXPECT_EQ(sample_value(e, "tapemeasure_lines_unmatched_total"), 2);
  EXPECT_EQ(sample_value(e, "tapemeasure_lines_matched_total", Labels{{"rule", "delivered"}}), 1);
  EXPECT_EQ(sample_value(e, "tapemeasure_lines_matched_total", Labels{{"rule", "tagged"}}), 1);
  EXPECT_EQ(sample_value(e, "tapemeasure_lines_matched_total", Labels{{"rule", "tagged_counted"}}), 1);
  EXPECT_EQ(sample_value(e, "tapemeasure_lines_matched_total", Labels{{"rule", "queue"}}), 0);
  EXPECT_EQ(p.rule_stats().at(0).matches, 1u);
  EXPECT_EQ(p.rule_stats().at(1).matches, 0u);
  EXPECT_EQ(sample_value(e, "tapemeasure_rules_loaded"), 4);
}

TEST_F(LineProcessorTest, CounterWithLabelsAndHistogram) {
  process("Nov  7 09:01:02 mx1 postfix/smtp[1]: A: relay=p1, delay=0.5, status=sent");
  process("Nov  7 09:01:02 mx1 postfix/smtp[1]: B: relay=p1, delay=5, status=sent");
  process("<22>Nov  7 09:01:02 postfix/smtp[1]: C: relay=p2, delay=50, status=sent");
  const auto e = scrape();
  EXPECT_EQ(sample_value(e, "mail_deliveries_total", Labels{{"mta", "mx1"}, {"relay", "p1"}, {"outcome", "delivered"}}), 2);
  EXPECT_EQ(sample_value(e, "mail_deliveries_total", Labels{{"mta", "localhost"}, {"relay", "p2"}, {"outcome", "delivered"}}), 1);
  EXPECT_EQ(sample_value(e, "mail_delay_seconds_bucket", Labels{{"le", "1"}}), 1);
  EXPECT_EQ(sample_value(e, "mail_delay_seconds_bucket", Labels{{"le", "10"}}), 2);
  EXPECT_EQ(sample_value(e, "mail_delay_seconds_count"), 3);
  EXPECT_DOUBLE_EQ(*sample_value(e, "mail_delay_seconds_sum"), 55.5);
}

TEST_F(LineProcessorTest, GaugeSetAndAddAndCounterValue) {
  process("Nov  7 09:01:02 mx1 postfix/qmgr[1]: size=100 set");
  process("Nov  7 09:01:02 mx1 postfix/qmgr[1]: size=30 add");
  const auto e = scrape();
  EXPECT_EQ(sample_value(e, "queue_bytes_set"), 30);   // last value set
  EXPECT_EQ(sample_value(e, "queue_bytes_add"), 130);  // sum of adds
  EXPECT_EQ(sample_value(e, "bytes_total"), 130);
}

TEST_F(LineProcessorTest, ValueErrorsAreCountedNotFatal) {
  process("Nov  7 09:01:02 mx1 postfix/smtp[1]: A: relay=p1, delay=soon, status=sent");
  process("Nov  7 09:01:02 mx1 postfix/smtp[1]: B: relay=p1, delay=1e400x, status=sent");
  process("Nov  7 09:01:02 mx1 postfix/smtp[1]: C: relay=p1, delay=2, status=sent");
  const auto e = scrape();
  EXPECT_TRUE(e.problems.empty());
  // The counter without a value still counts every line; the histogram only the good one.
  EXPECT_EQ(sample_value(e, "mail_deliveries_total", Labels{{"mta", "mx1"}, {"relay", "p1"}, {"outcome", "delivered"}}), 3);
  EXPECT_EQ(sample_value(e, "mail_delay_seconds_count"), 1);
  EXPECT_EQ(sample_value(e, "tapemeasure_metric_value_errors_total", Labels{{"metric", "mail_delay_seconds"}}), 2);
  EXPECT_EQ(sample_value(e, "tapemeasure_metric_value_errors_total", Labels{{"metric", "mail_deliveries_total"}}), 0);
  EXPECT_EQ(sample_value(e, "tapemeasure_lines_unmatched_total"), 0);
}

TEST_F(LineProcessorTest, NegativeCounterValueIsAValueError) {
  engine_.install(R"(rules:
  - name: r
    match: 'n=(?P<n>.*)'
    metrics:
      - counter: n_total
        value: '${n}'
)");
  process("n=-3");
  process("n=+4");
  process("n= 2 ");
  const auto e = scrape();
  EXPECT_EQ(sample_value(e, "n_total"), 6);
  EXPECT_EQ(sample_value(e, "tapemeasure_metric_value_errors_total", Labels{{"metric", "n_total"}}), 1);
}

TEST_F(LineProcessorTest, EventsOnlyForEventEnabledRulesAndOnlyWhenAsked) {
  EXPECT_THAT(process_with_events("Nov  7 09:01:02 mx1 postfix/smtp[1]: A: relay=p1, delay=0.5, status=sent"),
              ElementsAre(R"({"ts":1,"rule":"delivered","type":"delivered","to":"p1","relay":"p1","delay":"0.5",)"
                          R"("host":"mx1","program":"postfix/smtp","pid":"1"})"));
  EXPECT_THAT(process_with_events("Nov  7 09:01:02 mx1 postfix/qmgr[1]: size=100 set"), ElementsAre());
  // tagged has an event; tagged_counted has none declared but events are on by default.
  EXPECT_THAT(process_with_events("Nov  7 09:01:02 mx1 tag: x"),
              ElementsAre(R"({"ts":1,"rule":"tagged","type":"tagged","host":"mx1","program":"tag","pid":""})",
                          R"({"ts":1,"rule":"tagged_counted","n":"x","host":"mx1","program":"tag","pid":""})"));
  // Metrics are applied either way.
  EXPECT_EQ(sample_value(scrape(), "queue_bytes_set"), 100);
  // An empty callback means no events (and no crash).
  const LineProcessor::EventCallback empty;
  EXPECT_EQ(engine_.processor.process("Nov  7 09:01:02 mx1 tag: y", &empty), 2);
}

TEST_F(LineProcessorTest, RecentUnmatchedKeepsTheNewestTwentyCut) {
  for (int i = 0; i < 25; ++i) process("unmatched " + std::to_string(i));
  process("Nov  7 09:01:02 mx1 tag: x");  // matched lines do not appear
  process(std::string(5000, 'z'));
  const auto& recent = engine_.processor.recent_unmatched();
  ASSERT_EQ(recent.size(), 20u);
  EXPECT_EQ(recent.front(), "unmatched 6");
  EXPECT_EQ(recent[18], "unmatched 24");
  EXPECT_EQ(recent.back(), std::string(1024, 'z'));
}

TEST_F(LineProcessorTest, TruncatedLinesAreCounted) {
  engine_.processor.count_truncated();
  EXPECT_EQ(sample_value(scrape(), "tapemeasure_lines_truncated_total"), 1);
}

TEST_F(LineProcessorTest, ReinstallKeepsCountsOfKeptRulesAndMetrics) {
  process("Nov  7 09:01:02 mx1 postfix/smtp[1]: A: relay=p1, delay=0.5, status=sent");
  process("Nov  7 09:01:02 mx1 tag: x");
  // A new version: `delivered` kept (moved), `tagged*` gone, a new rule.
  engine_.install(R"(format: syslog
rules:
  - name: fresh
    match: '^fresh'
  - name: delivered
    match: '^postfix/smtp\[\d+\]: \w+: relay=(?P<relay>\w+), delay=(?P<delay>\S+), status=sent'
    metrics:
      - counter: mail_deliveries_total
        labels: {mta: '${host:-localhost}', relay: '${relay}', outcome: delivered}
)");
  process("Nov  7 09:01:02 mx1 postfix/smtp[1]: B: relay=p1, delay=0.5, status=sent");
  const auto e = scrape();
  EXPECT_TRUE(e.problems.empty());
  EXPECT_EQ(sample_value(e, "mail_deliveries_total", Labels{{"mta", "mx1"}, {"relay", "p1"}, {"outcome", "delivered"}}), 2);
  EXPECT_EQ(sample_value(e, "tapemeasure_lines_matched_total", Labels{{"rule", "delivered"}}), 2);
  EXPECT_EQ(sample_value(e, "tapemeasure_lines_matched_total", Labels{{"rule", "tagged"}}), std::nullopt);
  EXPECT_EQ(sample_value(e, "tapemeasure_lines_matched_total", Labels{{"rule", "fresh"}}), 0);
  EXPECT_FALSE(e.type.contains("tags_total"));
  EXPECT_FALSE(e.type.contains("mail_delay_seconds"));
  EXPECT_EQ(engine_.processor.rule_stats().at(1).matches, 2u);  // delivered, now second
  EXPECT_EQ(engine_.processor.rule_stats().at(0).matches, 0u);
  EXPECT_EQ(sample_value(e, "tapemeasure_rules_loaded"), 2);
  EXPECT_EQ(sample_value(e, "tapemeasure_lines_total"), 3);
}

// With match threads, helpers match with their own copies of the rules: after a reload
// they must use the new ones (rule indices of the old set would apply to the wrong rules).
// Batches are repeated until helpers have matched chunks of them: on a busy machine the
// calling thread may take a whole batch before a helper wakes.
TEST(LineProcessorParallelTest, BatchesUseTheRulesInstalledLast) {
  tapemeasure::testing::Engine engine({}, "0.0.0-test", 3);
  engine.install(R"(rules:
  - name: a
    match: '^x (?P<n>\d+)'
    metrics:
      - counter: xs_total
        labels: {kind: a}
)");
  std::vector<std::string> text;
  for (int i = 0; i < 1000; ++i) text.push_back((i % 2 ? "x " : "y ") + std::to_string(i));
  const std::vector<std::string_view> batch(text.begin(), text.end());
  engine.processor.process_batch(batch);
  // Swapped order and patterns: index 0 is now the rule for "y" lines.
  engine.install(R"(rules:
  - name: b
    match: '^y (?P<n>\d+)'
    metrics:
      - counter: ys_total
  - name: a
    match: '^x (?P<n>\d+)'
    metrics:
      - counter: xs_total
        labels: {kind: a}
)");
  const std::uint64_t before = engine.processor.helper_chunks();
  int batches = 0;
  while (batches < 500 && engine.processor.helper_chunks() < before + 20) {
    engine.processor.process_batch(batch);
    ++batches;
  }
  ASSERT_GE(engine.processor.helper_chunks(), before + 20) << "helpers matched too little to tell";
  const auto e = parse_exposition(engine.exposition());
  EXPECT_EQ(sample_value(e, "xs_total", Labels{{"kind", "a"}}), 500.0 * (1 + batches));
  EXPECT_EQ(sample_value(e, "ys_total"), 500.0 * batches);
  EXPECT_EQ(sample_value(e, "tapemeasure_lines_total"), 1000.0 * (1 + batches));
  EXPECT_EQ(sample_value(e, "tapemeasure_lines_unmatched_total"), 500);
  EXPECT_EQ(engine.processor.recent_unmatched().back(), "y 998");
}

// The daemon matches with only what metrics and keys read, and fills an event's other fields
// when a client takes it (RuleSet::with_all_fields): on match threads, through memory rules
// and on lines with invalid UTF-8 (matched as a repaired copy), the events must be the
// ones matching with every field gives.
TEST(LineProcessorParallelTest, EventsFilledOnDemandAreTheEventsMatchingFillsWhole) {
  constexpr const char* kMemoryRules = R"(format: syslog
rules:
  - name: queued
    match: '^postfix/qmgr\[\d+\]: (?P<id>\w+): from=<(?P<from>[^>]*)>, size=(?P<size>\d+)'
    remember: {in: queue, key: '${id}'}
    event: {type: queued}
  - name: delivered
    match: '^postfix/smtp\[\d+\]: (?P<id>\w+): to=<(?P<rcpt>[^>]*)>, relay=(?P<relay>\w+)(?:\[(?P<ip>[\d.]+)\])?'
    recall: {from: queue, key: '${id}'}
    event: {type: delivered, to: '${relay}', bytes: '${queue.size}'}
    metrics:
      - counter: deliveries_total
        labels: {relay: '${relay}'}
)";
  std::vector<std::string> text;
  for (int i = 0; i < 600; ++i) {
    const std::string id = "Q" + std::to_string(i % 50);
    text.push_back("Nov  7 09:01:02 mx1 postfix/qmgr[7]: " + id + ": from=<s" + std::to_string(i) + "@x>, size=" +
                   std::to_string(100 + i));
    text.push_back("Nov  7 09:01:02 mx1 postfix/smtp[8]: " + id + ": to=<r\xE9" + std::to_string(i) + "@y>, relay=p" +
                   std::to_string(i % 3) + (i % 2 ? "[10.0.0." + std::to_string(i % 7) + "]" : ""));
  }
  const std::vector<std::string_view> batch(text.begin(), text.end());
  // At least 20 rounds, and more until a helper thread has matched some chunk (a loaded
  // machine may wake it late); every round gives the same events to both engines.
  const auto events_of = [&](bool on_demand) {
    tapemeasure::testing::Engine engine({}, "0.0.0-test", 3);
    if (on_demand) engine.processor.fill_event_fields_on_demand();
    engine.install(kMemoryRules);
    std::vector<std::string> events;
    FillScratch fill;
    int left_out = 0;
    const LineProcessor::EventCallback cb = [&](const RuleMatch& m) {
      left_out += !m.complete;
      events.push_back(render_event_json(RuleSet::with_all_fields(m, fill), 1));
    };
    int rounds = 0;
    while (rounds < 20 || (engine.processor.helper_chunks() == 0 && rounds < 500)) {
      engine.processor.process_batch(batch, &cb);
      ++rounds;
    }
    EXPECT_GT(engine.processor.helper_chunks(), 0u) << "no batch was matched on a helper thread";
    EXPECT_EQ(left_out > 0, on_demand);
    EXPECT_EQ(sample_value(parse_exposition(engine.exposition()), "tapemeasure_lines_matched_total",
                           Labels{{"rule", "delivered"}}),
              600.0 * rounds);
    EXPECT_EQ(events.size(), 1200u * static_cast<std::size_t>(rounds));
    return events;
  };
  std::vector<std::string> whole = events_of(false);
  std::vector<std::string> on_demand = events_of(true);
  const std::size_t n = std::min(whole.size(), on_demand.size());
  ASSERT_GE(n, 20u * 1200);
  whole.resize(n);
  on_demand.resize(n);
  EXPECT_EQ(on_demand, whole);
  EXPECT_THAT(whole[3], ::testing::HasSubstr(R"("bytes":"101")"));
  EXPECT_THAT(whole[3], ::testing::HasSubstr("\"rcpt\":\"r\xEF\xBF\xBD" "1@y\""));
  EXPECT_THAT(whole[3], ::testing::HasSubstr(R"("ip":"10.0.0.1")"));
}

// An exception while applying (out of memory, in real life) unwinds out of process_batch;
// the caller then frees the lines. Helpers must be done with them by then (ASan checks
// this in CI), and the next batch must work as usual.
TEST(LineProcessorParallelTest, AnExceptionWhileApplyingLeavesNoHelperOnTheLines) {
  tapemeasure::testing::Engine engine({}, "0.0.0-test", 3);
  engine.install(R"(rules:
  - name: a
    match: '^x (?P<n>\d+)'
    event: {type: x}
)");
  int seen = 0;
  const LineProcessor::EventCallback boom = [&](const RuleMatch&) {
    if (++seen == 3) throw std::runtime_error("boom");
  };
  for (int round = 0; round < 20; ++round) {
    seen = 0;
    auto text = std::make_unique<std::vector<std::string>>();
    for (int i = 0; i < 5000; ++i) text->push_back("x " + std::to_string(i));
    const std::vector<std::string_view> batch(text->begin(), text->end());
    EXPECT_THROW(engine.processor.process_batch(batch, &boom), std::runtime_error);
    text.reset();  // the lines are gone
  }
  std::vector<std::string> text;
  for (int i = 0; i < 1000; ++i) text.push_back("x " + std::to_string(i));
  const std::vector<std::string_view> batch(text.begin(), text.end());
  int events = 0;
  const LineProcessor::EventCallback count = [&](const RuleMatch&) { ++events; };
  const auto lines_before = engine.processor.lines();
  engine.processor.process_batch(batch, &count);
  EXPECT_EQ(events, 1000);
  EXPECT_EQ(engine.processor.lines() - lines_before, 1000u);
}

TEST_F(LineProcessorTest, LabelsAreFilledInSchemaOrderWhateverTheRuleOrder) {
  engine_.install(R"(rules:
  - name: a
    match: '^a (?P<x>\w+) (?P<y>\w+)'
    metrics:
      - counter: pairs_total
        labels: {first: '${x}', second: '${y}'}
  - name: b
    match: '^b (?P<x>\w+) (?P<y>\w+)'
    metrics:
      - counter: pairs_total
        labels: {second: '${y}', first: '${x}'}
)");
  process("a 1 2");
  process("b 1 2");
  EXPECT_EQ(sample_value(scrape(), "pairs_total", Labels{{"first", "1"}, {"second", "2"}}), 2);
}

TEST_F(LineProcessorTest, InvalidUtf8InCapturesGivesCleanLabels) {
  engine_.install(R"(rules:
  - name: a
    match: '^host=(?P<h>\S+)'
    metrics:
      - counter: hosts_total
        labels: {h: '${h}'}
)");
  process(std::string("host=caf\xE9"));
  const auto e = scrape();
  EXPECT_TRUE(e.problems.empty());
  EXPECT_EQ(sample_value(e, "hosts_total", Labels{{"h", "caf\xEF\xBF\xBD"}}), 1);
}

}  // namespace
}  // namespace tapemeasure::rules
