#include "rules/template.hpp"

#include <gtest/gtest.h>

#include <array>
#include <string_view>

namespace tapemeasure::rules {
namespace {

class TemplateTest : public ::testing::Test {
 protected:
  TemplateTest() {
    names_.add("host");
    names_.add("instance");
    names_.add("relay");
  }

  // Compiles `text`, failing the test on an error, and expands it with `values`.
  std::string expand(std::string_view text, std::array<std::string_view, 3> values) {
    Template t;
    const std::string err = t.compile(text, names_);
    EXPECT_EQ(err, "") << text;
    return t.expand(values);
  }
  std::string compile_error(std::string_view text) {
    Template t;
    return t.compile(text, names_);
  }

  FieldNames names_;
};

TEST_F(TemplateTest, LiteralTextIsCopied) {
  EXPECT_EQ(expand("delivered", {}), "delivered");
  EXPECT_EQ(expand("", {}), "");
}

TEST_F(TemplateTest, FieldIsReplacedByItsValue) {
  EXPECT_EQ(expand("${relay}", {"mx1", "", "proxy2"}), "proxy2");
  EXPECT_EQ(expand("to ${relay} from ${host}!", {"mx1", "", "proxy2"}), "to proxy2 from mx1!");
  EXPECT_EQ(expand("${host}${relay}", {"a", "", "b"}), "ab");
}

TEST_F(TemplateTest, MissingFieldExpandsToEmpty) {
  EXPECT_EQ(expand("[${instance}]", {"mx1", std::string_view(), "r"}), "[]");
}

TEST_F(TemplateTest, DefaultOperatorUsesTextOnlyWhenEmpty) {
  EXPECT_EQ(expand("${host:-localhost}", {"", "", ""}), "localhost");
  EXPECT_EQ(expand("${host:-localhost}", {std::string_view(), "", ""}), "localhost");
  EXPECT_EQ(expand("${host:-localhost}", {"mx1", "", ""}), "mx1");
  EXPECT_EQ(expand("${host:-}", {"", "", ""}), "");
}

TEST_F(TemplateTest, AlternateOperatorUsesTextOnlyWhenSet) {
  EXPECT_EQ(expand("${instance:+/}", {"", "postfix-out", ""}), "/");
  EXPECT_EQ(expand("${instance:+/}", {"", "", ""}), "");
  EXPECT_EQ(expand("${instance:+}", {"", "x", ""}), "");
}

TEST_F(TemplateTest, TheMtaIdiomOfTheDefaultPack) {
  const char* mta = "${host:-localhost}${instance:+/}${instance}";
  EXPECT_EQ(expand(mta, {"mx1", "", ""}), "mx1");
  EXPECT_EQ(expand(mta, {"mx1", "postfix-out", ""}), "mx1/postfix-out");
  EXPECT_EQ(expand(mta, {"", "postfix-out", ""}), "localhost/postfix-out");
  EXPECT_EQ(expand(mta, {"", "", ""}), "localhost");
}

TEST_F(TemplateTest, OperatorTextMayContainColonsAndDashes) {
  EXPECT_EQ(expand("${host:-a:-b}", {"", "", ""}), "a:-b");
  EXPECT_EQ(expand("${host:+x:+y}", {"h", "", ""}), "x:+y");
}

TEST_F(TemplateTest, DoubleDollarIsALiteralDollar) {
  EXPECT_EQ(expand("$$", {}), "$");
  EXPECT_EQ(expand("cost $$5", {}), "cost $5");
  EXPECT_EQ(expand("$$${relay}", {"", "", "r"}), "$r");
  EXPECT_EQ(expand("$${relay}", {"", "", "r"}), "${relay}");
  EXPECT_EQ(expand("$$$$", {}), "$$");
}

TEST_F(TemplateTest, ExpandAppendsToOut) {
  Template t;
  ASSERT_EQ(t.compile("${relay}", names_), "");
  std::string out = "relay=";
  const std::array<std::string_view, 3> values{"", "", "p1"};
  t.expand(values, out);
  EXPECT_EQ(out, "relay=p1");
}

TEST_F(TemplateTest, MaxFieldTellsTheHighestFieldUsed) {
  Template t;
  ASSERT_EQ(t.compile("literal", names_), "");
  EXPECT_EQ(t.max_field(), -1);
  ASSERT_EQ(t.compile("${host}", names_), "");
  EXPECT_EQ(t.max_field(), 0);
  ASSERT_EQ(t.compile("${relay}${host}", names_), "");
  EXPECT_EQ(t.max_field(), 2);
  ASSERT_EQ(t.compile("${instance:+/}", names_), "");
  EXPECT_EQ(t.max_field(), 1);
  EXPECT_EQ(t.source(), "${instance:+/}");
}

TEST_F(TemplateTest, UnknownNameNamesTheAvailableFields) {
  EXPECT_EQ(compile_error("${relya}"),
            "template ${relya} names no capture (available: host, instance, relay)");
  EXPECT_EQ(compile_error("x ${nope:-d}"),
            "template ${nope} names no capture (available: host, instance, relay)");
}

TEST_F(TemplateTest, UnknownNameWithNoFieldsSaysNone) {
  Template t;
  EXPECT_EQ(t.compile("${x}", FieldNames{}), "template ${x} names no capture (available: none)");
}

TEST_F(TemplateTest, SyntaxErrors) {
  EXPECT_EQ(compile_error("cost $5"), "template 'cost $5': '$' must start ${name} (write $$ for a literal $)");
  EXPECT_EQ(compile_error("trailing $"), "template 'trailing $': '$' must start ${name} (write $$ for a literal $)");
  EXPECT_EQ(compile_error("${relay"), "template '${relay': unclosed ${");
  EXPECT_EQ(compile_error("${relay:=x}"),
            "template '${relay:=x}': unknown operator in ${relay:=x} (use ${name}, ${name:-default} or ${name:+text})");
  EXPECT_EQ(compile_error("${relay:}"),
            "template '${relay:}': unknown operator in ${relay:} (use ${name}, ${name:-default} or ${name:+text})");
}

TEST_F(TemplateTest, EmptyNameIsAnError) {
  EXPECT_EQ(compile_error("${}"), "template ${} names no capture (available: host, instance, relay)");
}

TEST(FieldNamesTest, IndexOfAndJoined) {
  FieldNames f;
  EXPECT_EQ(f.joined(), "none");
  f.add("a");
  f.add("b");
  EXPECT_EQ(f.index_of("a"), 0);
  EXPECT_EQ(f.index_of("b"), 1);
  EXPECT_EQ(f.index_of("c"), -1);
  EXPECT_EQ(f.joined(), "a, b");
  EXPECT_EQ(f.size(), 2u);
}

}  // namespace
}  // namespace tapemeasure::rules
