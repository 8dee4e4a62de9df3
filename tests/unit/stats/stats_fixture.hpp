#pragma once
// For the stats/ tests: a metric store with the mail pack's three kinds of metric, a view
// with two shares and a ratio, and a SecondStats that ticks over them.
#include <gtest/gtest.h>
#include <prometheus/registry.h>

#include <memory>
#include <string>
#include <vector>

#include "metrics/metric_store.hpp"
#include "metrics/self_metrics.hpp"
#include "stats/second_stats.hpp"

namespace tapemeasure::stats::fixture {

using json = nlohmann::ordered_json;
using metrics::MetricKind;
using metrics::MetricSchema;
using metrics::Series;
using metrics::StoredMetric;

inline MetricSchema deliveries() {
  return {"mail_deliveries_total", MetricKind::counter, "D.", {"mta", "relay", "outcome"}, {}, {}};
}
inline MetricSchema delays() {
  return {"mail_delivery_delay_seconds", MetricKind::histogram, "H.", {"relay"}, {0.1, 1, 10}, {}};
}
inline MetricSchema queue_depth() { return {"queue_depth", MetricKind::gauge, "Q.", {"mta"}, {}, {}}; }

inline view::Share share(std::string title, std::vector<std::pair<std::string, std::string>> where = {}) {
  view::Share s;
  s.title = std::move(title);
  s.metric = "mail_deliveries_total";
  s.rows = "mta";
  s.cols = "relay";
  s.where = std::move(where);
  return s;
}

inline std::shared_ptr<const view::Views> mail_view() {
  auto views = std::make_shared<view::Views>();
  view::View& v = views->views.emplace_back();
  v.id = "postfix";
  v.shares.push_back(share("MTA to relay"));
  v.shares.push_back(share("delivered only", {{"outcome", "delivered"}}));
  view::Ratio& r = v.ratios.emplace_back();
  r.title = "bounce ratio";
  r.metric = "mail_deliveries_total";
  r.label = "outcome";
  r.part = {"transient", "permanent"};
  view::Compare& c = v.compares.emplace_back();
  c.title = "delay by relay";
  c.metric = "mail_delivery_delay_seconds";
  c.label = "relay";
  c.baseline = "proxy1";
  view::Compare& k = v.compares.emplace_back();
  k.title = "deliveries by MTA";
  k.metric = "mail_deliveries_total";
  k.label = "mta";
  return views;
}

// A store with SecondStats over it; tests that need two (a sum against one tick) make two.
struct StatsRig {
  StatsRig() : self_(registry_, "test"), store_(registry_, self_, {}), stats_(store_) {}

  Series& series(StoredMetric& m, std::vector<std::string_view> values) { return store_.series(m, values); }
  void deliver(StoredMetric& m, std::string_view mta, std::string_view relay, std::string_view outcome, double n) {
    store_.add(series(m, {mta, relay, outcome}), n);
  }
  json tick() { return stats_.tick(counts_, reload_); }

  prometheus::Registry registry_;
  metrics::SelfMetrics self_;
  metrics::MetricStore store_;
  SecondStats stats_;
  SecondCounts counts_;
  ReloadStatus reload_{.at = "2026-11-30T18:00:00Z", .error = "", .reloads = 0, .failures = 0};
};

class SecondStatsTest : public ::testing::Test, public StatsRig {};

}  // namespace tapemeasure::stats::fixture
