#include "rules/log_time.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <ctime>
#include <optional>
#include <string>

namespace tapemeasure::rules {
namespace {

using ::testing::HasSubstr;

// Sets TZ for the test and restores it after. Each test that uses another zone than UTC
// reads hours no other test reads: local_epoch caches by calendar hour, per thread (the
// daemon's zone does not change while it runs).
class ScopedTz {
 public:
  explicit ScopedTz(const char* tz) {
    if (const char* old = std::getenv("TZ")) old_ = old;
    ::setenv("TZ", tz, 1);
    ::tzset();
  }
  ~ScopedTz() {
    if (old_) ::setenv("TZ", old_->c_str(), 1);
    else ::unsetenv("TZ");
    ::tzset();
  }

 private:
  std::optional<std::string> old_;
};

class LogTimeTest : public ::testing::Test {
 protected:
  ScopedTz tz_{"UTC"};
  const double now_ = utc_epoch(2026, 11, 27, 12, 0, 0);

  std::optional<double> syslog(std::string_view text, double now) {
    double out = 0;
    if (!parse_syslog_time(text, now, out)) return std::nullopt;
    return out;
  }
  std::optional<double> syslog(std::string_view text) { return syslog(text, now_); }
  std::optional<double> layout(std::string_view l, std::string_view text, std::optional<double> now = {}) {
    TimeLayout t;
    const std::string err = t.compile(l);
    EXPECT_EQ(err, "") << l;
    if (!err.empty()) return std::nullopt;
    double out = 0;
    if (!t.parse(text, now.value_or(now_), out)) return std::nullopt;
    return out;
  }
};

TEST_F(LogTimeTest, UtcEpoch) {
  EXPECT_EQ(utc_epoch(1970, 1, 1, 0, 0, 0), 0);
  EXPECT_EQ(utc_epoch(1969, 12, 31, 23, 59, 59), -1);
  EXPECT_EQ(utc_epoch(2000, 3, 1, 0, 0, 0), 951868800);
  EXPECT_EQ(utc_epoch(2026, 11, 27, 9, 1, 2), 1795770062);
  EXPECT_EQ(utc_epoch(2026, 11, 27, 9, 1, 2.5), 1795770062.5);
  EXPECT_EQ(utc_epoch(2024, 2, 29, 0, 0, 0) + 86400, utc_epoch(2024, 3, 1, 0, 0, 0));  // leap year
  EXPECT_EQ(local_epoch(2026, 11, 27, 9, 1, 2), 1795770062);                         // TZ=UTC
}

TEST_F(LogTimeTest, Rfc3164) {
  EXPECT_EQ(syslog("Nov  7 09:01:02"), utc_epoch(2026, 11, 7, 9, 1, 2));  // day padded with a space
  EXPECT_EQ(syslog("Nov 07 09:01:02"), utc_epoch(2026, 11, 7, 9, 1, 2));
  EXPECT_EQ(syslog("Nov 17 09:01:02"), utc_epoch(2026, 11, 17, 9, 1, 2));
  EXPECT_NEAR(syslog("Nov  7 09:01:02.250").value(), utc_epoch(2026, 11, 7, 9, 1, 2) + 0.25, 1e-6);
  EXPECT_EQ(syslog("Jan  1 00:00:00"), utc_epoch(2027, 1, 1, 0, 0, 0));  // five weeks ahead is nearer
  EXPECT_EQ(syslog("Feb 14 10:00:00"), utc_epoch(2027, 2, 14, 10, 0, 0));
  EXPECT_EQ(syslog("Jun 14 10:00:00"), utc_epoch(2026, 6, 14, 10, 0, 0));
  // Whatever follows the timestamp is not its business.
  EXPECT_EQ(syslog("Nov  7 09:01:02 mx1 postfix/smtp[1]: x"), utc_epoch(2026, 11, 7, 9, 1, 2));
}

TEST_F(LogTimeTest, Rfc3164YearAroundNewYear) {
  // A December line read on 1 January is last year's ...
  const double jan1 = utc_epoch(2027, 1, 1, 0, 0, 30);
  EXPECT_EQ(syslog("Dec 31 23:59:59", jan1), utc_epoch(2026, 12, 31, 23, 59, 59));
  EXPECT_EQ(syslog("Dec 31 23:59:59", jan1).value() - jan1, -31);
  EXPECT_EQ(syslog("Jan  1 00:00:29", jan1), utc_epoch(2027, 1, 1, 0, 0, 29));
  // ... and a January line read (by a slow clock) on 31 December is next year's.
  const double dec31 = utc_epoch(2026, 12, 31, 23, 59, 50);
  EXPECT_EQ(syslog("Jan  1 00:00:05", dec31), utc_epoch(2027, 1, 1, 0, 0, 5));
  EXPECT_EQ(syslog("Dec 31 23:59:40", dec31), utc_epoch(2026, 12, 31, 23, 59, 40));
}

TEST_F(LogTimeTest, Iso8601) {
  const double t = utc_epoch(2026, 11, 27, 9, 1, 2);
  EXPECT_EQ(syslog("2026-11-27T09:01:02Z"), t);
  EXPECT_EQ(syslog("2026-11-27T09:01:02z"), t);
  EXPECT_EQ(syslog("2026-11-27 09:01:02Z"), t);  // a space for the T
  EXPECT_EQ(syslog("2026-11-27T09:01:02+00:00"), t);
  EXPECT_EQ(syslog("2026-11-27T10:01:02+01:00"), t);
  EXPECT_EQ(syslog("2026-11-27T10:01:02+0100"), t);
  EXPECT_EQ(syslog("2026-11-27T03:31:02-05:30"), t);
  EXPECT_EQ(syslog("2026-11-27T03:31:02-0530"), t);
  EXPECT_EQ(syslog("2026-11-27T09:01:02.5Z"), t + 0.5);
  EXPECT_NEAR(syslog("2026-11-27T09:01:02.123456+00:00").value(), t + 0.123456, 1e-6);
  EXPECT_EQ(syslog("2026-11-27T09:01:02"), t);  // no zone: local, and TZ is UTC here
  EXPECT_NEAR(syslog("2026-11-27T09:01:02.25").value(), t + 0.25, 1e-6);
  EXPECT_EQ(syslog("2026-11-27T09:01:02Z mx1 sshd[1]: x"), t);
}

TEST(LogTimeLocalTest, NoZoneIsLocalTime) {
  ScopedTz tz("TMS-02");  // two hours east of UTC, no daylight saving
  const double now = utc_epoch(2026, 6, 20, 12, 0, 0);
  double out = 0;
  ASSERT_TRUE(parse_syslog_time("2026-06-20T07:03:04", now, out));
  EXPECT_EQ(out, utc_epoch(2026, 6, 20, 5, 3, 4));
  ASSERT_TRUE(parse_syslog_time("2026-06-20T07:03:04Z", now, out));  // a zone wins
  EXPECT_EQ(out, utc_epoch(2026, 6, 20, 7, 3, 4));
  ASSERT_TRUE(parse_syslog_time("Jun 20 08:03:04", now, out));
  EXPECT_EQ(out, utc_epoch(2026, 6, 20, 6, 3, 4));
  TimeLayout l;
  ASSERT_EQ(l.compile("%Y-%m-%d %H:%M:%S"), "");
  ASSERT_TRUE(l.parse("2026-06-20 09:03:04", now, out));
  EXPECT_EQ(out, utc_epoch(2026, 6, 20, 7, 3, 4));
  ASSERT_EQ(l.compile("%d/%b/%Y:%H:%M:%S %z"), "");
  ASSERT_TRUE(l.parse("20/Jun/2026:10:03:04 +0000", now, out));  // %z: the zone written wins
  EXPECT_EQ(out, utc_epoch(2026, 6, 20, 10, 3, 4));
}

TEST_F(LogTimeTest, BadSyslogTimesAreRefused) {
  for (const char* bad : {"", "Nov", "Nov  7 09:01", "Foo  7 09:01:02", "nov  7 09:01:02", "Nov 32 09:01:02",
                          "Nov 00 09:01:02", "Nov  0 09:01:02", "Nov  7 24:01:02", "Nov  7 09:60:02",
                          "Nov  7 09:01:61", "Nov  7 09-01-02", "Nov 7 09:01:02", "Nov  x 09:01:02",
                          "Nov  7 9:01:02 ", "2026-13-01T00:00:00Z", "2026-00-10T00:00:00Z", "2026-11-27T09:01",
                          "2026-11-27X09:01:02Z", "2026/11/27T09:01:02Z", "2026-11-27T09:01:02+1",
                          "2026-11-27T09:01:02+01:", "2026-11-27T25:01:02Z", "20261127T090102Z",
                          "hello world, not a time"})
    EXPECT_EQ(syslog(bad), std::nullopt) << bad;
}

TEST_F(LogTimeTest, LayoutRfc3339) {
  const double t = utc_epoch(2026, 11, 27, 9, 1, 2);
  EXPECT_EQ(layout("rfc3339", "2026-11-27T10:01:02.5+01:00"), t + 0.5);
  EXPECT_EQ(layout("rfc3339", "2026-11-27T09:01:02Z"), t);
  EXPECT_EQ(layout("rfc3339", "2026-11-27 09:01:02"), t);  // local (UTC here)
  EXPECT_EQ(layout("rfc3339", "2026-11-27T09:01:02Z  "), t);
  EXPECT_EQ(layout("rfc3339", "2026-11-27T09:01:02Z x"), std::nullopt);  // the whole field
  EXPECT_EQ(layout("rfc3339", "Nov 27 09:01:02"), std::nullopt);
  EXPECT_EQ(layout("rfc3339", ""), std::nullopt);
}

TEST_F(LogTimeTest, LayoutUnix) {
  EXPECT_EQ(layout("unix", "1764233462"), 1764233462);
  EXPECT_EQ(layout("unix", "1764233462.125"), 1764233462.125);
  EXPECT_EQ(layout("unix", " 1764233462 "), 1764233462);
  EXPECT_EQ(layout("unix_ms", "1764233462123").value(), 1764233462.123);
  EXPECT_EQ(layout("unix_ms", "1500"), 1.5);
  for (const char* bad : {"", " ", "abc", "12x", "0x10", "nan", "inf", "1e999", "1 2"}) {
    EXPECT_EQ(layout("unix", bad), std::nullopt) << bad;
    EXPECT_EQ(layout("unix_ms", bad), std::nullopt) << bad;
  }
}

TEST_F(LogTimeTest, LayoutStrptime) {
  const double t = utc_epoch(2026, 11, 27, 9, 1, 2);
  const char* apache = "%d/%b/%Y:%H:%M:%S %z";
  EXPECT_EQ(layout(apache, "27/Nov/2026:09:01:02 +0000"), t);
  EXPECT_EQ(layout(apache, "27/Nov/2026:10:01:02 +0100"), t);
  EXPECT_EQ(layout(apache, "27/Nov/2026:04:01:02 -0500"), t);
  EXPECT_EQ(layout(apache, "27/Nov/2026:09:01:02 +0000 "), t);
  EXPECT_EQ(layout(apache, "27/Nov/2026:09:01:02"), std::nullopt);  // the zone is part of the layout
  EXPECT_EQ(layout(apache, "27/Nov/2026:09:01:02 +0000 trailing"), std::nullopt);
  EXPECT_EQ(layout(apache, "32/Nov/2026:09:01:02 +0000"), std::nullopt);
  EXPECT_EQ(layout(apache, "27/Foo/2026:09:01:02 +0000"), std::nullopt);
  EXPECT_EQ(layout(apache, ""), std::nullopt);
  EXPECT_EQ(layout(apache, std::string(300, '1')), std::nullopt);
  // A NUL inside the text is not an end of it.
  EXPECT_EQ(layout(apache, std::string_view("27/Nov/2026:09:01:02 +0000\0junk", 31)), std::nullopt);
  // Fractions after the seconds.
  EXPECT_NEAR(layout("%Y-%m-%d %H:%M:%S", "2026-11-27 09:01:02.25").value(), t + 0.25, 1e-6);
  EXPECT_EQ(layout("%Y-%m-%dT%H:%M:%S%z", "2026-11-27T09:01:02+0000"), t);
  // No year: the one nearest to now.
  EXPECT_EQ(layout("%b %d %H:%M:%S", "Nov 27 09:01:02"), t);
  EXPECT_EQ(layout("%b %d %H:%M:%S", "Dec 31 23:59:59", utc_epoch(2027, 1, 1, 0, 0, 30)),
            utc_epoch(2026, 12, 31, 23, 59, 59));
  EXPECT_EQ(layout("%d/%m %H:%M", "01/01 00:05", utc_epoch(2026, 12, 31, 23, 50, 0)),
            utc_epoch(2027, 1, 1, 0, 5, 0));
  // %s: seconds since the epoch.
  EXPECT_EQ(layout("%s", "1795770062"), t);
}

TEST_F(LogTimeTest, LayoutCompileErrors) {
  TimeLayout l;
  EXPECT_EQ(l.compile("%d/%b/%Y %H:%M:%S %Z"),
            "time layout '%d/%b/%Y %H:%M:%S %Z': %Z (zone names) is ambiguous; use %z (+0100)");
  EXPECT_EQ(l.compile("iso"), "time layout 'iso' is not rfc3339, unix, unix_ms or a strptime layout with % fields");
  EXPECT_THAT(l.compile(""), HasSubstr("is not rfc3339, unix, unix_ms"));
  EXPECT_THAT(l.compile("RFC3339"), HasSubstr("is not rfc3339"));
  EXPECT_EQ(l.compile("%%Z %s"), "");  // a literal '%' then 'Z' is not %Z
  EXPECT_EQ(l.compile("rfc3339"), "");
  EXPECT_EQ(l.source(), "rfc3339");
  EXPECT_EQ(l.compile("unix_ms"), "");
  EXPECT_EQ(l.compile("%d/%b/%Y:%H:%M:%S %z"), "");
  EXPECT_EQ(l.source(), "%d/%b/%Y:%H:%M:%S %z");
}

}  // namespace
}  // namespace tapemeasure::rules
