#include "rules/expression.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tapemeasure::rules {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// Fields a, b, c, s, m (in that order); values default to empty.
class ExpressionTest : public ::testing::Test {
 protected:
  ExpressionTest() {
    for (const char* n : {"a", "b", "c", "s", "m"}) names_.add(n);
  }

  // Field name -> value; fields not given are empty.
  using Values = std::map<char, std::string_view>;
  static std::vector<std::string_view> span_of(const Values& v) {
    std::vector<std::string_view> out;
    for (char name : {'a', 'b', 'c', 's', 'm'}) out.push_back(v.contains(name) ? v.at(name) : std::string_view());
    return out;
  }

  // The number `text` gives with these values; nullopt when there is none. Fails the test
  // when the text does not compile.
  std::optional<double> num(std::string_view text, Values v = {}) {
    Expression e;
    const std::string err = e.compile(text, names_, Expression::Want::number);
    EXPECT_EQ(err, "") << text;
    if (!err.empty()) return std::nullopt;
    const auto values = span_of(v);
    double out = 0;
    if (!e.number(values, out)) return std::nullopt;
    return out;
  }
  bool cond(std::string_view text, Values v = {}) {
    Expression e;
    const std::string err = e.compile(text, names_, Expression::Want::condition);
    EXPECT_EQ(err, "") << text;
    const auto values = span_of(v);
    return e.holds(values);
  }
  std::string error(std::string_view text, Expression::Want want = Expression::Want::condition) {
    Expression e;
    return e.compile(text, names_, want);
  }

  FieldNames names_;
};

TEST_F(ExpressionTest, NumbersAndPrecedence) {
  EXPECT_EQ(num("42"), 42);
  EXPECT_EQ(num("0.25"), 0.25);
  EXPECT_EQ(num(".5"), 0.5);
  EXPECT_EQ(num("1e3"), 1000);
  EXPECT_EQ(num("1 + 2 * 3"), 7);
  EXPECT_EQ(num("(1 + 2) * 3"), 9);
  EXPECT_EQ(num("10 - 4 - 3"), 3);   // left to right
  EXPECT_EQ(num("24 / 4 / 2"), 3);   // left to right
  EXPECT_EQ(num("2 * 3 % 4"), 2);    // same level, left to right: (2*3)%4
  EXPECT_EQ(num("1 + 7 % 4"), 4);
  EXPECT_EQ(num("-2 * 3"), -6);
  EXPECT_EQ(num("- 2 - -3"), 1);
  EXPECT_EQ(num("--5"), 5);
  EXPECT_EQ(num("-(1 + 2)"), -3);
  EXPECT_EQ(num("  7\t"), 7);
}

TEST_F(ExpressionTest, ArithmeticOnFields) {
  EXPECT_EQ(num("${a} - ${b}", {{'a', "389"}, {'b', "162"}}), 227);
  EXPECT_EQ(num("${a} * 8", {{'a', " 2.5 "}}), 20);
  EXPECT_EQ(num("-${a}", {{'a', "4"}}), -4);
  EXPECT_EQ(num("${a} % 3", {{'a', "10"}}), 1);
  EXPECT_EQ(num("${a} / ${b}", {{'a', "1"}, {'b', "4"}}), 0.25);
  EXPECT_EQ(num("${a} + 1", {{'a', "+1"}}), 2);
}

TEST_F(ExpressionTest, NoNumber) {
  // Division and % by zero, empty or non-number fields, non-finite results.
  EXPECT_EQ(num("1 / 0"), std::nullopt);
  EXPECT_EQ(num("5 % 0"), std::nullopt);
  EXPECT_EQ(num("${a} / ${b}", {{'a', "1"}, {'b', "0"}}), std::nullopt);
  EXPECT_EQ(num("${a} % ${b}", {{'a', "1"}, {'b', "0.0"}}), std::nullopt);
  EXPECT_EQ(num("${a} + 1"), std::nullopt);
  EXPECT_EQ(num("${a} + 1", {{'a', "-"}}), std::nullopt);
  EXPECT_EQ(num("${a} + 1", {{'a', "nan"}}), std::nullopt);
  EXPECT_EQ(num("${a} + 1", {{'a', "inf"}}), std::nullopt);
  EXPECT_EQ(num("${a} + 1", {{'a', "0x10"}}), std::nullopt);
  EXPECT_EQ(num("${a} * ${a}", {{'a', "1e200"}}), std::nullopt);  // inf
  EXPECT_EQ(num("-${a}", {{'a', "x"}}), std::nullopt);
  EXPECT_EQ(num("max(${a}, 1)", {{'a', ""}}), std::nullopt);
  EXPECT_EQ(num("${a}"), std::nullopt);
  EXPECT_EQ(num("${a|lower}"), std::nullopt);
  EXPECT_EQ(num("${a|hex}", {{'a', "zz"}}), std::nullopt);
}

