// The bounds on what errors can say: a load keeps at most kMaxRuleErrors and counts the
// rest, and a quoted value is cut (on a character boundary) rather than copied whole.
#include "rulefile/rule_error.hpp"

#include <gtest/gtest.h>

namespace tapemeasure::rules {
namespace {

RuleError error_at(int line) {
  RuleError e;
  e.pos = {"rules/a.yml", line};
  e.message = "bad";
  return e;
}

TEST(RuleErrorTest, CapErrorsKeepsTheFirstHundredAndCountsTheRest) {
  RuleErrors errors;
  for (int i = 1; i <= 250; ++i) errors.push_back(error_at(i));
  cap_errors(errors);
  ASSERT_EQ(errors.size(), kMaxRuleErrors + 1);
  EXPECT_EQ(errors[99].pos.line, 100);
  EXPECT_EQ(errors.back().to_string(),
            "rules/a.yml:101: ... and 150 more errors not shown (only the first 100 are reported)");
}

TEST(RuleErrorTest, CapErrorsLeavesAShortListAlone) {
  RuleErrors errors;
  for (int i = 1; i <= 100; ++i) errors.push_back(error_at(i));
  cap_errors(errors);
  EXPECT_EQ(errors.size(), 100u);
  EXPECT_EQ(errors.back().pos.line, 100);
}

TEST(RuleErrorTest, ExcerptCutsOnACharacterBoundary) {
  EXPECT_EQ(excerpt("short"), "short");
  EXPECT_EQ(excerpt(std::string(200, 'x'), 10), "xxxxxxxxxx...");
  // "é" is two bytes: a cut after 9 of "xxxxxxxxxé" would split it.
  EXPECT_EQ(excerpt("xxxxxxxxx\xC3\xA9yyyy", 10), "xxxxxxxxx...");
}

}  // namespace
}  // namespace tapemeasure::rules
