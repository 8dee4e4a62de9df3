// The Reloader with a real io_context as the ingest thread and real files: a good build is
// swapped in with its per-thread copies, a bad one keeps the old rules and says file:line,
// requests during a build coalesce into one more, watcher events that change no rule file
// cause no reload, and a build finishing during stop() is dropped. Also what the rule files
// resolve to (ConfigMap layout), and the /healthz decision with an injected clock.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

#include <chrono>
#include <filesystem>
#include <future>
#include <new>
#include <thread>

#include "app/ingest_health.hpp"
#include "reload/reloader.hpp"
#include "support/test_support.hpp"

namespace tapemeasure::reload {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using testing::TempDir;

std::string rule_file(const std::string& word, const std::string& pattern = "") {
  return "format: raw\nrules:\n  - name: " + word + "\n    match: '" + (pattern.empty() ? "^" + word + " (?P<k>\\w+)$" : pattern) +
         "'\n    metrics:\n      - counter: " + word + "_total\n        help: Lines.\n        labels: {k: '${k}'}\n";
}

std::string two_rules() {
  return "format: raw\nrules:\n"
         "  - name: foo\n    match: '^foo'\n    metrics:\n      - counter: foo_total\n        help: x\n"
         "  - name: bar\n    match: '^bar'\n    metrics:\n      - counter: bar_total\n        help: x\n";
}

class ReloaderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    rules_dir = dir.path() / "rules";
    fs::create_directory(rules_dir);
    file = rules_dir / "a.yml";
    testing::write_file(file, rule_file("foo"));
  }

  void start(int helper_copies = 2, bool watch = false, std::function<void(const std::string&)> on_build_start = {},
             util::ThreadHealth* threads = nullptr) {
    auto first = load_at_start({rules_dir.string()});
    ASSERT_TRUE(first.loaded.ok()) << first.loaded.error_text();
    Reloader::Options o{.rule_paths = {rules_dir.string()}, .helper_copies = helper_copies, .watch = watch,
                        .loaded = std::move(first.seen), .on_build_start = std::move(on_build_start),
                        .threads = threads};
    reloader = std::make_unique<Reloader>(
        ingest, self, board, std::move(o), [this](BuiltRules b) { installed.push_back(std::move(b)); },
        [this] { ++status_changes; });
  }

  // Runs the "ingest thread" (this one) until `done` or the deadline.
  bool run_until(const std::function<bool()>& done, std::chrono::milliseconds limit = 5s) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (!done()) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      ingest.restart();
      ingest.run_for(5ms);
    }
    return true;
  }

  TempDir dir;
  fs::path rules_dir, file;
  boost::asio::io_context ingest{1};
  prometheus::Registry registry;
  metrics::SelfMetrics self{registry, "test"};
  ReloadStatusBoard board;
  std::vector<BuiltRules> installed;
  int status_changes = 0;
  std::unique_ptr<Reloader> reloader;
};

TEST_F(ReloaderTest, ASuccessfulBuildIsSwappedInWithOneRegexCopyPerHelper) {
  start(2);
  testing::write_file(file, two_rules());
  reloader->request("test");
  ASSERT_TRUE(run_until([&] { return installed.size() == 1; }));
  const auto& b = installed[0];
  ASSERT_EQ(b.rules->size(), 2u);
  ASSERT_NE(b.views, nullptr);
  ASSERT_EQ(b.helper_copies.size(), 2u);
  for (const auto& copy : b.helper_copies) {
    EXPECT_NE(copy.get(), b.rules.get());
    EXPECT_NE(copy->rule(0).re.get(), b.rules->rule(0).re.get()) << "each helper needs its own RE2 objects";
    EXPECT_EQ(copy->rule(1).name, "bar");
  }
  const auto s = board.get();
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(s.reloads, 1u);
  EXPECT_EQ(s.failures, 0u);
  EXPECT_GT(s.duration_ms, 0.0);
  EXPECT_EQ(self.rules_reloads.Value(), 1);
  EXPECT_EQ(self.rules_reload_failures.Value(), 0);
  EXPECT_EQ(status_changes, 0);
}