TEST_F(ExpressionTest, Functions) {
  EXPECT_EQ(num("min(3, 5)"), 3);
  EXPECT_EQ(num("max(3, 5)"), 5);
  EXPECT_EQ(num("max(${a} - ${b}, 0)", {{'a', "1"}, {'b', "9"}}), 0);
  EXPECT_EQ(num("min(max(1, 2), 3) * 2"), 4);
  EXPECT_EQ(num("bits(255, 4, 2)"), 3);
  EXPECT_EQ(num("bits(4660, 8, 4)"), 2);  // 0x1234
  EXPECT_EQ(num("bits(${s|hex}, 8, 4)", {{'s', "1234"}}), 2);
  EXPECT_EQ(num("bits(${s|hex}, 8, 4)", {{'s', "0x1234"}}), 2);
  EXPECT_EQ(num("bits(${s|hex}, 0, 64)", {{'s', "ff"}}), 255);
  EXPECT_EQ(num("bits(${s|octal}, 6, 3)", {{'s', "0644"}}), 6);
  EXPECT_EQ(num("bits(${a}, 1 + 1, 8 / 4)", {{'a', "12"}}), 3);  // arguments are expressions
  EXPECT_EQ(num("bits(5.9, 0, 3)"), 5);                         // a whole number is taken
  // Out of range: no number.
  EXPECT_EQ(num("bits(-1, 0, 3)"), std::nullopt);
  EXPECT_EQ(num("bits(1, 64, 3)"), std::nullopt);
  EXPECT_EQ(num("bits(1, -1, 3)"), std::nullopt);
  EXPECT_EQ(num("bits(1, 0, 0)"), std::nullopt);
  EXPECT_EQ(num("bits(1, 0, 65)"), std::nullopt);
  EXPECT_EQ(num("bits(1e30, 0, 3)"), std::nullopt);
  EXPECT_EQ(num("bits(${s|hex}, 8, 4)", {{'s', "nothex"}}), std::nullopt);
  EXPECT_EQ(num("bits(${s|hex}, 8, 4)"), std::nullopt);
}

TEST_F(ExpressionTest, FieldAgainstQuotedTextComparesText) {
  EXPECT_TRUE(cond("${m} == 'HEAD'", {{'m', "HEAD"}}));
  EXPECT_FALSE(cond("${m} == 'HEAD'", {{'m', "head"}}));
  EXPECT_TRUE(cond("${m|upper} == 'HEAD'", {{'m', "head"}}));
  EXPECT_TRUE(cond("${m|lower} == \"get\"", {{'m', "GET"}}));
  EXPECT_TRUE(cond("${m} != 'HEAD'", {{'m', "GET"}}));
  EXPECT_TRUE(cond("${m} != 'HEAD'"));  // empty is a text too
  EXPECT_TRUE(cond("${m} == ''"));
  // Text, not numbers: "05" is not "5", and "10" < "9".
  EXPECT_FALSE(cond("${a} == '5'", {{'a', "05"}}));
  EXPECT_TRUE(cond("${a} < '9'", {{'a', "10"}}));
  EXPECT_TRUE(cond("'b' > 'a'"));
}

TEST_F(ExpressionTest, FieldAgainstNumberComparesNumbers) {
  EXPECT_TRUE(cond("${a} >= 500", {{'a', "503"}}));
  EXPECT_FALSE(cond("${a} >= 500", {{'a', "200"}}));
  EXPECT_TRUE(cond("${a} == 5", {{'a', "05"}}));
  EXPECT_TRUE(cond("${a} == 5", {{'a', "5.0"}}));
  EXPECT_TRUE(cond("${a} > 9", {{'a', "10"}}));
  EXPECT_TRUE(cond("${a} < ${b} + 1", {{'a', "2"}, {'b', "1.5"}}));  // against arithmetic
  EXPECT_TRUE(cond("${s|hex} == 255", {{'s', "FF"}}));
  EXPECT_TRUE(cond("${s|octal} == 420", {{'s', "0644"}}));
  // Empty or not a number: every numeric comparison is false, != included.
  for (const char* v : {"", "abc", "-", "nan", "12kb"}) {
    EXPECT_FALSE(cond("${a} == 5", {{'a', v}})) << v;
    EXPECT_FALSE(cond("${a} != 5", {{'a', v}})) << v;
    EXPECT_FALSE(cond("${a} < 5", {{'a', v}})) << v;
    EXPECT_FALSE(cond("${a} >= 5", {{'a', v}})) << v;
    EXPECT_TRUE(cond("not (${a} > 5)", {{'a', v}})) << v;
  }
}

