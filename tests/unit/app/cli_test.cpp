// The command line, run as users run it: the real binary, real files, exit codes.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <regex>
#include <set>
#include <thread>

#include "support/test_support.hpp"
#include "util/utf8.hpp"

namespace tapemeasure {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::MatchesRegex;
using ::testing::StartsWith;
using testing::parse_exposition;
using testing::run_tapemeasure;
using testing::sample_value;
using testing::split_lines;
using testing::TempDir;
using Labels = std::map<std::string, std::string>;
using namespace std::string_literals;

constexpr const char* kRules = R"(format: syslog
rules:
  - name: delivered
    match: '^postfix/smtp\[\d+\]: (?P<queue_id>\w+): to=<(?P<rcpt>[^>]*)>, relay=(?P<relay>[^\[,]+)'
    event: {type: delivered, to: '${relay}'}
    metrics:
      - counter: mail_deliveries_total
        help: Deliveries.
        labels: {mta: '${host:-localhost}', relay: '${relay}'}
    tests:
      - line: 'Nov  7 09:01:02 mx1 postfix/smtp[42]: 4F1A: to=<a@b>, relay=proxy1[10.0.0.1]:25'
        expect: {to: proxy1, host: mx1}
  - name: removed
    match: '^postfix/qmgr\[\d+\]: (?P<queue_id>\w+): removed'
    event: false
    metrics:
      - counter: mail_removed_total
        help: Removed.
)";

constexpr const char* kLog =
    "Nov  7 09:01:02 mx1 postfix/smtp[42]: 4F1A: to=<a@b>, relay=proxy1[10.0.0.1]:25, status=sent\n"
    "Nov  7 09:01:03 mx1 postfix/qmgr[41]: 4F1A: removed\n"
    "Nov  7 09:01:04 mx2 postfix/smtp[43]: 5B2C: to=<c@d>, relay=proxy2[10.0.0.2]:25, status=sent\n"
    "Nov  7 09:01:05 mx1 postfix/smtpd[44]: connect from x[1.2.3.4]\n";

class CliTest : public ::testing::Test {
 protected:
  CliTest() : rules_(dir_.write("rules.yml", kRules)) {}
  testing::CommandResult test_cmd(const fs::path& input, const std::string& format, std::vector<std::string> extra = {}) {
    std::vector<std::string> args{"test", "--rules", rules_.string(), "--input", input.string(), "--format", format};
    args.insert(args.end(), extra.begin(), extra.end());
    return run_tapemeasure(args);
  }

  TempDir dir_;
  fs::path rules_;
};

// --- replay -------------------------------------------------------------------------------

