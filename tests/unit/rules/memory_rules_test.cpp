// Measuring across lines, end to end through the line processor: remember/recall/forget,
// `when:`, log time, table bounds and reloads, zero-from-start series, and the load errors
// and warnings of the new keys.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "metrics/exposition.hpp"
#include "rules/event_json.hpp"
#include "rules/line_processor.hpp"
#include "rules/log_time.hpp"
#include "rulefile/rule_file_parser.hpp"
#include "rules/rule_tests.hpp"
#include "support/test_support.hpp"

namespace tapemeasure::rules {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using tapemeasure::testing::error_lines;
using tapemeasure::testing::Exposition;
using tapemeasure::testing::must_compile;
using tapemeasure::testing::parse_exposition;
using tapemeasure::testing::sample_value;
using Labels = std::map<std::string, std::string>;

// The line path (the shared Engine) at a fixed arrival time, with helpers to read it.
struct Rig : tapemeasure::testing::Engine {
  explicit Rig(std::size_t max_remembered = LineProcessor::kDefaultMaxRemembered, int match_threads = 1)
      : Engine({}, "0.0.0-test", match_threads, max_remembered) {
    // Syslog times have no year: read them as if it were the afternoon of 27 November 2026.
    processor.set_arrival(utc_epoch(2026, 11, 27, 12, 0, 0));
  }
  // The events of one line, as JSON.
  std::vector<std::string> events(std::string_view line) {
    std::vector<std::string> out;
    const LineProcessor::EventCallback cb = [&](const RuleMatch& m) { out.push_back(render_event_json(m, 1)); };
    processor.process(line, &cb);
    return out;
  }
  Exposition scrape() const { return parse_exposition(exposition()); }
  std::optional<double> value(std::string_view name, const Labels& labels = {}) const {
    return sample_value(scrape(), name, labels);
  }
};

constexpr const char* kPostfix = R"(format: syslog
rules:
  - name: qmgr_size
    match: '^postfix/qmgr\[\d+\]: (?P<qid>\w+): from=<[^>]*>, size=(?P<size>\d+)'
    remember: {in: queue, key: '${host}/${qid}', for: 2h}
    event: false
  - name: delivered
    match: '^postfix/smtp\[\d+\]: (?P<qid>\w+): to=<[^>]*>, relay=(?P<relay>\w+)'
    recall: {from: queue, key: '${host}/${qid}'}
    event: {type: delivered, size: '${queue.size}', waited: '${queue.elapsed}', prog: '${queue.program}'}
    metrics:
      - counter: bytes_total
        value: '${queue.size}'
        labels: {relay: '${relay}'}
      - counter: deliveries_total
        labels: {relay: '${relay}'}
      - histogram: wait_seconds
        value: '${queue.elapsed}'
        buckets: [1, 10, 100]
  - name: removed
    match: '^postfix/qmgr\[\d+\]: (?P<qid>\w+): removed'
    recall: {from: queue, key: '${host}/${qid}', forget: true}
    event: false
    metrics:
      - counter: removed_total
      - histogram: lifetime_seconds
        value: '${queue.elapsed}'
        buckets: [10, 100]
)";

TEST(MemoryRulesTest, RecallGivesRememberedFieldsAndElapsedLogTime) {
  Rig rig;
  rig.install(kPostfix);
  EXPECT_EQ(rig.process("Nov 27 09:01:02 mx1 postfix/qmgr[41]: 4F1A: from=<a@b>, size=2048, nrcpt=1"), 1);
  EXPECT_EQ(rig.value("tapemeasure_remembered", {{"table", "queue"}}), 1);
  const auto ev = rig.events("Nov 27 09:01:05.5 mx1 postfix/smtp[42]: 4F1A: to=<c@d>, relay=proxy2, status=sent");
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_THAT(ev[0], HasSubstr(R"("size":"2048")"));
  EXPECT_THAT(ev[0], HasSubstr(R"("waited":"3.5")"));
  EXPECT_THAT(ev[0], HasSubstr(R"("prog":"postfix/qmgr")"));
  // The same id on another host is another key.
  rig.process("Nov 27 09:01:06 mx2 postfix/smtp[42]: 4F1A: to=<c@d>, relay=proxy2, status=sent");
  const auto e = rig.scrape();
  EXPECT_EQ(sample_value(e, "bytes_total", {{"relay", "proxy2"}}), 2048);
  EXPECT_EQ(sample_value(e, "deliveries_total", {{"relay", "proxy2"}}), 2);
  EXPECT_EQ(sample_value(e, "wait_seconds_sum"), 3.5);
  EXPECT_EQ(sample_value(e, "wait_seconds_count"), 1);
  EXPECT_EQ(sample_value(e, "wait_seconds_bucket", {{"le", "10"}}), 1);
  EXPECT_EQ(sample_value(e, "wait_seconds_bucket", {{"le", "1"}}), 0);
  EXPECT_EQ(sample_value(e, "tapemeasure_recall_misses_total", {{"rule", "delivered"}}), 1);
  EXPECT_EQ(sample_value(e, "tapemeasure_remembered", {{"table", "queue"}}), 1);  // recall does not forget
}