TEST_F(ExpressionTest, TwoFieldsCompareAsNumbersWhenBothAreNumbers) {
  EXPECT_TRUE(cond("${a} == ${b}", {{'a', "5"}, {'b', "5.00"}}));
  EXPECT_TRUE(cond("${a} > ${b}", {{'a', "10"}, {'b', "9"}}));  // numbers: 10 > 9
  EXPECT_FALSE(cond("${a} > ${b}", {{'a', "10"}, {'b', "9x"}}));  // text: "10" < "9x"
  EXPECT_TRUE(cond("${a} < ${b}", {{'a', "10"}, {'b', "9x"}}));
  EXPECT_TRUE(cond("${a} == ${b}", {{'a', "abc"}, {'b', "abc"}}));
  EXPECT_FALSE(cond("${a} == ${b}", {{'a', "abc"}, {'b', "ABC"}}));
  EXPECT_TRUE(cond("${a|lower} == ${b|lower}", {{'a', "abc"}, {'b', "ABC"}}));
  EXPECT_TRUE(cond("${a} == ${b}"));  // both empty: equal texts
  EXPECT_FALSE(cond("${a} == ${b}", {{'a', ""}, {'b', "0"}}));
  EXPECT_TRUE(cond("(${a}) == ${b}", {{'a', "7"}, {'b', "7.0"}}));  // parentheses keep it a field
}

TEST_F(ExpressionTest, Conditions) {
  EXPECT_TRUE(cond("${a} >= 500 and ${m} != 'HEAD'", {{'a', "503"}, {'m', "POST"}}));
  EXPECT_FALSE(cond("${a} >= 500 and ${m} != 'HEAD'", {{'a', "503"}, {'m', "HEAD"}}));
  EXPECT_TRUE(cond("${a} == 1 or ${a} == 2", {{'a', "2"}}));
  EXPECT_FALSE(cond("${a} == 1 or ${a} == 2", {{'a', "3"}}));
  // and binds tighter than or; not tighter than and.
  EXPECT_TRUE(cond("1 == 1 or 1 == 2 and 1 == 2"));
  EXPECT_FALSE(cond("(1 == 1 or 1 == 2) and 1 == 2"));
  EXPECT_FALSE(cond("not 1 == 1 and 1 == 1"));
  EXPECT_TRUE(cond("not (1 == 1 and 1 == 2)"));
  EXPECT_TRUE(cond("not not 1 == 1"));
  // Comparisons bind tighter than not: not (x > 5).
  EXPECT_TRUE(cond("not ${a} > 5", {{'a', "3"}}));
  EXPECT_TRUE(cond("-${a} < -1", {{'a', "3"}}));
  EXPECT_TRUE(cond("${a} + 1 == 2 * 2", {{'a', "3"}}));
}

TEST_F(ExpressionTest, CapturedTextIsAValueOnly) {
  // Text that would be an expression if it were pasted in stays a value.
  EXPECT_FALSE(cond("${a} == 1", {{'a', "1) or (1"}}));
  EXPECT_FALSE(cond("${a} == 1", {{'a', "1 or 1"}}));
  EXPECT_FALSE(cond("${a} == 'x'", {{'a', "x' or 'a' == 'a"}}));
  EXPECT_FALSE(cond("${a} > 5 and ${b} > 5", {{'a', "6"}, {'b', "1 or 1 == 1"}}));
  EXPECT_TRUE(cond("${a} == '1) or (1'", {{'a', "1) or (1"}}));
  EXPECT_EQ(num("${a} + 1", {{'a', "1) * (100"}}), std::nullopt);
  EXPECT_EQ(num("${a} + 1", {{'a', "${b}"}, {'b', "5"}}), std::nullopt);
}

