// The `view:` section as read from YAML: every piece with its line, and the shape errors
// (unknown keys with hints, wrong kinds of value) the parser reports before any validation.
#include "rulefile/view_parser.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "rulefile/rule_file_parser.hpp"

namespace tapemeasure::rules {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

constexpr const char* kRules = R"(rules:
  - name: r1
    match: '^x'
)";

std::vector<std::string> parse_errors(const std::string& view_yaml) {
  RuleErrors errors;
  parse_rule_file("rules/x.yml", view_yaml + kRules, errors);
  std::vector<std::string> out;
  for (const auto& e : errors) out.push_back(e.to_string());
  return out;
}

TEST(ViewParserTest, ParsesEveryPieceWithItsLine) {
  RuleErrors errors;
  const auto spec = parse_rule_file("rules/x.yml", std::string(R"(format: raw
view:
  title: Mail flow
  tiers:
    - {name: ingress, title: INGRESS}
    - name: mta
  sink:
    title: Internet
    scale: {field: ip, kind: linear, min: 1, max: 2.5}
  types:
    inbound: {colour: green, from: ingress, to: mta}
    expired:
      colour: '#aabbcc'
      from: mta
      then: fall
  shares:
    - {title: MTA to relay, metric: m_total, rows: mta, cols: relay, where: {outcome: delivered}}
  ratios:
    - title: bounce ratio
      metric: m_total
      label: outcome
      part: [transient, permanent]
)") + kRules, errors);
  ASSERT_THAT(errors, IsEmpty()) << to_string(errors);
  ASSERT_TRUE(spec.view.has_value());
  const auto& v = *spec.view;
  EXPECT_EQ(v.pos.line, 2);
  EXPECT_EQ(v.pos.file, "rules/x.yml");
  EXPECT_EQ(v.title.text, "Mail flow");
  EXPECT_EQ(v.title.pos.line, 3);

  ASSERT_EQ(v.tiers.size(), 2u);
  EXPECT_EQ(v.tiers[0].name.text, "ingress");
  EXPECT_EQ(v.tiers[0].title.text, "INGRESS");
  EXPECT_EQ(v.tiers[0].pos.line, 5);
  EXPECT_EQ(v.tiers[1].name.text, "mta");
  EXPECT_EQ(v.tiers[1].name.pos.line, 6);
  EXPECT_FALSE(v.tiers[1].title.given);

  ASSERT_TRUE(v.has_sink);
  EXPECT_EQ(v.sink.title.text, "Internet");
  ASSERT_TRUE(v.sink.has_scale);
  EXPECT_EQ(v.sink.scale.field.text, "ip");
  EXPECT_EQ(v.sink.scale.kind.text, "linear");
  EXPECT_TRUE(v.sink.scale.has_min);
  EXPECT_TRUE(v.sink.scale.has_max);
  EXPECT_EQ(v.sink.scale.min, 1);
  EXPECT_EQ(v.sink.scale.max, 2.5);
  EXPECT_EQ(v.sink.scale.min_pos.line, 9);

  ASSERT_EQ(v.types.size(), 2u);
  EXPECT_EQ(v.types[0].type.text, "inbound");
  EXPECT_EQ(v.types[0].type.pos.line, 11);
  EXPECT_EQ(v.types[0].colour.text, "green");
  EXPECT_EQ(v.types[0].from.text, "ingress");
  EXPECT_EQ(v.types[0].to.text, "mta");
  EXPECT_FALSE(v.types[0].then.given);
  EXPECT_EQ(v.types[1].type.text, "expired");
  EXPECT_EQ(v.types[1].colour.text, "#aabbcc");
  EXPECT_EQ(v.types[1].colour.pos.line, 13);
  EXPECT_FALSE(v.types[1].to.given);
  EXPECT_EQ(v.types[1].then.text, "fall");
  EXPECT_EQ(v.types[1].then.pos.line, 15);

  ASSERT_EQ(v.shares.size(), 1u);
  EXPECT_EQ(v.shares[0].pos.line, 17);
  EXPECT_EQ(v.shares[0].title.text, "MTA to relay");
  EXPECT_EQ(v.shares[0].metric.text, "m_total");
  EXPECT_EQ(v.shares[0].rows.text, "mta");
  EXPECT_EQ(v.shares[0].cols.text, "relay");
  ASSERT_EQ(v.shares[0].where.size(), 1u);
  EXPECT_EQ(v.shares[0].where[0].first.text, "outcome");
  EXPECT_EQ(v.shares[0].where[0].second.text, "delivered");

  ASSERT_EQ(v.ratios.size(), 1u);
  EXPECT_EQ(v.ratios[0].pos.line, 19);
  EXPECT_EQ(v.ratios[0].metric.pos.line, 20);
  EXPECT_EQ(v.ratios[0].label.text, "outcome");
  ASSERT_EQ(v.ratios[0].part.size(), 2u);
  EXPECT_EQ(v.ratios[0].part[1].text, "permanent");
  EXPECT_EQ(v.ratios[0].part[1].pos.line, 22);
}

TEST(ViewParserTest, AFileWithoutViewHasNone) {
  RuleErrors errors;
  const auto spec = parse_rule_file("rules/x.yml", kRules, errors);
  EXPECT_THAT(errors, IsEmpty());
  EXPECT_FALSE(spec.view.has_value());
}

TEST(ViewParserTest, ViewMayComeAfterTheRules) {
  RuleErrors errors;
  const auto spec = parse_rule_file("rules/x.yml", std::string(kRules) + "view:\n  tiers: [{name: a}]\n", errors);
  EXPECT_THAT(errors, IsEmpty()) << to_string(errors);
  ASSERT_TRUE(spec.view.has_value());
  EXPECT_EQ(spec.view->pos.line, 4);
  ASSERT_EQ(spec.view->tiers.size(), 1u);
}

TEST(ViewParserTest, UnknownKeysAreErrorsWithHints) {
  EXPECT_THAT(parse_errors("veiw:\n  tiers: [{name: a}]\n"),
              ElementsAre("rules/x.yml:1: unknown key 'veiw' in file (did you mean 'view'?)"));
  EXPECT_THAT(parse_errors("view:\n  tires: [{name: a}]\n"),
              ElementsAre("rules/x.yml:2: unknown key 'tires' in view (did you mean 'tiers'?)"));
  EXPECT_THAT(parse_errors("view:\n  tiers: [{name: a, titel: A}]\n"),
              ElementsAre("rules/x.yml:2: unknown key 'titel' in view tier (did you mean 'title'?)"));
  EXPECT_THAT(parse_errors("view:\n  tiers: [{name: a}]\n  types:\n    t: {color: red, from: a}\n"),
              ElementsAre("rules/x.yml:4: unknown key 'color' in view type 't' (did you mean 'colour'?)"));
  EXPECT_THAT(parse_errors("view:\n  tiers: [{name: a}]\n  sink: {title: S, scale: {field: ip, knd: octet}}\n"),
              ElementsAre("rules/x.yml:3: unknown key 'knd' in view scale (did you mean 'kind'?)"));
  EXPECT_THAT(parse_errors("view:\n  tiers: [{name: a}]\n  shares:\n    - {metric: m, row: a, cols: b}\n"),
              ElementsAre("rules/x.yml:4: unknown key 'row' in view share (did you mean 'rows'?)"));
  EXPECT_THAT(parse_errors("view:\n  tiers: [{name: a}]\n  ratios:\n    - {metric: m, label: a, parts: [x]}\n"),
              ElementsAre("rules/x.yml:4: unknown key 'parts' in view ratio (did you mean 'part'?)"));
  EXPECT_THAT(parse_errors("view:\n  tiers: [{name: a}]\n  sink: {title: S, colour: red}\n"),
              ElementsAre("rules/x.yml:3: unknown key 'colour' in view sink (known: title scale)"));
}

TEST(ViewParserTest, ShapeErrors) {
  EXPECT_THAT(parse_errors("view: yes\n"),
              ElementsAre("rules/x.yml:1: view: must be a map with at least 'tiers' (see docs/views.md)"));
  EXPECT_THAT(parse_errors("view:\n  tiers: mta\n"),
              ElementsAre("rules/x.yml:2: view: 'tiers' must be a list such as [{name: mta, title: MTAs}]"));
  EXPECT_THAT(parse_errors("view:\n  tiers:\n    - mta\n"),
              ElementsAre("rules/x.yml:3: view: a tier is a map such as {name: mta, title: MTAs}"));
  EXPECT_THAT(parse_errors("view:\n  tiers:\n    - {title: MTA}\n"),
              ElementsAre("rules/x.yml:3: view: a tier needs a 'name'"));
  EXPECT_THAT(parse_errors("view:\n  tiers: [{name: a}]\n  types: [a]\n"),
              ElementsAre("rules/x.yml:3: view: 'types' must be a map of type: {colour, from, to, then}"));
  EXPECT_THAT(parse_errors("view:\n  tiers: [{name: a}]\n  types:\n    t: blue\n"),
              ElementsAre("rules/x.yml:4: view: type 't' must be a map such as {colour: blue, from: mta, to: relay}"));
  EXPECT_THAT(parse_errors("view:\n  tiers: [{name: a}]\n  sink: {title: S, scale: {field: x, kind: log, min: low, max: 2}}\n"),
              ElementsAre("rules/x.yml:3: view: scale min must be a number, not 'low'"));
  EXPECT_THAT(parse_errors("view:\n  tiers: [{name: a}]\n  ratios:\n    - {metric: m, label: a, part: x}\n"),
              ElementsAre("rules/x.yml:4: view: a ratio's 'part' must be a list of label values, such as "
                          "[transient, permanent]"));
  EXPECT_THAT(parse_errors("view:\n  tiers: [{name: a}]\n  ratios:\n    - {metric: m, label: a, part: [x], where: [b]}\n"),
              ElementsAre("rules/x.yml:4: view: 'where' must be a map of label: value"));
  EXPECT_THAT(parse_errors("view:\n  tiers: [{name: a}]\n  shares: {metric: m}\n"),
              ElementsAre("rules/x.yml:3: view: 'shares' must be a list"));
  EXPECT_THAT(parse_errors("view:\n  title: [a, b]\n  tiers: [{name: a}]\n"),
              ElementsAre("rules/x.yml:2: view: view title must be a single value (a string or number)"));
}

TEST(ViewParserTest, ViewErrorsNameNoRule) {
  // Read after the rules: the last rule's name must not leak into the view's errors.
  RuleErrors errors;
  parse_rule_file("rules/x.yml", std::string(kRules) + "view:\n  tirs: []\n", errors);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].rule, "");
  EXPECT_EQ(errors[0].to_string(), "rules/x.yml:5: unknown key 'tirs' in view (did you mean 'tiers'?)");
}

}  // namespace
}  // namespace tapemeasure::rules
