// The --follow stage with real files in a temporary directory and a real io_context: the
// state file round trip, where reading starts, rename rotation, copytruncate, partial and
// over-long lines, a glob picking up a new file, a missing file, a restart from the state
// file. Time is real but short: inotify wakes the loop, the poll timer is the backstop.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>
#include <prometheus/registry.h>

#include <boost/asio/io_context.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include "follow/file_followers.hpp"
#include "follow/follow_state.hpp"
#include "follow/followed_file.hpp"
#include "follow/state_saver.hpp"
#include "ingest/line_sink.hpp"
#include "metrics/self_metrics.hpp"
#include "support/test_support.hpp"
#include "util/thread_health.hpp"

namespace tapemeasure::follow {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

struct Got {
  std::string text;
  bool truncated;
  bool operator==(const Got&) const = default;
};

class RecordingSink : public ingest::LineSink {
 public:
  void begin_batch() override { ++batches; }
  void line(std::string_view l, bool truncated) override {
    lines.push_back({std::string(l), truncated});
    // A fault in the line's processing, once (after it was recorded: processed, then threw).
    if (throw_on == l) {
      throw_on.clear();
      throw std::runtime_error("injected fault");
    }
  }
  std::vector<std::string> texts() const {
    std::vector<std::string> out;
    for (const auto& g : lines) out.push_back(g.text);
    return out;
  }
  std::vector<Got> lines;
  int batches = 0;
  std::string throw_on;
};

class FollowTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir = fs::temp_directory_path() / ("tm-follow-" + std::to_string(::getpid()) + "-" +
                                       ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir);
    fs::create_directories(dir);
  }
  void TearDown() override {
    followers.reset();
    fs::remove_all(dir);
  }

  std::string path(const std::string& name) const { return (dir / name).string(); }
  static void append(const std::string& p, const std::string& text) {
    std::ofstream(p, std::ios::app | std::ios::binary) << text;
  }
  void start(std::vector<std::string> patterns, std::string state = {}, std::size_t max_line = 64 * 1024,
             std::chrono::milliseconds rotation_grace = 60s) {
    start_with(FollowOptions{.patterns = std::move(patterns),
                             .state_path = std::move(state),
                             .max_line_bytes = max_line,
                             .rotation_grace = rotation_grace});
  }
  void start_with(FollowOptions options) {
    followers = std::make_unique<FileFollowers>(ioc, std::move(options), sink, self, health);
    followers->start();
  }
  bool run_until(const std::function<bool()>& pred) { return tapemeasure::testing::run_until(ioc, pred, 3s); }
  // Runs the loop a while (for "nothing more arrives" checks: two poll periods).
  void settle() {
    ioc.restart();
    ioc.run_for(1100ms);
  }
  bool have(std::size_t n) { return run_until([&] { return sink.lines.size() >= n; }); }
  double counter(prometheus::Family<prometheus::Counter>& f, const char* label, const char* value) {
    return f.Add({{label, value}}).Value();
  }

  fs::path dir;
  boost::asio::io_context ioc;
  prometheus::Registry registry;
  metrics::SelfMetrics self{registry, "test"};
  RecordingSink sink;
  util::ThreadHealth health;
  std::unique_ptr<FileFollowers> followers;
};

TEST_F(FollowTest, StateFileRoundTrip) {
  const std::string st = path("state.json");
  EXPECT_FALSE(load_follow_state(st).has_value());
  const std::vector<FileMark> marks{{.path = "/var/log/mail.log", .dev = 2049, .ino = 1234567, .offset = 987654321,
                                     .head_len = 256, .head_hash = 0xfedcba9876543210ull},
                                    {.path = "/var/log/x y.log", .dev = 1, .ino = 2, .offset = 0}};
  ASSERT_EQ(save_follow_state(st, marks), "");
  EXPECT_FALSE(fs::exists(st + ".tmp"));
  const auto back = load_follow_state(st);
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(*back, marks);
  append(path("bad.json"), "{not json");
  EXPECT_THROW(load_follow_state(path("bad.json")), std::runtime_error);
  EXPECT_NE(save_follow_state(path("no/such/dir/state.json"), marks), "");
}