TEST_F(ExpressionTest, TypeErrorsAtLoad) {
  using ::testing::EndsWith;
  EXPECT_THAT(error("${a} and ${b}"), HasSubstr("'and' joins conditions (such as ${x} > 5), not a field"));
  EXPECT_THAT(error("1 == 1 or 5"), HasSubstr("'or' joins conditions (such as ${x} > 5), not a number"));
  EXPECT_THAT(error("not ${a}"), HasSubstr("'not' joins conditions"));
  EXPECT_THAT(error("'5' >= 3"), HasSubstr("'>=' compares a quoted text with a number"));
  EXPECT_THAT(error("'a' < 5"), HasSubstr("compares a quoted text with a number"));
  EXPECT_THAT(error("${s|hex} == 'ff'"), HasSubstr("compares a quoted text with a number"));
  EXPECT_THAT(error("${a} + 1 == 'x'"), HasSubstr("compares a quoted text with a number"));
  EXPECT_THAT(error("(1 < 2) == (2 < 3)"), HasSubstr("compares values, not conditions"));
  EXPECT_THAT(error("'a' + 1"), HasSubstr("'+' works on numbers, not a quoted text"));
  EXPECT_THAT(error("1 + (1 == 1) == 2"), HasSubstr("'+' works on numbers, not a condition"));
  EXPECT_THAT(error("-'a' == 1"), HasSubstr("'-' works on numbers"));
  EXPECT_THAT(error("min('a', 1) > 0"), HasSubstr("'min()' works on numbers"));
  EXPECT_THAT(error("${m} == HEAD"),
              HasSubstr("unknown word 'HEAD' (functions: min, max, bits; texts are quoted: 'HEAD')"));
  EXPECT_THAT(error("${m} == 'HEAD"), HasSubstr("unclosed quote"));
  EXPECT_THAT(error("(${a} > 1"), HasSubstr("missing ')'"));
  EXPECT_THAT(error("${a} > 1)"), HasSubstr("unexpected ')'"));
  EXPECT_THAT(error("1 < ${a} < 3"), HasSubstr("comparisons do not chain: join them with 'and'"));
  EXPECT_THAT(error("1 == 1 == 1"), HasSubstr("comparisons do not chain"));
  EXPECT_THAT(error("min(1) > 0"), HasSubstr("min() takes 2 arguments"));
  EXPECT_THAT(error("max(1, 2, 3) > 0"), HasSubstr("max() takes 2 arguments"));
  EXPECT_THAT(error("bits(1, 2) > 0"), HasSubstr("bits() takes 3 arguments"));
  EXPECT_THAT(error("min 1"), HasSubstr("'min' needs its arguments in parentheses"));
  EXPECT_THAT(error("${zz} > 1"), HasSubstr("${zz} names no capture (available: a, b, c, s, m)"));
  EXPECT_THAT(error("${zz} > 1"), ::testing::Not(HasSubstr("template ")));
  EXPECT_THAT(error("${a|title} > 1"), HasSubstr("unknown filter '|title'"));
  EXPECT_THAT(error("${a > 1"), HasSubstr("unclosed ${"));
  EXPECT_THAT(error("$a > 1"), HasSubstr("'$' must start ${name}"));
  EXPECT_THAT(error("${a} > 1 &"), HasSubstr("unexpected character '&'"));
  EXPECT_THAT(error("${a} >"), HasSubstr("expression ends where a value is expected"));
  EXPECT_THAT(error(""), HasSubstr("expression ends where a value is expected"));
  EXPECT_THAT(error("${a} > 1e999"), HasSubstr("not a number"));
  EXPECT_THAT(error("and"), HasSubstr("'and' where a value is expected"));
  // What the whole must be.
  EXPECT_THAT(error("${a}"), HasSubstr("a condition is needed (such as ${x} > 5), not a field"));
  EXPECT_THAT(error("1 + 2"), HasSubstr("a condition is needed (such as ${x} > 5), not a number"));
  EXPECT_THAT(error("${a} > 1", Expression::Want::number), HasSubstr("a number is needed, not a condition"));
  EXPECT_THAT(error("'abc'", Expression::Want::number), HasSubstr("a number is needed, not a quoted text"));
  // The message names the expression and the (1-based) position.
  EXPECT_EQ(error("${a} >= 500 and"), "expression '${a} >= 500 and' at 16: expression ends where a value is expected");
  EXPECT_EQ(error("${a} and ${b}"),
            "expression '${a} and ${b}' at 6: 'and' joins conditions (such as ${x} > 5), not a field");
}

