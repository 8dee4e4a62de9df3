#include "rules/rule_set.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "rulefile/rule_file_parser.hpp"
#include "support/test_support.hpp"

namespace tapemeasure::rules {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using tapemeasure::testing::error_lines;
using tapemeasure::testing::must_compile;

// What one call of RuleSet::match reported: rule names and, per rule, its fields.
struct Matched {
  std::vector<std::string> rules;
  std::vector<std::map<std::string, std::string>> fields;  // only fields that took part
};

Matched match(const RuleSet& set, std::string_view line, bool all_fields = true) {
  Matched out;
  MatchScratch scratch;
  const int n = set.match(line, scratch, all_fields, [&](const RuleMatch& m) {
    out.rules.push_back(m.rule.name);
    std::map<std::string, std::string> f;
    for (std::size_t i = 0; i < m.rule.event_auto_fields; ++i)
      if (m.fields[i].data() != nullptr) f[m.rule.fields.names()[i]] = std::string(m.fields[i]);
    out.fields.push_back(std::move(f));
  });
  EXPECT_EQ(n, static_cast<int>(out.rules.size()));
  return out;
}

// --- compile errors: exact "file:line: rule NAME: message" ---------------------------------

TEST(RuleSetCompileTest, DuplicateRuleNamesAcrossFiles) {
  RuleErrors errors;
  std::vector<RuleFileSpec> files;
  files.push_back(parse_rule_file("rules/a.yml", "rules:\n  - name: dup\n    match: a\n", errors));
  files.push_back(parse_rule_file("rules/b.yml", "rules:\n  - name: other\n    match: b\n  - name: dup\n    match: c\n", errors));
  ASSERT_THAT(errors, IsEmpty());
  EXPECT_EQ(RuleSet::compile(files, errors), nullptr);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].to_string(), "rules/b.yml:4: rule dup: duplicate rule name (first defined at rules/a.yml:2)");
}

TEST(RuleSetCompileTest, DuplicateRuleNamesInOneFile) {
  EXPECT_THAT(error_lines("rules:\n  - name: r\n    match: a\n  - name: r\n    match: b\n", "x.yml"),
              ElementsAre("x.yml:4: rule r: duplicate rule name (first defined at x.yml:2)"));
}

TEST(RuleSetCompileTest, InvalidRe2CarriesRe2sMessage) {
  const RE2 re("(?P<a>x", RE2::Quiet);
  ASSERT_FALSE(re.ok());
  EXPECT_THAT(error_lines("rules:\n  - name: broken\n    match: '(?P<a>x'\n", "rules/p.yml"),
              ElementsAre("rules/p.yml:3: rule broken: invalid RE2 pattern: " + re.error()));
  // Perl features RE2 refuses (backreferences, lookaround) are errors too.
  EXPECT_THAT(error_lines("rules:\n  - name: backref\n    match: '(a)\\1'\n", "rules/p.yml"),
              ElementsAre(::testing::StartsWith("rules/p.yml:3: rule backref: invalid RE2 pattern: ")));
  EXPECT_THAT(error_lines("rules:\n  - name: look\n    match: 'a(?=b)'\n", "rules/p.yml"),
              ElementsAre(::testing::StartsWith("rules/p.yml:3: rule look: invalid RE2 pattern: ")));
}

TEST(RuleSetCompileTest, TemplateNamingNoCapture) {
  EXPECT_THAT(error_lines(R"(rules:
  - name: postfix_delivered
    match: 'relay=(?P<relay>\w+)'
    metrics:
      - counter: mail_deliveries_total
        labels: {relay: '${relya}'}
)",
                          "rules/postfix.yml"),
              ElementsAre("rules/postfix.yml:6: rule postfix_delivered: template ${relya} names no capture "
                          "(available: relay)"));
}