TEST_F(FollowTest, StateSaverWritesOffTheCallersThreadAndReportsTheOutcome) {
  const std::string st = path("state.json");
  const std::vector<FileMark> first{{.path = "a", .dev = 1, .ino = 2, .offset = 10}};
  const std::vector<FileMark> second{{.path = "a", .dev = 1, .ino = 2, .offset = 20}};
  {
    StateSaver saver(st);
    EXPECT_FALSE(saver.take_outcome().has_value());  // nothing written yet
    saver.submit(first);
    saver.submit(second);  // may supersede the first before it is written
    saver.flush();
    EXPECT_EQ(saver.take_outcome(), std::optional<std::string>(""));
    EXPECT_FALSE(saver.take_outcome().has_value());  // taken once
    EXPECT_EQ(load_follow_state(st), std::optional(second));
    saver.submit(first);
  }  // the destructor writes what waits
  EXPECT_EQ(load_follow_state(st), std::optional(first));

  StateSaver nowhere(path("no/such/dir/state.json"));
  nowhere.submit(first);
  nowhere.flush();
  const auto outcome = nowhere.take_outcome();
  ASSERT_TRUE(outcome.has_value());
  EXPECT_NE(*outcome, "");
}

TEST_F(FollowTest, FileThereAtStartWithoutStateIsReadFromItsEnd) {
  const std::string log = path("a.log");
  append(log, "old 1\nold 2\nhalf a li");  // a writer was mid-line: start at that line's start
  start({log});
  append(log, "ne\nnew 2\n");
  ASSERT_TRUE(have(2));
  EXPECT_EQ(sink.texts(), (std::vector<std::string>{"half a line", "new 2"}));
  EXPECT_EQ(self.follow_lines.Value(), 2);
}

TEST_F(FollowTest, GlobPicksUpANewFileFromItsStartAndWaitsForAPartialLine) {
  start({path("*.log")});
  settle();
  EXPECT_TRUE(sink.lines.empty());
  append(path("b.txt"), "not matched\n");
  append(path("b.log"), "one\ntwo\nthr");
  ASSERT_TRUE(have(2));
  settle();
  EXPECT_EQ(sink.texts(), (std::vector<std::string>{"one", "two"}));  // "thr" waits for its newline
  append(path("b.log"), "ee\n");
  ASSERT_TRUE(have(3));
  EXPECT_EQ(sink.lines.back(), (Got{"three", false}));
}

TEST_F(FollowTest, RenameRotationReadsTheOldFileToItsEndThenTheNewOne) {
  const std::string log = path("mail.log");
  append(log, "");
  start({log});
  append(log, "before 1\n");
  ASSERT_TRUE(have(1));
  fs::rename(log, log + ".1");      // logrotate's default: rename, then create
  append(log + ".1", "late 2\n");   // the writer has not reopened yet
  append(log, "new 3\n");
  append(log + ".1", "late 4\n");
  ASSERT_TRUE(have(4));
  settle();
  auto texts = sink.texts();
  std::sort(texts.begin(), texts.end());
  EXPECT_EQ(texts, (std::vector<std::string>{"before 1", "late 2", "late 4", "new 3"}));
  EXPECT_EQ(counter(self.follow_rotations, "kind", "rename"), 1);
}

TEST_F(FollowTest, TruncationRestartsAtZeroAndReadsTheUnreadRestFromTheCopy) {
  const std::string log = path("app.log");
  append(log, "");
  start({log});
  append(log, "a 1\na 2\n");
  ASSERT_TRUE(have(2));
  // Written, copied and truncated while the loop does not run: "a 3" and half of "a 4"
  // were never read from app.log, only the copy has them.
  append(log, "a 3\na ");
  fs::copy_file(log, log + ".1");
  fs::resize_file(log, 0);
  append(log + ".1", "");
  append(log, "b 1\n");
  ASSERT_TRUE(have(4));
  settle();
  // The copy ends in half a line ("a "): it is given only when the copy has been quiet
  // for a while, in case more comes.
  EXPECT_EQ(sink.texts(), (std::vector<std::string>{"a 1", "a 2", "a 3", "b 1"}));
  EXPECT_EQ(counter(self.follow_rotations, "kind", "truncate"), 1);
}

TEST_F(FollowTest, TruncatedAndRegrownBetweenLooksIsSeenByItsFirstBytes) {
  const std::string log = path("app.log");
  append(log, "");
  start({log});
  append(log, "first 1\n");
  ASSERT_TRUE(have(1));
  fs::resize_file(log, 0);
  append(log, "second 1, longer than the first file was\n");  // size > our offset again
  ASSERT_TRUE(have(2));
  EXPECT_EQ(sink.lines.back().text, "second 1, longer than the first file was");
  EXPECT_EQ(counter(self.follow_rotations, "kind", "truncate"), 1);
}

