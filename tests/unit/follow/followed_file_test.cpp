// One followed file on a real temporary file: lines and the mark after the last whole one,
// the 1 KiB fingerprint, where new content starts after a truncation, and what a read does
// when the sink throws (no line given twice, the rest read again).
#include "follow/followed_file.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "support/test_support.hpp"

namespace tapemeasure::follow {
namespace {

namespace fs = std::filesystem;

class Sink : public ingest::LineSink {
 public:
  void begin_batch() override {}
  void line(std::string_view l, bool) override {
    lines.emplace_back(l);
    if (l == throw_on) {
      throw_on.clear();
      throw std::runtime_error("injected");
    }
  }
  void end_batch() override {
    if (throw_at_end) {
      throw_at_end = false;
      throw std::runtime_error("injected at end_batch");
    }
  }
  std::vector<std::string> lines;
  std::string throw_on;
  bool throw_at_end = false;
};

class FollowedFileTest : public ::testing::Test {
 protected:
  std::unique_ptr<FollowedFile> open(const std::string& text) {
    file = dir.write("f.log", text).string();
    int err = 0;
    std::string error;
    auto f = FollowedFile::open(file, 64 * 1024, err, error);
    EXPECT_TRUE(f) << error;
    return f;
  }
  void append(const std::string& text) { std::ofstream(file, std::ios::app | std::ios::binary) << text; }
  // Reads to the end of the file; false if a read threw.
  bool read_all(FollowedFile& f) {
    try {
      int err = 0;
      while (f.read_some(sink, 1 << 20, buf, lines, err) > 0) {}
      EXPECT_EQ(err, 0);
      return true;
    } catch (const std::runtime_error&) {
      return false;
    }
  }

  testing::TempDir dir;
  std::string file;
  Sink sink;
  std::vector<char> buf = std::vector<char>(1 << 16);
  std::uint64_t lines = 0;
};

TEST_F(FollowedFileTest, GivesWholeLinesAndMarksTheEndOfTheLastOne) {
  auto f = open("a\nb\r\npart");
  f->seek(0);
  ASSERT_TRUE(read_all(*f));
  EXPECT_EQ(sink.lines, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(lines, 2u);
  EXPECT_EQ(f->offset(), 9u);
  EXPECT_EQ(f->mark().offset, 5u) << "a restart resumes at the partial line's start";
  append("ial\n");
  ASSERT_TRUE(read_all(*f));
  EXPECT_EQ(sink.lines.back(), "partial");
}

TEST_F(FollowedFileTest, TheFingerprintIsTheFirstKibOnceReadThatFar) {
  std::string text;
  while (text.size() < 3000) text += "line " + std::to_string(text.size()) + "\n";
  auto f = open(text.substr(0, 100));
  f->seek(0);
  ASSERT_TRUE(read_all(*f));
  EXPECT_EQ(f->mark().head_len, 100u);  // as much as there is
  append(text.substr(100));
  ASSERT_TRUE(read_all(*f));
  const FileMark m = f->mark();
  EXPECT_EQ(m.head_len, FollowedFile::kHeadBytes);
  EXPECT_EQ(m.head_hash, hash_bytes(text.data(), FollowedFile::kHeadBytes));
  EXPECT_TRUE(f->head_matches(m.head_len, m.head_hash));
  EXPECT_FALSE(f->head_changed());
}

TEST_F(FollowedFileTest, WhereNewContentStartsAfterATruncation) {
  const std::string text = "one 1\ntwo 2\nthree 3\n";
  auto f = open(text);
  f->seek(0);
  ASSERT_TRUE(read_all(*f));
  // Cut shorter, nothing new: what is left was read.
  fs::resize_file(file, 12);
  EXPECT_EQ(f->new_content_start(12), 12u);
  // Cut mid-line: the rest of that line was read too; a writer appends after it.
  fs::resize_file(file, 9);
  EXPECT_EQ(f->new_content_start(9), 9u);
  // Cut, then a line appended before the look: it starts at the first line that differs.
  fs::resize_file(file, 6);
  append("new line\n");
  EXPECT_EQ(f->new_content_start(15), 6u);
  // Truncated and written again (copytruncate): all of it is new.
  fs::resize_file(file, 0);
  append("one 2, a new first line\n");
  EXPECT_TRUE(f->head_changed());
  EXPECT_EQ(f->new_content_start(24), 0u);
  // A few equal bytes without a newline prove nothing.
  fs::resize_file(file, 0);
  append("one");
  EXPECT_EQ(f->new_content_start(3), 0u);
}

TEST_F(FollowedFileTest, ASinkThrowingResumesAfterTheLineItThrewOn) {
  auto f = open("l1\nl2\nl3\nl4\nl5\n");
  f->seek(0);
  sink.throw_on = "l3";
  EXPECT_FALSE(read_all(*f));
  EXPECT_EQ(f->offset(), 9u);
  EXPECT_EQ(f->mark().offset, 9u);
  ASSERT_TRUE(read_all(*f));
  EXPECT_EQ(sink.lines, (std::vector<std::string>{"l1", "l2", "l3", "l4", "l5"}));
  EXPECT_EQ(lines, 5u);
}

TEST_F(FollowedFileTest, ASinkThrowingOnALineBegunInAnEarlierReadResumesAfterIt) {
  auto f = open("first par");
  f->seek(0);
  ASSERT_TRUE(read_all(*f));
  append("t\nsecond\n");
  sink.throw_on = "first part";
  EXPECT_FALSE(read_all(*f));
  EXPECT_EQ(f->offset(), 11u);
  ASSERT_TRUE(read_all(*f));
  EXPECT_EQ(sink.lines, (std::vector<std::string>{"first part", "second"}));
}

TEST_F(FollowedFileTest, AThrowAtTheBatchEndKeepsAPartialLineForTheNextRead) {
  auto f = open("a\nb\nhalf");
  f->seek(0);
  sink.throw_at_end = true;
  EXPECT_FALSE(read_all(*f));
  EXPECT_EQ(f->offset(), 4u);  // after "b": "half" is read again
  append(" line\n");
  ASSERT_TRUE(read_all(*f));
  EXPECT_EQ(sink.lines, (std::vector<std::string>{"a", "b", "half line"}));
}

}  // namespace
}  // namespace tapemeasure::follow