TEST(RuleSetCompileTest, TemplateErrorsInEventFieldsAndValues) {
  EXPECT_THAT(error_lines(R"(rules:
  - name: r1
    match: '(?P<a>x)'
    event:
      type: t
      to: '${b}'
    metrics:
      - histogram: h
        value: '${c:-1}'
)",
                          "f.yml"),
              ElementsAre("f.yml:6: rule r1: template ${b} names no capture (available: a)",
                          "f.yml:9: rule r1: expression '${c:-1}' at 1: ${c:-1} names no capture (available: a)"));
}

TEST(RuleSetCompileTest, SyslogFieldsAreAvailableToTemplatesOnlyInSyslogFiles) {
  must_compile("format: syslog\nrules:\n  - name: r\n    match: x\n    event: {to: '${host}${program}${pid}'}\n");
  EXPECT_THAT(error_lines("rules:\n  - name: r\n    match: x\n    event: {to: '${host}'}\n", "f.yml"),
              ElementsAre("f.yml:4: rule r: template ${host} names no capture (available: none)"));
}

TEST(RuleSetCompileTest, MetricDeclaredTwiceWithDifferentKinds) {
  EXPECT_THAT(error_lines(R"(rules:
  - name: r1
    match: a
    metrics:
      - counter: mail_things
  - name: r2
    match: b
    metrics:
      - gauge: mail_things
        set: '1'
)",
                          "m.yml"),
              ElementsAre("m.yml:9: rule r2: metric mail_things declared as gauge here but as counter "
                          "(first declared at m.yml:5)"));
}

TEST(RuleSetCompileTest, MetricDeclaredTwiceWithDifferentLabelNames) {
  EXPECT_THAT(error_lines(R"(rules:
  - name: r1
    match: a
    metrics:
      - counter: mail_things_total
        labels: {mta: a}
  - name: r2
    match: b
    metrics:
      - counter: mail_things_total
        labels: {mta: a, relay: b}
)",
                          "m.yml"),
              ElementsAre("m.yml:10: rule r2: metric mail_things_total declared with different label names "
                          "(first declared at m.yml:5)"));
}

TEST(RuleSetCompileTest, MetricDeclaredTwiceWithDifferentBuckets) {
  EXPECT_THAT(error_lines(R"(rules:
  - name: r1
    match: a
    metrics:
      - histogram: mail_delay_seconds
        value: '1'
        buckets: [1, 2]
  - name: r2
    match: b
    metrics:
      - histogram: mail_delay_seconds
        value: '1'
        buckets: [1, 3]
  - name: r3
    match: c
    metrics:
      - histogram: mail_delay_seconds
        value: '1'
)",
                          "m.yml"),
              ElementsAre("m.yml:11: rule r2: histogram mail_delay_seconds declared with different buckets "
                          "(first declared at m.yml:5)",
                          "m.yml:17: rule r3: histogram mail_delay_seconds declared with different buckets "
                          "(first declared at m.yml:5)"));
}

TEST(RuleSetCompileTest, SameMetricWithLabelsInAnotherOrderIsOneMetric) {
  const auto set = must_compile(R"(rules:
  - name: r1
    match: a
    metrics:
      - counter: mail_things_total
        labels: {mta: m1, relay: r1}
  - name: r2
    match: b
    metrics:
      - counter: mail_things_total
        help: Things.
        labels: {relay: r2, mta: m2}
)");
  ASSERT_NE(set, nullptr);
  ASSERT_EQ(set->metrics().size(), 1u);
  EXPECT_EQ(set->metrics()[0].label_names, (std::vector<std::string>{"mta", "relay"}));
  EXPECT_EQ(set->metrics()[0].help, "Things.");  // a later help replaces the generated one
  // Both rules fill labels in schema order.
  const std::vector<std::string_view> none;
  EXPECT_EQ(set->rule(1).metrics[0].labels[0].expand(none), "m2");
  EXPECT_EQ(set->rule(1).metrics[0].labels[1].expand(none), "r2");
}