// A file cut shorter (`truncate -s`, a tool keeping the last half) still holds what was
// read: reading goes on at the cut, so nothing is counted twice (it used to be read again
// from its start).
TEST_F(FollowTest, ATruncationToHalfIsNotCountedTwice) {
  const std::string log = path("app.log");
  append(log, "");
  start({log});
  std::string text;
  for (int i = 0; i < 10; ++i) text += "line " + std::to_string(10 + i) + " padding\n";  // 16 bytes each
  append(log, text);
  ASSERT_TRUE(have(10));
  fs::resize_file(log, text.size() / 2);
  ASSERT_TRUE(run_until([&] { return counter(self.follow_rotations, "kind", "truncate") == 1; }));
  append(log, "after 1\n");
  ASSERT_TRUE(have(11));
  settle();
  EXPECT_EQ(sink.lines.size(), 11u);
  EXPECT_EQ(sink.lines.back().text, "after 1");
  EXPECT_EQ(self.follow_lines.Value(), 11);
}

// Cut and written again before the follower looked: the new content starts at the first
// line that differs from what was read.
TEST_F(FollowTest, ACutFileWrittenAgainBeforeALookGoesOnAtTheFirstNewLine) {
  const std::string log = path("app.log");
  append(log, "");
  start({log});
  append(log, "one 1\ntwo 2\nthree 3\nfour 4\n");
  ASSERT_TRUE(have(4));
  fs::resize_file(log, 12);  // "one 1\ntwo 2\n"
  append(log, "five 5\n");
  ASSERT_TRUE(have(5));
  settle();
  EXPECT_EQ(sink.texts(), (std::vector<std::string>{"one 1", "two 2", "three 3", "four 4", "five 5"}));
}

// A symlink moved between files (a dated log and a `current` link to it): each file is
// resumed where it was left, also after it was closed for being quiet (it used to be read
// again from its start each time the link came back to it).
TEST_F(FollowTest, ASymlinkMovedBetweenFilesResumesEachWhereItWasLeft) {
  const std::string link = path("current.log"), a = path("a.log"), b = path("b.log");
  append(a, "");
  append(b, "");
  const auto point_at = [&](const std::string& target) {
    fs::remove(path("tmp.link"));
    fs::create_symlink(target, path("tmp.link"));
    fs::rename(path("tmp.link"), link);  // atomically, as `ln -sfn` with a rename does
  };
  point_at(a);
  start_with(FollowOptions{.patterns = {link}, .retired_quiet = 100ms});
  const auto files_open = [&] { return self.follow_files.Value(); };
  append(a, "a 1\n");
  ASSERT_TRUE(have(1));
  for (int round = 2; round <= 4; ++round) {
    const bool to_b = round % 2 == 0;
    point_at(to_b ? b : a);
    append(to_b ? b : a, (to_b ? "b " : "a ") + std::to_string(round) + "\n");
    ASSERT_TRUE(have(static_cast<std::size_t>(round)));
    // The file the link left is closed once quiet; the next round comes back to it.
    ASSERT_TRUE(run_until([&] { return files_open() == 1; }));
  }
  settle();
  EXPECT_EQ(sink.texts(), (std::vector<std::string>{"a 1", "b 2", "a 3", "b 4"}));
}

// The position of a closed file is kept in the state file too: a link moved back to it
// while the daemon was down resumes it, not reads it again.
// The io_context outlives the followers (the daemon stops them before its loop ends; a test
// drops them between runs): a pump already posted, or a poll or inotify read already done,
// must not run on the freed followers. AddressSanitizer caught this once in CI.
TEST_F(FollowTest, HandlersQueuedBeforeTheFollowersWentDoNothing) {
  const auto p = path("current.log");
  append(p, "");
  for (int round = 0; round < 20; ++round) {
    start({p});         // posts a pump and arms the poll
    append(p, "x\n");   // and the inotify read has something to report
    if (round % 2) {
      ioc.restart();
      ioc.poll_one();   // the pump runs, and may post the next one
    }
    followers.reset();  // gone with handlers still queued
    ioc.restart();
    ioc.run_for(20ms);  // they run (and must find the followers gone)
  }
  start({p});
  append(p, "last\n");
  ASSERT_TRUE(run_until([&] { return !sink.lines.empty() && sink.texts().back() == "last"; }));
}

