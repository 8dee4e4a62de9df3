#include "rules/lean_pattern.hpp"

#include <gtest/gtest.h>
#include <re2/re2.h>

namespace tapemeasure::rules {
namespace {

std::vector<bool> keep_only(std::initializer_list<int> groups, int count) {
  std::vector<bool> keep(static_cast<std::size_t>(count) + 1, false);
  for (int g : groups) keep[static_cast<std::size_t>(g)] = true;
  return keep;
}

TEST(LeanPatternTest, DropsTheGroupsNotKeptNamedOrNot) {
  EXPECT_EQ(without_captures(R"(^(?P<a>\w+) (\d+) (?P<c>x))", keep_only({3}, 3)), R"(^(?:\w+) (?:\d+) (?P<c>x))");
  EXPECT_EQ(without_captures(R"(^(?P<a>\w+) (\d+) (?P<c>x))", keep_only({1, 2, 3}, 3)), R"(^(?P<a>\w+) (\d+) (?P<c>x))");
  EXPECT_EQ(without_captures(R"((a)(b))", {}), R"((?:a)(?:b))");
}

TEST(LeanPatternTest, NonCapturingAndFlagGroupsAreNotCounted) {
  EXPECT_EQ(without_captures(R"((?:a)(?i)(?s:b)(?P<x>c)(d))", keep_only({2}, 2)), R"((?:a)(?i)(?s:b)(?:c)(d))");
}

TEST(LeanPatternTest, ParenthesesThatAreNotGroupsStayAsTheyAre) {
  // Escaped, in classes (with ']' first, negated, and POSIX classes), and quoted with \Q...\E.
  EXPECT_EQ(without_captures(R"(\((?P<a>x)\))", keep_only({}, 1)), R"(\((?:x)\))");
  EXPECT_EQ(without_captures(R"([(][]()][^]()][[:alpha:](]\Q(a)\E(b))", keep_only({}, 1)),
            R"([(][]()][^]()][[:alpha:](]\Q(a)\E(?:b))");
  EXPECT_EQ(without_captures(R"(\Q(unterminated)", keep_only({}, 0)), R"(\Q(unterminated)");
  EXPECT_EQ(without_captures(R"([\]](x))", keep_only({1}, 1)), R"([\]](x))");
  EXPECT_EQ(without_captures(R"([\x{28}\p{Greek}](x))", keep_only({}, 1)), R"([\x{28}\p{Greek}](?:x))");
}

// Found by the fuzzer: as RE2 reads it, "[.-[:a]" is the range '.' to '[' and then ':' and
// 'a', not the start of a POSIX class; the class ends at the first ']'.
TEST(LeanPatternTest, ABracketEndingARangeStartsNoPosixClass) {
  const std::string pattern = R"([.-[:a](x)(y):])";
  const RE2 whole(pattern);
  ASSERT_TRUE(whole.ok()) << whole.error();
  ASSERT_EQ(whole.NumberOfCapturingGroups(), 2);
  EXPECT_EQ(without_captures(pattern, keep_only({2}, 2)), R"([.-[:a](?:x)(y):])");
  // But \w is a set, which starts no range: "[\w-[:word:](]" is \w, '-', [:word:] and '('.
  EXPECT_EQ(without_captures(R"([\w-[:word:](](x))", keep_only({}, 1)), R"([\w-[:word:](](?:x))");
}

// Found by the fuzzer: "(?:" before a literal ']' makes ":]", which RE2 takes as the end of
// the POSIX class an earlier "[:" (here a literal, "[[:a]") looks ahead for.
TEST(LeanPatternTest, ADroppedGroupBeforeALiteralBracketMakesNoPosixClassEnd) {
  const std::string pattern = R"([[:a]\Q(No\E(b)(]:)(?i))";
  ASSERT_TRUE(RE2(pattern).ok());
  const std::string lean = without_captures(pattern, keep_only({1}, 2));
  EXPECT_EQ(lean, R"([[:a]\Q(No\E(b)(?:\]:)(?i))");
  const RE2 re(lean);
  EXPECT_TRUE(re.ok()) << re.error();
  EXPECT_EQ(re.NumberOfCapturingGroups(), 1);
}

// What the rewrite is for: a pattern that is not one-pass because a group opens before the
// branches can be told apart becomes one that RE2 runs with its OnePass engine, and the kept
// groups capture what they did.
TEST(LeanPatternTest, KeptGroupsCaptureWhatTheyDidAndTheMatchIsTheSame) {
  const std::string pattern =
      R"(^(?:postfix|(?P<instance>postfix-[\w.-]+))(?:/[\w.-]+)*/smtp\[(?P<pid>\d+)\]: (?P<queue_id>\w+): to=<(?P<rcpt>[^>]*)>)";
  const RE2 whole(pattern);
  const RE2 lean(without_captures(pattern, keep_only({3}, 4)));
  ASSERT_TRUE(lean.ok()) << lean.error();
  EXPECT_EQ(lean.NumberOfCapturingGroups(), 1);
  for (const std::string line : {"postfix/smtp[42]: 4F1A: to=<a@b>", "postfix-out/relay/smtp[42]: 9Z: to=<>",
                                 "postfix/qmgr[1]: 4F1A: removed"}) {
    std::string q1, q2;
    const bool m1 = RE2::PartialMatch(line, whole, nullptr, nullptr, &q1);
    const bool m2 = RE2::PartialMatch(line, lean, &q2);
    EXPECT_EQ(m1, m2) << line;
    EXPECT_EQ(q1, q2) << line;
  }
}

}  // namespace
}  // namespace tapemeasure::rules
