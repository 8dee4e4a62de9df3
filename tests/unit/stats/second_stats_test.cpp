#include "stats/second_stats.hpp"

#include <gtest/gtest.h>
#include <prometheus/registry.h>

#include <string>
#include <vector>

#include "metrics/self_metrics.hpp"
#include "stats/compare_rows.hpp"
#include "unit/stats/stats_fixture.hpp"

namespace tapemeasure::stats {
namespace {

using json = nlohmann::ordered_json;
using metrics::MetricKind;
using metrics::MetricSchema;
using metrics::Series;
using metrics::StoredMetric;
using fixture::delays;
using fixture::deliveries;
using fixture::mail_view;
using fixture::queue_depth;
using fixture::SecondStatsTest;
using fixture::share;

TEST_F(SecondStatsTest, RecordHasTheContractsKeysInOrder) {
  counts_ = {.ts_ms = 1764233462000, .lines = 3000, .matched = 2900, .unmatched = 100,
             .events = 2500, .dropped = 1500, .clients = 1};
  reload_.reloads = 2;
  const json s = tick();
  std::vector<std::string> keys;
  for (const auto& [k, v] : s.items()) keys.push_back(k);
  EXPECT_EQ(keys, (std::vector<std::string>{"ts", "lines_per_s", "matched_per_s", "unmatched_per_s", "events_per_s",
                                            "dropped_per_s", "clients", "metrics", "shares", "ratios", "compares",
                                            "reload"}));
  EXPECT_EQ(s["ts"], 1764233462000);
  EXPECT_EQ(s["lines_per_s"], 3000);
  EXPECT_EQ(s["matched_per_s"], 2900);
  EXPECT_EQ(s["unmatched_per_s"], 100);
  EXPECT_EQ(s["events_per_s"], 2500);
  EXPECT_EQ(s["dropped_per_s"].dump(), "1500");
  EXPECT_EQ(s["clients"], 1);
  EXPECT_EQ(s["reload"], json::parse(R"({"at": "2026-11-30T18:00:00Z", "ok": true, "error": null,
                                         "reloads": 2, "failures": 0})"));
}

TEST_F(SecondStatsTest, FailedReloadCarriesItsError) {
  reload_.error = "rules/postfix.yml:12: rule x: bad";
  reload_.failures = 1;
  const json r = tick()["reload"];
  EXPECT_EQ(r["ok"], false);
  EXPECT_EQ(r["error"], "rules/postfix.yml:12: rule x: bad");
  EXPECT_EQ(r["failures"], 1);
}

TEST_F(SecondStatsTest, EveryDeclaredMetricIsReportedWhenIdle) {
  store_.declare({deliveries(), delays(), queue_depth()});
  const json m = tick()["metrics"];
  ASSERT_EQ(m.size(), 3u);
  EXPECT_EQ(m["mail_deliveries_total"],
            json::parse(R"({"kind": "counter", "per_s": 0, "total": 0, "top": [], "label_sets": 0})"));
  EXPECT_EQ(m["mail_delivery_delay_seconds"],
            json::parse(R"({"kind": "histogram", "per_s": 0, "sum_per_s": 0, "total": 0,
                            "buckets": [0.1, 1, 10], "increments": [0, 0, 0, 0]})"));
  EXPECT_EQ(m["queue_depth"], json::parse(R"({"kind": "gauge", "value": 0, "top": [], "label_sets": 0})"));
}

TEST_F(SecondStatsTest, CounterPerSecondTotalsAndTopAcrossHarvests) {
  auto* d = store_.declare({deliveries()})[0];
  deliver(*d, "mta1", "proxy1", "delivered", 40);
  deliver(*d, "mta1", "proxy2", "delivered", 25);
  deliver(*d, "mta2", "proxy1", "permanent", 5);
  json c = tick()["metrics"]["mail_deliveries_total"];
  EXPECT_EQ(c["per_s"], 70);
  EXPECT_EQ(c["total"], 70);
  EXPECT_EQ(c["label_sets"], 3);
  EXPECT_EQ(c["top"], json::parse(R"([
      {"labels": {"mta": "mta1", "relay": "proxy1", "outcome": "delivered"}, "per_s": 40},
      {"labels": {"mta": "mta1", "relay": "proxy2", "outcome": "delivered"}, "per_s": 25},
      {"labels": {"mta": "mta2", "relay": "proxy1", "outcome": "permanent"}, "per_s": 5}])"));

  deliver(*d, "mta2", "proxy1", "permanent", 7);
  c = tick()["metrics"]["mail_deliveries_total"];
  EXPECT_EQ(c["per_s"], 7);
  EXPECT_EQ(c["total"], 77);
  EXPECT_EQ(c["label_sets"], 1);
  ASSERT_EQ(c["top"].size(), 1u);
  EXPECT_EQ(c["top"][0]["labels"]["mta"], "mta2");

  c = tick()["metrics"]["mail_deliveries_total"];
  EXPECT_EQ(c["per_s"], 0);
  EXPECT_EQ(c["total"], 77);
}

TEST_F(SecondStatsTest, CounterTopKeepsTheTenLargestLargestFirst) {
  auto* d = store_.declare({deliveries()})[0];
  for (int i = 1; i <= 15; ++i) deliver(*d, "mta" + std::to_string(i), "p", "delivered", i);
  const json c = tick()["metrics"]["mail_deliveries_total"];
  EXPECT_EQ(c["label_sets"], 15);
  EXPECT_EQ(c["per_s"], 120);
  ASSERT_EQ(c["top"].size(), 10u);
  for (int i = 0; i < 10; ++i) {
    EXPECT_EQ(c["top"][i]["per_s"], 15 - i) << i;
    EXPECT_EQ(c["top"][i]["labels"]["mta"], "mta" + std::to_string(15 - i)) << i;
  }
}

TEST_F(SecondStatsTest, TopLabelValuesAreCut) {
  auto* d = store_.declare({deliveries()})[0];
  deliver(*d, std::string(500, 'm'), "p", "delivered", 1);
  const json c = tick()["metrics"]["mail_deliveries_total"];
  EXPECT_EQ(c["top"][0]["labels"]["mta"], std::string(200, 'm'));
}

TEST_F(SecondStatsTest, HistogramIncrementsAreSummedOverLabelSetsWithInfLast) {
  auto* h = store_.declare({delays()})[0];
  Series& p1 = series(*h, {"proxy1"});
  Series& p2 = series(*h, {"proxy2"});
  store_.observe(p1, 0.05);
  store_.observe(p1, 0.5);
  store_.observe(p2, 0.5);
  store_.observe(p2, 50);  // beyond the last bound: +Inf
  json m = tick()["metrics"]["mail_delivery_delay_seconds"];
  EXPECT_EQ(m["per_s"], 4);
  EXPECT_EQ(m["sum_per_s"], 51.05);
  EXPECT_EQ(m["total"], 4);
  EXPECT_EQ(m["buckets"], json::parse("[0.1, 1, 10]"));
  EXPECT_EQ(m["increments"], json::parse("[1, 2, 0, 1]"));

  store_.observe(p2, 5);
  store_.observe(p1, 5);
  store_.observe(p1, 1000);
  m = tick()["metrics"]["mail_delivery_delay_seconds"];
  EXPECT_EQ(m["per_s"], 3);
  EXPECT_EQ(m["sum_per_s"], 1010);
  EXPECT_EQ(m["total"], 7);
  EXPECT_EQ(m["increments"], json::parse("[0, 0, 2, 1]"));
}

// "Which is faster?": a histogram's observations kept apart by the compared label's value
// (the metric's own record sums them over every label set), a counter's increments likewise.
TEST_F(SecondStatsTest, ComparesKeepEachLabelValuesObservationsApart) {
  auto metrics = store_.declare({deliveries(), delays()});
  stats_.set_views(mail_view());
  Series& p1 = series(*metrics[1], {"proxy1"});
  Series& p2 = series(*metrics[1], {"proxy2"});
  store_.observe(p1, 0.05);
  store_.observe(p1, 0.5);
  store_.observe(p2, 5);
  store_.observe(p2, 50);
  store_.observe(p2, 0.5);
  deliver(*metrics[0], "mta1", "proxy1", "delivered", 3);
  deliver(*metrics[0], "mta1", "proxy2", "delivered", 2);
  deliver(*metrics[0], "mta2", "proxy1", "transient", 1);
  const json s = tick();
  ASSERT_EQ(s["compares"].size(), 2u);
  EXPECT_EQ(s["compares"][0], json::parse(R"({"view": "postfix", "title": "delay by relay",
      "metric": "mail_delivery_delay_seconds", "label": "relay", "baseline": "proxy1", "kind": "histogram",
      "buckets": [0.1, 1, 10],
      "rows": {"proxy1": {"count": 2, "sum": 0.55, "increments": [1, 1, 0, 0]},
               "proxy2": {"count": 3, "sum": 55.5, "increments": [0, 1, 1, 1]}},
      "omitted": 0})")) << s["compares"][0].dump();
  EXPECT_EQ(s["compares"][1], json::parse(R"({"view": "postfix", "title": "deliveries by MTA",
      "metric": "mail_deliveries_total", "label": "mta", "baseline": "", "kind": "counter",
      "rows": {"mta1": {"count": 5}, "mta2": {"count": 1}}, "omitted": 0})")) << s["compares"][1].dump();
  const json idle = tick();
  EXPECT_EQ(idle["compares"][0]["rows"], json::object()) << "increments of this second only";
}

TEST_F(SecondStatsTest, ACompareKeepsTheBusiestValuesAndCountsTheRest) {
  auto metrics = store_.declare({deliveries(), delays()});
  stats_.set_views(mail_view());
  for (int i = 0; i < 100; ++i) deliver(*metrics[0], "m" + std::to_string(i), "p", "delivered", 1 + i);
  const json c = tick()["compares"][1];
  EXPECT_EQ(c["rows"].size(), kMaxCompareRows);
  EXPECT_TRUE(c["rows"].contains("m99")) << "the busiest stay";
  EXPECT_FALSE(c["rows"].contains("m0"));
  // The 36 quietest (1 + 2 + ... + 36) are counted in omitted.
  EXPECT_EQ(c["omitted"], 36 * 37 / 2);
}

TEST_F(SecondStatsTest, GaugesReportTheSumAndTheLargest) {
  auto* g = store_.declare({queue_depth()})[0];
  store_.set(series(*g, {"mta1"}), 9);
  store_.set(series(*g, {"mta2"}), 5);
  store_.set(series(*g, {"mta3"}), 3);
  store_.gauge_add(series(*g, {"mta1"}), -1);
  json m = tick()["metrics"]["queue_depth"];
  EXPECT_EQ(m, json::parse(R"({"kind": "gauge", "value": 16, "top": [
      {"labels": {"mta": "mta1"}, "value": 8}, {"labels": {"mta": "mta2"}, "value": 5},
      {"labels": {"mta": "mta3"}, "value": 3}], "label_sets": 3})"));
  // A gauge is a level, not an increment: the next idle second reports it again.
  m = tick()["metrics"]["queue_depth"];
  EXPECT_EQ(m["value"], 16);
}

TEST_F(SecondStatsTest, MetricRemovedByAReloadIsNotReportedAndStartsAfreshWhenBack) {
  auto ms = store_.declare({deliveries(), queue_depth()});
  deliver(*ms[0], "mta1", "p", "delivered", 3);
  EXPECT_EQ(tick()["metrics"]["mail_deliveries_total"]["total"], 3);

  store_.declare({queue_depth()});
  const json m = tick()["metrics"];
  EXPECT_FALSE(m.contains("mail_deliveries_total"));
  EXPECT_TRUE(m.contains("queue_depth"));

  ms = store_.declare({deliveries(), queue_depth()});
  deliver(*ms[0], "mta1", "p", "delivered", 1);
  EXPECT_EQ(tick()["metrics"]["mail_deliveries_total"]["total"], 1);
}

TEST_F(SecondStatsTest, ReshapedMetricStartsItsTotalAfreshAndKeptOneKeepsIt) {
  auto ms = store_.declare({deliveries(), MetricSchema{"other_total", MetricKind::counter, "O.", {"a"}, {}, {}}});
  deliver(*ms[0], "mta1", "p", "delivered", 3);
  store_.add(series(*ms[1], {"x"}), 4);
  tick();
  ms = store_.declare({deliveries(), MetricSchema{"other_total", MetricKind::counter, "O.", {"a", "b"}, {}, {}}});
  deliver(*ms[0], "mta1", "p", "delivered", 1);
  store_.add(series(*ms[1], {"x", "y"}), 1);
  const json m = tick()["metrics"];
  EXPECT_EQ(m["mail_deliveries_total"]["total"], 4);
  EXPECT_EQ(m["other_total"]["total"], 1);
}

TEST_F(SecondStatsTest, SharesAndRatiosFromTheViews) {
  auto* d = store_.declare({deliveries()})[0];
  stats_.set_views(mail_view());
  deliver(*d, "mta1", "proxy1", "delivered", 10);
  deliver(*d, "mta1", "proxy1", "transient", 2);  // same cell, another outcome
  deliver(*d, "mta1", "proxy2", "delivered", 4);
  deliver(*d, "mta2", "proxy2", "permanent", 1);
  deliver(*d, "mta2", "proxy2", "delivered", 3);
  const json s = tick();

  ASSERT_EQ(s["shares"].size(), 2u);
  EXPECT_EQ(s["shares"][0], json::parse(R"({"view": "postfix", "title": "MTA to relay",
      "metric": "mail_deliveries_total", "rows": "mta", "cols": "relay",
      "counts": {"mta1": {"proxy1": 12, "proxy2": 4}, "mta2": {"proxy2": 4}},
      "shares": {"mta1": {"proxy1": 0.75, "proxy2": 0.25}, "mta2": {"proxy2": 1}},
      "deviation": {"mta1": {"proxy1": 0.5, "proxy2": -0.5}, "mta2": {"proxy2": 1}},
      "omitted": 0})"));
  // The where filter keeps only delivered increments.
  EXPECT_EQ(s["shares"][1]["title"], "delivered only");
  EXPECT_EQ(s["shares"][1]["counts"], json::parse(R"({"mta1": {"proxy1": 10, "proxy2": 4}, "mta2": {"proxy2": 3}})"));
  EXPECT_EQ(s["shares"][1]["shares"]["mta1"]["proxy1"], 0.7143);

  ASSERT_EQ(s["ratios"].size(), 1u);
  EXPECT_EQ(s["ratios"][0], json::parse(R"({"view": "postfix", "title": "bounce ratio",
      "metric": "mail_deliveries_total", "part": 3, "total": 20, "value": 0.15})"));
}

TEST_F(SecondStatsTest, ARatioWithWhereCountsOnlyThoseIncrements) {
  auto* d = store_.declare({deliveries()})[0];
  auto views = std::make_shared<view::Views>(*mail_view());
  view::Ratio& r = views->views[0].ratios.emplace_back();
  r.title = "mta2 bounces";
  r.metric = "mail_deliveries_total";
  r.label = "outcome";
  r.part = {"permanent"};
  r.where = {{"mta", "mta2"}};
  stats_.set_views(views);
  deliver(*d, "mta1", "proxy1", "permanent", 5);
  deliver(*d, "mta2", "proxy2", "permanent", 1);
  deliver(*d, "mta2", "proxy2", "delivered", 3);
  const json s = tick();
  ASSERT_EQ(s["ratios"].size(), 2u);
  EXPECT_EQ(s["ratios"][0]["part"], 6) << "no where: every MTA";
  EXPECT_EQ(s["ratios"][1]["part"], 1);
  EXPECT_EQ(s["ratios"][1]["total"], 4);
  EXPECT_EQ(s["ratios"][1]["value"], 0.25);
}

TEST_F(SecondStatsTest, IdleSecondGivesEmptySharesAndANullRatio) {
  store_.declare({deliveries()});
  stats_.set_views(mail_view());
  const json s = tick();
  EXPECT_EQ(s["shares"][0]["counts"], json::object());
  EXPECT_EQ(s["shares"][0]["omitted"], 0);
  EXPECT_EQ(s["ratios"][0]["total"], 0);
  EXPECT_TRUE(s["ratios"][0]["value"].is_null());
}

TEST_F(SecondStatsTest, ShareOnAMetricNoLongerDeclaredIsEmptyNotAnError) {
  store_.declare({queue_depth()});
  stats_.set_views(mail_view());
  const json s = tick();
  ASSERT_EQ(s["shares"].size(), 2u);
  EXPECT_EQ(s["shares"][0]["counts"], json::object());
  EXPECT_TRUE(s["ratios"][0]["value"].is_null());
}

TEST_F(SecondStatsTest, RecordsStaySmallWithManySeries) {
  auto* d = store_.declare({deliveries()})[0];
  stats_.set_views(mail_view());
  for (int mta = 0; mta < 200; ++mta)
    for (int relay = 0; relay < 50; ++relay)
      deliver(*d, "mta" + std::to_string(mta), "relay" + std::to_string(relay), "delivered", 1 + (mta % 3));
  const json s = tick();
  EXPECT_EQ(s["metrics"]["mail_deliveries_total"]["label_sets"], 10000);
  EXPECT_EQ(s["metrics"]["mail_deliveries_total"]["top"].size(), 10u);
  EXPECT_EQ(s["shares"][0]["counts"].size(), 128u);
  EXPECT_LT(s.dump().size(), 1'200'000u);
}

}  // namespace
}  // namespace tapemeasure::stats
