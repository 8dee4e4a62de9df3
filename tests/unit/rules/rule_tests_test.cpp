#include "rules/rule_tests.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "support/test_support.hpp"

namespace tapemeasure::rules {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using tapemeasure::testing::compile_yaml;

std::vector<std::string> failures(std::string_view yaml, int* run = nullptr) {
  RuleErrors errors;
  const auto set = compile_yaml(yaml, errors, "t.yml");
  EXPECT_NE(set, nullptr) << to_string(errors);
  if (!set) return {};
  const auto report = run_rule_tests(*set);
  if (run) *run = report.run;
  std::vector<std::string> out;
  for (const auto& f : report.failures) out.push_back(f.to_string());
  return out;
}

TEST(RuleTestsTest, PassingTestsAreCounted) {
  int run = 0;
  EXPECT_THAT(failures(R"(rules:
  - name: delivered
    match: 'to=<(?P<rcpt>[^>]*)>, relay=(?P<relay>\w+)'
    event: {type: delivered, to: '${relay}'}
    tests:
      - line: 'x: to=<a@b>, relay=proxy2'
        expect: {type: delivered, to: proxy2, rcpt: a@b, relay: proxy2}
      - line: 'x: from=<a@b>'
        expect: no match
      - line: 'x: to=<>, relay=p'
        expect: {rcpt: ''}
)",
                       &run),
              IsEmpty());
  EXPECT_EQ(run, 3);
}

TEST(RuleTestsTest, WrongFieldValue) {
  EXPECT_THAT(failures(R"(rules:
  - name: delivered
    match: 'relay=(?P<relay>\w+)'
    event: {to: '${relay}'}
    tests:
      - line: 'relay=proxy2'
        expect: {to: proxy3}
)"),
              ElementsAre("t.yml:6: rule delivered: test expected field 'to' = 'proxy3', got 'proxy2'"));
}

TEST(RuleTestsTest, MissingField) {
  EXPECT_THAT(failures(R"(rules:
  - name: delivered
    match: 'relay=(?P<relay>\w+)(?: ip=(?P<ip>\S+))?'
    event: {type: delivered}
    tests:
      - line: 'relay=proxy2'
        expect: {ip: 10.0.0.1}
)"),
              ElementsAre("t.yml:6: rule delivered: test expected field 'ip' = '10.0.0.1', but the event has no such "
                          "field (fields: type, relay)"));
}

TEST(RuleTestsTest, LineThatDoesNotMatch) {
  EXPECT_THAT(failures(R"(rules:
  - name: delivered
    match: 'status=sent'
    tests:
      - line: 'status=deferred'
        expect: {type: delivered}
)"),
              ElementsAre("t.yml:5: rule delivered: test line does not match the pattern"));
}

TEST(RuleTestsTest, SyslogLineThatDoesNotMatchShowsWhatWasMatched) {
  EXPECT_THAT(failures(R"(format: syslog
rules:
  - name: delivered
    match: '^Nov'
    tests:
      - line: 'Nov  7 09:01:02 mx1 postfix/smtp[1]: status=sent'
        expect: {host: mx1}
)"),
              ElementsAre("t.yml:6: rule delivered: test line does not match the pattern (matched against: "
                          "'postfix/smtp[1]: status=sent')"));
}

TEST(RuleTestsTest, NoMatchExpectedButMatched) {
  EXPECT_THAT(failures(R"(rules:
  - name: delivered
    match: 'status=(?P<s>\w+)'
    event: {type: delivered}
    tests:
      - line: 'status=sent'
        expect: no match
)"),
              ElementsAre("t.yml:6: rule delivered: test expected no match, but the rule matched: "
                          R"({"type":"delivered","s":"sent"})"));
}

TEST(RuleTestsTest, LineTakenByAnEarlierRule) {
  EXPECT_THAT(failures(R"(rules:
  - name: any_status
    match: 'status='
  - name: delivered
    match: 'status=sent'
    tests:
      - line: 'status=sent'
        expect: {}
)"),
              ElementsAre("t.yml:7: rule delivered: test line was taken by rule any_status first (rules are tried in "
                          "file order)"));
}

TEST(RuleTestsTest, AnEarlierRuleWithContinueDoesNotTakeTheLine) {
  EXPECT_THAT(failures(R"(rules:
  - name: any_status
    match: 'status='
    continue: true
  - name: delivered
    match: 'status=sent'
    tests:
      - line: 'status=sent'
        expect: {}
)"),
              IsEmpty());
}

// With the rules in one order the Set may report them in another; the file order decides.
TEST(RuleTestsTest, TestOfTheFirstOfTwoOverlappingRulesPasses) {
  EXPECT_THAT(failures(R"(rules:
  - name: specific
    match: '^client=(?P<c>\w+), orig_queue_id=(?P<o>\w+)'
    tests:
      - line: 'client=a, orig_queue_id=B'
        expect: {o: B}
  - name: general
    match: '^client=(?P<c>\w+)'
    tests:
      - line: 'client=a'
        expect: {c: a}
)"),
              IsEmpty());
}

TEST(RuleTestsTest, ValueTemplateGivingNoNumberFailsTheTest) {
  EXPECT_THAT(failures(R"(rules:
  - name: sized
    match: 'size=(?P<size>\S+)'
    metrics:
      - histogram: size_bytes
        value: '${size}'
    tests:
      - line: 'size=12kb'
        expect: {size: 12kb}
)"),
              ElementsAre("t.yml:8: rule sized: test: value '${size}' gives '12kb', which is not a number"));
}

TEST(RuleTestsTest, NonStringFieldValuesCompareAsText) {
  EXPECT_THAT(failures(R"(rules:
  - name: r
    match: 'pid=(?P<pid>\d+)'
    tests:
      - line: 'pid=42'
        expect: {pid: 42}
)"),
              IsEmpty());
}

}  // namespace
}  // namespace tapemeasure::rules
