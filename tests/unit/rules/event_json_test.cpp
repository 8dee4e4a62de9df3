#include "rules/event_json.hpp"

#include <gtest/gtest.h>

#include "support/test_support.hpp"
#include "util/utf8.hpp"

namespace tapemeasure::rules {
namespace {

using tapemeasure::testing::must_compile;

// Renders the events `line` produces (all fields extracted), one JSON text per match.
std::vector<std::string> events(const RuleSet& set, std::string_view line, std::int64_t ts = 1764233462123) {
  std::vector<std::string> out;
  MatchScratch scratch;
  set.match(line, scratch, true, [&](const RuleMatch& m) { out.push_back(render_event_json(m, ts)); });
  return out;
}

TEST(EventJsonTest, TsRuleEventFieldsThenCaptures) {
  const auto set = must_compile(R"(format: syslog
rules:
  - name: postfix_delivered
    match: '^postfix/smtp\[\d+\]: (?P<queue_id>\w+): to=<(?P<rcpt>[^>]*)>, relay=(?P<relay>[^\[]+)\[(?P<ip>[^\]]+)\]'
    event:
      type: delivered
      from: '${host}'
      to: '${relay}'
)");
  EXPECT_EQ(events(*set, "Nov 27 09:01:02 mta1 postfix/smtp[42]: 4F1A2B: to=<a@b.example>, relay=proxy2[74.125.1.9]:25"),
            std::vector<std::string>{
                R"({"ts":1764233462123,"rule":"postfix_delivered","type":"delivered","from":"mta1","to":"proxy2",)"
                R"("queue_id":"4F1A2B","rcpt":"a@b.example","relay":"proxy2","ip":"74.125.1.9",)"
                R"("host":"mta1","program":"postfix/smtp","pid":"42"})"});
}

TEST(EventJsonTest, EventFieldWinsOverCaptureOfTheSameName) {
  const auto set = must_compile("rules:\n  - name: r\n    match: '(?P<to>\\w+)'\n    event: {to: 'fixed'}\n");
  EXPECT_EQ(events(*set, "abc", 5), std::vector<std::string>{R"({"ts":5,"rule":"r","to":"fixed"})"});
}

TEST(EventJsonTest, GroupsThatDidNotTakePartAreLeftOut) {
  const auto set = must_compile("rules:\n  - name: r\n    match: 'a(?P<x>b)?(?P<y>c*)'\n");
  EXPECT_EQ(events(*set, "a", 1), std::vector<std::string>{R"({"ts":1,"rule":"r","y":""})"});
}

TEST(EventJsonTest, InvalidUtf8AndControlCharactersGiveValidJson) {
  const auto set = must_compile("rules:\n  - name: r\n    match: 'v=(?P<v>.*)'\n    event: {e: '${v}'}\n");
  const std::string line = std::string("v=caf\xE9 \"q\" \\ \x01\t") + std::string("\0end", 4);
  const auto out = events(*set, line, 1);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_TRUE(util::is_clean_utf8(out[0]));
  const auto j = nlohmann::json::parse(out[0]);  // throws if invalid
  EXPECT_EQ(j["rule"], "r");
  EXPECT_EQ(j["e"], j["v"]);
  const std::string v = j["v"];
  EXPECT_NE(v.find("caf\xEF\xBF\xBD"), std::string::npos) << v;  // the Latin-1 byte replaced
  EXPECT_NE(v.find("\"q\" \\ \x01\t"), std::string::npos);
  EXPECT_NE(v.find("end"), std::string::npos);
  EXPECT_EQ(out[0].find('\n'), std::string::npos);  // one line
}

TEST(EventJsonTest, EventFieldsWithoutTsAndRule) {
  const auto set = must_compile("rules:\n  - name: r\n    match: '(?P<a>x)'\n    event: {type: t}\n");
  MatchScratch scratch;
  set->match("x", scratch, true, [](const RuleMatch& m) {
    EXPECT_EQ(dump_json(event_fields(m)), R"({"type":"t","a":"x"})");
    EXPECT_EQ(dump_json(event_object(m, 7)), R"({"ts":7,"rule":"r","type":"t","a":"x"})");
  });
}

}  // namespace
}  // namespace tapemeasure::rules
