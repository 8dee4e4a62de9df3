// A line's own time, as `replay --speed` reads it: the syslog header's, or with rules the
// time a raw file's `time:` names.
#include "rules/line_time.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <ctime>

#include "rules/log_time.hpp"
#include "support/test_support.hpp"

namespace tapemeasure::rules {
namespace {

using tapemeasure::testing::must_compile;

class LineTimeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ::setenv("TZ", "UTC", 1);
    ::tzset();
  }
  void TearDown() override {
    ::unsetenv("TZ");
    ::tzset();
  }
  const double now_ = utc_epoch(2026, 11, 27, 12, 0, 0);
};

TEST_F(LineTimeTest, WithoutRulesTheSyslogHeadersTime) {
  LineTimeReader r;
  EXPECT_EQ(r.read("Nov 27 09:01:02 mx1 postfix/smtp[42]: x", now_), utc_epoch(2026, 11, 27, 9, 1, 2));
  EXPECT_EQ(r.read("<22>Nov 27 09:01:03 mx1 sshd[1]: y", now_), utc_epoch(2026, 11, 27, 9, 1, 3));
  EXPECT_DOUBLE_EQ(*r.read("2026-11-27T09:01:04.250+01:00 mx1 sshd[1]: z", now_), utc_epoch(2026, 11, 27, 8, 1, 4.25));
  EXPECT_FALSE(r.read("GET / HTTP/1.1 200", now_)) << "no time there";
  EXPECT_FALSE(r.read("", now_));
}

TEST_F(LineTimeTest, WithRulesARawFilesTimeField) {
  const auto set = must_compile(R"(format: raw
time: {field: when, layout: '%d/%b/%Y:%H:%M:%S %z'}
rules:
  - name: access
    match: '^(?P<client>\S+) - - \[(?P<when>[^\]]+)\] "(?P<method>\w+)'
    event: false
)");
  ASSERT_TRUE(set);
  LineTimeReader r(set);
  EXPECT_EQ(r.read(R"(10.0.0.1 - - [27/Nov/2026:10:00:05 +0000] "GET / HTTP/1.1" 200 12)", now_),
            utc_epoch(2026, 11, 27, 10, 0, 5));
  EXPECT_FALSE(r.read("something no rule takes", now_));
  // A line no rule takes still has its syslog header read.
  EXPECT_EQ(r.read("Nov 27 09:01:02 web1 cron[3]: ran", now_), utc_epoch(2026, 11, 27, 9, 1, 2));
}

TEST_F(LineTimeTest, WithSyslogRulesTheHeader) {
  const auto set = must_compile(R"(format: syslog
rules:
  - name: failed
    match: '^sshd\[\d+\]: Failed password for (?P<user>\S+)'
    event: false
)");
  ASSERT_TRUE(set);
  LineTimeReader r(set);
  EXPECT_EQ(r.read("Nov 27 09:01:02 bastion sshd[7]: Failed password for root from 1.2.3.4", now_),
            utc_epoch(2026, 11, 27, 9, 1, 2));
}

}  // namespace
}  // namespace tapemeasure::rules
