// Refusals a client can repeat at will are logged at most once an interval with a count,
// and what the client sent appears only as a short escaped excerpt.
#include "util/rate_limited_log.hpp"

#include <gtest/gtest.h>

#include <string>

namespace tapemeasure::util {
namespace {

using namespace std::chrono_literals;

TEST(RateLimitedLogTest, OneLineAnIntervalSayingHowManyWereNotWritten) {
  RateLimitedLog log(log::Level::warn, 1s);
  const auto t0 = RateLimitedLog::clock::now();
  int built = 0;
  auto message = [&] {
    ++built;
    return std::string("refused something");
  };
  ::testing::internal::CaptureStderr();
  EXPECT_TRUE(log.note(message, t0));
  for (int i = 1; i < 1000; ++i) EXPECT_FALSE(log.note(message, t0 + std::chrono::milliseconds(i % 999)));
  EXPECT_TRUE(log.note(message, t0 + 1s));
  const std::string out = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(built, 2) << "the message is only built when written";
  EXPECT_EQ(log.total(), 1001u);
  EXPECT_NE(out.find("warn refused something\n"), std::string::npos) << out;
  EXPECT_NE(out.find("refused something (999 more like this since the last such line)"), std::string::npos) << out;
}

TEST(RateLimitedLogTest, ExcerptsAreShortAndEscaped) {
  EXPECT_EQ(log_excerpt("evil.example"), "evil.example");
  EXPECT_EQ(log_excerpt(std::string(1000, 'a')), std::string(64, 'a') + "...");
  EXPECT_EQ(log_excerpt("a\nb\x01\"'\\\xff"), "a\\x0ab\\x01\\x22\\x27\\x5c\\xff");
  EXPECT_EQ(log_excerpt("abcdef", 3), "abc...");
  EXPECT_EQ(log_excerpt(""), "");
}

}  // namespace
}  // namespace tapemeasure::util