TEST(RuleSetCompileTest, ReservedPrefix) {
  EXPECT_THAT(error_lines("rules:\n  - name: r\n    match: a\n    metrics:\n      - counter: tapemeasure_lines_total\n", "m.yml"),
              ElementsAre("m.yml:5: rule r: metric names starting with tapemeasure_ are reserved for the daemon's own"));
}

TEST(RuleSetCompileTest, NonNumericLiteralValue) {
  EXPECT_THAT(error_lines("rules:\n  - name: r\n    match: a\n    metrics:\n      - counter: c_total\n        value: abc\n", "m.yml"),
              ElementsAre("m.yml:6: rule r: value 'abc' is not a number"));
  EXPECT_THAT(error_lines("rules:\n  - name: r\n    match: a\n    metrics:\n      - gauge: g\n        set: '1x'\n", "m.yml"),
              ElementsAre("m.yml:6: rule r: value '1x' is not a number"));
  EXPECT_THAT(error_lines("rules:\n  - name: r\n    match: a\n    metrics:\n      - counter: c_total\n        value: '-2'\n", "m.yml"),
              ElementsAre("m.yml:6: rule r: a counter cannot go down (value -2)"));
  EXPECT_THAT(error_lines("rules:\n  - name: r\n    match: a\n    metrics:\n      - counter: c_total\n        value: '1e300'\n"
                          "        scale: 1e10\n", "m.yml"),
              ElementsAre("m.yml:6: rule r: value 1e300 times the scale is beyond a double's range"));
  // Numbers are fine, and a gauge may go down.
  must_compile("rules:\n  - name: r\n    match: a\n    metrics:\n      - counter: c_total\n        value: '2.5'\n"
               "      - gauge: g\n        add: '-1'\n");
}

TEST(RuleSetCompileTest, NonFiniteLiteralValue) {
  // A literal the daemon would refuse on every line is refused once, at load.
  for (const char* v : {"nan", "inf", "-inf", "1e999", "0x10"})
    EXPECT_THAT(error_lines(std::string("rules:\n  - name: r\n    match: a\n    metrics:\n      - gauge: g\n        set: '") +
                                v + "'\n",
                            "m.yml"),
                ElementsAre(std::string("m.yml:6: rule r: value '") + v + "' is not a number"))
        << v;
}

TEST(RuleSetCompileTest, HistogramLabelNamedLeIsALoadError) {
  EXPECT_THAT(error_lines(R"(rules:
  - name: slow
    match: 'd=(?P<d>\S+)'
    metrics:
      - histogram: mail_delay_seconds
        value: '${d}'
        labels: {relay: x, le: '${d}'}
)",
                          "m.yml"),
              ElementsAre("m.yml:7: rule slow: a histogram cannot have a label named 'le' (Prometheus sets it on each bucket)"));
  // Only histograms own `le`: a counter may use the name.
  EXPECT_NE(must_compile("rules:\n  - name: r\n    match: a\n    metrics:\n      - counter: c_total\n        labels: {le: x}\n"),
            nullptr);
}

TEST(RuleSetCompileTest, NameChecks) {
  EXPECT_THAT(error_lines("rules:\n  - name: Bad-Name\n    match: a\n", "n.yml"),
              ElementsAre("n.yml:2: rule Bad-Name: rule name 'Bad-Name' must match [a-z_][a-z0-9_]*"));
  EXPECT_THAT(error_lines("rules:\n  - name: r\n    match: a\n    metrics:\n      - counter: 9lives\n", "n.yml"),
              ElementsAre("n.yml:5: rule r: metric name '9lives' must match [a-zA-Z_:][a-zA-Z0-9_:]*"));
  EXPECT_THAT(error_lines("rules:\n  - name: r\n    match: a\n    metrics:\n      - counter: c\n        labels: {__x: a}\n", "n.yml"),
              ElementsAre("n.yml:6: rule r: label name '__x' must match [a-zA-Z_][a-zA-Z0-9_]* and not start with __"));
}