TEST_F(ReloaderTest, AFailedBuildKeepsTheOldRulesAndSaysFileAndLine) {
  start();
  testing::write_file(file, rule_file("foo") + "  - name: broken\n    match: '^broken (unclosed'\n");
  reloader->request("test");
  ASSERT_TRUE(run_until([&] { return status_changes == 1; }));
  EXPECT_TRUE(installed.empty()) << "nothing is swapped in";
  const auto s = board.get();
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.error_text().find("a.yml:10:"), std::string::npos) << s.error_text();
  EXPECT_NE(s.error_text().find("broken"), std::string::npos) << s.error_text();
  EXPECT_EQ(s.failures, 1u);
  EXPECT_EQ(s.reloads, 0u);
  EXPECT_EQ(self.rules_reload_failures.Value(), 1);
  EXPECT_EQ(self.rules_reloads.Value(), 0);

  // The fix reloads, and clears the error.
  testing::write_file(file, two_rules());
  reloader->request("test");
  ASSERT_TRUE(run_until([&] { return installed.size() == 1; }));
  EXPECT_TRUE(board.get().ok());
  EXPECT_EQ(board.get().failures, 1u);
}

// A build that throws (std::bad_alloc from an alias bomb, say) used to end the reload thread:
// from then on SIGHUP and file changes were ignored while /healthz said ok.
TEST_F(ReloaderTest, ABuildThatThrowsIsAFailedReloadAndTheThreadGoesOnReloading) {
  util::ThreadHealth health;
  std::atomic<int> builds{0};
  start(0, false, [&](const std::string&) {
    if (builds.fetch_add(1) == 0) throw std::bad_alloc();
  }, &health);
  reloader->request("first");
  ASSERT_TRUE(run_until([&] { return status_changes == 1; })) << "the failure is reported";
  EXPECT_TRUE(installed.empty());
  const auto s = board.get();
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.error_text().find("out of memory"), std::string::npos) << s.error_text();
  EXPECT_EQ(s.failures, 1u);
  EXPECT_EQ(self.rules_reload_failures.Value(), 1);
  EXPECT_EQ(health.survived_count("reload"), 1u);
  EXPECT_FALSE(health.fatal_reason().has_value());

  testing::write_file(file, two_rules());
  reloader->request("second");
  ASSERT_TRUE(run_until([&] { return installed.size() == 1; })) << "the reload thread still serves requests";
  EXPECT_EQ(installed[0].rules->size(), 2u);
  EXPECT_TRUE(board.get().ok());
}

TEST_F(ReloaderTest, RequestsDuringABuildCoalesceIntoOneMoreBuild) {
  std::promise<void> release;
  auto released = release.get_future().share();
  std::promise<void> first_started;
  std::atomic<int> builds{0};
  start(0, false, [&](const std::string&) {
    if (builds.fetch_add(1) == 0) {
      first_started.set_value();
      released.wait();  // hold the first build while requests pile up
    }
  });
  reloader->request("first");
  first_started.get_future().wait();
  testing::write_file(file, two_rules());  // what the coalesced build must see
  for (int i = 0; i < 5; ++i) reloader->request("more " + std::to_string(i));
  release.set_value();
  ASSERT_TRUE(run_until([&] { return installed.size() == 2; }));
  // Give a wrongly queued third build time to show up.
  run_until([] { return false; }, 300ms);
  EXPECT_EQ(builds.load(), 2);
  EXPECT_EQ(installed.size(), 2u);
  EXPECT_EQ(installed.back().rules->size(), 2u) << "the last build read the files as they are now";
  EXPECT_EQ(board.get().reloads, 2u);
}

TEST_F(ReloaderTest, AWatcherEventThatChangesNoRuleFileCausesNoReload) {
  start(0, true);
  testing::write_file(rules_dir / "notes.txt", "not a rule file");
  run_until([] { return false; }, RuleWatcher::kQuietPeriod * 4);
  EXPECT_TRUE(installed.empty());
  EXPECT_EQ(board.get().reloads, 0u);

  testing::write_file(file, two_rules());
  ASSERT_TRUE(run_until([&] { return installed.size() == 1; })) << "a real change reloads";
  EXPECT_EQ(installed[0].rules->size(), 2u);
}

TEST_F(ReloaderTest, ABuildFinishingDuringStopIsDropped) {
  std::promise<void> entered;
  std::promise<void> release;
  start(0, false, [&](const std::string&) {
    entered.set_value();
    release.get_future().wait();
  });
  testing::write_file(file, two_rules());
  reloader->request("test");
  entered.get_future().wait();
  std::thread releaser([&] {
    std::this_thread::sleep_for(50ms);
    release.set_value();
  });
  reloader->stop();  // returns after the build ended
  releaser.join();
  EXPECT_EQ(ingest.poll(), 0u) << "nothing was posted to the ingest thread";
  EXPECT_TRUE(installed.empty());
  EXPECT_EQ(board.get().reloads, 0u);
}

