#include "metrics/metric_store.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "metrics/exposition.hpp"
#include "support/test_support.hpp"

namespace tapemeasure::metrics {
namespace {

using tapemeasure::testing::parse_exposition;
using tapemeasure::testing::sample_value;
using Labels = std::map<std::string, std::string>;

MetricSchema counter(std::string name, std::vector<std::string> labels, std::string help = "Help.") {
  return {std::move(name), MetricKind::counter, std::move(help), std::move(labels), {}};
}

class MetricStoreTest : public ::testing::Test {
 protected:
  explicit MetricStoreTest(MetricStore::Options options = {}) : self_(registry_, "test"), store_(registry_, self_, options) {}

  Series& series(StoredMetric& m, std::vector<std::string_view> values) { return store_.series(m, values); }
  testing::Exposition scrape() const { return parse_exposition(render_text_exposition(registry_)); }
  bool has_family(std::string_view name) const {
    for (const auto& f : registry_.Collect())
      if (f.name == name) return true;
    return false;
  }

  prometheus::Registry registry_;
  SelfMetrics self_;
  MetricStore store_;
};

TEST_F(MetricStoreTest, DeclareReturnsOnePointerPerSchemaInOrder) {
  const auto ms = store_.declare({counter("a_total", {}), counter("b_total", {"x"})});
  ASSERT_EQ(ms.size(), 2u);
  EXPECT_EQ(ms[0]->schema.name, "a_total");
  EXPECT_EQ(ms[1]->schema.name, "b_total");
  // A family shows once it has a series (Prometheus exposes no empty families).
  EXPECT_FALSE(has_family("a_total"));
  store_.add(series(*ms[0], {}), 1);
  store_.add(series(*ms[1], {"v"}), 1);
  EXPECT_TRUE(has_family("a_total"));
  EXPECT_TRUE(has_family("b_total"));
}

TEST_F(MetricStoreTest, SeriesAreKeyedByLabelValues) {
  auto* m = store_.declare({counter("mail_total", {"mta", "relay"})})[0];
  Series& a = series(*m, {"mx1", "p1"});
  Series& b = series(*m, {"mx1", "p2"});
  EXPECT_NE(&a, &b);
  EXPECT_EQ(&series(*m, {"mx1", "p1"}), &a);
  EXPECT_EQ(a.label_values, (std::vector<std::string>{"mx1", "p1"}));
  store_.add(a, 1);
  store_.add(a, 2);
  store_.add(b, 1);
  const auto e = scrape();
  EXPECT_EQ(sample_value(e, "mail_total", Labels{{"mta", "mx1"}, {"relay", "p1"}}), 3);
  EXPECT_EQ(sample_value(e, "mail_total", Labels{{"mta", "mx1"}, {"relay", "p2"}}), 1);
}

TEST_F(MetricStoreTest, ValuesThatDifferOnlyInWhereTheySplitAreDifferentSeries) {
  auto* m = store_.declare({counter("c_total", {"a", "b"})})[0];
  EXPECT_NE(&series(*m, {"ab", "c"}), &series(*m, {"a", "bc"}));
}

TEST_F(MetricStoreTest, SameShapeKeepsSeriesAcrossDeclare) {
  auto* m = store_.declare({counter("mail_total", {"mta"}), counter("other_total", {})})[0];
  store_.add(series(*m, {"mx1"}), 5);
  // A reload: same shape (the help may change), another metric added, one dropped.
  const auto ms = store_.declare({counter("new_total", {}), counter("mail_total", {"mta"}, "Help.")});
  EXPECT_EQ(ms[1], m);  // pointer stays valid
  EXPECT_EQ(sample_value(scrape(), "mail_total", Labels{{"mta", "mx1"}}), 5);
  store_.add(series(*ms[1], {"mx1"}), 1);
  EXPECT_EQ(sample_value(scrape(), "mail_total", Labels{{"mta", "mx1"}}), 6);
}

TEST_F(MetricStoreTest, ReshapedMetricStartsAfresh) {
  auto* m = store_.declare({counter("mail_total", {"mta"})})[0];
  store_.add(series(*m, {"mx1"}), 5);
  // Label names changed.
  auto* m2 = store_.declare({counter("mail_total", {"mta", "relay"})})[0];
  auto e = scrape();
  EXPECT_EQ(sample_value(e, "mail_total", Labels{{"mta", "mx1"}}), std::nullopt);
  EXPECT_TRUE(e.problems.empty());
  store_.add(series(*m2, {"mx1", "p1"}), 1);
  EXPECT_EQ(sample_value(scrape(), "mail_total", Labels{{"mta", "mx1"}, {"relay", "p1"}}), 1);
  // Kind changed: counter -> gauge.
  auto* g = store_.declare({MetricSchema{"mail_total", MetricKind::gauge, "G.", {"mta"}, {}, {}}})[0];
  store_.set(series(*g, {"mx1"}), 42);
  e = scrape();
  EXPECT_EQ(e.type.at("mail_total"), "gauge");
  EXPECT_EQ(sample_value(e, "mail_total", Labels{{"mta", "mx1"}}), 42);
}

TEST_F(MetricStoreTest, ReshapedHistogramBucketsStartAfresh) {
  MetricSchema h{"delay_seconds", MetricKind::histogram, "H.", {}, {1, 2}, {}};
  auto* m = store_.declare({h})[0];
  store_.observe(series(*m, {}), 1.5);
  h.buckets = {1, 5};
  auto* m2 = store_.declare({h})[0];
  const auto e = scrape();
  EXPECT_EQ(sample_value(e, "delay_seconds_count"), std::nullopt);
  store_.observe(series(*m2, {}), 3);
  EXPECT_EQ(sample_value(scrape(), "delay_seconds_bucket", Labels{{"le", "5"}}), 1);
}

TEST_F(MetricStoreTest, UndeclaredMetricDisappears) {
  const auto ms = store_.declare({counter("gone_total", {"x"}), counter("kept_total", {})});
  store_.add(series(*ms[0], {"v"}), 1);
  store_.add(series(*ms[1], {}), 1);
  EXPECT_TRUE(has_family("gone_total"));
  store_.declare({counter("kept_total", {})});
  EXPECT_FALSE(has_family("gone_total"));
  EXPECT_TRUE(has_family("kept_total"));
  const auto e = scrape();
  // Its self-metric series go too.
  for (const auto& s : e.samples) EXPECT_NE(s.labels.count("metric") ? s.labels.at("metric") : "", "gone_total") << s.name;
  // Declaring it again starts from zero.
  auto* again = store_.declare({counter("gone_total", {"x"})})[0];
  store_.add(series(*again, {"v"}), 1);
  EXPECT_EQ(sample_value(scrape(), "gone_total", Labels{{"x", "v"}}), 1);
}

class SmallCapTest : public MetricStoreTest {
 protected:
  SmallCapTest() : MetricStoreTest({.max_series_per_metric = 3, .max_label_value_bytes = 8}) {}
};

TEST_F(SmallCapTest, BeyondTheCapUpdatesGoToTheOverflowSeries) {
  auto* m = store_.declare({counter("mail_total", {"mta", "relay"})})[0];
  for (int i = 0; i < 3; ++i) store_.add(series(*m, {"mx", std::to_string(i)}), 1);
  Series& o1 = series(*m, {"mx", "3"});
  Series& o2 = series(*m, {"mx", "4"});
  EXPECT_EQ(&o1, &o2);
  EXPECT_EQ(o1.label_values, (std::vector<std::string>{"__overflow__", "__overflow__"}));
  store_.add(o1, 1);
  store_.add(o2, 1);
  // Known series keep working after the cap is hit.
  Series& known = series(*m, {"mx", "0"});
  EXPECT_NE(&known, &o1);
  store_.add(known, 1);
  const auto e = scrape();
  EXPECT_TRUE(e.problems.empty());
  EXPECT_EQ(sample_value(e, "mail_total", Labels{{"mta", "__overflow__"}, {"relay", "__overflow__"}}), 2);
  EXPECT_EQ(sample_value(e, "mail_total", Labels{{"mta", "mx"}, {"relay", "0"}}), 2);
  EXPECT_EQ(sample_value(e, "tapemeasure_series_overflow_total", Labels{{"metric", "mail_total"}}), 2);
  int series_count = 0;
  for (const auto& s : e.samples) series_count += s.name == "mail_total";
  EXPECT_EQ(series_count, 4);  // 3 real + overflow
}

// The series cap counts label sets; a scrape's size is samples. A histogram series is one
// sample per bucket plus +Inf, _sum and _count: 10,000 buckets x 1,000 label sets made one
// /metrics 449 MB. max_samples bounds all user metrics together, counted like the series cap.
class SampleCapTest : public MetricStoreTest {
 protected:
  SampleCapTest() : MetricStoreTest({.max_series_per_metric = 1000, .max_samples = 100}) {}
};

MetricSchema histogram(std::string name, std::vector<std::string> labels, std::vector<double> buckets) {
  return {std::move(name), MetricKind::histogram, "Help.", std::move(labels), std::move(buckets)};
}

TEST_F(SampleCapTest, NewSeriesBeyondTheSampleCapGoToTheOverflowSeries) {
  // 7 bounds + +Inf + _sum + _count: 10 samples a series, so 10 series fill the cap.
  auto* h = store_.declare({histogram("delay_seconds", {"relay"}, {1, 2, 3, 4, 5, 6, 7})})[0];
  EXPECT_EQ(h->samples_per_series, 10u);
  for (int i = 0; i < 10; ++i) store_.observe(series(*h, {"r" + std::to_string(i)}), 1);
  EXPECT_EQ(store_.samples(), 100u);
  Series& over = series(*h, {"r10"});
  EXPECT_EQ(over.label_values, (std::vector<std::string>{"__overflow__"}));
  store_.observe(over, 1);
  EXPECT_NE(&series(*h, {"r0"}), &over) << "known series keep working";

  const auto e = scrape();
  EXPECT_TRUE(e.problems.empty());
  EXPECT_EQ(sample_value(e, "tapemeasure_series_overflow_total", Labels{{"metric", "delay_seconds"}}), 1);
  EXPECT_EQ(sample_value(e, "delay_seconds_count", Labels{{"relay", "__overflow__"}}), 1);
  EXPECT_EQ(sample_value(e, "tapemeasure_metric_samples"), 110) << "the overflow series may go past the cap, once";
  std::size_t user_samples = 0;
  for (const auto& s : e.samples) user_samples += s.name.rfind("delay_seconds", 0) == 0;
  EXPECT_EQ(user_samples, 110u);
}

TEST_F(SampleCapTest, TheCapIsSharedByAllMetricsAndFreedWhenOneGoes) {
  auto ms = store_.declare({histogram("h_seconds", {"k"}, {1, 2, 3, 4, 5, 6, 7}), counter("c_total", {"k"})});
  for (int i = 0; i < 9; ++i) series(*ms[0], {std::to_string(i)});  // 90 samples
  for (int i = 0; i < 10; ++i) series(*ms[1], {std::to_string(i)});  // 10 more: full
  EXPECT_EQ(store_.samples(), 100u);
  EXPECT_EQ(series(*ms[1], {"10"}).label_values[0], "__overflow__");
  EXPECT_EQ(series(*ms[0], {"9"}).label_values[0], "__overflow__");

  // Dropping the histogram frees its samples (and its overflow series') for the counter.
  ms = store_.declare({counter("c_total", {"k"})});
  EXPECT_EQ(store_.samples(), 11u);  // its 10 series and its overflow series
  EXPECT_EQ(series(*ms[0], {"11"}).label_values[0], "11");
  EXPECT_EQ(store_.samples(), 12u);
}

TEST_F(SmallCapTest, LongLabelValuesAreCut) {
  auto* m = store_.declare({counter("c_total", {"v"})})[0];
  Series& s = series(*m, {"0123456789abcdef"});
  EXPECT_EQ(s.label_values[0], "01234567");
  EXPECT_EQ(&series(*m, {"01234567zzz"}), &s);  // the same after cutting
}

TEST_F(MetricStoreTest, InvalidUtf8LabelValuesAreCleaned) {
  auto* m = store_.declare({counter("c_total", {"v"})})[0];
  Series& s = series(*m, {std::string_view("caf\xE9\0x", 6)});
  EXPECT_EQ(s.label_values[0], "caf\xEF\xBF\xBD\xEF\xBF\xBDx");
  store_.add(s, 1);
  const auto e = scrape();
  EXPECT_TRUE(e.problems.empty());
  EXPECT_EQ(sample_value(e, "c_total", Labels{{"v", "caf\xEF\xBF\xBD\xEF\xBF\xBDx"}}), 1);
}

TEST_F(MetricStoreTest, QuotesBackslashesAndNewlinesInLabelValuesAreEscaped) {
  auto* m = store_.declare({counter("c_total", {"v"})})[0];
  store_.add(series(*m, {"a\"b\\c\nd"}), 1);
  const auto e = scrape();
  EXPECT_TRUE(e.problems.empty()) << e.problems.front();
  EXPECT_EQ(sample_value(e, "c_total", Labels{{"v", "a\"b\\c\nd"}}), 1);
}

TEST_F(MetricStoreTest, GaugeSetAndAdd) {
  auto* m = store_.declare({MetricSchema{"queue_size", MetricKind::gauge, "Q.", {}, {}, {}}})[0];
  Series& s = series(*m, {});
  store_.set(s, 10);
  store_.gauge_add(s, -3);
  EXPECT_EQ(sample_value(scrape(), "queue_size"), 7);
}

TEST_F(MetricStoreTest, HistogramObserve) {
  auto* m = store_.declare({MetricSchema{"delay_seconds", MetricKind::histogram, "D.", {"relay"}, {0.5, 1}, {}}})[0];
  Series& s = series(*m, {"p1"});
  store_.observe(s, 0.2);
  store_.observe(s, 0.7);
  store_.observe(s, 9);
  const auto e = scrape();
  EXPECT_EQ(sample_value(e, "delay_seconds_bucket", Labels{{"relay", "p1"}, {"le", "0.5"}}), 1);
  EXPECT_EQ(sample_value(e, "delay_seconds_bucket", Labels{{"relay", "p1"}, {"le", "1"}}), 2);
  EXPECT_EQ(sample_value(e, "delay_seconds_bucket", Labels{{"relay", "p1"}, {"le", "+Inf"}}), 3);
  EXPECT_EQ(sample_value(e, "delay_seconds_count", Labels{{"relay", "p1"}}), 3);
  EXPECT_DOUBLE_EQ(*sample_value(e, "delay_seconds_sum", Labels{{"relay", "p1"}}), 9.9);
}

TEST_F(MetricStoreTest, HarvestReportsCounterDeltasOnce) {
  auto* m = store_.declare({counter("c_total", {"k"})})[0];
  Series& a = series(*m, {"a"});
  Series& b = series(*m, {"b"});
  store_.add(a, 1);
  store_.add(a, 2);
  store_.add(b, 5);
  std::map<std::string, double> got;
  store_.harvest([&](const Series& s, double d) { got[s.label_values[0]] += d; });
  EXPECT_EQ(got, (std::map<std::string, double>{{"a", 3}, {"b", 5}}));
  got.clear();
  store_.harvest([&](const Series& s, double d) { got[s.label_values[0]] += d; });
  EXPECT_TRUE(got.empty());
  store_.add(b, 1);
  store_.harvest([&](const Series& s, double d) { got[s.label_values[0]] += d; });
  EXPECT_EQ(got, (std::map<std::string, double>{{"b", 1}}));
  // The totals are untouched by harvesting.
  EXPECT_EQ(sample_value(scrape(), "c_total", Labels{{"k", "b"}}), 6);
}

TEST_F(MetricStoreTest, HarvestSkipsSeriesOfMetricsThatWereDropped) {
  auto m = store_.declare({counter("gone_total", {}), counter("kept_total", {})});
  store_.add(series(*m[0], {}), 1);
  store_.add(series(*m[1], {}), 2);
  store_.declare({counter("kept_total", {})});
  std::vector<double> deltas;
  store_.harvest([&](const Series& s, double d) {
    EXPECT_EQ(s.metric->schema.name, "kept_total");
    deltas.push_back(d);
  });
  EXPECT_EQ(deltas, std::vector<double>{2});
}

TEST_F(MetricStoreTest, HarvestLinksSeriesToTheirMetric) {
  auto* m = store_.declare({counter("c_total", {"k"})})[0];
  store_.add(series(*m, {"v"}), 1);
  store_.harvest([&](const Series& s, double) {
    ASSERT_NE(s.metric, nullptr);
    EXPECT_EQ(s.metric->schema.label_names, std::vector<std::string>{"k"});
  });
}


// Records a harvest: counter increments and histogram bucket increments by first label.
struct RecordingVisitor final : HarvestVisitor {
  std::map<std::string, double> counters;
  std::map<std::string, std::vector<std::uint64_t>> buckets;
  std::map<std::string, std::uint64_t> counts;
  std::map<std::string, double> sums;
  void counter(const Series& s, double increment) override { counters[s.label_values.at(0)] += increment; }
  void histogram(const Series& s, const HistogramIncrements& inc) override {
    buckets[s.label_values.at(0)].assign(inc.buckets.begin(), inc.buckets.end());
    counts[s.label_values.at(0)] = inc.count;
    sums[s.label_values.at(0)] = inc.sum;
  }
};

TEST_F(MetricStoreTest, HarvestReportsHistogramBucketIncrementsSinceTheLastHarvest) {
  auto* m = store_.declare({MetricSchema{"delay_seconds", MetricKind::histogram, "D.", {"relay"}, {0.5, 1}, {}}})[0];
  Series& p1 = series(*m, {"p1"});
  store_.observe(p1, 0.2);
  store_.observe(p1, 0.7);
  store_.observe(p1, 9);
  store_.observe(p1, 0.5);  // on a bound: the bucket le=0.5
  RecordingVisitor first;
  store_.harvest(first);
  EXPECT_EQ(first.buckets["p1"], (std::vector<std::uint64_t>{2, 1, 1}));  // not cumulative, +Inf last
  EXPECT_EQ(first.counts["p1"], 4u);
  EXPECT_DOUBLE_EQ(first.sums["p1"], 10.4);
  EXPECT_TRUE(first.counters.empty());

  RecordingVisitor idle;
  store_.harvest(idle);
  EXPECT_TRUE(idle.buckets.empty());  // nothing observed: not reported

  store_.observe(p1, 0.9);
  store_.observe(p1, 100);
  store_.observe(p1, 200);
  RecordingVisitor second;
  store_.harvest(second);
  EXPECT_EQ(second.buckets["p1"], (std::vector<std::uint64_t>{0, 1, 2}));  // only the new ones
  EXPECT_EQ(second.counts["p1"], 3u);
  EXPECT_DOUBLE_EQ(second.sums["p1"], 300.9);
  // The exposition still shows the cumulative totals.
  EXPECT_EQ(sample_value(scrape(), "delay_seconds_bucket", Labels{{"relay", "p1"}, {"le", "+Inf"}}), 7);
}

TEST_F(MetricStoreTest, HarvestVisitsCountersAndHistogramsApart) {
  const auto ms = store_.declare({counter("c_total", {"k"}),
                                  MetricSchema{"h_seconds", MetricKind::histogram, "H.", {"k"}, {1}, {}}});
  store_.add(series(*ms[0], {"a"}), 2);
  store_.observe(series(*ms[1], {"b"}), 3);
  RecordingVisitor v;
  store_.harvest(v);
  EXPECT_EQ(v.counters, (std::map<std::string, double>{{"a", 2}}));
  EXPECT_EQ(v.buckets, (std::map<std::string, std::vector<std::uint64_t>>{{"b", {0, 1}}}));
}

TEST_F(MetricStoreTest, CountersOnlyHarvestAlsoStartsTheNextHistogramInterval) {
  auto* m = store_.declare({MetricSchema{"h_seconds", MetricKind::histogram, "H.", {"k"}, {1}, {}}})[0];
  Series& s = series(*m, {"a"});
  store_.observe(s, 0.5);
  store_.harvest([](const Series&, double) { ADD_FAILURE() << "a histogram is not a counter"; });
  store_.observe(s, 2);
  RecordingVisitor v;
  store_.harvest(v);
  EXPECT_EQ(v.buckets["a"], (std::vector<std::uint64_t>{0, 1}));
}

TEST_F(MetricStoreTest, DeclaredListsTheLastDeclarationInOrder) {
  store_.declare({counter("a_total", {}), counter("b_total", {})});
  const auto ms = store_.declare({counter("c_total", {}), counter("a_total", {})});
  ASSERT_EQ(store_.declared().size(), 2u);
  EXPECT_EQ(store_.declared()[0], ms[0]);
  EXPECT_EQ(store_.declared()[1]->schema.name, "a_total");
}

TEST_F(MetricStoreTest, MetricIdsChangeWhenAMetricStartsAfresh) {
  const auto first = store_.declare({counter("kept_total", {}), counter("reshaped_total", {"a"})});
  const std::uint64_t kept = first[0]->id, reshaped = first[1]->id;
  EXPECT_NE(kept, reshaped);
  const auto second = store_.declare({counter("kept_total", {}), counter("reshaped_total", {"a", "b"})});
  EXPECT_EQ(second[0]->id, kept);
  EXPECT_NE(second[1]->id, reshaped);
  EXPECT_NE(second[1]->id, kept);
}

TEST_F(MetricStoreTest, ForEachSeriesVisitsEverySeriesAndTheOverflow) {
  MetricStore small(registry_, self_, {.max_series_per_metric = 2});
  auto* m = small.declare({MetricSchema{"q_size", MetricKind::gauge, "Q.", {"k"}, {}, {}}})[0];
  for (const char* k : {"a", "b", "c", "d"}) {
    std::vector<std::string_view> v{k};
    small.set(small.series(*m, v), 1);
  }
  std::map<std::string, double> seen;
  MetricStore::for_each_series(*m, [&](const Series& s) { seen[s.label_values[0]] = s.gauge->Value(); });
  EXPECT_EQ(seen, (std::map<std::string, double>{{"a", 1}, {"b", 1}, {"__overflow__", 1}}));
}

}  // namespace
}  // namespace tapemeasure::metrics
