#include "metrics/metric_store.hpp"

#include <algorithm>

#include "util/utf8.hpp"

namespace tapemeasure::metrics {

const char* to_string(MetricKind kind) {
  switch (kind) {
    case MetricKind::counter: return "counter";
    case MetricKind::gauge: return "gauge";
    case MetricKind::histogram: return "histogram";
  }
  return "?";
}

MetricStore::MetricStore(prometheus::Registry& registry, SelfMetrics& self, Options options)
    : registry_(registry), self_(self), options_(options) {}

MetricStore::~MetricStore() {
  for (auto& [name, m] : metrics_) remove(*m);
}

void MetricStore::count_samples(std::size_t added, std::size_t removed) {
  samples_ = samples_ + added - removed;
  self_.metric_samples.Set(static_cast<double>(samples_));
}

void MetricStore::remove(StoredMetric& m) {
  count_samples(0, (m.series.size() + (m.overflow ? 1 : 0)) * m.samples_per_series);
  std::erase_if(dirty_, [&](Series* s) { return s->metric == &m; });
  if (m.counters) registry_.Remove(*m.counters);
  if (m.gauges) registry_.Remove(*m.gauges);
  if (m.histograms) registry_.Remove(*m.histograms);
  self_.series_overflow.Remove(m.overflow_count);
  self_.value_errors.Remove(m.value_errors);
}

std::vector<StoredMetric*> MetricStore::declare(const std::vector<MetricSchema>& schemas) {
  declared_.clear();  // refilled below; never left pointing at a removed metric
  // Drop what is no longer declared, or declared in another shape, before registering
  // anything: the registry refuses two families of one name.
  for (auto it = metrics_.begin(); it != metrics_.end();) {
    const auto& stored = it->second->schema;
    const bool keep = std::any_of(schemas.begin(), schemas.end(),
                                  [&](const MetricSchema& s) { return s.same_shape(stored); });
    if (keep) {
      ++it;
    } else {
      remove(*it->second);
      it = metrics_.erase(it);
    }
  }
  std::vector<StoredMetric*> out;
  out.reserve(schemas.size());
  for (const auto& schema : schemas) {
    auto& slot = metrics_[schema.name];
    if (!slot) {
      slot = std::make_unique<StoredMetric>();
      slot->schema = schema;
      slot->id = next_metric_id_++;
      // Each bound's bucket, then +Inf, _sum and _count.
      if (schema.kind == MetricKind::histogram) slot->samples_per_series = schema.buckets.size() + 3;
      switch (schema.kind) {
        case MetricKind::counter:
          slot->counters = &prometheus::BuildCounter().Name(schema.name).Help(schema.help).Register(registry_);
          break;
        case MetricKind::gauge:
          slot->gauges = &prometheus::BuildGauge().Name(schema.name).Help(schema.help).Register(registry_);
          break;
        case MetricKind::histogram:
          slot->histograms = &prometheus::BuildHistogram().Name(schema.name).Help(schema.help).Register(registry_);
          break;
      }
      slot->overflow_count = &self_.series_overflow.Add({{"metric", schema.name}});
      slot->value_errors = &self_.value_errors.Add({{"metric", schema.name}});
    }
    // At 0 from the start (literal labels, `init:`): kept series are found, not reset.
    for (const auto& values : schema.initial) {
      const std::vector<std::string_view> views(values.begin(), values.end());
      series(*slot, views);
    }
    out.push_back(slot.get());
  }
  declared_ = out;
  return out;
}

namespace {

void make_series(StoredMetric& m, Series& s) {
  prometheus::Labels labels;
  for (std::size_t i = 0; i < m.schema.label_names.size(); ++i)
    labels.emplace(m.schema.label_names[i], s.label_values[i]);
  s.metric = &m;
  if (m.counters) s.counter = &m.counters->Add(labels);
  if (m.gauges) s.gauge = &m.gauges->Add(labels);
  if (m.histograms)
    s.histogram = &m.histograms->Add(labels, prometheus::Histogram::BucketBoundaries(m.schema.buckets));
}

}  // namespace

Series& MetricStore::series(StoredMetric& m, std::span<const std::string_view> label_values) {
  key_.clear();
  for (auto v : label_values) {
    if (v.size() > options_.max_label_value_bytes) v = v.substr(0, options_.max_label_value_bytes);
    util::append_clean_utf8(key_, v);  // also replaces NUL, so '\0' can separate values
    key_ += '\0';
  }
  if (auto it = m.series.find(key_); it != m.series.end()) return it->second;

  if (m.series.size() >= options_.max_series_per_metric || samples_ + m.samples_per_series > options_.max_samples) {
    m.overflow_count->Increment();
    if (!m.overflow) {
      m.overflow = std::make_unique<Series>();
      m.overflow->label_values.assign(m.schema.label_names.size(), "__overflow__");
      make_series(m, *m.overflow);
      count_samples(m.samples_per_series, 0);
    }
    return *m.overflow;
  }
  count_samples(m.samples_per_series, 0);
  Series& s = m.series[key_];
  std::size_t start = 0;
  for (std::size_t i = 0; i < label_values.size(); ++i) {
    const std::size_t end = key_.find('\0', start);
    s.label_values.emplace_back(key_, start, end - start);
    start = end + 1;
  }
  make_series(m, s);
  return s;
}

void MetricStore::add(Series& s, double v) {
  s.counter->Increment(v);
  s.pending += v;
  if (!s.dirty) {
    s.dirty = true;
    dirty_.push_back(&s);
  }
}

void MetricStore::set(Series& s, double v) { s.gauge->Set(v); }
void MetricStore::gauge_add(Series& s, double v) { s.gauge->Increment(v); }

void MetricStore::observe(Series& s, double v) {
  s.histogram->Observe(v);
  // Only mark: the bucket counts are read (and diffed) at harvest, once a second.
  if (!s.dirty) {
    s.dirty = true;
    dirty_.push_back(&s);
  }
}

namespace {

// The series' bucket increments since the last harvest, into `out`; updates the snapshot.
HistogramIncrements histogram_increments(Series& s, std::vector<std::uint64_t>& out) {
  const prometheus::ClientMetric::Histogram now = s.histogram->Collect().histogram;
  const std::size_t n = now.bucket.size();  // the bounds, then +Inf
  s.harvested_buckets.resize(n, 0);
  out.assign(n, 0);
  std::uint64_t below_now = 0, below_then = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint64_t cum_now = now.bucket[i].cumulative_count, cum_then = s.harvested_buckets[i];
    out[i] = (cum_now - below_now) - (cum_then - below_then);
    below_now = cum_now;
    below_then = cum_then;
    s.harvested_buckets[i] = cum_now;
  }
  HistogramIncrements inc;
  inc.buckets = out;
  inc.count = n ? below_now - below_then : 0;
  inc.sum = now.sample_sum - s.harvested_sum;
  s.harvested_sum = now.sample_sum;
  return inc;
}

}  // namespace

void MetricStore::harvest(HarvestVisitor& visitor) {
  std::vector<std::uint64_t> buckets;
  for (Series* s : dirty_) {
    if (s->counter) {
      visitor.counter(*s, s->pending);
      s->pending = 0;
    } else if (s->histogram) {
      visitor.histogram(*s, histogram_increments(*s, buckets));
    }
    s->dirty = false;
  }
  dirty_.clear();
}

void MetricStore::harvest(const std::function<void(const Series&, double)>& f) {
  struct CountersOnly final : HarvestVisitor {
    const std::function<void(const Series&, double)>& f;
    explicit CountersOnly(const std::function<void(const Series&, double)>& fn) : f(fn) {}
    void counter(const Series& s, double increment) override { f(s, increment); }
    void histogram(const Series&, const HistogramIncrements&) override {}
  } visitor(f);
  harvest(visitor);
}

void MetricStore::for_each_series(const StoredMetric& m, const std::function<void(const Series&)>& f) {
  for (const auto& [key, s] : m.series) f(s);
  if (m.overflow) f(*m.overflow);
}

}  // namespace tapemeasure::metrics