TEST(MemoryRulesTest, RecallMissSkipsOnlyTheMetricsThatUseTheTable) {
  Rig rig;
  rig.install(kPostfix);
  const auto ev = rig.events("Nov 27 09:01:05 mx1 postfix/smtp[42]: NOPE: to=<c@d>, relay=proxy1, status=sent");
  ASSERT_EQ(ev.size(), 1u);  // the rule still takes the line
  EXPECT_THAT(ev[0], ::testing::Not(HasSubstr(R"("size":"2)")));
  const auto e = rig.scrape();
  EXPECT_EQ(sample_value(e, "bytes_total", {{"relay", "proxy1"}}), std::nullopt);
  EXPECT_EQ(sample_value(e, "deliveries_total", {{"relay", "proxy1"}}), 1);
  EXPECT_EQ(sample_value(e, "wait_seconds_count"), std::nullopt);  // a histogram has no series before its first value
  EXPECT_EQ(sample_value(e, "tapemeasure_recall_misses_total", {{"rule", "delivered"}}), 1);
  EXPECT_EQ(sample_value(e, "tapemeasure_recall_misses_total", {{"rule", "removed"}}), 0);
  // Only rules that recall have the series.
  EXPECT_EQ(sample_value(e, "tapemeasure_recall_misses_total", {{"rule", "qmgr_size"}}), std::nullopt);
  // A miss is not a bad value.
  EXPECT_EQ(sample_value(e, "tapemeasure_bad_values_total", {{"rule", "delivered"}}), 0);
  EXPECT_EQ(rig.processor.rule_stats()[1].recall_misses, 1u);
  EXPECT_EQ(rig.processor.rule_stats()[1].matches, 1u);
}

TEST(MemoryRulesTest, ForgetTrueRemovesAfterTheLine) {
  Rig rig;
  rig.install(kPostfix);
  rig.process("Nov 27 09:01:02 mx1 postfix/qmgr[41]: 4F1A: from=<a@b>, size=2048, nrcpt=1");
  rig.process("Nov 27 09:01:32 mx1 postfix/qmgr[41]: 4F1A: removed");
  EXPECT_EQ(rig.value("lifetime_seconds_sum"), 30);  // the removing line itself still saw it
  EXPECT_EQ(rig.value("removed_total"), 1);
  EXPECT_EQ(rig.value("tapemeasure_remembered", {{"table", "queue"}}), 0);
  rig.process("Nov 27 09:01:33 mx1 postfix/qmgr[41]: 4F1A: removed");
  rig.process("Nov 27 09:01:34 mx1 postfix/smtp[42]: 4F1A: to=<c@d>, relay=proxy2, status=sent");
  const auto e = rig.scrape();
  EXPECT_EQ(sample_value(e, "lifetime_seconds_count"), 1);
  EXPECT_EQ(sample_value(e, "removed_total"), 2);
  EXPECT_EQ(sample_value(e, "tapemeasure_recall_misses_total", {{"rule", "removed"}}), 1);
  EXPECT_EQ(sample_value(e, "tapemeasure_recall_misses_total", {{"rule", "delivered"}}), 1);
}

constexpr const char* kKv = R"(rules:
  - name: put
    match: '^put (?P<id>\w+) (?P<n>-?\d+)'
    recall: {from: kv, key: '${id}'}
    remember: {in: kv, key: '${id}'}
    event: {old: '${kv.n}'}
    metrics:
      - gauge: previous_n
        set: '${kv.n}'
      - gauge: change
        set: '${n} - ${kv.n}'
      - counter: puts_total
  - name: drop
    match: '^drop (?P<id>\w+)'
    forget: {from: kv, key: '${id}'}
    event: false
  - name: maybe_drop
    match: '^maybe (?P<id>\w+) (?P<really>\w+)'
    when: "${really} == 'yes'"
    forget: {from: kv, key: '${id}'}
    event: false
  - name: fallback
    match: '^maybe '
    event: false
    metrics:
      - counter: maybe_not_total
  - name: get
    match: '^get (?P<id>\w+)'
    recall: {from: kv, key: '${id}'}
    metrics:
      - gauge: got
        set: '${kv.n}'
        labels: {id: '${id}'}
)";

TEST(MemoryRulesTest, ARuleThatRecallsAndRemembersTheSameKeySeesTheOldEntry) {
  Rig rig;
  rig.install(kKv);
  auto ev = rig.events("put a 3");
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_THAT(ev[0], ::testing::Not(HasSubstr(R"("old":"3")")));  // a miss: nothing old yet
  EXPECT_EQ(rig.value("tapemeasure_recall_misses_total", {{"rule", "put"}}), 1);
  EXPECT_EQ(rig.value("previous_n"), 0);  // not applied (zero from the start)
  ev = rig.events("put a 10");
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_THAT(ev[0], HasSubstr(R"("old":"3")"));
  EXPECT_EQ(rig.value("previous_n"), 3);
  EXPECT_EQ(rig.value("change"), 7);
  rig.process("put a -2");
  EXPECT_EQ(rig.value("previous_n"), 10);
  EXPECT_EQ(rig.value("change"), -12);
  EXPECT_EQ(rig.value("tapemeasure_recall_misses_total", {{"rule", "put"}}), 1);
  EXPECT_EQ(rig.value("puts_total"), 3);
  EXPECT_EQ(rig.value("tapemeasure_remembered", {{"table", "kv"}}), 1);
}

TEST(MemoryRulesTest, ForgetWithoutRecall) {
  Rig rig;
  rig.install(kKv);
  rig.process("put a 1");
  rig.process("put b 2");
  EXPECT_EQ(rig.value("tapemeasure_remembered", {{"table", "kv"}}), 2);
  rig.process("drop a");
  EXPECT_EQ(rig.value("tapemeasure_remembered", {{"table", "kv"}}), 1);
  rig.process("drop nothing");  // forgetting what is not there is no miss
  rig.process("get a");
  rig.process("get b");
  const auto e = rig.scrape();
  EXPECT_EQ(sample_value(e, "got", {{"id", "a"}}), std::nullopt);
  EXPECT_EQ(sample_value(e, "got", {{"id", "b"}}), 2);
  EXPECT_EQ(sample_value(e, "tapemeasure_recall_misses_total", {{"rule", "get"}}), 1);
  EXPECT_EQ(sample_value(e, "tapemeasure_recall_misses_total", {{"rule", "drop"}}), std::nullopt);
}

TEST(MemoryRulesTest, RuleWhenFalseDoesNothingAndLaterRulesAreTried) {
  Rig rig;
  rig.install(kKv);
  rig.process("put a 1");
  EXPECT_EQ(rig.process("maybe a no"), 1);  // taken by fallback
  EXPECT_EQ(rig.value("maybe_not_total"), 1);
  EXPECT_EQ(rig.value("tapemeasure_lines_matched_total", {{"rule", "maybe_drop"}}), 0);
  EXPECT_EQ(rig.value("tapemeasure_lines_matched_total", {{"rule", "fallback"}}), 1);
  EXPECT_EQ(rig.value("tapemeasure_remembered", {{"table", "kv"}}), 1);  // not forgotten
  EXPECT_EQ(rig.process("maybe a yes"), 1);  // taken by maybe_drop: fallback is not tried
  EXPECT_EQ(rig.value("maybe_not_total"), 1);
  EXPECT_EQ(rig.value("tapemeasure_remembered", {{"table", "kv"}}), 0);
}

TEST(MemoryRulesTest, WhenFalseRemembersNothingAndMissesNothing) {
  Rig rig;
  rig.install(R"(rules:
  - name: big
    match: '^put (?P<id>\w+) (?P<n>\d+)'
    recall: {from: t, key: '${id}'}
    remember: {in: t, key: '${id}'}
    when: '${n} > 100'
    metrics:
      - counter: big_total
  - name: any
    match: '^put '
    metrics:
      - counter: any_total
  - name: get
    match: '^get (?P<id>\w+)'
    recall: {from: t, key: '${id}'}
    metrics:
      - counter: got_total
        value: '${t.n}'
)");
  EXPECT_EQ(rig.process("put a 5"), 1);
  auto e = rig.scrape();
  EXPECT_EQ(sample_value(e, "any_total"), 1);
  EXPECT_EQ(sample_value(e, "big_total"), 0);
  EXPECT_EQ(sample_value(e, "tapemeasure_remembered", {{"table", "t"}}), 0);
  EXPECT_EQ(sample_value(e, "tapemeasure_recall_misses_total", {{"rule", "big"}}), 0);
  rig.process("get a");
  EXPECT_EQ(rig.value("tapemeasure_recall_misses_total", {{"rule", "get"}}), 1);
  EXPECT_EQ(rig.process("put a 500"), 1);
  e = rig.scrape();
  EXPECT_EQ(sample_value(e, "any_total"), 1);
  EXPECT_EQ(sample_value(e, "big_total"), 1);
  EXPECT_EQ(sample_value(e, "tapemeasure_recall_misses_total", {{"rule", "big"}}), 1);  // nothing stored yet
  EXPECT_EQ(sample_value(e, "tapemeasure_remembered", {{"table", "t"}}), 1);
  rig.process("get a");
  EXPECT_EQ(rig.value("got_total"), 500);
}

TEST(MemoryRulesTest, WhenReadsRecalledFields) {
  Rig rig;
  rig.install(R"(rules:
  - name: open
    match: '^open (?P<id>\w+) (?P<user>\w+)'
    remember: {in: s, key: '${id}'}
    event: false
  - name: close_root
    match: '^close (?P<id>\w+)'
    recall: {from: s, key: '${id}'}
    when: "${s.user} == 'root'"
    metrics:
      - counter: root_closes_total
  - name: close_other
    match: '^close '
    metrics:
      - counter: other_closes_total
)");
  rig.process("open 1 root");
  rig.process("open 2 alice");
  rig.process("close 1");
  rig.process("close 2");
  rig.process("close 3");  // a miss reads as an empty user: not root
  const auto e = rig.scrape();
  EXPECT_EQ(sample_value(e, "root_closes_total"), 1);
  EXPECT_EQ(sample_value(e, "other_closes_total"), 2);
  EXPECT_EQ(sample_value(e, "tapemeasure_recall_misses_total", {{"rule", "close_root"}}), 0);
}

TEST(MemoryRulesTest, WhenOnOneMetric) {
  Rig rig;
  rig.install(R"(rules:
  - name: req
    match: '^(?P<method>[A-Z]+) (?P<status>\d+) (?P<ms>\S+)'
    metrics:
      - counter: requests_total
      - counter: slow_total
        when: '${ms} >= 1000'
      - counter: errors_total
        when: "${status} >= 500 and ${method|lower} != 'head'"
        labels: {status: '${status}'}
)");
  rig.process("GET 200 5");
  rig.process("GET 503 1500");
  rig.process("HEAD 503 2");
  rig.process("POST 500 -");
  const auto e = rig.scrape();
  EXPECT_EQ(sample_value(e, "requests_total"), 4);
  EXPECT_EQ(sample_value(e, "slow_total"), 1);  // "-" is no number: false
  EXPECT_EQ(sample_value(e, "errors_total", {{"status", "503"}}), 1);
  EXPECT_EQ(sample_value(e, "errors_total", {{"status", "500"}}), 1);
}

// The recalled entry may be gone (forget: true, or evicted by the rule's own remember) by
// the time the rule's forget and remember run; what they read of it must still be there.
constexpr const char* kHandOver = R"(rules:
  - name: open
    match: '^open (?P<id>\w+) (?P<user>\w+)'
    remember: {in: s, key: '${id}'}
    event: false
  - name: close
    match: '^close (?P<id>\w+)'
    recall: {from: s, key: '${id}', forget: true}
    forget: {from: closed, key: 'old/${s.user}'}
    remember: {in: closed, key: '${s.user}'}
    event: false
  - name: keep
    match: '^keep (?P<id>\w+)'
    recall: {from: s, key: '${id}'}
    remember: [{in: s, key: 'kept/${id}'}, {in: closed, key: '${s.user}'}]
    event: false
  - name: who
    match: '^who (?P<user>\w+)'
    recall: {from: closed, key: '${user}'}
    metrics:
      - counter: found_total
        value: '${closed.elapsed} + 1'
        labels: {user: '${user}'}
)";