TEST(RuleSetCompileTest, CapturesMustNotShadowBuiltInFields) {
  EXPECT_THAT(error_lines("format: syslog\nrules:\n  - name: r\n    match: '(?P<host>\\w+)'\n", "c.yml"),
              ElementsAre("c.yml:4: rule r: capture (?P<host>) clashes with the syslog field of that name"));
  EXPECT_THAT(error_lines("rules:\n  - name: r\n    match: '(?P<ts>\\d+)'\n", "c.yml"),
              ElementsAre("c.yml:3: rule r: capture (?P<ts>) clashes with the event's own 'ts'"));
  EXPECT_THAT(error_lines("rules:\n  - name: r\n    match: a\n    event: {rule: x}\n", "c.yml"),
              ElementsAre("c.yml:4: rule r: event field 'rule' is set by tapemeasure itself"));
  // In a raw file, host is an ordinary capture.
  must_compile("rules:\n  - name: r\n    match: '(?P<host>\\w+)'\n");
}

TEST(RuleSetCompileTest, EveryErrorIsReportedNotJustTheFirst) {
  const auto errors = error_lines(R"(rules:
  - name: r1
    match: '(x'
  - name: r2
    match: ok
    event: {to: '${nope}'}
)",
                                  "e.yml");
  EXPECT_EQ(errors.size(), 2u);
}

TEST(RuleSetCompileTest, DefaultHelpAndBuckets) {
  const auto set = must_compile("rules:\n  - name: r\n    match: '(?P<v>\\d+)'\n    metrics:\n"
                                "      - histogram: h\n        value: '${v}'\n"
                                "      - counter: c\n        help: \"two\\nlines \\\\ here\"\n");
  ASSERT_NE(set, nullptr);
  ASSERT_EQ(set->metrics().size(), 2u);
  EXPECT_EQ(set->metrics()[0].help, "Declared by rule r.");
  EXPECT_EQ(set->metrics()[0].buckets, (std::vector<double>{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}));
  EXPECT_EQ(set->metrics()[1].help.find('\n'), std::string::npos);
  EXPECT_EQ(set->metrics()[1].help.find('\\'), std::string::npos);
}

// --- anchored_at_start ---------------------------------------------------------------------

TEST(AnchoredAtStartTest, Cases) {
  EXPECT_TRUE(anchored_at_start("^abc"));
  EXPECT_TRUE(anchored_at_start("^"));
  EXPECT_TRUE(anchored_at_start("^(a|b)c"));
  EXPECT_TRUE(anchored_at_start("^(?:postfix|(?P<i>postfix-\\w+))/smtp"));
  EXPECT_TRUE(anchored_at_start("^a\\|b"));      // escaped bar
  EXPECT_TRUE(anchored_at_start("^[|]x"));       // bar in a class
  EXPECT_TRUE(anchored_at_start("^[]|]x"));      // ']' first in a class is literal
  EXPECT_TRUE(anchored_at_start("^[\\]|]x"));    // escaped ']' in a class
  EXPECT_TRUE(anchored_at_start("^((a|b)|c)"));  // nested alternation
  EXPECT_FALSE(anchored_at_start(""));
  EXPECT_FALSE(anchored_at_start("abc"));
  EXPECT_FALSE(anchored_at_start("a^"));
  EXPECT_FALSE(anchored_at_start("^a|b"));
  EXPECT_FALSE(anchored_at_start("^a|^b"));
  EXPECT_FALSE(anchored_at_start("^(a)|b"));
  EXPECT_FALSE(anchored_at_start("^a\\(|b"));  // escaped paren: the bar is at top level
  EXPECT_FALSE(anchored_at_start("^[(]|b"));   // paren in a class: the bar is at top level
  EXPECT_FALSE(anchored_at_start("(?i)^abc"));  // flags first: not recognised, safe
}

// --- matching -------------------------------------------------------------------------------