TEST_F(CliTest, ReplayToNoDaemonSaysSo) {
  const auto log = dir_.write("in.log", kLog);
  const auto r = run_tapemeasure({"replay", log.string(), "--socket", (dir_.path() / "none.sock").string()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("cannot connect to "));
  EXPECT_THAT(r.err, HasSubstr("No such file or directory (is 'tapemeasure run' listening there?)"));
}

// A listening UNIX stream socket at `path` (a stand-in daemon), or -1.
int listen_unix(const std::string& path) {
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
  if (fd < 0 || ::bind(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0 || ::listen(fd, 4) != 0) return -1;
  return fd;
}

// A daemon that stops while replay writes must not kill it with SIGPIPE: replay says how
// far it got and exits 1.
TEST_F(CliTest, ReplayWhenTheDaemonGoesAwayExitsWithAMessage) {
  const auto log = dir_.write("in.log", kLog);
  const std::string path = (dir_.path() / "d.sock").string();
  const int listener = listen_unix(path);
  ASSERT_GE(listener, 0);
  // The "daemon" reads a little, then goes away.
  std::thread daemon([&] {
    const int c = ::accept(listener, nullptr, nullptr);
    char buf[4096];
    (void)::read(c, buf, sizeof buf);
    ::close(c);
    ::close(listener);
  });
  const auto r = run_tapemeasure({"replay", log.string(), "--socket", path, "--loop", "--no-progress"});
  daemon.join();
  EXPECT_EQ(r.signal, 0) << "killed by signal " << r.signal;
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("the daemon closed the connection after "));
}

// --speed paces by the log's own time: a line 10 s of log time after the first arrives no
// sooner than 10/speed s after it; a line without a time goes with the one before; --rules
// reads a raw file's time: field.
TEST_F(CliTest, ReplaySpeedPacesByLogTime) {
  const std::string path = (dir_.path() / "d.sock").string();
  const int listener = listen_unix(path);
  ASSERT_GE(listener, 0);
  // The "daemon": each line with the time it arrived, per connection.
  using clock = std::chrono::steady_clock;
  const auto receive = [&](std::vector<std::pair<std::string, clock::time_point>>& got) {
    const int c = ::accept(listener, nullptr, nullptr);
    std::string pending;
    char buf[4096];
    for (ssize_t n; (n = ::read(c, buf, sizeof buf)) > 0;) {
      pending.append(buf, static_cast<std::size_t>(n));
      for (std::size_t nl; (nl = pending.find('\n')) != std::string::npos; pending.erase(0, nl + 1))
        got.emplace_back(pending.substr(0, nl), clock::now());
    }
    ::close(c);
  };
  // Arrival times are taken against a time before replay started: a lower bound that holds
  // however late this thread reads (a gap between two arrivals would shrink if it read the
  // first one late).
  const auto since = [](clock::time_point start, const auto& got, std::size_t i) {
    return std::chrono::duration<double>(got[i].second - start).count();
  };

  const auto syslog = dir_.write("syslog.log",
                                 "Nov  7 09:00:00 bastion sshd[1]: Failed password for root\n"
                                 "no time here\n"
                                 "Nov  7 09:00:10 bastion sshd[1]: Failed password for admin\n"
                                 "Nov  7 09:00:30 bastion sshd[1]: Accepted password for ops\n");
  std::vector<std::pair<std::string, clock::time_point>> got;
  std::thread daemon([&] { receive(got); });
  const auto start = clock::now();
  const auto r = run_tapemeasure({"replay", syslog.string(), "--socket", path, "--speed", "100", "--no-progress"});
  daemon.join();
  EXPECT_EQ(r.exit_code, 0) << r.err;
  ASSERT_EQ(got.size(), 4u);
  EXPECT_EQ(got[1].first, "no time here");
  EXPECT_GE(since(start, got, 2), 0.1) << "10 s of log time at 100x";
  EXPECT_GE(since(start, got, 3), 0.3) << "20 s more";
  EXPECT_THAT(r.err, HasSubstr("1 of 4 lines carried no time that could be read"));

  const auto access = dir_.write("access.log",
                                 "10.0.0.1 - - [07/Nov/2026:10:00:00 +0000] \"GET / HTTP/1.1\" 200\n"
                                 "10.0.0.2 - - [07/Nov/2026:10:00:20 +0000] \"GET /a HTTP/1.1\" 200\n");
  const auto rules = dir_.write("access.yml", R"(time: {field: when, layout: '%d/%b/%Y:%H:%M:%S %z'}
rules:
  - name: access
    match: '^(?P<client>\S+) - - \[(?P<when>[^\]]+)\]'
    event: false
)");
  got.clear();
  std::thread daemon2([&] { receive(got); });
  const auto start2 = clock::now();
  const auto r2 = run_tapemeasure(
      {"replay", access.string(), "--socket", path, "--speed", "100", "--rules", rules.string(), "--no-progress"});
  daemon2.join();
  ::close(listener);
  EXPECT_EQ(r2.exit_code, 0) << r2.err;
  ASSERT_EQ(got.size(), 2u);
  EXPECT_GE(since(start2, got, 1), 0.2) << "20 s of the file's own time: at 100x";
  EXPECT_THAT(r2.err, Not(HasSubstr("no time")));

  const auto both = run_tapemeasure({"replay", access.string(), "--socket", path, "--speed", "2", "--rate", "5"});
  EXPECT_NE(both.exit_code, 0);
  EXPECT_THAT(both.err, HasSubstr("--speed"));
  const auto rules_alone = run_tapemeasure({"replay", access.string(), "--socket", path, "--rules", rules.string()});
  EXPECT_NE(rules_alone.exit_code, 0) << "--rules only means something with --speed";
}

// --- check --------------------------------------------------------------------------------

TEST_F(CliTest, CheckAcceptsGoodRules) {
  const auto r = run_tapemeasure({"check", rules_.string()});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "ok: 1 file, 2 rules, 2 metrics, 1 tests passed\n");
  EXPECT_EQ(r.err, "");
}