TEST(MemoryRulesTest, RecalledFieldsOutliveAForgottenEntry) {
  Rig rig;
  rig.install(kHandOver);
  const std::string user = "a_user_name_long_enough_to_live_on_the_heap";
  rig.process("open a " + user);
  rig.process("close a");
  EXPECT_EQ(rig.value("tapemeasure_remembered", {{"table", "s"}}), 0);
  rig.process("who " + user);
  EXPECT_EQ(rig.value("found_total", {{"user", user}}), 1);
  EXPECT_EQ(rig.value("tapemeasure_recall_misses_total", {{"rule", "who"}}), 0);
}

TEST(MemoryRulesTest, RecalledFieldsOutliveAnEvictedEntry) {
  Rig rig(1);  // the rule's first remember evicts the entry it recalled
  rig.install(kHandOver);
  const std::string user = "a_user_name_long_enough_to_live_on_the_heap";
  rig.process("open a " + user);
  rig.process("keep a");
  EXPECT_EQ(rig.value("tapemeasure_remembered_evicted_total", {{"table", "s"}}), 1);
  rig.process("who " + user);
  EXPECT_EQ(rig.value("found_total", {{"user", user}}), 1);
}

TEST(MemoryRulesTest, EntriesExpireInLogTime) {
  Rig rig;
  rig.install(R"(format: syslog
rules:
  - name: start
    match: '^app: start (?P<id>\w+)'
    remember: {in: jobs, key: '${id}', for: 10s}
    event: false
  - name: stop
    match: '^app: stop (?P<id>\w+)'
    recall: {from: jobs, key: '${id}'}
    metrics:
      - counter: job_seconds_total
        value: '${jobs.elapsed}'
  - name: tick
    match: '^app: tick'
)");
  rig.process("Nov 27 09:00:00 h app: start a");
  rig.process("Nov 27 09:00:00 h app: start b");
  rig.process("Nov 27 09:00:10 h app: stop a");  // exactly at its end: still there
  EXPECT_EQ(rig.value("job_seconds_total"), 10);
  rig.process("Nov 27 09:00:11 h app: start z");  // the newest log time moves on; b is past its 10 s
  rig.process("Nov 27 09:00:05 h app: stop b");   // a log that jumps back does not revive it
  EXPECT_EQ(rig.value("job_seconds_total"), 10);
  EXPECT_EQ(rig.value("tapemeasure_recall_misses_total", {{"rule", "stop"}}), 1);
  // Arrival time does not matter: only the lines' own times do.
  rig.processor.set_arrival(utc_epoch(2026, 11, 27, 18, 0, 0));
  rig.process("Nov 27 09:00:20 h app: start c");
  rig.process("Nov 27 09:00:25 h app: stop c");
  EXPECT_EQ(rig.value("job_seconds_total"), 15);
}

