// The demo generators of the optional packs: every line they write is one the real pack
// (rules/packs/*.yml, view and in-file tests included) understands, and the counters the
// pack derives from them show the weights the generators declare.
#include <gtest/gtest.h>

#include <map>

#include "app/demo_packs.hpp"
#include "reload/rule_loader.hpp"
#include "support/test_support.hpp"

namespace tapemeasure {
namespace {

using app::DnsTraffic;
using app::NginxTraffic;
using testing::Engine;
using testing::parse_exposition;
using testing::sample_value;
using testing::split_lines;

// The pack's counters after `lines`, read back from the exposition; fails the test when
// the pack does not load or any line goes unmatched.
testing::Exposition run_pack(const char* pack, const std::string& lines) {
  const auto loaded = reload::load_rules({(testing::source_dir() / "rules" / "packs" / (std::string(pack) + ".yml")).string()});
  EXPECT_TRUE(loaded.ok()) << loaded.error_text();
  Engine engine;
  if (!loaded.compiled()) return {};
  engine.processor.install(loaded.rules);
  for (const auto& line : split_lines(lines)) EXPECT_GT(engine.process(line), 0) << "no rule of " << pack << " matches:\n" << line;
  const auto e = parse_exposition(engine.exposition());
  EXPECT_EQ(sample_value(e, "tapemeasure_lines_unmatched_total"), 0.0);
  return e;
}

// The sum of a counter's samples whose labels include `where`.
double sum_of(const testing::Exposition& e, const std::string& name, const std::map<std::string, std::string>& where) {
  double total = 0;
  for (const auto& s : e.samples) {
    if (s.name != name) continue;
    bool keep = true;
    for (const auto& [k, v] : where) {
      const auto it = s.labels.find(k);
      keep = keep && it != s.labels.end() && it->second == v;
    }
    if (keep) total += s.value;
  }
  return total;
}

TEST(NginxTrafficTest, IsDeterministicForASeed) {
  // Lines differ only in their timestamps, which come from the clock: compare the rest.
  const auto strip = [](const std::string& s) { return s.substr(s.find("] \"")); };
  NginxTraffic a(7), b(7), c(8);
  std::string la, lb, lc;
  for (int i = 0; i < 50; ++i) {
    EXPECT_EQ(a.next_request(la), 1);
    b.next_request(lb);
    c.next_request(lc);
  }
  const auto sa = split_lines(la), sb = split_lines(lb), sc = split_lines(lc);
  ASSERT_EQ(sa.size(), 50u);
  int differ = 0;
  for (std::size_t i = 0; i < sa.size(); ++i) {
    EXPECT_EQ(strip(sa[i]), strip(sb[i]));
    differ += strip(sa[i]) != strip(sc[i]);
  }
  EXPECT_GT(differ, 40);
}

TEST(NginxTrafficTest, EveryLineMatchesThePackAndTheWeightsShow) {
  constexpr int kRequests = 40000;
  NginxTraffic traffic(42);
  std::string lines;
  int count = 0;
  for (int i = 0; i < kRequests; ++i) count += traffic.next_request(lines);
  EXPECT_EQ(count, kRequests);
  const auto e = run_pack("nginx", lines);

  const double proxied = sum_of(e, "nginx_requests_total", {});
  const double local = sum_of(e, "nginx_local_requests_total", {});
  EXPECT_EQ(proxied + local, kRequests);
  EXPECT_NEAR(local / kRequests, NginxTraffic::kLocalShare, 0.01);
  // Not round-robin: each balancer's split over the upstreams follows the weights.
  for (const char* lb : {"lb1", "lb2"}) {
    const double row = sum_of(e, "nginx_requests_total", {{"balancer", lb}});
    ASSERT_GT(row, 0) << lb;
    for (std::size_t i = 0; i < NginxTraffic::upstreams().size(); ++i) {
      const double cell = sum_of(e, "nginx_requests_total", {{"balancer", lb}, {"upstream", NginxTraffic::upstreams()[i]}});
      EXPECT_NEAR(cell / row, NginxTraffic::upstream_weights()[i], 0.02) << lb << " -> " << NginxTraffic::upstreams()[i];
    }
  }
  EXPECT_NEAR(sum_of(e, "nginx_requests_total", {{"status_class", "5xx"}}) / proxied, NginxTraffic::kServerErrorShare, 0.006);
  EXPECT_NEAR(sum_of(e, "nginx_requests_total", {{"status_class", "4xx"}}) / proxied, NginxTraffic::kClientErrorShare, 0.01);
  EXPECT_NEAR(sum_of(e, "nginx_upstream_retries_total", {}) / proxied, NginxTraffic::kRetryShare, 0.005);
  // Request times spread over the histogram: fast and slow responses both occur.
  const double fast = sum_of(e, "nginx_request_duration_seconds_bucket", {{"le", "0.025"}});
  const double slow = proxied - sum_of(e, "nginx_request_duration_seconds_bucket", {{"le", "0.25"}});
  EXPECT_GT(fast / proxied, 0.1);
  EXPECT_GT(slow / proxied, 0.05);
}

TEST(DnsTrafficTest, EveryLineMatchesThePackAndTheWeightsShow) {
  constexpr int kQueries = 40000;
  DnsTraffic traffic(42);
  std::string lines;
  int count = 0;
  for (int i = 0; i < kQueries; ++i) count += traffic.next_query(lines);
  EXPECT_EQ(count, 2 * kQueries);
  const auto e = run_pack("dns", lines);

  EXPECT_EQ(sum_of(e, "dns_queries_total", {}), kQueries);
  const double replies = sum_of(e, "dns_replies_total", {});
  EXPECT_EQ(replies, kQueries);
  EXPECT_NEAR(sum_of(e, "dns_replies_total", {{"rcode", "NXDOMAIN"}}) / replies, DnsTraffic::kNxdomainShare, 0.01);
  EXPECT_NEAR(sum_of(e, "dns_replies_total", {{"rcode", "SERVFAIL"}}) / replies, DnsTraffic::kServfailShare, 0.003);
  EXPECT_NEAR(sum_of(e, "dns_replies_total", {{"rcode", "REFUSED"}}) / replies, DnsTraffic::kRefusedShare, 0.002);
  for (const char* qtype : {"A", "AAAA", "MX", "TXT", "PTR"})
    EXPECT_GT(sum_of(e, "dns_queries_total", {{"qtype", qtype}}), 0) << qtype;

  // The share matrix rows are the client networks the generator declares, and each row's
  // split over the resolvers follows its weights.
  const auto& nets = DnsTraffic::client_nets();
  for (std::size_t n = 0; n < nets.size(); ++n) {
    const double row = sum_of(e, "dns_replies_total", {{"client_net", nets[n]}});
    EXPECT_NEAR(row / replies, DnsTraffic::client_net_weights()[n], 0.015) << nets[n];
    ASSERT_GT(row, 0) << nets[n];
    for (std::size_t r = 0; r < DnsTraffic::resolvers().size(); ++r) {
      const double cell = sum_of(e, "dns_replies_total", {{"client_net", nets[n]}, {"resolver", DnsTraffic::resolvers()[r]}});
      EXPECT_NEAR(cell / row, DnsTraffic::resolver_weights()[n][r], 0.03) << nets[n] << " -> " << DnsTraffic::resolvers()[r];
    }
  }
  // Cache hits (sub-millisecond) and recursion (tens of milliseconds) both show.
  const double hits = sum_of(e, "dns_reply_seconds_bucket", {{"le", "0.0001"}});
  EXPECT_GT(hits / replies, 0.3);
  EXPECT_GT((replies - sum_of(e, "dns_reply_seconds_bucket", {{"le", "0.01"}})) / replies, 0.15);
}

TEST(DemoTrafficByNameTest, KnowsEachPackAndNothingElse) {
  for (const auto& name : app::demo_pack_names()) {
    const auto traffic = app::make_demo_traffic(name, 1);
    ASSERT_TRUE(traffic) << name;
    std::string out;
    int n = 0;
    for (int i = 0; i < 20; ++i) n += traffic.next(out);
    EXPECT_GT(n, 0) << name;
    n += traffic.flush(out);
    EXPECT_EQ(split_lines(out).size(), static_cast<std::size_t>(n)) << name << ": flush() counts what it writes";
  }
  EXPECT_FALSE(app::make_demo_traffic("sendmail"));
}

}  // namespace
}  // namespace tapemeasure
