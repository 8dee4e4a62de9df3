// Records summed over a span: the sum of several seconds' records is the record of one
// second that saw all their increments (what makes a window of any length exact), with
// levels (gauges, running totals, clients) from the newest.
#include "stats/record_sum.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <string>

#include "unit/stats/stats_fixture.hpp"

namespace tapemeasure::stats {
namespace {

using json = nlohmann::ordered_json;
using fixture::StatsRig;

// A rig with the mail view and its three metrics declared.
struct MailRig : StatsRig {
  MailRig() {
    stats_.set_views(fixture::mail_view());
    auto m = store_.declare({fixture::deliveries(), fixture::delays(), fixture::queue_depth()});
    d = m[0], h = m[1], q = m[2];
  }
  // Second k's traffic: the same on any rig.
  void traffic(int k) {
    deliver(*d, "mta1", "proxy1", "delivered", 10 * k);
    deliver(*d, "mta2", "proxy" + std::to_string(k), "transient", k);
    deliver(*d, "mta" + std::to_string(k), "proxy9", "delivered", 1);
    store_.observe(series(*h, {"proxy1"}), 0.05 * k);
    store_.observe(series(*h, {"proxy2"}), 5.0);
    store_.set(series(*q, {"mta1"}), 7 * k);
  }
  metrics::StoredMetric *d = nullptr, *h = nullptr, *q = nullptr;
};

// What a record says, less what is a level or a span by construction.
json comparable(json r) {
  for (const char* k : {"ts", "step", "seconds", "last_ts", "clients", "reload"}) r.erase(k);
  for (auto& [name, m] : r["metrics"].items()) m.erase("total");
  return r;
}

TEST(RecordSumTest, ASumOfSecondsIsTheRecordOfOneSecondWithAllTheirIncrements) {
  MailRig seconds, once;
  RecordSum sum;
  for (int k = 1; k <= 3; ++k) {
    seconds.counts_ = {.ts_ms = 1000L * k, .lines = 100u * k, .matched = 90u * k, .unmatched = 10u * k,
                       .events = 80u * k, .dropped = 5.0 * k, .clients = static_cast<std::size_t>(k)};
    seconds.traffic(k);
    sum.add(seconds.tick());
    once.traffic(k);
  }
  once.counts_ = {.ts_ms = 1000, .lines = 600, .matched = 540, .unmatched = 60, .events = 480, .dropped = 30, .clients = 3};
  const json one = once.tick();
  const json got = sum.record(1000, 60);

  EXPECT_EQ(comparable(got), comparable(one)) << "sum:  " << got.dump() << "\none:  " << one.dump();
  EXPECT_EQ(got["ts"], 1000);
  EXPECT_EQ(got["step"], 60);
  EXPECT_EQ(got["seconds"], 3);
  EXPECT_EQ(got["last_ts"], 3000) << "the newest second in it";
  EXPECT_EQ(got["lines_per_s"], 600) << "a count over the span";
  EXPECT_EQ(got["clients"], 3) << "a level: the newest";
  EXPECT_EQ(got["metrics"]["queue_depth"]["value"], 21) << "a gauge: the newest";
  EXPECT_EQ(got["metrics"]["mail_deliveries_total"]["total"], one["metrics"]["mail_deliveries_total"]["total"]);
  ASSERT_EQ(got["compares"].size(), 2u);
  EXPECT_FALSE(got["compares"][0]["rows"].empty()) << "each relay's delays, summed bucket by bucket (equal to one tick above)";
  EXPECT_EQ(got["compares"][1]["rows"], one["compares"][1]["rows"]);
  EXPECT_EQ(got["ratios"][0]["part"], 6);
  EXPECT_EQ(got["ratios"][0]["total"], 69);
}

TEST(RecordSumTest, SinceStartHasNoStepAndAnEmptySumIsAnEmptyRecord) {
  RecordSum sum;
  EXPECT_TRUE(sum.empty());
  const json empty = sum.record(5, 0);
  EXPECT_FALSE(empty.contains("step"));
  EXPECT_EQ(empty["seconds"], 0);
  EXPECT_FALSE(empty.contains("last_ts")) << "no second, no newest one";
  EXPECT_EQ(empty["metrics"], json::object());
  EXPECT_EQ(empty["shares"], json::array());
}

TEST(RecordSumTest, AMetricReshapedByAReloadStartsAgain) {
  RecordSum sum;
  sum.add(json::parse(R"({"ts": 1, "metrics": {"m": {"kind": "counter", "per_s": 5, "total": 5, "top": [], "label_sets": 1}}})"));
  sum.add(json::parse(R"({"ts": 2, "metrics": {"m": {"kind": "histogram", "per_s": 2, "sum_per_s": 1, "total": 2,
                          "buckets": [1], "increments": [1, 1]}}})"));
  sum.add(json::parse(R"({"ts": 3, "metrics": {"m": {"kind": "histogram", "per_s": 1, "sum_per_s": 3, "total": 3,
                          "buckets": [1], "increments": [0, 1]}}})"));
  const json m = sum.record(0, 60)["metrics"]["m"];
  EXPECT_EQ(m["kind"], "histogram");
  EXPECT_EQ(m["per_s"], 3);
  EXPECT_EQ(m["increments"], json::parse("[1, 2]"));
}

TEST(RecordSumTest, AMatrixStaysBoundedOverALongSpan) {
  // Each second a different set of 200 rows: a day of it must not keep 17 million cells.
  RecordSum sum;
  double fed = 0;
  for (int s = 0; s < 50; ++s) {
    json counts = json::object();
    for (int r = 0; r < 200; ++r) {
      counts["row" + std::to_string(s * 200 + r)] = {{"c", 1 + r % 3}};
      fed += 1 + r % 3;
    }
    sum.add({{"ts", s}, {"shares", json::array({{{"view", "v"}, {"title", "t"}, {"metric", "m"}, {"rows", "a"},
                                                  {"cols", "b"}, {"counts", counts}, {"omitted", 0}}})}});
  }
  const json share = sum.record(0, 60)["shares"][0];
  EXPECT_LE(share["counts"].size(), 128u);
  double shown = 0;
  for (const auto& [row, cols] : share["counts"].items())
    for (const auto& [col, n] : cols.items()) shown += n.get<double>();
  EXPECT_EQ(shown + share["omitted"].get<double>(), fed) << "nothing lost: what is not shown is in omitted";
}

}  // namespace
}  // namespace tapemeasure::stats