TEST_F(FollowTest, AClosedFilesPositionSurvivesARestart) {
  const std::string link = path("current.log"), a = path("a.log"), b = path("b.log"), st = path("state.json");
  append(a, "");
  append(b, "");
  fs::create_symlink(a, link);
  const FollowOptions options{.patterns = {link}, .state_path = st, .retired_quiet = 100ms};
  start_with(options);
  append(a, "a 1\n");
  ASSERT_TRUE(have(1));
  fs::remove(link);
  fs::create_symlink(b, link);
  append(b, "b 2\n");
  ASSERT_TRUE(have(2));
  ASSERT_TRUE(run_until([&] { return self.follow_files.Value() == 1; }));  // a closed
  followers.reset();
  const auto saved = load_follow_state(st);
  ASSERT_TRUE(saved.has_value());
  ASSERT_EQ(saved->size(), 2u);
  EXPECT_TRUE(std::any_of(saved->begin(), saved->end(), [](const FileMark& m) { return m.closed; }));
  // While stopped, the link goes back to a, which gets one more line.
  fs::remove(link);
  fs::create_symlink(a, link);
  append(a, "a 3\n");
  start_with(options);
  ASSERT_TRUE(have(3));
  settle();
  EXPECT_EQ(sink.texts(), (std::vector<std::string>{"a 1", "b 2", "a 3"}));
}

// A state file written before version 2 (256-byte heads, no `closed`) is resumed from.
TEST_F(FollowTest, AVersionOneStateFileIsResumedFrom) {
  const std::string log = path("mail.log"), st = path("state.json");
  std::string before;
  for (int i = 0; i < 40; ++i) before += "old line number " + std::to_string(i) + " of the first run\n";
  append(log, before);
  struct stat info {};
  ASSERT_EQ(::stat(log.c_str(), &info), 0);
  const auto head = before.substr(0, 256);
  append(st, "{\"version\": 1, \"files\": [{\"path\": \"" + log + "\", \"dev\": " + std::to_string(info.st_dev) +
                 ", \"ino\": " + std::to_string(info.st_ino) + ", \"offset\": " + std::to_string(before.size()) +
                 ", \"head_len\": 256, \"head_hash\": " + std::to_string(hash_bytes(head.data(), head.size())) + "}]}\n");
  append(log, "new 1\n");
  start({log}, st);
  ASSERT_TRUE(have(1));
  settle();
  EXPECT_EQ(sink.texts(), (std::vector<std::string>{"new 1"}));
  followers.reset();
  EXPECT_NE(testing::read_file(st).find("\"version\": 2"), std::string::npos) << "written in the current version";
  const auto marks = load_follow_state(st);
  ASSERT_TRUE(marks.has_value());
  ASSERT_EQ(marks->size(), 1u);
  EXPECT_EQ(marks->front().head_len, FollowedFile::kHeadBytes);  // the longer fingerprint from now on
}

// The follow work survives what it calls throwing (here the sink, once): caught, reported
// as thread "follow", and following goes on without a line given twice.
TEST_F(FollowTest, AnExceptionInTheFollowWorkIsSurvivedAndCounted) {
  const std::string log = path("app.log");
  append(log, "");
  start({log});
  sink.throw_on = "b 2";
  append(log, "b 1\nb 2\nb 3\nb 4\n");
  ASSERT_TRUE(have(4));
  EXPECT_EQ(health.survived_count("follow"), 1u);
  append(log, "b 5\n");
  ASSERT_TRUE(have(5));
  settle();
  EXPECT_EQ(sink.texts(), (std::vector<std::string>{"b 1", "b 2", "b 3", "b 4", "b 5"}));
  EXPECT_EQ(self.follow_lines.Value(), 5);
}

TEST_F(FollowTest, OverlongLinesAreCutAndFlagged) {
  const std::string log = path("long.log");
  append(log, "");
  start({log}, {}, 10);
  append(log, "short\n" + std::string(25, 'x') + "\nafter\n");
  ASSERT_TRUE(have(3));
  EXPECT_EQ(sink.lines[0], (Got{"short", false}));
  EXPECT_EQ(sink.lines[1], (Got{std::string(10, 'x'), true}));
  EXPECT_EQ(sink.lines[2], (Got{"after", false}));
}