TEST(MemoryRulesTest, EvictionAtMaxRemembered) {
  Rig rig(3);
  rig.install(kKv);
  for (const char* id : {"a", "b", "c", "d", "e"}) rig.process(std::string("put ") + id + " 1");
  auto e = rig.scrape();
  EXPECT_EQ(sample_value(e, "tapemeasure_remembered", {{"table", "kv"}}), 3);
  EXPECT_EQ(sample_value(e, "tapemeasure_remembered_evicted_total", {{"table", "kv"}}), 2);
  rig.process("get a");  // evicted
  rig.process("get e");
  e = rig.scrape();
  EXPECT_EQ(sample_value(e, "got", {{"id", "a"}}), std::nullopt);
  EXPECT_EQ(sample_value(e, "got", {{"id", "e"}}), 1);
  // Replacing a key evicts nothing.
  rig.process("put c 2");
  EXPECT_EQ(rig.value("tapemeasure_remembered_evicted_total", {{"table", "kv"}}), 2);
}

TEST(MemoryRulesTest, TablesSurviveAReloadThatStillNamesThem) {
  Rig rig;
  rig.install(kKv);
  rig.process("put a 7");
  rig.process("put b 8");
  rig.process("drop b");
  // The same table, other rules around it.
  rig.install(R"(rules:
  - name: store
    match: '^put (?P<id>\w+) (?P<n>\d+)'
    remember: {in: kv, key: '${id}'}
  - name: fetch
    match: '^get (?P<id>\w+)'
    recall: {from: kv, key: '${id}'}
    metrics:
      - gauge: fetched
        set: '${kv.n}'
)");
  EXPECT_EQ(rig.value("tapemeasure_remembered", {{"table", "kv"}}), 1);
  rig.process("get a");
  EXPECT_EQ(rig.value("fetched"), 7);
  // A rule set without the table drops it (and its series) ...
  rig.install(R"(rules:
  - name: other
    match: '^x'
)");
  auto e = rig.scrape();
  EXPECT_EQ(sample_value(e, "tapemeasure_remembered", {{"table", "kv"}}), std::nullopt);
  EXPECT_EQ(sample_value(e, "tapemeasure_remembered_evicted_total", {{"table", "kv"}}), std::nullopt);
  EXPECT_TRUE(rig.processor.memory().tables().empty());
  // ... so naming it again starts empty.
  rig.install(kKv);
  rig.process("get a");
  e = rig.scrape();
  EXPECT_EQ(sample_value(e, "got", {{"id", "a"}}), std::nullopt);
  EXPECT_EQ(sample_value(e, "tapemeasure_remembered", {{"table", "kv"}}), 0);
}

