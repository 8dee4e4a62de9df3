#include "util/thread_health.hpp"

#include <gtest/gtest.h>

#include <new>
#include <stdexcept>
#include <string>
#include <vector>

namespace tapemeasure::util {
namespace {

TEST(ThreadHealthTest, AThrowingWorkRunsAgainAndIsCounted) {
  ThreadHealth health;
  std::vector<std::string> hooked;
  health.set_hooks([&](std::string_view t) { hooked.emplace_back(t); }, {});
  int calls = 0;
  const bool ok = run_guarded(health, "network", [&] {
    if (++calls < 3) throw std::runtime_error("handler blew up");
  });
  EXPECT_TRUE(ok);
  EXPECT_EQ(calls, 3);
  EXPECT_EQ(health.survived_count("network"), 2u);
  EXPECT_EQ(hooked, (std::vector<std::string>{"network", "network"}));
  EXPECT_FALSE(health.fatal_reason());
}

TEST(ThreadHealthTest, AWorkThatFailsOverAndOverIsFatalWithTheReason) {
  ThreadHealth health;
  std::string fatal_seen;
  int fatal_calls = 0;
  health.set_hooks({}, [&](const std::string& r) {
    fatal_seen = r;
    ++fatal_calls;
  });
  int calls = 0;
  const bool ok = run_guarded(
      health, "reload", [&] {
        ++calls;
        throw std::bad_alloc();
      },
      4);
  EXPECT_FALSE(ok);
  EXPECT_EQ(calls, 4);
  ASSERT_TRUE(health.fatal_reason());
  EXPECT_EQ(*health.fatal_reason(), fatal_seen);
  EXPECT_NE(fatal_seen.find("reload thread: out of memory"), std::string::npos) << fatal_seen;
  // A second fatal failure keeps the first reason and does not call the hook again.
  health.fatal("network", "later");
  EXPECT_EQ(fatal_calls, 1);
  EXPECT_EQ(*health.fatal_reason(), fatal_seen);
}

TEST(ThreadHealthTest, ExceptionTextsAreCutOnACharacterBoundary) {
  const std::string long_text = std::string(199, 'x') + "\xC3\xA9" + std::string(100, 'y');
  const auto d = describe_exception(std::make_exception_ptr(std::runtime_error(long_text)), 200);
  EXPECT_EQ(d, std::string(199, 'x') + "...");
  EXPECT_EQ(describe_exception(std::make_exception_ptr(42)), "unknown exception");
}

}  // namespace
}  // namespace tapemeasure::util