TEST_F(FollowTest, MissingFileIsSaidOnceAndReadFromItsStartWhenItAppears) {
  const std::string log = path("later.log");
  start({log});
  settle();
  EXPECT_EQ(counter(self.follow_errors, "reason", "missing"), 1);  // once, not every poll
  append(log, "x 1\nx 2\n");
  ASSERT_TRUE(have(2));
  EXPECT_EQ(sink.texts(), (std::vector<std::string>{"x 1", "x 2"}));
}

TEST_F(FollowTest, ANameRotatedAwayIsGivenTimeToComeBackBeforeItIsCalledMissing) {
  const std::string log = path("mail.log");
  append(log, "");
  start({log}, {}, 64 * 1024, 1500ms);
  append(log, "before 1\n");
  ASSERT_TRUE(have(1));
  fs::rename(log, log + ".1");  // `nocreate`: the writer makes the new file at its next line
  settle();
  EXPECT_EQ(counter(self.follow_errors, "reason", "missing"), 0) << "a rotation is not a missing file";
  append(log, "after 2\n");
  ASSERT_TRUE(have(2));
  EXPECT_EQ(sink.lines.back().text, "after 2");
  // Rotated again and never recreated: past the grace period it is missing, said once.
  fs::rename(log, log + ".2");
  ASSERT_TRUE(run_until([&] { return counter(self.follow_errors, "reason", "missing") > 0; }));
  settle();
  EXPECT_EQ(counter(self.follow_errors, "reason", "missing"), 1);
}

TEST_F(FollowTest, UnreadableFileIsAPermissionErrorAndRetried) {
  // Root reads any file: as root (CI), act as nobody for this test. ctest runs each test in
  // its own process, so the process-wide effective uid is ours to change.
  struct AsNobody {
    bool switched = false;
    explicit AsNobody(const fs::path& dir) {
      if (::geteuid() != 0) return;
      fs::permissions(dir, fs::perms::all);
      switched = ::seteuid(65534) == 0;
    }
    ~AsNobody() {
      if (switched) (void)::seteuid(0);
    }
  } as_nobody(dir);
  ASSERT_NE(::geteuid(), 0u) << "could not act as an unprivileged user";
  const std::string log = path("secret.log");
  append(log, "s 1\n");
  fs::permissions(log, fs::perms::none);
  start({log});
  settle();
  EXPECT_EQ(counter(self.follow_errors, "reason", "permission"), 1);
  fs::permissions(log, fs::perms::owner_read | fs::perms::owner_write);
  append(log, "s 2\n");
  ASSERT_TRUE(have(2));  // appeared while running: from its start
  EXPECT_EQ(sink.texts(), (std::vector<std::string>{"s 1", "s 2"}));
}

TEST_F(FollowTest, RestartFromTheStateFileNeitherLosesNorDoublesAcrossARotation) {
  const std::string log = path("mail.log"), st = path("state.json");
  append(log, "history\n");
  start({log}, st);
  append(log, "run1 a\nrun1 b\n");
  ASSERT_TRUE(have(2));
  followers->stop();
  followers.reset();
  ASSERT_TRUE(fs::exists(st));
  // While stopped: one more line, then a rename rotation and a new file.
  append(log, "down c\n");
  fs::rename(log, log + ".1");
  append(log, "down d\n");
  start({log}, st);
  ASSERT_TRUE(have(4));
  settle();
  auto texts = sink.texts();
  std::sort(texts.begin(), texts.end());
  EXPECT_EQ(texts, (std::vector<std::string>{"down c", "down d", "run1 a", "run1 b"}));

  // And a plain restart resumes exactly where it was.
  followers.reset();
  append(log, "down e\n");
  start({log}, st);
  ASSERT_TRUE(have(5));
  settle();
  EXPECT_EQ(sink.lines.size(), 5u);
  EXPECT_EQ(sink.lines.back().text, "down e");
}

TEST_F(FollowTest, BadStateFileRefusesToStart) {
  append(path("state.json"), "garbage");
  EXPECT_THROW(start({path("x.log")}, path("state.json")), std::runtime_error);
}

TEST_F(FollowTest, ABigBacklogIsReadInBoundedBatches) {
  start({path("*.log")});
  std::string chunk;
  for (int i = 0; i < 20000; ++i) chunk += "line number " + std::to_string(i) + " of a long backlog\n";
  append(path("big.log"), chunk);  // ~700 KiB: several 256 KiB turns
  ASSERT_TRUE(have(20000));
  EXPECT_GE(sink.batches, 3);
  EXPECT_EQ(sink.lines.back().text, "line number 19999 of a long backlog");
}

}  // namespace
}  // namespace tapemeasure::follow
