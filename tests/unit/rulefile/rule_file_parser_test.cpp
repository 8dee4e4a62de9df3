#include "rulefile/rule_file_parser.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "support/test_support.hpp"

namespace tapemeasure::rules {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using tapemeasure::testing::TempDir;

std::vector<std::string> parse_errors(std::string_view yaml, const std::string& file = "rules/x.yml") {
  RuleErrors errors;
  parse_rule_file(file, yaml, errors);
  std::vector<std::string> out;
  for (const auto& e : errors) out.push_back(e.to_string());
  return out;
}

RuleFileSpec parse_ok(std::string_view yaml) {
  RuleErrors errors;
  auto spec = parse_rule_file("rules/x.yml", yaml, errors);
  EXPECT_THAT(errors, IsEmpty()) << to_string(errors);
  return spec;
}

TEST(RuleFileParserTest, ParsesEveryPartOfARule) {
  const auto spec = parse_ok(R"(# comment
format: syslog
rules:
  - name: postfix_delivered
    description: one delivery
    match: '^postfix/smtp\[\d+\]: (?P<relay>\S+)'
    continue: true
    event:
      type: delivered
      to: '${relay}'
    metrics:
      - counter: mail_deliveries_total
        help: Deliveries.
        labels: {relay: '${relay}', outcome: delivered}
      - histogram: mail_delay_seconds
        value: '${relay}'
        buckets: [0.1, 1, 10]
      - gauge: mail_last
        set: '1'
      - gauge: mail_level
        add: '-1'
    tests:
      - line: 'postfix/smtp[1]: p1'
        expect: {to: p1}
      - line: 'nope'
        expect: no match
  - name: quiet
    match: 'x'
    event: false
)");
  EXPECT_EQ(spec.file, "rules/x.yml");
  EXPECT_EQ(spec.format, InputFormat::syslog);
  ASSERT_EQ(spec.rules.size(), 2u);
  const RuleSpec& r = spec.rules[0];
  EXPECT_EQ(r.name, "postfix_delivered");
  EXPECT_EQ(r.pos.line, 4);
  EXPECT_EQ(r.match, R"(^postfix/smtp\[\d+\]: (?P<relay>\S+))");
  EXPECT_EQ(r.match_pos.line, 6);
  EXPECT_EQ(r.format, InputFormat::syslog);
  EXPECT_TRUE(r.continue_matching);
  EXPECT_TRUE(r.event_enabled);
  ASSERT_EQ(r.event_fields.size(), 2u);
  EXPECT_EQ(r.event_fields[0].first, "type");
  EXPECT_EQ(r.event_fields[0].second.text, "delivered");
  EXPECT_EQ(r.event_fields[1].first, "to");
  EXPECT_EQ(r.event_fields[1].second.text, "${relay}");
  EXPECT_EQ(r.event_fields[1].second.pos.line, 10);
  ASSERT_EQ(r.metrics.size(), 4u);
  EXPECT_EQ(r.metrics[0].kind, MetricKind::counter);
  EXPECT_EQ(r.metrics[0].name, "mail_deliveries_total");
  EXPECT_EQ(r.metrics[0].help, "Deliveries.");
  EXPECT_EQ(r.metrics[0].pos.line, 12);
  EXPECT_FALSE(r.metrics[0].has_value);
  ASSERT_EQ(r.metrics[0].labels.size(), 2u);
  EXPECT_EQ(r.metrics[0].labels[0].first, "relay");
  EXPECT_EQ(r.metrics[0].labels[1].first, "outcome");
  EXPECT_EQ(r.metrics[0].labels[1].second.text, "delivered");
  EXPECT_EQ(r.metrics[1].kind, MetricKind::histogram);
  EXPECT_TRUE(r.metrics[1].has_value);
  EXPECT_EQ(r.metrics[1].value.text, "${relay}");
  EXPECT_EQ(r.metrics[1].buckets, (std::vector<double>{0.1, 1, 10}));
  EXPECT_EQ(r.metrics[2].kind, MetricKind::gauge);
  EXPECT_EQ(r.metrics[2].gauge_op, GaugeOp::set);
  EXPECT_EQ(r.metrics[3].gauge_op, GaugeOp::add);
  EXPECT_EQ(r.metrics[3].value.text, "-1");
  ASSERT_EQ(r.tests.size(), 2u);
  EXPECT_EQ(r.tests[0].line, "postfix/smtp[1]: p1");
  EXPECT_EQ(r.tests[0].pos.line, 23);
  EXPECT_EQ(r.tests[0].expect, (std::vector<std::pair<std::string, std::string>>{{"to", "p1"}}));
  EXPECT_TRUE(r.tests[1].expect_no_match);
  EXPECT_FALSE(spec.rules[1].event_enabled);
  EXPECT_FALSE(spec.rules[1].continue_matching);
}

TEST(RuleFileParserTest, FormatDefaultsToRaw) {
  const auto spec = parse_ok("rules:\n  - name: a\n    match: x\n");
  EXPECT_EQ(spec.format, InputFormat::raw);
  ASSERT_EQ(spec.rules.size(), 1u);
  EXPECT_EQ(spec.rules[0].format, InputFormat::raw);
  EXPECT_EQ(parse_ok("format: raw\nrules: []\n").format, InputFormat::raw);
}

TEST(RuleFileParserTest, EmptyFileIsValid) {
  EXPECT_TRUE(parse_ok("").rules.empty());
  EXPECT_TRUE(parse_ok("# only a comment\n").rules.empty());
  EXPECT_TRUE(parse_ok("rules: []\n").rules.empty());
}

// --- errors: each names file, line and (inside a rule) the rule --------------------------

TEST(RuleFileParserTest, BadYamlNamesTheLine) {
  EXPECT_THAT(parse_errors("rules:\n  - name: a\n    match: x\n    event: {type: a, to: b\n  - name: c\n"),
              ElementsAre(::testing::MatchesRegex(R"(rules/x\.yml:[0-9]+: invalid YAML: .+)")));
  EXPECT_THAT(parse_errors("rules:\n  - name: a\n   match: x\n"),
              ElementsAre(::testing::MatchesRegex(R"(rules/x\.yml:3: invalid YAML: .+)")));
  EXPECT_THAT(parse_errors("rules: [\n"), ElementsAre(::testing::MatchesRegex(R"(rules/x\.yml:[12]: invalid YAML: .+)")));
}

TEST(RuleFileParserTest, TopLevelMustBeAMapWithRules) {
  EXPECT_THAT(parse_errors("- a\n- b\n"), ElementsAre("rules/x.yml:1: a rule file is a map with a 'rules' list"));
  EXPECT_THAT(parse_errors("format: syslog\n"), ElementsAre("rules/x.yml:1: missing 'rules' list"));
  EXPECT_THAT(parse_errors("rules: 3\n"), ElementsAre("rules/x.yml:1: 'rules' must be a list"));
}

TEST(RuleFileParserTest, UnknownFileKeySuggestsTheClosest) {
  EXPECT_THAT(parse_errors("rules: []\nfromat: syslog\n"),
              ElementsAre("rules/x.yml:2: unknown key 'fromat' in file (did you mean 'format'?)"));
}

TEST(RuleFileParserTest, BadFormatIsAnError) {
  EXPECT_THAT(parse_errors("format: json\nrules: []\n"),
              ElementsAre("rules/x.yml:1: format must be 'raw' or 'syslog', not 'json'"));
}

TEST(RuleFileParserTest, UnknownRuleKeyWithDidYouMean) {
  EXPECT_THAT(parse_errors(R"(rules:
  - name: postfix_delivered
    match: 'x'
    evnt: {type: delivered}
)"),
              ElementsAre("rules/x.yml:4: rule postfix_delivered: unknown key 'evnt' in rule (did you mean 'event'?)"));
}

TEST(RuleFileParserTest, UnknownRuleKeyWithoutCloseMatchListsTheKnownKeys) {
  EXPECT_THAT(parse_errors("rules:\n  - name: r1\n    match: x\n    frobnicate: 1\n"),
              ElementsAre("rules/x.yml:4: rule r1: unknown key 'frobnicate' in rule "
                          "(known: name description match continue when recall forget remember event metrics tests)"));
}

TEST(RuleFileParserTest, MisspelledMatchIsTwoErrors) {
  EXPECT_THAT(parse_errors("rules:\n  - name: r1\n    mach: x\n"),
              ElementsAre("rules/x.yml:3: rule r1: unknown key 'mach' in rule (did you mean 'match'?)",
                          "rules/x.yml:2: rule r1: rule has no 'match' pattern"));
}

TEST(RuleFileParserTest, UnknownMetricKey) {
  EXPECT_THAT(parse_errors(R"(rules:
  - name: r1
    match: x
    metrics:
      - counter: c_total
        lables: {a: b}
)"),
              ElementsAre("rules/x.yml:6: rule r1: unknown key 'lables' in metric (did you mean 'labels'?)"));
}

TEST(RuleFileParserTest, UnknownTestKey) {
  EXPECT_THAT(parse_errors(R"(rules:
  - name: r1
    match: x
    tests:
      - line: x
        expected: no match
)"),
              ElementsAre("rules/x.yml:6: rule r1: unknown key 'expected' in test (did you mean 'expect'?)",
                          "rules/x.yml:5: rule r1: test has no 'expect' (a map of fields, or 'no match')"));
}

TEST(RuleFileParserTest, RuleWithoutName) {
  EXPECT_THAT(parse_errors("rules:\n  - match: x\n"), ElementsAre("rules/x.yml:2: rule has no 'name'"));
}

TEST(RuleFileParserTest, RuleNotAMap) {
  EXPECT_THAT(parse_errors("rules:\n  - just a string\n"),
              ElementsAre("rules/x.yml:2: each rule is a map with at least 'name' and 'match'"));
}

TEST(RuleFileParserTest, ErrorsAfterARuleDoNotNameIt) {
  // The second rule has no name: its error must not carry the first rule's name.
  EXPECT_THAT(parse_errors("rules:\n  - name: first\n    match: x\n  - match: y\n"),
              ElementsAre("rules/x.yml:4: rule has no 'name'"));
}

TEST(RuleFileParserTest, MatchMustBeAScalar) {
  EXPECT_THAT(parse_errors("rules:\n  - name: r1\n    match: [a, b]\n"),
              ElementsAre("rules/x.yml:3: rule r1: match must be a single value (a string or number)"));
}

TEST(RuleFileParserTest, ContinueMustBeABoolean) {
  EXPECT_THAT(parse_errors("rules:\n  - name: r1\n    match: x\n    continue: maybe\n"),
              ElementsAre("rules/x.yml:4: rule r1: continue must be true or false"));
}

TEST(RuleFileParserTest, EventTrueIsAnError) {
  EXPECT_THAT(parse_errors("rules:\n  - name: r1\n    match: x\n    event: true\n"),
              ElementsAre("rules/x.yml:4: rule r1: event must be a map of fields, or false"));
  EXPECT_THAT(parse_errors("rules:\n  - name: r1\n    match: x\n    event: [a]\n"),
              ElementsAre("rules/x.yml:4: rule r1: event field must be a map of name: template"));
}

TEST(RuleFileParserTest, MetricsAndTestsMustBeLists) {
  EXPECT_THAT(parse_errors("rules:\n  - name: r1\n    match: x\n    metrics: {counter: c}\n"),
              ElementsAre("rules/x.yml:4: rule r1: 'metrics' must be a list"));
  EXPECT_THAT(parse_errors("rules:\n  - name: r1\n    match: x\n    tests: x\n"),
              ElementsAre("rules/x.yml:4: rule r1: 'tests' must be a list"));
}

TEST(RuleFileParserTest, MetricKindErrors) {
  const std::string head = "rules:\n  - name: r1\n    match: x\n    metrics:\n";
  EXPECT_THAT(parse_errors(head + "      - help: nothing\n"),
              ElementsAre("rules/x.yml:5: rule r1: a metric names exactly one of counter, gauge or histogram"));
  EXPECT_THAT(parse_errors(head + "      - {counter: a, gauge: b, set: '1'}\n"),
              ElementsAre("rules/x.yml:5: rule r1: a metric names exactly one of counter, gauge or histogram"));
  EXPECT_THAT(parse_errors(head + "      - counter: c\n        set: '1'\n"),
              ElementsAre("rules/x.yml:6: rule r1: a counter takes 'value', not set/add"));
  EXPECT_THAT(parse_errors(head + "      - gauge: g\n"),
              ElementsAre("rules/x.yml:5: rule r1: a gauge needs exactly one of 'set' or 'add'"));
  EXPECT_THAT(parse_errors(head + "      - gauge: g\n        set: '1'\n        add: '1'\n"),
              ElementsAre("rules/x.yml:5: rule r1: a gauge needs exactly one of 'set' or 'add'"));
  EXPECT_THAT(parse_errors(head + "      - gauge: g\n        value: '1'\n        set: '1'\n"),
              ElementsAre("rules/x.yml:6: rule r1: a gauge takes 'set' or 'add', not 'value'"));
  EXPECT_THAT(parse_errors(head + "      - histogram: h\n"),
              ElementsAre("rules/x.yml:5: rule r1: a histogram needs 'value' (the number to observe)"));
  EXPECT_THAT(parse_errors(head + "      - histogram: h\n        value: '1'\n        add: '1'\n"),
              ElementsAre("rules/x.yml:7: rule r1: a histogram takes 'value', not set/add"));
}

TEST(RuleFileParserTest, BucketErrors) {
  const std::string head = "rules:\n  - name: r1\n    match: x\n    metrics:\n";
  EXPECT_THAT(parse_errors(head + "      - histogram: h\n        value: '1'\n        buckets: [1, x, 3]\n"),
              ElementsAre("rules/x.yml:7: rule r1: bucket bound 'x' is not a number"));
  EXPECT_THAT(parse_errors(head + "      - histogram: h\n        value: '1'\n        buckets: [1, 5, 5]\n"),
              ElementsAre("rules/x.yml:7: rule r1: bucket bounds must increase"));
  EXPECT_THAT(parse_errors(head + "      - histogram: h\n        value: '1'\n        buckets: []\n"),
              ElementsAre("rules/x.yml:7: rule r1: buckets must be a non-empty list of numbers"));
  EXPECT_THAT(parse_errors(head + "      - counter: c\n        buckets: [1]\n"),
              ElementsAre("rules/x.yml:6: rule r1: only a histogram has buckets"));
}

TEST(RuleFileParserTest, ScaleMultipliesAValueAndMustBeAPositiveNumber) {
  const std::string head = "rules:\n  - name: r1\n    match: x\n    metrics:\n";
  const std::string need = "scale must be a number > 0 that the value is multiplied by, e.g. 0.001 for milliseconds to seconds";
  for (const char* bad : {"x", "0", "-1", ".inf", "[1]"})
    EXPECT_THAT(parse_errors(head + "      - histogram: h\n        value: '${v}'\n        scale: " + bad + "\n"),
                ElementsAre("rules/x.yml:7: rule r1: " + need))
        << bad;
  EXPECT_THAT(parse_errors(head + "      - counter: c\n        scale: 0.001\n"),
              ElementsAre("rules/x.yml:6: rule r1: scale multiplies a metric's value: give 'value' (or a gauge's set/add) too"));
  EXPECT_THAT(parse_errors(head + "      - histogram: h\n        value: '${v}'\n        scael: 0.001\n"),
              ElementsAre(::testing::HasSubstr("did you mean 'scale'")));
}

TEST(RuleFileParserTest, TestErrors) {
  const std::string head = "rules:\n  - name: r1\n    match: x\n    tests:\n";
  EXPECT_THAT(parse_errors(head + "      - expect: no match\n"),
              ElementsAre("rules/x.yml:5: rule r1: test has no 'line'"));
  EXPECT_THAT(parse_errors(head + "      - line: x\n        expect: nothing\n"),
              ElementsAre("rules/x.yml:6: rule r1: expect must be a map of fields or 'no match', not 'nothing'"));
  EXPECT_THAT(parse_errors(head + "      - line: x\n        expect: [a]\n"),
              ElementsAre("rules/x.yml:6: rule r1: expect must be a map of fields or 'no match'"));
  EXPECT_THAT(parse_errors(head + "      - just a line\n"),
              ElementsAre("rules/x.yml:5: rule r1: a test is a map {line: ..., expect: ...}"));
}

// --- files and directories ---------------------------------------------------------------

TEST(RuleFileParserTest, DirectoryIsExpandedToYamlFilesInNameOrder) {
  TempDir dir;
  dir.write("b.yml", "rules:\n  - name: b\n    match: b\n");
  dir.write("a.yaml", "rules:\n  - name: a\n    match: a\n");
  dir.write("c.txt", "not rules");
  dir.write("README.md", "# not rules");
  std::filesystem::create_directory(dir.path() / "sub.yml");  // a directory, not a file
  RuleErrors errors;
  const auto files = load_rule_files({dir.path().string()}, errors);
  EXPECT_THAT(errors, IsEmpty()) << to_string(errors);
  ASSERT_EQ(files.size(), 2u);
  EXPECT_EQ(files[0].file, (dir.path() / "a.yaml").string());
  EXPECT_EQ(files[1].file, (dir.path() / "b.yml").string());
  EXPECT_EQ(files[0].rules.at(0).name, "a");
}

TEST(RuleFileParserTest, FileAndDirectoryPathsKeepTheirOrder) {
  TempDir dir;
  const auto single = dir.write("z.yml", "rules: []\n");
  dir.write("d/a.yml", "rules: []\n");
  RuleErrors errors;
  const auto paths = expand_rule_paths({single.string(), (dir.path() / "d").string()}, errors);
  EXPECT_THAT(errors, IsEmpty());
  ASSERT_EQ(paths.size(), 2u);
  EXPECT_EQ(paths[0], single);
  EXPECT_EQ(paths[1], dir.path() / "d" / "a.yml");
}

TEST(RuleFileParserTest, MissingPathIsAnErrorNotAnException) {
  RuleErrors errors;
  const auto files = load_rule_files({"/nonexistent/rules.yml"}, errors);
  EXPECT_TRUE(files.empty());
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].to_string(), "/nonexistent/rules.yml: no such file or directory");
}