// Many ids, interleaved, with misses, forgets and evictions: the same results however many
// threads match.
std::vector<std::string> mixed_lines() {
  std::vector<std::string> lines;
  for (int i = 0; i < 600; ++i) {
    const std::string id = "Q" + std::to_string(i % 97);
    const int sec = i / 10;
    char ts[32];
    std::snprintf(ts, sizeof ts, "Nov 27 09:%02d:%02d", sec / 60, sec % 60);
    switch (i % 4) {
      case 0: lines.push_back(std::string(ts) + " mx1 postfix/qmgr[41]: " + id + ": from=<a@b>, size=" + std::to_string(100 + i) + ", nrcpt=1"); break;
      case 1: lines.push_back(std::string(ts) + " mx1 postfix/smtp[42]: " + id + ": to=<c@d>, relay=r" + std::to_string(i % 3) + ", status=sent"); break;
      case 2: lines.push_back(std::string(ts) + " mx1 postfix/qmgr[41]: " + id + ": removed"); break;
      default: lines.push_back(std::string(ts) + " mx1 unrelated: line " + std::to_string(i)); break;
    }
  }
  return lines;
}

// The samples that do not depend on timing or threads.
std::map<std::string, double> comparable(const Exposition& e) {
  std::map<std::string, double> out;
  for (const auto& s : e.samples) {
    if (s.name.starts_with("tapemeasure_") && s.name != "tapemeasure_recall_misses_total" &&
        s.name != "tapemeasure_remembered" && s.name != "tapemeasure_remembered_evicted_total" &&
        s.name != "tapemeasure_lines_matched_total" && s.name != "tapemeasure_lines_total")
      continue;
    std::string key = s.name;
    for (const auto& [k, v] : s.labels) key += "|" + k + "=" + v;
    out[key] = s.value;
  }
  return out;
}

