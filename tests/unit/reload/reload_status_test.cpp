// The status board keeps a failed reload's error text once, capped, and hands out only a
// short summary for what is repeated: each per-second stats record (300 in the ring), each
// stats frame and each /healthz. A 160 KB broken rule file used to be copied whole into all
// of them, growing memory by megabytes a second until std::bad_alloc ended the daemon.
#include "reload/reload_status.hpp"

#include <gtest/gtest.h>

#include <string>

namespace tapemeasure::reload {
namespace {

// `n` error lines of about 100 bytes each, as a long broken file gives.
std::string many_errors(int n) {
  std::string text;
  for (int i = 1; i <= n; ++i)
    text += "rules/big.yml:" + std::to_string(i) + ": rule r" + std::to_string(i) +
            ": unknown key 'mtch' in rule (did you mean 'match'?) .......................\n";
  return text;
}

TEST(ReloadStatusBoard, WhatTheStatsRepeatIsTheFirstLineAndACountNotTheWholeText) {
  ReloadStatusBoard board;
  board.record_failure(many_errors(5000), 1);
  const auto stats = board.get().for_stats();
  EXPECT_LE(stats.error.size(), kMaxErrorSummaryBytes + 40);
  EXPECT_EQ(stats.error.rfind("rules/big.yml:1: rule r1: unknown key 'mtch'", 0), 0u) << stats.error;
  EXPECT_NE(stats.error.find("(4999 more errors)"), std::string::npos) << stats.error;
  EXPECT_EQ(stats.failures, 1u);
}

TEST(ReloadStatusBoard, TheErrorTextIsKeptOnceAndCapped) {
  ReloadStatusBoard board;
  board.record_failure(many_errors(5000), 1);
  const auto a = board.get(), b = board.get();
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.error.get(), b.error.get()) << "every reader shares the one copy";
  const std::string& text = a.error_text();
  EXPECT_LE(text.size(), kMaxErrorTextBytes + 200);
  EXPECT_EQ(text.back(), '\n');
  EXPECT_NE(text.find("more bytes of errors not shown"), std::string::npos);
  EXPECT_EQ(text.rfind("rules/big.yml:1: ", 0), 0u);

  board.record_success(1);
  EXPECT_TRUE(board.get().ok());
  EXPECT_EQ(board.get().error_text(), "");
  EXPECT_EQ(board.get().summary, "");
  EXPECT_EQ(a.error_text().rfind("rules/big.yml:1: ", 0), 0u) << "a reader's copy outlives the next reload";
}

TEST(ReloadStatusBoard, AFirstLineLongerThanTheCapIsCutNotDropped) {
  ReloadStatusBoard board;
  board.record_failure("rules/a.yml:1: format must be 'raw' or 'syslog', not '" + std::string(100'000, 'x') + "'\n", 1);
  const auto s = board.get();
  EXPECT_EQ(s.error_text().rfind("rules/a.yml:1: format must be", 0), 0u);
  EXPECT_LE(s.error_text().size(), kMaxErrorTextBytes + 200);
  EXPECT_EQ(s.summary.rfind("rules/a.yml:1: format must be", 0), 0u);
  EXPECT_LE(s.summary.size(), kMaxErrorSummaryBytes + 3);
}

TEST(ReloadStatusBoard, AShortErrorIsKeptWhole) {
  ReloadStatusBoard board;
  board.record_failure("rules/a.yml:3: rule x: bad regex\n", 1);
  EXPECT_EQ(board.get().error_text(), "rules/a.yml:3: rule x: bad regex\n");
  EXPECT_EQ(board.get().summary, "rules/a.yml:3: rule x: bad regex");
}

TEST(SummarizeErrors, CutsTheFirstLineOnACharacterBoundaryAndCountsTheOthers) {
  EXPECT_EQ(summarize_errors("a\nb\nc\n"), "a (2 more errors)");
  EXPECT_EQ(summarize_errors("a\nb"), "a (1 more error)");
  EXPECT_EQ(summarize_errors("only"), "only");
  const std::string long_line = std::string(kMaxErrorSummaryBytes - 1, 'x') + "\xC3\xA9" + "tail";
  EXPECT_EQ(summarize_errors(long_line), std::string(kMaxErrorSummaryBytes - 1, 'x') + "...");
}

}  // namespace
}  // namespace tapemeasure::reload