TEST(RuleFileParserTest, ErrorsNameTheFileTheyComeFrom) {
  TempDir dir;
  dir.write("good.yml", "rules:\n  - name: a\n    match: a\n");
  const auto bad = dir.write("bad.yml", "rules:\n  - name: b\n    mtch: b\n");
  RuleErrors errors;
  load_rule_files({dir.path().string()}, errors);
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_EQ(errors[0].to_string(), bad.string() + ":3: rule b: unknown key 'mtch' in rule (did you mean 'match'?)");
}

// Per-metric limits (docs/rules.md, "Limits"): what a file that looks legitimate could
// otherwise make every scrape or the start-up carry.
std::string metric_with(const std::string& body) {
  return "rules:\n  - name: r1\n    match: '(?P<v>x)'\n    metrics:\n" + body;
}

TEST(RuleFileParserTest, AHistogramHasAtMostAHundredBuckets) {
  std::string bounds;
  for (int i = 1; i <= 100; ++i) bounds += (i > 1 ? ", " : "") + std::to_string(i);
  EXPECT_THAT(parse_errors(metric_with("      - histogram: h\n        value: '1'\n        buckets: [" + bounds + "]\n")),
              IsEmpty());
  EXPECT_THAT(parse_errors(metric_with("      - histogram: h\n        value: '1'\n        buckets: [" + bounds +
                                       ", 101]\n")),
              ElementsAre("rules/x.yml:7: rule r1: a histogram has at most 100 buckets, not 101"));
}