TEST(RuleFilesSnapshot, SeesAConfigMapUpdateThroughTheDataSymlink) {
  TempDir dir;
  const auto root = dir.path();
  fs::create_directory(root / "..2026_11_30_01");
  testing::write_file(root / "..2026_11_30_01" / "rules.yml", rule_file("foo"));
  fs::create_directory_symlink("..2026_11_30_01", root / "..data");
  fs::create_symlink("..data/rules.yml", root / "rules.yml");
  const std::vector<std::string> paths{root.string()};
  const auto before = RuleFilesSnapshot::take(paths);
  ASSERT_EQ(before.files.size(), 1u);
  EXPECT_TRUE(before.files[0].readable);
  EXPECT_TRUE(before.directories_to_watch(paths).contains((fs::canonical(root) / "..2026_11_30_01").string()));
  EXPECT_EQ(before, RuleFilesSnapshot::take(paths)) << "nothing changed";

  // The kubelet's update: a new timestamped dir, a new symlink renamed over ..data.
  fs::create_directory(root / "..2026_11_30_02");
  testing::write_file(root / "..2026_11_30_02" / "rules.yml", rule_file("bar"));
  fs::create_directory_symlink("..2026_11_30_02", root / "..data_tmp");
  fs::rename(root / "..data_tmp", root / "..data");
  const auto after = RuleFilesSnapshot::take(paths);
  EXPECT_NE(before, after);
  EXPECT_EQ(after.files[0].path, before.files[0].path) << "same name, other content";
}

}  // namespace
}  // namespace tapemeasure::reload

namespace tapemeasure::app {
namespace {

using namespace std::chrono_literals;

TEST(IngestHealth, AnswersOkWhileTheHeartbeatIsFreshAnd503WithTheReasonWhenItStalls) {
  const auto t0 = IngestHeartbeat::clock::time_point(100s);
  reload::ReloadStatus good;
  auto fresh = decide_health(t0, t0 + 500ms, false, good);
  EXPECT_TRUE(fresh.ok);
  EXPECT_EQ(fresh.body, "ok\n");

  auto stalled = decide_health(t0, t0 + 2500ms, false, good);
  EXPECT_FALSE(stalled.ok);
  EXPECT_EQ(stalled.body, "ingest thread stalled: no heartbeat for 2500 ms\n");

  auto stopping = decide_health(t0, t0, true, good);
  EXPECT_FALSE(stopping.ok);
  EXPECT_NE(stopping.body.find("ingest stopped"), std::string::npos);
}

TEST(IngestHealth, AFailedReloadIsStillHealthyAndSaysWhereItFailed) {
  const auto t0 = IngestHeartbeat::clock::time_point(100s);
  reload::ReloadStatusBoard board;
  board.record_failure("rules/a.yml:8: rule broken: bad regex\nrules/b.yml:2: more\n", 1);
  auto answer = decide_health(t0, t0 + 10ms, false, board.get());
  EXPECT_TRUE(answer.ok) << "the old rules still run";
  EXPECT_EQ(answer.body, "ok; last reload failed: rules/a.yml:8: rule broken: bad regex (1 more error)\n");
}

// /healthz used to carry the whole first error line, however long: a probe's body is short.
TEST(IngestHealth, AFailedReloadsHealthBodyIsShortHoweverLongItsError) {
  const auto t0 = IngestHeartbeat::clock::time_point(100s);
  reload::ReloadStatusBoard board;
  board.record_failure("rules/a.yml:8: format must be 'raw' or 'syslog', not '" + std::string(100'000, 'x') + "'\n", 1);
  const auto answer = decide_health(t0, t0 + 10ms, false, board.get());
  EXPECT_TRUE(answer.ok);
  EXPECT_LT(answer.body.size(), 300u);
  EXPECT_EQ(answer.body.rfind("ok; last reload failed: rules/a.yml:8: format must be", 0), 0u) << answer.body;
}

TEST(IngestHealth, TheHeartbeatMovesWithBeats) {
  IngestHeartbeat beat;
  const auto t = IngestHeartbeat::clock::time_point(42s);
  beat.beat(t);
  EXPECT_EQ(beat.last(), t);
}

}  // namespace
}  // namespace tapemeasure::app