TEST(RuleSetMatchTest, FirstMatchWins) {
  const auto set = must_compile("rules:\n  - name: a\n    match: x\n  - name: b\n    match: x\n");
  EXPECT_THAT(match(*set, "x").rules, ElementsAre("a"));
  EXPECT_THAT(match(*set, "y").rules, IsEmpty());
}

TEST(RuleSetMatchTest, ContinueLetsLaterRulesMatch) {
  const auto set = must_compile(
      "rules:\n  - name: a\n    match: x\n    continue: true\n  - name: b\n    match: y\n"
      "  - name: c\n    match: x\n  - name: d\n    match: x\n");
  EXPECT_THAT(match(*set, "x").rules, ElementsAre("a", "c"));
  EXPECT_THAT(match(*set, "xy").rules, ElementsAre("a", "b"));
  EXPECT_THAT(match(*set, "y").rules, ElementsAre("b"));
}

// RE2::Set reports hits in no particular order; the rule order of the file must decide.
TEST(RuleSetMatchTest, FirstMatchWinsWhateverOrderTheSetReportsHitsIn) {
  const auto set = must_compile(
      "rules:\n  - name: first\n    match: '^a.*b'\n  - name: second\n    match: '^a'\n"
      "  - name: third\n    match: '^ab'\n");
  EXPECT_THAT(match(*set, "abc").rules, ElementsAre("first"));
  EXPECT_THAT(match(*set, "ac").rules, ElementsAre("second"));
}

TEST(RuleSetMatchTest, FirstMatchWinsWithUnanchoredPatterns) {
  const auto set = must_compile(
      "rules:\n  - name: first\n    match: 'a.*b'\n  - name: second\n    match: 'a'\n"
      "  - name: third\n    match: 'ab'\n");
  EXPECT_THAT(match(*set, "xxabc").rules, ElementsAre("first"));
}

TEST(RuleSetMatchTest, OrderHoldsAcrossAnchoredAndUnanchoredRules) {
  const auto set = must_compile(
      "rules:\n  - name: unanchored\n    match: 'status=sent'\n  - name: anchored\n    match: '^postfix'\n");
  EXPECT_THAT(match(*set, "postfix/smtp[1]: status=sent").rules, ElementsAre("unanchored"));
  EXPECT_THAT(match(*set, "postfix/smtp[1]: status=bounced").rules, ElementsAre("anchored"));
}

TEST(RuleSetMatchTest, UnanchoredPatternMatchesAnywhere) {
  const auto set = must_compile("rules:\n  - name: a\n    match: 'status=(?P<s>\\w+)'\n");
  const auto m = match(*set, "Nov  7 09:01:02 mx1 postfix/smtp[1]: 1A: status=sent (ok)");
  ASSERT_THAT(m.rules, ElementsAre("a"));
  EXPECT_EQ(m.fields[0].at("s"), "sent");
}

TEST(RuleSetMatchTest, AnchoredPatternMatchesOnlyAtTheStart) {
  const auto set = must_compile("rules:\n  - name: a\n    match: '^status'\n");
  EXPECT_THAT(match(*set, "status=1").rules, ElementsAre("a"));
  EXPECT_THAT(match(*set, "x status=1").rules, IsEmpty());
}

TEST(RuleSetMatchTest, SyslogRulesMatchFromTheTagAndGetHeaderFields) {
  const auto set = must_compile(R"(format: syslog
rules:
  - name: smtp
    match: '^postfix/smtp\[\d+\]: (?P<queue_id>\w+): status=(?P<status>\w+)'
)");
  const auto m = match(*set, "Nov  7 09:01:02 mx1 postfix/smtp[42]: 4F1A: status=sent");
  ASSERT_THAT(m.rules, ElementsAre("smtp"));
  EXPECT_EQ(m.fields[0], (std::map<std::string, std::string>{
                             {"queue_id", "4F1A"}, {"status", "sent"}, {"host", "mx1"}, {"program", "postfix/smtp"}, {"pid", "42"}}));
  // The same body under an ISO timestamp and <PRI>, and without a host.
  EXPECT_THAT(match(*set, "<22>2026-11-27T09:01:02.1+00:00 gw1 postfix/smtp[1]: 1: status=x").rules, ElementsAre("smtp"));
  const auto nohost = match(*set, "<22>Nov  7 09:01:02 postfix/smtp[1]: 1: status=x");
  ASSERT_THAT(nohost.rules, ElementsAre("smtp"));
  EXPECT_EQ(nohost.fields[0].at("host"), "");  // header fields are always present, maybe empty
  EXPECT_EQ(nohost.fields[0].at("pid"), "1");
}

