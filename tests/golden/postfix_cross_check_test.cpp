// The acceptance check of the default pack: on every Postfix log we keep,
// `tapemeasure test --rules rules --format metrics` must give mail_deliveries_total per
// (mta, relay, outcome) equal to an independent awk count of the status= words
// (tests/data/postfix_status_count.sh), and tapemeasure_lines_total equal to `wc -l`; and
// on tests/data/golden/postfix_queue.log, bytes per relay and queue lifetime equal to an
// independent count in Python (tests/data/postfix_queue_count.py).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <sstream>

#include "golden/golden_runner.hpp"
#include "support/test_support.hpp"

namespace tapemeasure::testing {
namespace {

namespace fs = std::filesystem;
using Counts = std::map<std::string, double>;  // "mta relay outcome" -> count

// What `tapemeasure test` says the default pack gives for `log` (a valid exposition).
void pack_metrics(const fs::path& log, Exposition& out) {
  const auto r = run_tapemeasure({"test", "--rules", (source_dir() / "rules").string(), "--input", log.string(),
                                  "--format", "metrics"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  out = parse_exposition(r.out);
  ASSERT_TRUE(out.problems.empty()) << out.problems.front();
}

std::vector<std::string> postfix_logs() {
  std::vector<std::string> out;
  for (const auto& log : golden_logs())
    if (log.filename().string().starts_with("postfix")) out.push_back(log.string());
  return out;
}

Counts awk_counts(const fs::path& log) {
  const fs::path script = source_dir() / "tests/data/postfix_status_count.sh";
  const auto r = run_command({"bash", script.string(), log.string()});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  Counts out;
  for (const auto& line : split_lines(r.out)) {
    std::istringstream in(line);
    std::string mta, relay, outcome;
    double n = 0;
    EXPECT_TRUE(in >> mta >> relay >> outcome >> n) << "unexpected line from the script: " << line;
    out[mta + " " + relay + " " + outcome] += n;
  }
  return out;
}

class PostfixCrossCheckTest : public ::testing::TestWithParam<std::string> {};

TEST_P(PostfixCrossCheckTest, DeliveriesEqualAnIndependentAwkCount) {
  const fs::path script = source_dir() / "tests/data/postfix_status_count.sh";
  ASSERT_TRUE(fs::exists(script)) << script;
  const fs::path log = source_dir() / GetParam();
  Exposition e;
  ASSERT_NO_FATAL_FAILURE(pack_metrics(log, e));

  Counts ours;
  for (const auto& s : e.samples) {
    if (s.name != "mail_deliveries_total") continue;
    ASSERT_EQ(s.labels.size(), 3u);
    // Label values with spaces would break the awk key; the pack's labels never have them.
    ours[s.labels.at("mta") + " " + s.labels.at("relay") + " " + s.labels.at("outcome")] += s.value;
  }
  const Counts theirs = awk_counts(log);
  EXPECT_FALSE(theirs.empty()) << "the log has no delivery attempts: a weak test";
  EXPECT_EQ(ours, theirs);

  // tapemeasure_lines_total == wc -l (a last line without '\n' is a line to us, not to wc).
  const std::string data = read_file(log);
  ASSERT_TRUE(data.empty() || data.back() == '\n') << "end the log with a newline so wc -l agrees";
  EXPECT_EQ(sample_value(e, "tapemeasure_lines_total"), static_cast<double>(std::count(data.begin(), data.end(), '\n')));
}

INSTANTIATE_TEST_SUITE_P(Data, PostfixCrossCheckTest, ::testing::ValuesIn(postfix_logs()), path_param_name);

// The pack's two measurements across lines, on a log made for them
// (tests/data/golden/postfix_queue.log: two hosts, two Postfix instances each, queue ids
// that repeat across instances and hosts, deferrals and retries, messages that arrived
// before the log or are still queued at its end): mail_delivered_bytes_total per relay and
// mail_queue_lifetime_seconds per MTA (count, sum, every bucket) must equal an independent
// count in Python (tests/data/postfix_queue_count.py), and the recall misses the lines
// whose message arrived before the log. Keys are "bytes RELAY", "lifetime MTA count",
// "lifetime MTA sum", "lifetime MTA bucket LE".
std::string number_text(const std::string& s) {
  if (s == "+Inf") return s;
  std::ostringstream out;
  out.precision(17);
  out << std::stod(s);
  return out.str();
}

TEST(PostfixQueueCrossCheckTest, BytesPerRelayAndQueueLifetimeEqualAnIndependentCount) {
  const fs::path log = source_dir() / "tests/data/golden/postfix_queue.log";
  const fs::path script = source_dir() / "tests/data/postfix_queue_count.py";
  ASSERT_TRUE(fs::exists(log)) << log;
  Exposition e;
  ASSERT_NO_FATAL_FAILURE(pack_metrics(log, e));

  Counts ours;
  double our_misses = 0;
  for (const auto& s : e.samples) {
    if (s.name == "mail_delivered_bytes_total") {
      ours["bytes " + s.labels.at("relay")] += s.value;
    } else if (s.name == "mail_queue_lifetime_seconds_count") {
      ours["lifetime " + s.labels.at("mta") + " count"] += s.value;
    } else if (s.name == "mail_queue_lifetime_seconds_sum") {
      ours["lifetime " + s.labels.at("mta") + " sum"] += s.value;
    } else if (s.name == "mail_queue_lifetime_seconds_bucket") {
      ours["lifetime " + s.labels.at("mta") + " bucket " + number_text(s.labels.at("le"))] += s.value;
    } else if (s.name == "tapemeasure_recall_misses_total") {
      our_misses += s.value;
    }
  }

  const auto py = run_command({"python3", script.string(), log.string()});
  ASSERT_EQ(py.exit_code, 0) << py.err;
  Counts theirs;
  double their_misses = -1, collisions = -1;
  for (const auto& line : split_lines(py.out)) {
    std::istringstream in(line);
    std::vector<std::string> words;
    for (std::string w; in >> w;) words.push_back(w);
    ASSERT_GE(words.size(), 2u) << "unexpected line from the script: " << line;
    const double n = std::stod(words.back());
    words.pop_back();
    if (words == std::vector<std::string>{"misses"}) {
      their_misses = n;
      continue;
    }
    if (words == std::vector<std::string>{"collisions"}) {
      collisions = n;
      continue;
    }
    if (words.size() == 4 && words[2] == "bucket") words[3] = number_text(words[3]);
    std::string key;
    for (const auto& w : words) key += (key.empty() ? "" : " ") + w;
    theirs[key] += n;
  }
  EXPECT_EQ(ours, theirs);
  EXPECT_EQ(our_misses, their_misses) << "recall misses: sent or removed lines of messages that arrived before the log";

  // The log must keep testing what it is for.
  EXPECT_GT(collisions, 0) << "no queue id is in two queues at once: the host/instance/queue id key is not tested";
  EXPECT_GT(their_misses, 0) << "no message arrived before the log";
  std::size_t relays = 0;
  for (const auto& [key, n] : theirs) relays += key.starts_with("bytes ") && n > 0;
  EXPECT_GE(relays, 4u);
  for (const char* mta : {"mx1", "mx2", "mx1/postfix-out", "mx2/postfix-out"}) {
    const std::string k = std::string("lifetime ") + mta;
    EXPECT_GT(theirs[k + " count"], 0) << mta;
    EXPECT_GT(theirs[k + " bucket 1"], 0) << mta << ": no message left the queue within a second";
  }
  EXPECT_LT(theirs["lifetime mx2/postfix-out bucket 300"], theirs["lifetime mx2/postfix-out count"])
      << "no message stayed in the queue for a retry";
}

// Without a Postfix log the cross-check above would silently instantiate nothing.
TEST(PostfixCrossCheckSetupTest, ThereIsAPostfixLog) {
  const auto logs = postfix_logs();
  EXPECT_NE(std::find(logs.begin(), logs.end(), "tests/data/postfix.log"), logs.end()) << "tests/data/postfix.log is missing";
  EXPECT_GE(logs.size(), 3u) << "postfix*.log golden logs went missing";
}

}  // namespace
}  // namespace tapemeasure::testing
