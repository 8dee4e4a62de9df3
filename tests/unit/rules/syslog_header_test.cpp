#include "rules/syslog_header.hpp"

#include <gtest/gtest.h>

#include <random>
#include <string>

namespace tapemeasure::rules {
namespace {

struct Expected {
  std::string_view host, program, pid, body;
};

void expect_header(std::string_view line, Expected want) {
  const SyslogHeader h = parse_syslog_header(line);
  EXPECT_EQ(h.host, want.host) << line;
  EXPECT_EQ(h.program, want.program) << line;
  EXPECT_EQ(h.pid, want.pid) << line;
  EXPECT_EQ(h.body, want.body) << line;
}

TEST(SyslogHeaderTest, Rfc3164WithSpacePaddedDay) {
  expect_header("Nov  7 09:01:02 mx1 postfix/smtp[42]: 4F1A2B: to=<a@b>, status=sent",
                {"mx1", "postfix/smtp", "42", "postfix/smtp[42]: 4F1A2B: to=<a@b>, status=sent"});
}

TEST(SyslogHeaderTest, Rfc3164WithTwoDigitDay) {
  expect_header("Nov 27 23:59:59 mta1 postfix/qmgr[1201]: 9F8E7D6C5B: removed",
                {"mta1", "postfix/qmgr", "1201", "postfix/qmgr[1201]: 9F8E7D6C5B: removed"});
}

TEST(SyslogHeaderTest, Rfc3164WithFractionalSeconds) {
  expect_header("Nov  7 09:01:02.123456 mx1 postfix/smtp[42]: x",
                {"mx1", "postfix/smtp", "42", "postfix/smtp[42]: x"});
}

TEST(SyslogHeaderTest, Iso8601HighPrecision) {
  expect_header("2026-11-27T09:01:02.123456+00:00 gw1 postfix-out/smtp[903]: 4Nq5Lx1TZgz9sKbW: removed",
                {"gw1", "postfix-out/smtp", "903", "postfix-out/smtp[903]: 4Nq5Lx1TZgz9sKbW: removed"});
}

TEST(SyslogHeaderTest, Iso8601Variants) {
  expect_header("2026-11-27T09:01:02Z gw1 postfix/smtp[1]: x", {"gw1", "postfix/smtp", "1", "postfix/smtp[1]: x"});
  expect_header("2026-11-27T09:01:02+01:00 gw1 postfix/smtp[1]: x", {"gw1", "postfix/smtp", "1", "postfix/smtp[1]: x"});
  expect_header("2026-11-27T09:01:02.5-05:30 gw1 postfix/smtp[1]: x", {"gw1", "postfix/smtp", "1", "postfix/smtp[1]: x"});
}

TEST(SyslogHeaderTest, PriWithHost) {
  expect_header("<22>Nov  7 09:01:02 mta3 postfix/smtp[5120]: 0A1B: x",
                {"mta3", "postfix/smtp", "5120", "postfix/smtp[5120]: 0A1B: x"});
  expect_header("<191>2026-11-27T09:01:02Z mta3 postfix/smtp[1]: x",
                {"mta3", "postfix/smtp", "1", "postfix/smtp[1]: x"});
  expect_header("<0>Nov  7 09:01:02 mta3 postfix/smtp[1]: x", {"mta3", "postfix/smtp", "1", "postfix/smtp[1]: x"});
}

TEST(SyslogHeaderTest, PriWithoutHost) {
  expect_header("<22>Nov  7 09:01:02 postfix/smtp[1]: 0A1B: to=<x@example.com>",
                {"", "postfix/smtp", "1", "postfix/smtp[1]: 0A1B: to=<x@example.com>"});
  expect_header("<22>Nov  7 09:01:02 postfix/postfix-script: starting",
                {"", "postfix/postfix-script", "", "postfix/postfix-script: starting"});
}

TEST(SyslogHeaderTest, NoHostWithoutPri) {
  expect_header("Nov  7 09:01:02 postfix/qmgr[12]: 1A2B3C: removed",
                {"", "postfix/qmgr", "12", "postfix/qmgr[12]: 1A2B3C: removed"});
}

TEST(SyslogHeaderTest, MultiLevelTags) {
  expect_header("Nov  7 09:01:02 mta1 postfix/submission/smtpd[3012]: 7C2D: client=a[1.2.3.4]",
                {"mta1", "postfix/submission/smtpd", "3012", "postfix/submission/smtpd[3012]: 7C2D: client=a[1.2.3.4]"});
  expect_header("Nov  7 09:01:02 mta1 postfix-out/relay/smtp[4410]: x",
                {"mta1", "postfix-out/relay/smtp", "4410", "postfix-out/relay/smtp[4410]: x"});
}

TEST(SyslogHeaderTest, TagWithoutPid) {
  expect_header("Nov  7 09:01:02 mx1 kernel: eth0 link up", {"mx1", "kernel", "", "kernel: eth0 link up"});
  const auto h = parse_syslog_header("Nov  7 09:01:02 mx1 kernel: eth0 link up");
  EXPECT_TRUE(h.pid.empty());
}

TEST(SyslogHeaderTest, TagAtEndOfLine) {
  expect_header("Nov  7 09:01:02 mx1 cron[5]:", {"mx1", "cron", "5", "cron[5]:"});
}

TEST(SyslogHeaderTest, ExtraSpacesBetweenFields) {
  expect_header("Nov  7 09:01:02  mx1   postfix/smtp[1]: x", {"mx1", "postfix/smtp", "1", "postfix/smtp[1]: x"});
}

TEST(SyslogHeaderTest, HostButNoTag) {
  expect_header("Nov  7 09:01:02 mx1 just some text", {"mx1", "", "", "just some text"});
}

TEST(SyslogHeaderTest, NoTimestampMeansNoHost) {
  // Without a timestamp nothing says which word is a host; only the tag is recognised.
  expect_header("postfix/smtp[1]: x", {"", "postfix/smtp", "1", "postfix/smtp[1]: x"});
}

TEST(SyslogHeaderTest, GarbageGivesEmptyFieldsAndTheWholeLine) {
  for (std::string_view line : {std::string_view(""), std::string_view("hello world"),
                                std::string_view("Nov  7 9:01:02 mx1 postfix/smtp[1]: x"),  // hour not 2 digits
                                std::string_view("Nov 7 09:01:02 mx1 postfix/smtp[1]: x"),  // day not padded
                                std::string_view("2026-11-27X09:01:02 mx1 p[1]: x"),
                                std::string_view("2026-11-2"), std::string_view("Nov  7"),
                                std::string_view("\xFF\xFE\x00garbage", 10)}) {
    const SyslogHeader h = parse_syslog_header(line);
    EXPECT_TRUE(h.host.empty()) << line;
    EXPECT_EQ(h.body, line);
    EXPECT_TRUE(h.pid.empty()) << line;
  }
}

TEST(SyslogHeaderTest, UnclosedPriIsNotStripped) {
  expect_header("<22 Nov  7 09:01:02 mx1 p[1]: x", {"", "", "", "<22 Nov  7 09:01:02 mx1 p[1]: x"});
}

// Whatever the input, every field is a view into the line (no copies, no dangling).
TEST(SyslogHeaderTest, FieldsAlwaysPointIntoTheLine) {
  std::mt19937 rng(7);
  const std::string alphabet = "<>0123456789 :-T.ZNov[]/abcpostfix\t\xFF";
  const std::string seeds[] = {"<22>Nov  7 09:01:02 mx1 postfix/smtp[42]: x",
                               "2026-11-27T09:01:02.1+00:00 gw postfix-out/qmgr[1]: y"};
  for (int iter = 0; iter < 20000; ++iter) {
    std::string line = seeds[iter % 2];
    const int edits = static_cast<int>(rng() % 6);
    for (int e = 0; e < edits && !line.empty(); ++e) {
      const std::size_t pos = rng() % line.size();
      switch (rng() % 3) {
        case 0: line[pos] = alphabet[rng() % alphabet.size()]; break;
        case 1: line.erase(pos, 1 + rng() % 4); break;
        default: line.resize(pos); break;
      }
    }
    const std::string_view v = line;
    const SyslogHeader h = parse_syslog_header(v);
    const auto inside = [&](std::string_view f) {
      return f.empty() || (f.data() >= v.data() && f.data() + f.size() <= v.data() + v.size());
    };
    ASSERT_TRUE(inside(h.host) && inside(h.program) && inside(h.pid) && inside(h.body)) << line;
    ASSERT_EQ(h.body.data() + h.body.size(), v.data() + v.size()) << "body is a suffix: " << line;
  }
}

}  // namespace
}  // namespace tapemeasure::rules