TEST(MemoryRulesTest, SeveralMatchThreadsGiveTheSameResults) {
  const auto lines = mixed_lines();
  std::vector<std::string_view> views(lines.begin(), lines.end());
  std::map<std::string, double> results[2];
  for (int k = 0; k < 2; ++k) {
    // A busy machine may let the calling thread match every chunk itself; run again until a
    // helper took part, or the comparison proves nothing. Ten tries in a row can all lose the
    // race while another process holds the cores (a CI run did): try for up to 20 s, with a
    // pause between tries for the helpers to be scheduled.
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    for (int attempt = 0;; ++attempt) {
      Rig rig(40, k == 0 ? 1 : 3);  // small tables: evictions too
      rig.install(kPostfix);
      for (std::size_t at = 0; at < views.size(); at += 200)
        rig.processor.process_batch(std::span(views).subspan(at, std::min<std::size_t>(200, views.size() - at)));
      results[k] = comparable(rig.scrape());
      if (k == 0 || rig.processor.helper_chunks() > 0) break;
      ASSERT_LT(std::chrono::steady_clock::now(), give_up) << "the helpers never matched a chunk in " << attempt + 1 << " tries";
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }
  EXPECT_EQ(results[0], results[1]);
  EXPECT_GT(results[0]["bytes_total|relay=r1"], 0);
  EXPECT_GT(results[0]["tapemeasure_remembered_evicted_total|table=queue"], 0);
  EXPECT_GT(results[0]["tapemeasure_recall_misses_total|rule=delivered"], 0);
}

TEST(MemoryRulesTest, RawFileTimeLayoutAndLineTime) {
  Rig rig;
  rig.install(R"(time: {field: t, layout: rfc3339}
rules:
  - name: start
    match: '^(?P<t>\S+) start (?P<id>\w+)'
    remember: {in: s, key: '${id}', for: 1d}
    event: false
  - name: stop
    match: '^(?P<t>\S+) stop (?P<id>\w+)'
    recall: {from: s, key: '${id}', forget: true}
    event: {at: '${line.time}', took: '${s.elapsed}'}
    metrics:
      - histogram: session_seconds
        value: '${s.elapsed}'
        buckets: [1, 60]
      - gauge: last_stop_time
        set: '${line.time}'
  - name: untimed
    match: '^stamp'
    metrics:
      - gauge: stamp_time
        set: '${line.time}'
)");
  rig.process("2026-11-27T09:00:00Z start a");
  const auto ev = rig.events("2026-11-27T10:00:42.5+01:00 stop a");
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_THAT(ev[0], HasSubstr(R"("took":"42.5")"));
  EXPECT_THAT(ev[0], HasSubstr(R"("at":"1795770042.5")"));
  auto e = rig.scrape();
  EXPECT_EQ(sample_value(e, "session_seconds_sum"), 42.5);
  EXPECT_NEAR(sample_value(e, "last_stop_time").value_or(0), 1795770042.5, 1e-3);
  // A time that does not fit the layout: the arrival time.
  rig.process("2026-11-27T09:10:00Z start b");
  rig.process("yesterday stop b");
  e = rig.scrape();
  EXPECT_NEAR(sample_value(e, "last_stop_time").value_or(0), utc_epoch(2026, 11, 27, 12, 0, 0), 1e-3);
  EXPECT_NEAR(sample_value(e, "session_seconds_sum").value_or(0), 42.5 + 3 * 3600 - 600, 1e-6);
  // A rule that does not capture the field: arrival time.
  rig.process("stamp");
  EXPECT_NEAR(rig.value("stamp_time").value_or(0), utc_epoch(2026, 11, 27, 12, 0, 0), 1e-3);
}

TEST(MemoryRulesTest, TimeLayoutsOfTwoFilesAreNotMixedUp) {
  // Two raw files, one writing seconds and one milliseconds: the same text means another time.
  rules::RuleErrors errors;
  std::vector<RuleFileSpec> files;
  files.push_back(parse_rule_file("s.yml", R"(time: {field: t, layout: unix}
rules:
  - name: secs
    match: '^s (?P<t>\d+)'
    continue: true
    metrics:
      - gauge: secs_time
        set: '${line.time}'
)", errors));
  files.push_back(parse_rule_file("ms.yml", R"(time: {field: t, layout: unix_ms}
rules:
  - name: millis
    match: '^[sm] (?P<t>\d+)'
    metrics:
      - gauge: millis_time
        set: '${line.time}'
)", errors));
  ASSERT_TRUE(errors.empty()) << to_string(errors);
  auto set = RuleSet::compile(files, errors);
  ASSERT_NE(set, nullptr) << to_string(errors);
  Rig rig;
  rig.processor.install(set);
  rig.process("s 1700000000");
  const auto e = rig.scrape();
  EXPECT_EQ(sample_value(e, "secs_time"), 1700000000);
  EXPECT_EQ(sample_value(e, "millis_time"), 1700000);
}

TEST(MemoryRulesTest, ZeroFromTheStart) {
  constexpr const char* kRules = R"(rules:
  - name: r
    match: '^(?P<method>[A-Z]+) (?P<status>\d+)'
    metrics:
      - counter: requests_total
      - counter: literal_total
        labels: {kind: web, zone: eu}
      - gauge: literal_gauge
        set: '1'
        labels: {kind: web}
      - counter: by_status_total
        labels: {status: '${status}', method: '${method|lower}'}
        init: [{status: '500', method: get}, {method: post, status: '500'}]
      - histogram: literal_hist
        value: '1'
        buckets: [1]
)";
  Rig rig;
  rig.install(kRules);
  auto e = rig.scrape();
  EXPECT_EQ(sample_value(e, "requests_total"), 0);
  EXPECT_EQ(sample_value(e, "literal_total", {{"kind", "web"}, {"zone", "eu"}}), 0);
  EXPECT_EQ(sample_value(e, "literal_gauge", {{"kind", "web"}}), 0);
  EXPECT_EQ(sample_value(e, "by_status_total", {{"status", "500"}, {"method", "get"}}), 0);
  EXPECT_EQ(sample_value(e, "by_status_total", {{"status", "500"}, {"method", "post"}}), 0);
  EXPECT_EQ(sample_value(e, "by_status_total", {{"status", "200"}, {"method", "get"}}), std::nullopt);
  rig.process("GET 500");
  rig.process("GET 200");
  // A reload keeps the counts; it does not reset them to the initial 0.
  rig.install(kRules);
  e = rig.scrape();
  EXPECT_EQ(sample_value(e, "requests_total"), 2);
  EXPECT_EQ(sample_value(e, "literal_total", {{"kind", "web"}, {"zone", "eu"}}), 2);
  EXPECT_EQ(sample_value(e, "literal_gauge", {{"kind", "web"}}), 1);
  EXPECT_EQ(sample_value(e, "by_status_total", {{"status", "500"}, {"method", "get"}}), 1);
  EXPECT_EQ(sample_value(e, "by_status_total", {{"status", "500"}, {"method", "post"}}), 0);
  EXPECT_EQ(sample_value(e, "by_status_total", {{"status", "200"}, {"method", "get"}}), 1);
  EXPECT_EQ(sample_value(e, "literal_hist_count"), 2);
}

TEST(MemoryRulesTest, LoadErrors) {
  EXPECT_THAT(error_lines(R"(rules:
  - name: d
    match: '(?P<x>a)|(?P<x>b)'
)"),
              ElementsAre("test.yml:3: rule d: capture name (?P<x>) is used twice in the pattern (groups 1 and 2); "
                          "give each group its own name"));
  EXPECT_THAT(error_lines(R"(rules:
  - name: h
    match: '^h (?P<v>\d+)'
    metrics:
      - histogram: h
        value: '${v}'
  - name: c
    match: '^c'
    metrics:
      - counter: h_count
)"),
              ElementsAre("test.yml:10: rule c: metric h_count (counter) and h (histogram, declared at test.yml:5) "
                          "both write samples named h_count; rename one"));
  EXPECT_THAT(error_lines(R"(rules:
  - name: get
    match: '^get (?P<id>\w+)'
    recall: {from: queu, key: '${id}'}
)"),
              ElementsAre("test.yml:4: rule get: recall from table 'queu', which no rule remembers into "
                          "(no rule has remember: {in: TABLE, key: ...})"));
  EXPECT_THAT(error_lines(R"(rules:
  - name: put
    match: '^put (?P<id>\w+) (?P<size>\d+)'
    remember: {in: queue, key: '${id}'}
  - name: get
    match: '^get (?P<id>\w+)'
    recall: {from: queue, key: '${id}'}
    metrics:
      - counter: bytes_total
        value: '${queue.sise}'
)"),
              ElementsAre("test.yml:7: rule get: ${queue.sise}: no rule that remembers into 'queue' has a field "
                          "'sise' (they have: id, size)"));
  EXPECT_THAT(error_lines(R"(rules:
  - name: put
    match: '^put (?P<id>\w+) (?P<size>\d+)'
    remember: {in: queue, key: '${id}'}
  - name: get
    match: '^get (?P<id>\w+)'
    event: {size: '${queue.size}'}
    metrics:
      - counter: bytes_total
        value: '${queue.size}'
)"),
              ElementsAre("test.yml:7: rule get: ${queue.size}: this rule recalls no table 'queue' (add recall: "
                          "{from: queue, key: ...})",
                          "test.yml:10: rule get: expression '${queue.size}' at 1: ${queue.size}: this rule recalls "
                          "no table 'queue' (add recall: {from: queue, key: ...})"));
  EXPECT_THAT(error_lines(R"(rules:
  - name: drop
    match: '^drop (?P<id>\w+)'
    forget: {from: queu, key: '${id}'}
)"),
              ElementsAre(HasSubstr("test.yml:4: rule drop: forget from table 'queu', which no rule remembers into")));
  EXPECT_THAT(error_lines(R"(rules:
  - name: put
    match: '^put (?P<id>\w+)'
    remember: {in: q, key: '${id}'}
    recall: [{from: q, key: '${id}'}, {from: q, key: '${id}'}]
)"),
              ElementsAre(HasSubstr("rule put: table 'q' is recalled twice by this rule")));
  EXPECT_THAT(error_lines(R"(rules:
  - name: t
    match: '^x'
    event: {at: '${line.foo}'}
)"),
              ElementsAre("test.yml:4: rule t: ${line.foo}: the only field of 'line' is ${line.time}"));
  EXPECT_THAT(error_lines(R"(rules:
  - name: w
    match: '^(?P<m>\w+)'
    when: "${m} == HEAD"
)"),
              ElementsAre(HasSubstr("test.yml:4: rule w: expression '${m} == HEAD' at 9: unknown word 'HEAD'")));
  EXPECT_THAT(error_lines(R"(rules:
  - name: w
    match: '^(?P<m>\w+)'
    metrics:
      - counter: c_total
        when: "${m} and 1"
)"),
              ElementsAre(HasSubstr("test.yml:6: rule w: expression '${m} and 1' at 6: 'and' joins conditions")));
  EXPECT_THAT(error_lines(R"(rules:
  - name: i
    match: '^(?P<m>\w+) (?P<s>\d+)'
    metrics:
      - counter: c_total
        labels: {method: '${m}', status: '${s}'}
        init: [{method: get}, {method: get, status: '1', code: x}]
)"),
              ElementsAre("test.yml:7: rule i: init: label set gives no value for 'status'",
                          "test.yml:7: rule i: init: label 'code' is not a label of c_total"));
  EXPECT_THAT(error_lines(R"(time: {field: t, layout: '%d/%b/%Y %H:%M:%S %Z'}
rules:
  - name: r
    match: '^(?P<t>.*)'
)"),
              ElementsAre("test.yml:1: time layout '%d/%b/%Y %H:%M:%S %Z': %Z (zone names) is ambiguous; use %z (+0100)"));
}

constexpr const char* kWarnings = R"(rules:
  - name: any_get
    match: '^GET '
    continue: true
  - name: get_ok
    match: '^GET (?P<path>\S+) 200'
    tests:
      - line: 'GET / 200'
        expect: {path: /}
  - name: catch_all
    match: '^(?P<word>\w+)'
    %s
  - name: never
    match: '^POST'
    tests:
      - line: 'POST / 200'
        expect: no match
)";

std::vector<std::string> warnings_of(const std::string& yaml) {
  const auto set = must_compile(yaml);
  if (!set) return {"<does not compile>"};
  const RuleTestReport report = run_rule_tests(*set);
  EXPECT_EQ(report.run, 2);
  EXPECT_THAT(report.failures, IsEmpty()) << to_string(report.failures);
  std::vector<std::string> out;
  for (const auto& w : report.warnings) out.push_back(w.to_string());
  return out;
}

TEST(MemoryRulesTest, TestWarningsDoNotFailTheLoad) {
  char yaml[1024];
  std::snprintf(yaml, sizeof yaml, kWarnings, "when: \"${word} != 'x'\"");
  EXPECT_THAT(warnings_of(yaml),
              // any_get takes get_ok's line too, but says continue: true: counting a line twice
              // on purpose is no warning.
              ElementsAre("test.yml:16: rule never: test expects no match and gets none, but only because rule "
                          "catch_all takes the line first: this rule's pattern matches it"));
}

// The same without `when:` on catch_all: matching stops at catch_all, so run_rule_tests asks
// `never`'s own regex whether it matches the line.
TEST(MemoryRulesTest, NoMatchOnlyBecauseAnEarlierRuleTakesTheLineWarnsWithoutWhen) {
  char yaml[1024];
  std::snprintf(yaml, sizeof yaml, kWarnings, "");
  EXPECT_THAT(warnings_of(yaml),
              ElementsAre(HasSubstr("test.yml:16: rule never: test expects no match and gets none, but only because "
                                    "rule catch_all takes the line first")));
}

TEST(MemoryRulesTest, InFileTestsRecallNothing) {
  const auto set = must_compile(kPostfix);
  ASSERT_NE(set, nullptr);
  EXPECT_THAT(run_rule_tests(*set).failures, IsEmpty());
  const auto with_tests = must_compile(R"(rules:
  - name: put
    match: '^put (?P<id>\w+) (?P<n>\d+)'
    remember: {in: kv, key: '${id}'}
    tests:
      - line: 'put a 1'
        expect: {id: a}
  - name: get
    match: '^get (?P<id>\w+)'
    recall: {from: kv, key: '${id}'}
    event: {n: '${kv.n}'}
    metrics:
      - counter: n_total
        value: '${kv.n}'
    tests:
      - line: 'get a'
        expect: {id: a}
)");
  ASSERT_NE(with_tests, nullptr);
  const auto report = run_rule_tests(*with_tests);
  EXPECT_EQ(report.run, 2);
  EXPECT_THAT(report.failures, IsEmpty()) << to_string(report.failures);
}

}  // namespace
}  // namespace tapemeasure::rules
