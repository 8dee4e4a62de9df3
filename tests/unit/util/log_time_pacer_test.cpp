// Pacing a replay by log time: gaps divided by the speed, never shortened to nothing, and
// never sent back in time.
#include "util/log_time_pacer.hpp"

#include <gtest/gtest.h>

namespace tapemeasure::util {
namespace {

TEST(LogTimePacerTest, GapsAreDividedBySpeed) {
  LogTimePacer p(10);
  EXPECT_EQ(p.due(1000.0), 0.0) << "the first line goes at once";
  EXPECT_EQ(p.due(1000.0), 0.0);
  EXPECT_DOUBLE_EQ(p.due(1060.0), 6.0) << "a minute later in the log, 6 s later at 10x";
  EXPECT_DOUBLE_EQ(p.due(4660.0), 366.0) << "an hour's gap is kept (divided), not skipped";
  EXPECT_EQ(p.newest(), 4660.0);
}

TEST(LogTimePacerTest, UntimedAndBackwardLinesGoWithTheLineBefore) {
  LogTimePacer p(1);
  EXPECT_EQ(p.due(std::nullopt), 0.0) << "untimed lines before any time go at once";
  EXPECT_EQ(p.due(100.0), 0.0);
  EXPECT_EQ(p.due(130.0), 30.0);
  EXPECT_EQ(p.due(std::nullopt), 30.0);
  EXPECT_EQ(p.due(110.0), 30.0) << "a time that goes back does not move the pace back";
  EXPECT_EQ(p.due(131.0), 31.0);
  EXPECT_EQ(p.newest(), 131.0);
}

TEST(LogTimePacerTest, ANewPassStartsAgain) {
  LogTimePacer p(2);
  p.due(500.0);
  EXPECT_EQ(p.due(600.0), 50.0);
  p.restart();
  EXPECT_FALSE(p.newest());
  EXPECT_EQ(p.due(500.0), 0.0);
  EXPECT_EQ(p.due(520.0), 10.0);
}

}  // namespace
}  // namespace tapemeasure::util