TEST_F(CliTest, CheckRejectsABrokenFileWithFileLineRuleErrors) {
  const auto bad = dir_.write("bad.yml", R"(rules:
  - name: postfix_delivered
    match: 'relay=(?P<relay>\w+'
  - name: postfix_bounced
    match: 'relay=(?P<relay>\w+)'
    metrics:
      - counter: mail_deliveries_total
        labels: {relay: '${relya}'}
  - name: typo
    match: x
    evnt: {}
)");
  const auto r = run_tapemeasure({"check", bad.string()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, "");
  const auto lines = split_lines(r.err);
  ASSERT_EQ(lines.size(), 2u) << r.err;  // parse errors stop before compiling
  EXPECT_EQ(lines[0], bad.string() + ":11: rule typo: unknown key 'evnt' in rule (did you mean 'event'?)");
  EXPECT_EQ(lines[1], "check failed: 1 problem");

  // With the typo fixed, the compile errors show, each with file:line: rule NAME:.
  auto text = testing::read_file(bad);
  text.replace(text.find("evnt"), 4, "event");
  testing::write_file(bad, text);
  const auto r2 = run_tapemeasure({"check", bad.string()});
  EXPECT_EQ(r2.exit_code, 1);
  const auto lines2 = split_lines(r2.err);
  ASSERT_EQ(lines2.size(), 3u) << r2.err;
  EXPECT_THAT(lines2[0], StartsWith(bad.string() + ":3: rule postfix_delivered: invalid RE2 pattern: missing )"));
  EXPECT_EQ(lines2[1], bad.string() + ":8: rule postfix_bounced: template ${relya} names no capture (available: relay)");
  EXPECT_EQ(lines2[2], "check failed: 2 problems");
}

TEST_F(CliTest, CheckReportsFailingInFileTests) {
  const auto bad = dir_.write("failing.yml", R"(rules:
  - name: r
    match: 'a(?P<x>\w)'
    tests:
      - line: 'ab'
        expect: {x: c}
)");
  const auto r = run_tapemeasure({"check", bad.string()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr(bad.string() + ":5: rule r: test expected field 'x' = 'c', got 'b'\n"));
}

TEST_F(CliTest, CheckReportsDuplicateNamesAcrossFiles) {
  const auto a = dir_.write("d/a.yml", "rules:\n  - name: same\n    match: a\n");
  const auto b = dir_.write("d/b.yml", "rules:\n  - name: same\n    match: b\n");
  const auto r = run_tapemeasure({"check", (dir_.path() / "d").string()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr(b.string() + ":2: rule same: duplicate rule name (first defined at " + a.string() + ":2)"));
}

TEST_F(CliTest, CheckOfAMissingPathFails) {
  const auto r = run_tapemeasure({"check", (dir_.path() / "nope.yml").string()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("nope.yml: no such file or directory"));
}

TEST_F(CliTest, CheckOfBadYamlNamesTheLine) {
  const auto bad = dir_.write("yaml.yml", "rules:\n  - name: a\n    match: [unclosed\n");
  const auto r = run_tapemeasure({"check", bad.string()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(split_lines(r.err).at(0), MatchesRegex(".*yaml\\.yml:[0-9]+: invalid YAML: .*"));
}

// --- test ---------------------------------------------------------------------------------

TEST_F(CliTest, TestSummary) {
  const auto log = dir_.write("in.log", kLog);
  const auto r = test_cmd(log, "summary");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("lines read:  4\n"));
  EXPECT_THAT(r.out, HasSubstr("matched:     3 (75.0%)\n"));
  EXPECT_THAT(r.out, HasSubstr("unmatched:   1 (25.0%)\n"));
  EXPECT_THAT(r.out, HasSubstr("truncated:   0\n"));
  EXPECT_THAT(r.out, MatchesRegex("(.|\n)*  delivered +2 +0 +0\n(.|\n)*"));
  EXPECT_THAT(r.out, MatchesRegex("(.|\n)*  removed +1 +0 +0\n(.|\n)*"));
  EXPECT_THAT(r.out, HasSubstr("\"Nov  7 09:01:05 mx1 postfix/smtpd[44]: connect from x[1.2.3.4]\""));
  EXPECT_EQ(r.err, "");
}

TEST_F(CliTest, TestEvents) {
  const auto log = dir_.write("in.log", kLog);
  const auto r = test_cmd(log, "events");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  const auto lines = split_lines(r.out);
  ASSERT_EQ(lines.size(), 2u) << r.out;  // `removed` has event: false
  const auto e0 = nlohmann::json::parse(lines[0]);
  EXPECT_EQ(e0["rule"], "delivered");
  EXPECT_EQ(e0["type"], "delivered");
  EXPECT_EQ(e0["to"], "proxy1");
  EXPECT_EQ(e0["host"], "mx1");
  EXPECT_TRUE(e0["ts"].is_number_integer());
  EXPECT_GT(e0["ts"].get<std::int64_t>(), 1'600'000'000'000);  // epoch milliseconds
  EXPECT_EQ(nlohmann::json::parse(lines[1])["to"], "proxy2");
}

TEST_F(CliTest, TestMetrics) {
  const auto log = dir_.write("in.log", kLog);
  const auto r = test_cmd(log, "metrics");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  const auto e = parse_exposition(r.out);
  EXPECT_THAT(e.problems, ::testing::IsEmpty());
  EXPECT_EQ(sample_value(e, "mail_deliveries_total", Labels{{"mta", "mx1"}, {"relay", "proxy1"}}), 1);
  EXPECT_EQ(sample_value(e, "mail_deliveries_total", Labels{{"mta", "mx2"}, {"relay", "proxy2"}}), 1);
  EXPECT_EQ(sample_value(e, "mail_removed_total"), 1);
  EXPECT_EQ(sample_value(e, "tapemeasure_lines_total"), 4);
  EXPECT_EQ(sample_value(e, "tapemeasure_lines_unmatched_total"), 1);
  EXPECT_EQ(sample_value(e, "tapemeasure_lines_matched_total", Labels{{"rule", "delivered"}}), 2);
  const auto p = testing::run_command({"promtool", "check", "metrics"}, dir_.write("m.txt", r.out));
  EXPECT_EQ(p.exit_code, 0) << p.out << p.err;
}

TEST_F(CliTest, TestReadsStandardInput) {
  const auto log = dir_.write("in.log", kLog);
  const auto r = run_tapemeasure({"test", "--rules", rules_.string(), "--input", "-", "--format", "metrics"}, log);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(sample_value(parse_exposition(r.out), "tapemeasure_lines_total"), 4);
}

TEST_F(CliTest, TestCountsALastLineWithoutNewline) {
  const auto log = dir_.write("in.log", "Nov  7 09:01:03 mx1 postfix/qmgr[41]: 4F1A: removed");
  const auto r = test_cmd(log, "metrics");
  const auto e = parse_exposition(r.out);
  EXPECT_EQ(sample_value(e, "tapemeasure_lines_total"), 1);
  EXPECT_EQ(sample_value(e, "mail_removed_total"), 1);
}

TEST_F(CliTest, TestAcceptsTheRulesDirectoryAndSeveralRulePaths) {
  const auto extra = dir_.write("more/extra.yml", "rules:\n  - name: connects\n    match: 'connect from'\n");
  const auto log = dir_.write("in.log", kLog);
  const auto r = run_tapemeasure({"test", "--rules", rules_.string(), (dir_.path() / "more").string(), "--input",
                                  log.string(), "--format", "metrics"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  const auto e = parse_exposition(r.out);
  EXPECT_EQ(sample_value(e, "tapemeasure_lines_unmatched_total"), 0);
  EXPECT_EQ(sample_value(e, "tapemeasure_lines_matched_total", Labels{{"rule", "connects"}}), 1);
}

TEST_F(CliTest, TestWithBrokenRulesFails) {
  const auto bad = dir_.write("bad.yml", "rules:\n  - name: a\n    match: '('\n");
  const auto log = dir_.write("in.log", kLog);
  const auto r = run_tapemeasure({"test", "--rules", bad.string(), "--input", log.string()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr(bad.string() + ":3: rule a: invalid RE2 pattern: "));
}

TEST_F(CliTest, TestWithAMissingInputFails) {
  const auto r = test_cmd(dir_.path() / "missing.log", "summary");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("missing.log"));
  EXPECT_EQ(r.signal, 0);
}

// Invalid UTF-8, NUL bytes and a 1 MiB line: counted, truncated, never a crash or bad JSON.
TEST_F(CliTest, HostileInput) {
  std::string log;
  log += "Nov  7 09:01:02 mx1 postfix/smtp[42]: 4F1A: to=<caf\xE9@b>, relay=pro\xFFxy[10.0.0.1]:25\n";
  log += "Nov  7 09:01:02 mx1 postfix/smtp[42]: 4F1A: to=<nul\0byte@b>, relay=p\0q[1.1.1.1]:25\n"s;
  log += "\0\0\0\n"s;
  log += "Nov  7 09:01:02 mx1 postfix/smtp[42]: 4F1A: to=<big@b>, relay=" + std::string(1 << 20, 'x') + "[1.1.1.1]\n";
  log += "\xC0\xAF\xED\xA0\x80\n";
  log += "Nov  7 09:01:03 mx1 postfix/qmgr[41]: 4F1A: removed\n";
  const auto input = dir_.write("hostile.log", log);

  const auto events = test_cmd(input, "events");
  ASSERT_EQ(events.exit_code, 0) << events.err;
  const auto lines = split_lines(events.out);
  ASSERT_EQ(lines.size(), 3u) << events.out.substr(0, 2000);  // `removed` has no event
  for (const auto& l : lines) {
    EXPECT_TRUE(util::is_clean_utf8(l));
    const auto j = nlohmann::json::parse(l);  // throws on invalid JSON
    EXPECT_EQ(j["rule"], "delivered");
  }
  EXPECT_EQ(nlohmann::json::parse(lines[0])["rcpt"], "caf\xEF\xBF\xBD@b");
  EXPECT_EQ(nlohmann::json::parse(lines[0])["to"], "pro\xEF\xBF\xBDxy");
  EXPECT_THAT(nlohmann::json::parse(lines[1])["rcpt"].get<std::string>(), ::testing::EndsWith("byte@b"));
  // The 1 MiB line was cut at --max-line-bytes (64 KiB) and still matched.
  const auto big = nlohmann::json::parse(lines[2]);
  EXPECT_EQ(big["rcpt"], "big@b");
  EXPECT_LT(big["to"].get<std::string>().size(), 64u * 1024);
  EXPECT_GT(big["to"].get<std::string>().size(), 60u * 1024);

  const auto metrics = test_cmd(input, "metrics");
  ASSERT_EQ(metrics.exit_code, 0) << metrics.err;
  EXPECT_TRUE(util::is_clean_utf8(metrics.out));
  const auto e = parse_exposition(metrics.out);
  EXPECT_THAT(e.problems, ::testing::IsEmpty());
  EXPECT_EQ(sample_value(e, "tapemeasure_lines_total"), 6);
  EXPECT_EQ(sample_value(e, "tapemeasure_lines_truncated_total"), 1);
  EXPECT_EQ(sample_value(e, "tapemeasure_lines_unmatched_total"), 2);
  EXPECT_EQ(sample_value(e, "mail_removed_total"), 1);
  EXPECT_EQ(sample_value(e, "mail_deliveries_total", Labels{{"mta", "mx1"}, {"relay", "pro\xEF\xBF\xBDxy"}}), 1);
  EXPECT_EQ(sample_value(e, "mail_deliveries_total", Labels{{"mta", "mx1"}, {"relay", "p\xEF\xBF\xBDq"}}), 1);
  // Label values are cut (1024 bytes) so one runaway line cannot bloat /metrics.
  EXPECT_EQ(sample_value(e, "mail_deliveries_total", Labels{{"mta", "mx1"}, {"relay", std::string(1024, 'x')}}), 1);
  const auto p = testing::run_command({"promtool", "check", "metrics"}, dir_.write("m.txt", metrics.out));
  EXPECT_EQ(p.exit_code, 0) << p.out << p.err;

  const auto summary = test_cmd(input, "summary");
  ASSERT_EQ(summary.exit_code, 0);
  EXPECT_THAT(summary.out, HasSubstr("truncated:   1\n"));
  EXPECT_TRUE(util::is_clean_utf8(summary.out));  // unmatched examples are printed as JSON strings
}

TEST_F(CliTest, MaxLineBytesOption) {
  const auto log = dir_.write("in.log", kLog);
  const auto r = test_cmd(log, "metrics", {"--max-line-bytes", "40"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto e = parse_exposition(r.out);
  EXPECT_EQ(sample_value(e, "tapemeasure_lines_truncated_total"), 4);
  EXPECT_EQ(sample_value(e, "tapemeasure_lines_unmatched_total"), 4);
}

TEST_F(CliTest, MaxSeriesPerMetricOption) {
  const auto log = dir_.write("in.log", kLog);
  const auto r = test_cmd(log, "metrics", {"--max-series-per-metric", "1"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto e = parse_exposition(r.out);
  EXPECT_EQ(sample_value(e, "mail_deliveries_total", Labels{{"mta", "__overflow__"}, {"relay", "__overflow__"}}), 1);
  EXPECT_EQ(sample_value(e, "tapemeasure_series_overflow_total", Labels{{"metric", "mail_deliveries_total"}}), 1);
}

// --- flags --------------------------------------------------------------------------------

void expect_usage_error(const testing::CommandResult& r, const std::string& mentions) {
  EXPECT_NE(r.exit_code, 0);
  EXPECT_EQ(r.signal, 0);
  EXPECT_EQ(r.out, "");
  const auto lines = split_lines(r.err);
  ASSERT_FALSE(lines.empty());
  EXPECT_LE(lines.size(), 2u) << r.err;  // the problem, and a hint
  EXPECT_THAT(r.err, HasSubstr(mentions));
  EXPECT_THAT(r.err, HasSubstr("--help"));
}

TEST_F(CliTest, UnknownFlagsAreAnErrorWithAHint) {
  expect_usage_error(run_tapemeasure({"check", rules_.string(), "--frobnicate"}), "--frobnicate");
  expect_usage_error(run_tapemeasure({"test", "--rules", rules_.string(), "--input", "-", "--bogus"}), "--bogus");
  expect_usage_error(run_tapemeasure({"test", "--rules", rules_.string(), "--input", "-", "--format", "xml"}), "xml");
  expect_usage_error(run_tapemeasure({"frobnicate"}), "frobnicate");
  expect_usage_error(run_tapemeasure({}), "");
}

// A number that must be positive says so in words (CLI11's own message prints the whole
// range of a double, 300 digits).
TEST_F(CliTest, APositiveNumberOptionSaysWhatIsWanted) {
  const auto zero = run_tapemeasure({"demo", "--print", "--rate", "0"});
  EXPECT_NE(zero.exit_code, 0);
  EXPECT_THAT(zero.err, HasSubstr("--rate: must be a number greater than 0, not '0'"));
  EXPECT_LT(zero.err.size(), 200u) << zero.err;
  const auto word = run_tapemeasure({"replay", "x", "--socket", "y", "--speed", "fast"});
  EXPECT_THAT(word.err, HasSubstr("--speed: not a number: 'fast'"));
  EXPECT_EQ(run_tapemeasure({"demo", "--print", "--count", "1", "--rate", "0.5"}).exit_code, 0);
}

TEST_F(CliTest, UnknownTopLevelFlagIsNamed) {
  expect_usage_error(run_tapemeasure({"--frobnicate"}), "--frobnicate");
}

TEST_F(CliTest, HelpOnEveryCommand) {
  for (const std::vector<std::string>& args : {std::vector<std::string>{"--help"}, {"check", "--help"}, {"test", "--help"}}) {
    const auto r = run_tapemeasure(args);
    EXPECT_EQ(r.exit_code, 0) << args.front();
    EXPECT_THAT(r.out, HasSubstr("Usage"));
  }
  const auto t = run_tapemeasure({"test", "--help"});
  for (const char* opt : {"--rules", "--input", "--format", "--max-line-bytes"}) EXPECT_THAT(t.out, HasSubstr(opt));
}

TEST_F(CliTest, Version) {
  const auto r = run_tapemeasure({"--version"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_THAT(r.out, MatchesRegex("[0-9]+\\.[0-9]+\\.[0-9]+\n"));
}

// --- demo --------------------------------------------------------------------------------

TEST_F(CliTest, DemoPackMustBeOneItKnows) {
  const auto r = run_tapemeasure({"demo", "--pack", "sendmail"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_THAT(r.err, HasSubstr("sendmail"));
  EXPECT_THAT(r.err, HasSubstr("postfix,nginx,dns"));
  const auto help = run_tapemeasure({"demo", "--help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_THAT(help.out, HasSubstr("--pack"));
}

// `demo --print`: the demo's traffic as a log, the one line generator tests and the soak
// tool share. The same seed prints the same lines; each message's later lines (delivery,
// removed) come out too, with log times at --rate from now.
TEST_F(CliTest, DemoPrintWritesTheTrafficAsALog) {
  const auto a = run_tapemeasure({"demo", "--print", "--count", "3000", "--rate", "100", "--seed", "7"});
  ASSERT_EQ(a.exit_code, 0) << a.err;
  const auto b = run_tapemeasure({"demo", "--print", "--count", "3000", "--rate", "100", "--seed", "7"});
  const auto c = run_tapemeasure({"demo", "--print", "--count", "3000", "--rate", "100", "--seed", "8"});
  const auto strip_times = [](const std::string& log) {
    std::string out;
    for (const auto& line : split_lines(log)) out += line.substr(16) + "\n";  // "Nov  7 09:00:05 "
    return out;
  };
  EXPECT_EQ(strip_times(a.out), strip_times(b.out)) << "the same seed, the same lines";
  EXPECT_NE(strip_times(a.out), strip_times(c.out));
  std::set<std::string> queued, removed, seconds;
  const std::regex qmgr(R"(postfix/qmgr\[\d+\]: (\w+): )");
  for (const auto& line : split_lines(a.out)) {
    std::smatch m;
    if (std::regex_search(line, m, qmgr)) (line.find(": removed") != std::string::npos ? removed : queued).insert(m[1]);
    seconds.insert(line.substr(0, 15));
  }
  EXPECT_GT(queued.size(), 2900u) << "all but the messages refused at the door";
  EXPECT_EQ(removed, queued) << "every queued message's last line is printed";
  EXPECT_GE(seconds.size(), 30u) << "3000 messages at 100/s span 30 s of log time and more";
  EXPECT_LE(seconds.size(), 30u + 120u) << "... and the last retries come within two minutes";

  // Every line is one the default rules know.
  const auto log = dir_.write("demo.log", a.out);
  const auto t = run_tapemeasure({"test", "--rules", (testing::source_dir() / "rules").string(), "--input", log.string(),
                                  "--format", "metrics"});
  ASSERT_EQ(t.exit_code, 0) << t.err;
  const auto e = parse_exposition(t.out);
  EXPECT_EQ(sample_value(e, "tapemeasure_lines_total"), static_cast<double>(split_lines(a.out).size()));
  EXPECT_EQ(sample_value(e, "tapemeasure_lines_unmatched_total"), 0.0);

  const auto nginx = run_tapemeasure({"demo", "--print", "--pack", "nginx", "--count", "100"});
  ASSERT_EQ(nginx.exit_code, 0) << nginx.err;
  EXPECT_EQ(split_lines(nginx.out).size(), 100u) << "one line a request";
}

// A `tapemeasure demo` in the background, stopped (SIGTERM) when the object goes.
class BackgroundDemo {
 public:
  BackgroundDemo(const TempDir& dir, const std::vector<std::string>& args) : out_(dir.path() / "demo.out") {
    std::vector<std::string> argv{testing::tapemeasure_binary().string(), "demo", "--listen", "127.0.0.1:0"};
    argv.insert(argv.end(), args.begin(), args.end());
    std::vector<char*> cargv;
    for (auto& a : argv) cargv.push_back(a.data());
    cargv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, out_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
    if (posix_spawn(&pid_, cargv[0], &actions, nullptr, cargv.data(), environ) != 0) pid_ = -1;
    posix_spawn_file_actions_destroy(&actions);
  }
  ~BackgroundDemo() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    int status = 0;
    ::waitpid(pid_, &status, 0);
  }
  BackgroundDemo(const BackgroundDemo&) = delete;
  BackgroundDemo& operator=(const BackgroundDemo&) = delete;

  // The port from the "open http://127.0.0.1:PORT/" line, once printed (0 on timeout).
  int port() const {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (std::chrono::steady_clock::now() < deadline) {
      const std::string out = fs::exists(out_) ? testing::read_file(out_) : "";
      if (const auto at = out.find("open http://127.0.0.1:"); at != std::string::npos && out.find('/', at + 22) != std::string::npos)
        return std::stoi(out.substr(at + 22));
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return 0;
  }
  std::string output() const { return testing::read_file(out_); }

 private:
  fs::path out_;
  pid_t pid_ = -1;
};

// The body of GET path from 127.0.0.1:port (HTTP/1.0: the server closes when done).
std::string http_get(int port, const std::string& path) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string response;
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0) {
    const std::string request = "GET " + path + " HTTP/1.0\r\nHost: 127.0.0.1:" + std::to_string(port) + "\r\n\r\n";
    if (::write(fd, request.data(), request.size()) == static_cast<ssize_t>(request.size())) {
      char buf[65536];
      for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;) response.append(buf, static_cast<std::size_t>(n));
    }
  }
  ::close(fd);
  const auto body = response.find("\r\n\r\n");
  return body == std::string::npos ? "" : response.substr(body + 4);
}

// The sum of a counter over all its label sets in /metrics (after a short pause: callers
// poll it).
double counter_total(int port, const std::string& name) {
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  double total = 0;
  for (const auto& s : parse_exposition(http_get(port, "/metrics")).samples)
    if (s.name == name) total += s.value;
  return total;
}

// `demo --pack nginx|dns` loads rules/packs/NAME.yml and feeds that pack's traffic: its
// counter grows and no line goes unmatched.
TEST_F(CliTest, DemoPackRunsThePacksRulesOnItsTraffic) {
  for (const auto& [pack, counter] : {std::pair{"nginx", "nginx_requests_total"}, std::pair{"dns", "dns_replies_total"}}) {
    BackgroundDemo demo(dir_, {"--pack", pack, "--rate", "500"});
    const int port = demo.port();
    ASSERT_GT(port, 0) << pack << " demo printed no URL:\n" << demo.output();
    EXPECT_THAT(demo.output(), HasSubstr("rules/packs/"s + pack + ".yml"));
    double first = 0;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (first == 0 && std::chrono::steady_clock::now() < deadline) first = counter_total(port, counter);
    ASSERT_GT(first, 0) << pack;
    double later = first;
    while (later <= first && std::chrono::steady_clock::now() < deadline) later = counter_total(port, counter);
    EXPECT_GT(later, first) << pack;
    EXPECT_EQ(counter_total(port, "tapemeasure_lines_unmatched_total"), 0) << pack;
    EXPECT_EQ(counter_total(port, "mail_deliveries_total"), 0) << pack << " loaded the Postfix rules too";
  }
}

TEST_F(CliTest, DemoWithoutPackStillRunsPostfix) {
  BackgroundDemo demo(dir_, {});
  const int port = demo.port();
  ASSERT_GT(port, 0) << demo.output();
  double deliveries = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (deliveries == 0 && std::chrono::steady_clock::now() < deadline) deliveries = counter_total(port, "mail_deliveries_total");
  EXPECT_GT(deliveries, 0);
  EXPECT_THAT(demo.output(), HasSubstr("synthetic postfix traffic"));
}

// --- every shipped rule file is compiled and its in-file tests run ------------------------

// Every rule file we ship, relative to rules/: the default pack, the demo packs in packs/ and
// the mtail equivalents in examples/.
std::vector<std::string> shipped_rule_files() {
  std::vector<std::string> out;
  const fs::path root = testing::source_dir() / "rules";
  for (const auto& entry : fs::recursive_directory_iterator(root)) {
    const auto ext = entry.path().extension();
    if (entry.is_regular_file() && (ext == ".yml" || ext == ".yaml"))
      out.push_back(fs::relative(entry.path(), root).string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

class ShippedRulesTest : public ::testing::TestWithParam<std::string> {};

TEST_P(ShippedRulesTest, ChecksClean) {
  const auto path = testing::source_dir() / "rules" / GetParam();
  const auto r = run_tapemeasure({"check", path.string()});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, StartsWith("ok: 1 file, "));
}

INSTANTIATE_TEST_SUITE_P(Rules, ShippedRulesTest, ::testing::ValuesIn(shipped_rule_files()), testing::path_param_name);

TEST(ShippedRulesDirTest, TheWholeDirectoryChecksClean) {
  const auto files = shipped_rule_files();
  // The default pack, three demo packs and ten mtail equivalents at least: a test that
  // finds fewer has lost its way, not the files.
  ASSERT_GE(files.size(), 14u);
  EXPECT_NE(std::find(files.begin(), files.end(), "packs/nginx.yml"), files.end());
  EXPECT_NE(std::find(files.begin(), files.end(), "examples/rsyncd.yml"), files.end());
  const auto r = run_tapemeasure({"check", (testing::source_dir() / "rules").string()});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, StartsWith("ok: "));
}

}  // namespace
}  // namespace tapemeasure
