#include "ingest/line_splitter.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace tapemeasure::ingest {
namespace {

using namespace std::string_literals;

struct Line {
  std::string text;
  bool truncated;
  bool operator==(const Line&) const = default;
};
std::ostream& operator<<(std::ostream& os, const Line& l) {
  return os << '"' << l.text << '"' << (l.truncated ? " (truncated)" : "");
}

class Collector {
 public:
  explicit Collector(std::size_t max) : splitter_(max) {}
  Collector& feed(std::string_view data) {
    splitter_.feed(data, [&](std::string_view l, bool t) { lines_.push_back({std::string(l), t}); });
    return *this;
  }
  Collector& finish() {
    splitter_.finish([&](std::string_view l, bool t) { lines_.push_back({std::string(l), t}); });
    return *this;
  }
  const std::vector<Line>& lines() const { return lines_; }
  const LineSplitter& splitter() const { return splitter_; }

 private:
  LineSplitter splitter_;
  std::vector<Line> lines_;
};

using Lines = std::vector<Line>;

TEST(LineSplitterTest, SplitsOnNewlines) {
  Collector c(100);
  c.feed("a\nbb\nccc\n");
  EXPECT_EQ(c.lines(), (Lines{{"a", false}, {"bb", false}, {"ccc", false}}));
  EXPECT_FALSE(c.splitter().has_partial());
}

TEST(LineSplitterTest, EmptyLinesAreLines) {
  Collector c(100);
  c.feed("\n\nx\n");
  EXPECT_EQ(c.lines(), (Lines{{"", false}, {"", false}, {"x", false}}));
}

TEST(LineSplitterTest, LinesSpanningChunksAreJoined) {
  Collector c(100);
  c.feed("hel").feed("lo wo").feed("rld\nnext");
  EXPECT_EQ(c.lines(), (Lines{{"hello world", false}}));
  EXPECT_TRUE(c.splitter().has_partial());
  c.feed("\n");
  EXPECT_EQ(c.lines(), (Lines{{"hello world", false}, {"next", false}}));
}

TEST(LineSplitterTest, ByteByByteFeedGivesTheSameLines) {
  const std::string data = "first line\nsecond\r\n\nthird";
  Collector whole(100), bytes(100);
  whole.feed(data).finish();
  for (char ch : data) bytes.feed(std::string_view(&ch, 1));
  bytes.finish();
  EXPECT_EQ(bytes.lines(), whole.lines());
  EXPECT_EQ(whole.lines(), (Lines{{"first line", false}, {"second", false}, {"", false}, {"third", false}}));
}

TEST(LineSplitterTest, CrlfLosesTheCarriageReturn) {
  Collector c(100);
  c.feed("a\r\nb\r\n");
  EXPECT_EQ(c.lines(), (Lines{{"a", false}, {"b", false}}));
}

TEST(LineSplitterTest, CrlfSplitAcrossChunks) {
  Collector c(100);
  c.feed("abc\r").feed("\ndef\n");
  EXPECT_EQ(c.lines(), (Lines{{"abc", false}, {"def", false}}));
}

TEST(LineSplitterTest, OnlyOneTrailingCarriageReturnIsDropped) {
  Collector c(100);
  c.feed("a\r\r\nb\rc\n");
  EXPECT_EQ(c.lines(), (Lines{{"a\r", false}, {"b\rc", false}}));
}

TEST(LineSplitterTest, PartialLastLineIsEmittedAtFinish) {
  Collector c(100);
  c.feed("complete\npartial");
  EXPECT_EQ(c.lines().size(), 1u);
  c.finish();
  EXPECT_EQ(c.lines(), (Lines{{"complete", false}, {"partial", false}}));
  EXPECT_FALSE(c.splitter().has_partial());
  c.finish();  // nothing left: no extra empty line
  EXPECT_EQ(c.lines().size(), 2u);
}

TEST(LineSplitterTest, FinishWithoutDataEmitsNothing) {
  Collector c(100);
  c.finish();
  EXPECT_TRUE(c.lines().empty());
  c.feed("x\n").finish();
  EXPECT_EQ(c.lines(), (Lines{{"x", false}}));
}

TEST(LineSplitterTest, LineOfExactlyMaxIsNotTruncated) {
  Collector c(5);
  c.feed("12345\n").feed("123").feed("45\n");
  EXPECT_EQ(c.lines(), (Lines{{"12345", false}, {"12345", false}}));
}

// The limit counts a line's content: the CR of a CRLF ending is not content, so a line of
// exactly the limit is whole whether it ends in LF or CRLF, in one piece or split anywhere.
TEST(LineSplitterTest, LineOfExactlyMaxEndingInCrlfIsNotTruncated) {
  constexpr std::size_t kMax = 64 * 1024;
  const std::string content(kMax, 'c');
  const std::string data = content + "\r\nnext\r\n";
  Collector whole(kMax);
  whole.feed(data);
  EXPECT_EQ(whole.lines(), (Lines{{content, false}, {"next", false}}));
  for (const std::size_t split : {std::size_t{1}, kMax - 1, kMax, kMax + 1}) {
    Collector pieces(kMax);
    pieces.feed(std::string_view(data).substr(0, split)).feed(std::string_view(data).substr(split));
    EXPECT_EQ(pieces.lines(), whole.lines()) << "split at " << split;
  }
  Collector at_end(kMax);  // a writer gone after the CR: the line is still whole
  at_end.feed(content + "\r").finish();
  EXPECT_EQ(at_end.lines(), (Lines{{content, false}}));
}

TEST(LineSplitterTest, OneByteOverMaxIsTruncatedWithOrWithoutCr) {
  Collector c(5);
  c.feed("123456\r\n123456\n").feed("1234").feed("56\r\n").feed("12345\r").feed("6\n");
  EXPECT_EQ(c.lines(), (Lines{{"12345", true}, {"12345", true}, {"12345", true}, {"12345", true}}));
}

TEST(LineSplitterTest, LongLineIsCutAtMaxAndTheRestSkipped) {
  Collector c(5);
  c.feed("1234567890\nok\n");
  EXPECT_EQ(c.lines(), (Lines{{"12345", true}, {"ok", false}}));
}

TEST(LineSplitterTest, LongLineAcrossChunksIsCutOnceAndTheRestSkipped) {
  Collector c(5);
  c.feed("123").feed("4567").feed("89").feed("0123\nnext\n");
  EXPECT_EQ(c.lines(), (Lines{{"12345", true}, {"next", false}}));
}

TEST(LineSplitterTest, TruncatedPartialLineIsFlaggedAtFinish) {
  Collector c(4);
  c.feed("abcdefgh");
  c.finish();
  EXPECT_EQ(c.lines(), (Lines{{"abcd", true}}));
}

TEST(LineSplitterTest, StateResetsAfterATruncatedLine) {
  Collector c(4);
  c.feed("abcdefgh\nabcd\nab").feed("cd\n");
  EXPECT_EQ(c.lines(), (Lines{{"abcd", true}, {"abcd", false}, {"abcd", false}}));
}

TEST(LineSplitterTest, OneMebibyteLineIsTruncatedToMax) {
  constexpr std::size_t kMax = 64 * 1024;
  const std::string big(1 << 20, 'x');
  Collector c(kMax);
  c.feed("before\n");
  // As a reader would deliver it: in pieces.
  for (std::size_t i = 0; i < big.size(); i += 65000) c.feed(std::string_view(big).substr(i, 65000));
  c.feed("\nafter\n");
  ASSERT_EQ(c.lines().size(), 3u);
  EXPECT_EQ(c.lines()[0], (Line{"before", false}));
  EXPECT_EQ(c.lines()[1].text, std::string(kMax, 'x'));
  EXPECT_TRUE(c.lines()[1].truncated);
  EXPECT_EQ(c.lines()[2], (Line{"after", false}));
}

TEST(LineSplitterTest, OneMebibyteLineInOneChunk) {
  constexpr std::size_t kMax = 64 * 1024;
  const std::string data = std::string(1 << 20, 'y') + "\nz\n";
  Collector c(kMax);
  c.feed(data);
  ASSERT_EQ(c.lines().size(), 2u);
  EXPECT_EQ(c.lines()[0].text.size(), kMax);
  EXPECT_TRUE(c.lines()[0].truncated);
  EXPECT_EQ(c.lines()[1], (Line{"z", false}));
}

TEST(LineSplitterTest, NulBytesAreKeptInsideLines) {
  Collector c(100);
  c.feed("a\0b\n\0\n"s).feed("x\0"s).finish();
  EXPECT_EQ(c.lines(), (Lines{{"a\0b"s, false}, {"\0"s, false}, {"x\0"s, false}}));
}

// The daemon collects a read's lines and processes them together after the read, so every
// view must still hold its line when the feed has returned: including a line completed
// from an earlier piece, an over-long line cut in place, and with the next partial line
// already started.
TEST(LineSplitterTest, ViewsStayValidUntilTheNextFeed) {
  LineSplitter splitter(8);
  std::vector<std::string_view> views;
  std::vector<bool> cut;
  const auto keep = [&](std::string_view l, bool t) { views.push_back(l), cut.push_back(t); };
  splitter.feed("hel", keep);
  std::string chunk = "lo\nabcdefghijkl\nok\r\nnext-par";
  splitter.feed(chunk, keep);
  ASSERT_EQ(views.size(), 3u);
  EXPECT_EQ(views[0], "hello");
  EXPECT_EQ(views[1], "abcdefgh");
  EXPECT_TRUE(cut[1]);
  EXPECT_EQ(views[2], "ok");
  // The views point into the caller's chunk or the splitter, not into a temporary.
  EXPECT_FALSE(cut[0] || cut[2]);
  std::string last = "tial\n";
  views.clear();
  splitter.feed(last, keep);
  ASSERT_EQ(views.size(), 1u);
  EXPECT_EQ(views[0], "next-par");  // cut at 8: the rest of it is skipped
  splitter.feed("more", keep);
  splitter.finish(keep);
  EXPECT_EQ(views.back(), "more");
}

}  // namespace
}  // namespace tapemeasure::ingest