TEST(RuleSetMatchTest, RawAndSyslogRulesInOneSetKeepFileOrder) {
  RuleErrors errors;
  std::vector<RuleFileSpec> files;
  files.push_back(parse_rule_file("a.yml", "rules:\n  - name: raw_any\n    match: 'smtp'\n    continue: true\n", errors));
  files.push_back(parse_rule_file("b.yml", "format: syslog\nrules:\n  - name: sys\n    match: '^postfix/smtp'\n", errors));
  files.push_back(parse_rule_file("c.yml", "rules:\n  - name: raw_late\n    match: 'smtp'\n", errors));
  const auto set = RuleSet::compile(files, errors);
  ASSERT_NE(set, nullptr) << to_string(errors);
  EXPECT_THAT(match(*set, "Nov  7 09:01:02 mx1 postfix/smtp[1]: x").rules, ElementsAre("raw_any", "sys"));
  // A raw rule sees the whole line: '^postfix' would not match it, the syslog rule does.
  EXPECT_THAT(match(*set, "Nov  7 09:01:02 mx1 other/smtp[1]: x").rules, ElementsAre("raw_any", "raw_late"));
  EXPECT_EQ(set->files(), (std::vector<std::string>{"a.yml", "b.yml", "c.yml"}));
}

TEST(RuleSetMatchTest, GroupsThatDidNotTakePartHaveNullData) {
  const auto set = must_compile("rules:\n  - name: a\n    match: 'x(?P<opt>y)?(?P<empty>z*)'\n");
  const auto m = match(*set, "x");
  ASSERT_THAT(m.rules, ElementsAre("a"));
  EXPECT_FALSE(m.fields[0].contains("opt"));
  EXPECT_EQ(m.fields[0].at("empty"), "");  // took part, matched nothing
}

TEST(RuleSetMatchTest, WithoutAllFieldsOnlyMetricCapturesAreFilled) {
  const auto set = must_compile(R"(rules:
  - name: a
    match: '(?P<relay>\w+) (?P<rcpt>\w+) (?P<extra>\w+)'
    metrics:
      - counter: c_total
        labels: {relay: '${relay}'}
)");
  const auto cheap = match(*set, "p1 bob more", false);
  ASSERT_THAT(cheap.rules, ElementsAre("a"));
  EXPECT_EQ(cheap.fields[0].at("relay"), "p1");
  EXPECT_FALSE(cheap.fields[0].contains("extra"));
  const auto full = match(*set, "p1 bob more", true);
  EXPECT_EQ(full.fields[0].at("extra"), "more");
  EXPECT_EQ(full.fields[0].at("rcpt"), "bob");
}

TEST(RuleSetMatchTest, MetricsUsingOnlySyslogFieldsStillWork) {
  const auto set = must_compile(R"(format: syslog
rules:
  - name: a
    match: '^p\[\d+\]: (?P<x>\w+)'
    metrics:
      - counter: c_total
        labels: {host: '${host}'}
)");
  const auto m = match(*set, "Nov  7 09:01:02 mx9 p[1]: hello", false);
  ASSERT_THAT(m.rules, ElementsAre("a"));
  EXPECT_EQ(m.fields[0].at("host"), "mx9");
}