TEST_F(ExpressionTest, LengthAndDepthLimits) {
  // Nesting: 64 levels of parentheses are fine, 65 are not.
  const auto nested = [](int depth) { return std::string(depth, '(') + "1" + std::string(depth, ')') + " > 0"; };
  EXPECT_EQ(error(nested(Expression::kMaxDepth - 1)), "");
  EXPECT_THAT(error(nested(Expression::kMaxDepth + 1)), HasSubstr("nested deeper than 64"));
  EXPECT_THAT(error(nested(10000)), HasSubstr("longer than 4096"));
  std::string nots;
  for (int i = 0; i < 100; ++i) nots += "not ";
  EXPECT_THAT(error(nots + "1 == 1"), HasSubstr("nested deeper than 64"));
  std::string minus(100, '-');
  EXPECT_THAT(error(minus + "1 > 0"), HasSubstr("nested deeper than 64"));
  // Length: 4096 characters compile, 4097 do not.
  std::string sum = "1";
  while (sum.size() + 4 <= Expression::kMaxLength) sum += " + 1";
  sum.resize(Expression::kMaxLength, ' ');
  EXPECT_EQ(error(sum, Expression::Want::number), "");
  EXPECT_THAT(error(sum + " ", Expression::Want::number), HasSubstr("expression longer than 4096 characters"));
  // A long flat sum evaluates (the stack stays shallow).
  EXPECT_EQ(num(sum), static_cast<double>((Expression::kMaxLength - 1) / 4 + 1));
  // Right-nested arithmetic that would need a deep evaluation stack is refused at load.
  std::string deep;
  for (int i = 0; i < 40; ++i) deep += "1 + (";
  deep += "1" + std::string(40, ')');
  EXPECT_THAT(error(deep, Expression::Want::number), HasSubstr("too complex"));
}

TEST_F(ExpressionTest, PlainFieldAndFieldsUsed) {
  Expression e;
  ASSERT_EQ(e.compile("${b}", names_, Expression::Want::number), "");
  EXPECT_EQ(e.plain_field(), 1);
  EXPECT_FALSE(e.constant());
  EXPECT_THAT(e.fields_used(), ElementsAre(1));
  std::vector<std::string_view> v = {"", " 12 ", "", "", ""};
  double out = 0;
  ASSERT_TRUE(e.number(v, out));
  EXPECT_EQ(out, 12);
  v[1] = "x";
  EXPECT_FALSE(e.number(v, out));

  ASSERT_EQ(e.compile("${b|hex}", names_, Expression::Want::number), "");
  EXPECT_EQ(e.plain_field(), -1);  // a filter is not plain
  ASSERT_EQ(e.compile("(${b})", names_, Expression::Want::number), "");
  EXPECT_EQ(e.plain_field(), 1);  // parentheses add nothing
  ASSERT_EQ(e.compile("${b} + 0", names_, Expression::Want::number), "");
  EXPECT_EQ(e.plain_field(), -1);

  ASSERT_EQ(e.compile("${m} == 'x' or ${a} + ${m|lower} > ${a}", names_, Expression::Want::condition), "");
  EXPECT_THAT(e.fields_used(), ElementsAre(0, 4));
  EXPECT_FALSE(e.constant());
  EXPECT_EQ(e.source(), "${m} == 'x' or ${a} + ${m|lower} > ${a}");

  ASSERT_EQ(e.compile("2 * 3", names_, Expression::Want::number), "");
  EXPECT_TRUE(e.constant());
  EXPECT_TRUE(e.fields_used().empty());
  ASSERT_TRUE(e.number({}, out));
  EXPECT_EQ(out, 6);

  // A failed compile leaves nothing that evaluates.
  EXPECT_NE(e.compile("2 *", names_, Expression::Want::number), "");
  EXPECT_FALSE(e.number({}, out));
  EXPECT_NE(e.compile("1 ==", names_, Expression::Want::condition), "");
  EXPECT_FALSE(e.holds({}));
}

TEST_F(ExpressionTest, ExtendAddsNamesAsTheyAreUsed) {
  // Recalled fields (${queue.size}) are added to a rule's fields when an expression names them.
  FieldNames f;
  f.add("x");
  f.extend = [&f](std::string_view name) -> int {
    if (!name.starts_with("queue.")) return -1;
    f.add(std::string(name));
    return static_cast<int>(f.size() - 1);
  };
  Expression e;
  ASSERT_EQ(e.compile("${queue.size} - ${x}", f, Expression::Want::number), "");
  EXPECT_THAT(f.names(), ElementsAre("x", "queue.size"));
  EXPECT_THAT(e.fields_used(), ElementsAre(0, 1));
  std::vector<std::string_view> v = {"48", "2048"};
  double out = 0;
  ASSERT_TRUE(e.number(v, out));
  EXPECT_EQ(out, 2000);
  EXPECT_THAT(e.compile("${other.size} > 1", f, Expression::Want::condition),
              HasSubstr("${other.size}: this rule recalls no table 'other'"));
}

}  // namespace
}  // namespace tapemeasure::rules
