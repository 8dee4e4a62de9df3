#include "util/utf8.hpp"

#include <gtest/gtest.h>

#include <string>

namespace tapemeasure::util {
namespace {

using namespace std::string_literals;
const std::string R = "\xEF\xBF\xBD";  // U+FFFD

TEST(Utf8Test, AsciiAndValidMultibyteAreUnchanged) {
  for (const std::string& s : {""s, "hello"s, "caf\xC3\xA9"s, "\xE2\x82\xAC 10"s, "\xF0\x9F\x93\x8F tape"s,
                              "\xEF\xBF\xBD"s, "\xF4\x8F\xBF\xBF"s /* U+10FFFF */, "\xED\x9F\xBF"s /* U+D7FF */,
                              "\xEE\x80\x80"s /* U+E000 */, "\xC2\x80"s /* U+0080 */}) {
    EXPECT_TRUE(is_clean_utf8(s)) << s;
    EXPECT_EQ(clean_utf8(s), s);
  }
}

TEST(Utf8Test, NulIsReplaced) {
  const std::string s = "a\0b"s;
  EXPECT_FALSE(is_clean_utf8(s));
  EXPECT_EQ(clean_utf8(s), "a" + R + "b");
  EXPECT_EQ(clean_utf8("\0"s), R);
}

TEST(Utf8Test, StrayContinuationAndLoneLeadBytesAreReplacedOneByOne) {
  EXPECT_EQ(clean_utf8("a\x80z"), "a" + R + "z");
  EXPECT_EQ(clean_utf8("\xBF\xBF"), R + R);
  EXPECT_EQ(clean_utf8("x\xC3"), "x" + R);          // truncated at the end
  EXPECT_EQ(clean_utf8("\xC3("), R + "(");          // lead without continuation
  EXPECT_EQ(clean_utf8("\xE2\x82"), R + R);         // 3-byte sequence cut short
  EXPECT_EQ(clean_utf8("\xF0\x9F\x93"), R + R + R);  // 4-byte sequence cut short
}

TEST(Utf8Test, Latin1IsReplaced) {
  EXPECT_EQ(clean_utf8("caf\xE9"), "caf" + R);
  EXPECT_EQ(clean_utf8("\xE9t\xE9"), R + "t" + R);
}

TEST(Utf8Test, OverlongEncodingsAreRejected) {
  EXPECT_FALSE(is_clean_utf8("\xC0\xAF"));          // '/' in two bytes
  EXPECT_EQ(clean_utf8("\xC0\xAF"), R + R);
  EXPECT_EQ(clean_utf8("\xC1\xBF"), R + R);
  EXPECT_FALSE(is_clean_utf8("\xE0\x80\xAF"));      // '/' in three bytes
  EXPECT_FALSE(is_clean_utf8("\xE0\x9F\xBF"));      // U+07FF in three bytes
  EXPECT_FALSE(is_clean_utf8("\xF0\x80\x80\xAF"));  // '/' in four bytes
  EXPECT_FALSE(is_clean_utf8("\xF0\x8F\xBF\xBF"));  // U+FFFF in four bytes
  EXPECT_EQ(clean_utf8("\xC0\x80"), R + R);         // "modified UTF-8" NUL
}

TEST(Utf8Test, SurrogatesAreRejected) {
  EXPECT_FALSE(is_clean_utf8("\xED\xA0\x80"));  // U+D800
  EXPECT_FALSE(is_clean_utf8("\xED\xBF\xBF"));  // U+DFFF
  EXPECT_EQ(clean_utf8("\xED\xA0\x80"), R + R + R);
  EXPECT_FALSE(is_clean_utf8("\xED\xA0\xBD\xED\xB3\x8F"));  // a CESU-8 surrogate pair
}

TEST(Utf8Test, BeyondU10FFFFAndInvalidLeadBytesAreRejected) {
  EXPECT_FALSE(is_clean_utf8("\xF4\x90\x80\x80"));  // U+110000
  EXPECT_FALSE(is_clean_utf8("\xF5\x80\x80\x80"));
  EXPECT_FALSE(is_clean_utf8("\xF8\x88\x80\x80\x80"));  // old 5-byte form
  EXPECT_FALSE(is_clean_utf8("\xFE"));
  EXPECT_FALSE(is_clean_utf8("\xFF"));
  EXPECT_EQ(clean_utf8("a\xFF" "b"), "a" + R + "b");
}

TEST(Utf8Test, ValidTextAroundInvalidBytesIsKept) {
  EXPECT_EQ(clean_utf8("\xE2\x82\xAC\xFF\xE2\x82\xAC"), "\xE2\x82\xAC" + R + "\xE2\x82\xAC");
  // A bad continuation ends the sequence; the byte after it starts afresh.
  EXPECT_EQ(clean_utf8("\xE2\x28\xA1"), R + "(" + R);
}

TEST(Utf8Test, AppendKeepsWhatIsAlreadyThere) {
  std::string out = "prefix:";
  append_clean_utf8(out, "ok");
  append_clean_utf8(out, "\xFF");
  EXPECT_EQ(out, "prefix:ok" + R);
}

TEST(Utf8Test, OutputIsAlwaysClean) {
  // Every single byte and every pair of bytes: the result must be clean UTF-8.
  for (int a = 0; a < 256; ++a) {
    for (int b = 0; b < 256; b += 3) {
      const std::string s{static_cast<char>(a), static_cast<char>(b), 'x'};
      const std::string c = clean_utf8(s);
      ASSERT_TRUE(is_clean_utf8(c)) << a << " " << b;
      ASSERT_EQ(c.back(), 'x');
    }
  }
}

}  // namespace
}  // namespace tapemeasure::util