TEST(RuleFileParserTest, AMetricHasAtMostThirtyLabels) {
  std::string labels;
  for (int i = 0; i < 31; ++i) labels += (i ? ", " : "") + std::string("l") + std::to_string(i) + ": '${v}'";
  EXPECT_THAT(parse_errors(metric_with("      - counter: c\n        labels: {" + labels + "}\n")),
              ElementsAre("rules/x.yml:6: rule r1: a metric has at most 30 labels, not 31"));
}

TEST(RuleFileParserTest, InitListsAtMostAThousandLabelSets) {
  std::string sets;
  for (int i = 0; i < 1001; ++i) sets += (i ? ", " : "") + std::string("{k: v") + std::to_string(i) + "}";
  EXPECT_THAT(parse_errors(metric_with("      - counter: c\n        labels: {k: '${v}'}\n        init: [" + sets + "]\n")),
              ElementsAre("rules/x.yml:7: rule r1: init lists 1001 label sets; at most 1000 (the others appear when "
                          "first seen)"));
}

// A small file whose aliases stand for a huge tree is refused before anything walks it.
TEST(RuleFileParserTest, AliasesThatExpandPastTheBudgetAreALoadErrorWithFileAndLine) {
  std::string yaml = "rules:\n  - name: r1\n    match: x\n    tests:\n      - line: x\n        expect:\n";
  yaml += "          a: &a [";
  for (int i = 0; i < 1000; ++i) yaml += "x,";
  yaml += "x]\n          b: &b [";
  for (int i = 0; i < 1000; ++i) yaml += "*a,";
  yaml += "*a]\n";
  ASSERT_LT(yaml.size(), 10'000u) << "a small file";
  const auto errors = parse_errors(yaml);
  ASSERT_EQ(errors.size(), 1u) << ::testing::PrintToString(errors);
  EXPECT_THAT(errors[0], HasSubstr("rules/x.yml:7: YAML aliases expand past 1000000 nodes"));
}

TEST(RuleFileParserTest, AnAliasInsideTheNodeItNamesIsALoadErrorNotAnEndlessWalk) {
  const auto errors = parse_errors("rules: &r\n  - *r\n");
  ASSERT_EQ(errors.size(), 1u) << ::testing::PrintToString(errors);
  EXPECT_THAT(errors[0], HasSubstr("YAML nested deeper than 64 levels"));
}

TEST(RuleFileParserTest, AFileReportsAtMostAHundredErrorsAndCountsTheRest) {
  std::string yaml = "rules:\n";
  for (int i = 0; i < 250; ++i) yaml += "  - name: r" + std::to_string(i) + "\n    mtch: x\n";  // two errors each
  const auto errors = parse_errors(yaml);
  ASSERT_EQ(errors.size(), kMaxRuleErrors + 1);
  EXPECT_EQ(errors.back(), "rules/x.yml: ... and 400 more errors in this file not shown (only the first 100 are "
                           "reported)");
}

TEST(RuleFileParserTest, AHugeValueIsQuotedShortInItsError) {
  const std::string value(100'000, 'k');
  const auto errors = parse_errors("format: " + value + "\nrules: []\n");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_LT(errors[0].size(), 400u);
  EXPECT_THAT(errors[0], HasSubstr("format must be 'raw' or 'syslog', not 'kkkk"));
}

}  // namespace
}  // namespace tapemeasure::rules