// Matching without all fields says whether it left a field out (RuleMatch::complete): an
// unnamed group is no field, so a rule whose every named group is read is complete, and
// an event can be rendered without matching again.
TEST(RuleSetMatchTest, AMatchIsCompleteWhenOnlyUnnamedGroupsAreLeftOut) {
  const auto set = must_compile(R"(rules:
  - name: all_read
    match: '^(a|b) (?P<x>\d+)'
    continue: true
    metrics:
      - counter: c_total
        labels: {x: '${x}'}
  - name: one_left
    match: '^(a|b) (?P<x>\d+) (?P<y>\w+)'
    metrics:
      - counter: d_total
        labels: {x: '${x}'}
)");
  MatchScratch scratch;
  std::vector<std::pair<std::string, bool>> complete;
  set->match("a 12 z", scratch, false, [&](const RuleMatch& m) { complete.push_back({m.rule.name, m.complete}); });
  EXPECT_THAT(complete, ElementsAre(std::pair<std::string, bool>{"all_read", true},
                                    std::pair<std::string, bool>{"one_left", false}));
}

TEST(RuleSetMatchTest, ScratchIsReusableAcrossSetsOfDifferentSizes) {
  const auto small = must_compile("rules:\n  - name: a\n    match: '(?P<x>a)'\n");
  const auto big = must_compile("rules:\n  - name: b\n    match: '(?P<p>b)(?P<q>c)(?P<r>d)(?P<s>e)'\n");
  MatchScratch scratch;
  int calls = 0;
  for (int i = 0; i < 3; ++i) {
    big->match("bcde", scratch, true, [&](const RuleMatch& m) {
      EXPECT_EQ(m.fields[3], "e");
      ++calls;
    });
    small->match("a", scratch, true, [&](const RuleMatch& m) {
      EXPECT_EQ(m.fields[0], "a");
      ++calls;
    });
  }
  EXPECT_EQ(calls, 6);
}

TEST(RuleSetMatchTest, EmptyRuleSetMatchesNothing) {
  const auto set = must_compile("rules: []\n");
  ASSERT_NE(set, nullptr);
  EXPECT_EQ(set->size(), 0u);
  EXPECT_THAT(match(*set, "anything").rules, IsEmpty());
}

// RE2 matches UTF-8: an invalid byte would match no '.', '\S' or '[^>]' and silently turn a
// line with one Latin-1 byte into an unmatched one. Rules see the line with each invalid
// byte (and NUL) replaced by U+FFFD, the same text events and labels get.
TEST(RuleSetMatchTest, BinaryAndInvalidUtf8LinesDoNotBreakMatching) {
  const auto set = must_compile("rules:\n  - name: a\n    match: 'x(?P<v>.)y'\n");
  const std::string line("\xFF\x00x\xFEy\x00", 6);
  const auto m = match(*set, line);
  ASSERT_THAT(m.rules, ElementsAre("a"));
  EXPECT_EQ(m.fields[0].at("v"), "\xEF\xBF\xBD");
}

TEST(RuleSetMatchTest, Latin1BytesInsideCapturesStillMatch) {
  const auto set = must_compile(R"(format: syslog
rules:
  - name: delivered
    match: '^postfix/smtp\[\d+\]: (?P<qid>\w+): to=<(?P<rcpt>[^>]*)>, relay=(?P<relay>\S+), status=sent'
)");
  const auto m = match(*set, "Nov  7 09:01:02 mx1 postfix/smtp[1]: A1: to=<ren\xE9@example.fr>, relay=p\xFF" "1, status=sent");
  ASSERT_THAT(m.rules, ElementsAre("delivered"));
  EXPECT_EQ(m.fields[0].at("rcpt"), "ren\xEF\xBF\xBD@example.fr");
  EXPECT_EQ(m.fields[0].at("relay"), "p\xEF\xBF\xBD" "1");
  EXPECT_EQ(m.fields[0].at("host"), "mx1");
}

}  // namespace
}  // namespace tapemeasure::rules
