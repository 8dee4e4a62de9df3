#include "rules/line_processor.hpp"

#include "rules/metric_value.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <set>
#include <stdexcept>

namespace tapemeasure::rules {
namespace {

constexpr std::size_t kRecentUnmatched = 20;
constexpr std::size_t kRecentUnmatchedBytes = 1024;
// Timing every line would cost more than matching a short one; one in 64 is timed and
// counts for 64, which is plenty to tell a slow rule from a fast one.
constexpr std::uint64_t kTimingSample = 64;
// Below this many lines a batch is matched on this thread: waking a helper costs more
// than it saves (and a quiet stream keeps its latency).
constexpr std::size_t kParallelMinLines = 64;

// Rules whose metrics take a `value` can see a bad one (a literal is checked at load, but
// binding it too keeps apply_metrics free of a null check that could hide a count).
bool has_value_template(const CompiledRule& rule) {
  for (const auto& cm : rule.metrics)
    if (cm.has_value) return true;
  return false;
}

bool has_recall(const CompiledRule& rule) { return !rule.recalls.empty(); }

double wall_clock_seconds() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace

LineProcessor::LineProcessor(metrics::MetricStore& store, metrics::SelfMetrics& self, int match_threads,
                             std::size_t max_remembered)
    : store_(store), self_(self), memory_(max_remembered), arrival_(wall_clock_seconds()) {
  if (match_threads > 1) workers_ = std::make_unique<MatchWorkers>(match_threads - 1);
  on_evicted_ = [this](int table) { evicted_[static_cast<std::size_t>(table)]->Increment(); };
}

void LineProcessor::install(std::shared_ptr<const RuleSet> rules) {
  // The helpers' copies first: if that fails, nothing has changed yet.
  MatchWorkers::Copies copies = workers_ ? workers_->copies_for_helpers(*rules) : MatchWorkers::Copies{};
  install(std::move(rules), std::move(copies));
}

void LineProcessor::install(std::shared_ptr<const RuleSet> rules, MatchWorkers::Copies copies) {
  if (static_cast<int>(copies.size()) != helper_copies())
    throw std::logic_error("LineProcessor::install: one rule set copy per match helper is needed");
  publish_counts(0);  // counts kept by the old rules' indices
  bound_ = store_.declare(rules->metrics());
  // Per-rule match counters are keyed by rule name: a kept rule keeps its count.
  std::set<std::string> names;
  for (const auto& r : rules->rules()) names.insert(r.name);
  if (rules_)
    for (std::size_t j = 0; j < rules_->size(); ++j)
      if (!names.contains(rules_->rule(j).name)) self_.lines_matched.Remove(matched_count_[j]);
  matched_count_.clear();
  for (const auto& r : rules->rules()) matched_count_.push_back(&self_.lines_matched.Add({{"rule", r.name}}));
  unpublished_matches_.assign(rules->size(), 0);
  bind_per_rule(self_.bad_values, *rules, has_value_template, bad_values_);
  bind_per_rule(self_.recall_misses, *rules, has_recall, recall_misses_);
  // Tables by name: a table still named keeps its entries (and its series).
  std::vector<std::string> table_names;
  for (const auto& t : rules->tables()) table_names.push_back(t.name);
  for (const auto& [name, table] : memory_.tables())
    if (std::find(table_names.begin(), table_names.end(), name) == table_names.end()) {
      self_.remembered.Remove(&self_.remembered.Add({{"table", name}}));
      self_.remembered_evicted.Remove(&self_.remembered_evicted.Add({{"table", name}}));
    }
  tables_ = memory_.use(table_names);
  runner_.use(tables_);
  remembered_.clear();
  evicted_.clear();
  for (const auto& name : table_names) {
    remembered_.push_back(&self_.remembered.Add({{"table", name}}));
    evicted_.push_back(&self_.remembered_evicted.Add({{"table", name}}));
  }
  std::vector<RuleStats> stats(rules->size());
  if (rules_)
    for (std::size_t i = 0; i < rules->size(); ++i)
      for (std::size_t j = 0; j < rules_->size(); ++j)
        if (rules_->rule(j).name == rules->rule(i).name) stats[i] = rule_stats_[j];
  rule_stats_ = std::move(stats);
  rules_ = std::move(rules);
  if (workers_) workers_->use(std::move(copies));
  self_.rules_loaded.Set(static_cast<double>(rules_->size()));
}

void LineProcessor::bind_per_rule(prometheus::Family<prometheus::Counter>& family, const RuleSet& next,
                                  bool (*has)(const CompiledRule&), std::vector<prometheus::Counter*>& bound) {
  // Keyed by rule name like the match counters: a kept rule keeps its count, a rule that is
  // gone (or lost what the counter counts) loses its series.
  std::set<std::string> keep;
  for (const auto& r : next.rules())
    if (has(r)) keep.insert(r.name);
  if (rules_)
    for (std::size_t j = 0; j < rules_->size(); ++j)
      if (bound[j] && !keep.contains(rules_->rule(j).name)) family.Remove(bound[j]);
  bound.clear();
  for (const auto& r : next.rules())
    bound.push_back(keep.contains(r.name) ? &family.Add({{"rule", r.name}}) : nullptr);
}

int LineProcessor::process(std::string_view line, const EventCallback* on_event) {
  const int taken = process_one(line, on_event);
  if (!tables_.empty()) publish_memory();
  publish_counts(1);
  return taken;
}

int LineProcessor::process_one(std::string_view line, const EventCallback* on_event) {
  ++lines_;
  const bool want_events = on_event != nullptr && *on_event;
  const bool timed = lines_ % kTimingSample == 0;
  const auto start = timed ? std::chrono::steady_clock::now() : std::chrono::steady_clock::time_point{};
  int first = -1, taken = 0;
  line_closed_ = false;
  rules_->match(line, scratch_, want_events && !events_on_demand_, [&](const RuleMatch& m) {
    if (!take(m, want_events, on_event)) return;
    if (first < 0) first = m.index;
    ++taken;
  });
  const double took = timed ? std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() *
                                 static_cast<double>(kTimingSample)
                           : 0.0;
  finish_line(line, first, took);
  return taken;
}

void LineProcessor::process_batch(std::span<const std::string_view> lines, const EventCallback* on_event) {
  if (!workers_ || lines.size() < kParallelMinLines) {
    for (const std::string_view line : lines) process_one(line, on_event);
    if (!tables_.empty()) publish_memory();  // once per batch, not per line
    publish_counts(lines.size());
    return;
  }
  const bool want_events = on_event != nullptr && *on_event;
  // Chunks arrive in line order, each applied while later ones are still being matched.
  // Lines count once applied: a scrape that sees N lines sees their metrics too.
  workers_->match(*rules_, lines, want_events && !events_on_demand_, lines_ + 1, kTimingSample, scratch_,
                  [&](const MatchedBatch& batch, std::size_t first_line) {
                    std::size_t i = first_line;
                    for (const MatchedBatch::Line& l : batch.lines()) {
                      const std::string_view line = lines[i++];
                      int first = -1;
                      line_closed_ = false;
                      for (const MatchedBatch::Match& mm : batch.matches_of(l)) {
                        const RuleMatch m = batch.match(*rules_, mm);
                        if (take(m, want_events, on_event) && first < 0) first = m.index;
                      }
                      finish_line(line, first, l.seconds);
                    }
                    lines_ += batch.lines().size();
                    publish_counts(batch.lines().size());
                  });
  if (!tables_.empty()) publish_memory();
}

bool LineProcessor::take(const RuleMatch& m, bool want_events, const EventCallback* on_event) {
  if (line_closed_) return false;
  if (!m.rule.stateful) {
    apply(m, 0, want_events, on_event);
  } else {
    if (!runner_.begin(m, arrival_)) return false;  // `when:` is false: as if it had not matched
    const std::uint32_t missed = runner_.missed();
    apply(runner_.full(), missed, want_events, on_event);
    if (missed != 0) {
      recall_misses_[static_cast<std::size_t>(m.index)]->Increment();
      ++rule_stats_[static_cast<std::size_t>(m.index)].recall_misses;
    }
    runner_.finish(on_evicted_);
  }
  line_closed_ = !m.rule.continue_matching;
  return true;
}

void LineProcessor::apply(const RuleMatch& m, std::uint32_t missed, bool want_events, const EventCallback* on_event) {
  if (unpublished_matches_[m.index]++ == 0) rules_with_unpublished_.push_back(m.index);
  ++rule_stats_[m.index].matches;
  if (m.rule.event_enabled) ++event_matches_;
  apply_metrics(m, missed);
  if (want_events && m.rule.event_enabled) (*on_event)(m);
}

void LineProcessor::publish_counts(std::size_t lines) {
  for (const int r : rules_with_unpublished_) {
    matched_count_[r]->Increment(static_cast<double>(unpublished_matches_[r]));
    unpublished_matches_[r] = 0;
  }
  rules_with_unpublished_.clear();
  if (unpublished_unmatched_ != 0) self_.lines_unmatched.Increment(static_cast<double>(unpublished_unmatched_));
  unpublished_unmatched_ = 0;
  // Last: a scrape that sees N lines sees their matches and their metrics too.
  if (lines != 0) self_.lines_total.Increment(static_cast<double>(lines));
}

void LineProcessor::publish_memory() {
  // Expiry runs on one clock for every table, also those no line touched lately.
  for (std::size_t t = 0; t < tables_.size(); ++t) {
    tables_[t]->advance(runner_.clock());
    remembered_[t]->Set(static_cast<double>(tables_[t]->size()));
  }
}

void LineProcessor::finish_line(std::string_view line, int first_rule, double sampled_seconds) {
  if (first_rule < 0) note_unmatched(line);
  if (sampled_seconds > 0) (first_rule >= 0 ? rule_stats_[first_rule].seconds : unmatched_seconds_) += sampled_seconds;
}

void LineProcessor::note_unmatched(std::string_view line) {
  ++unmatched_;
  ++unpublished_unmatched_;
  line = line.substr(0, kRecentUnmatchedBytes);
  if (recent_unmatched_.size() < kRecentUnmatched) {
    recent_unmatched_.emplace_back(line);
  } else {
    recent_unmatched_[recent_next_].assign(line);
  }
  recent_next_ = (recent_next_ + 1) % kRecentUnmatched;
}

std::vector<std::string> LineProcessor::recent_unmatched() const {
  // Oldest first: once the ring is full, the oldest is the next one to be overwritten.
  std::vector<std::string> out;
  out.reserve(recent_unmatched_.size());
  const std::size_t start = recent_unmatched_.size() < kRecentUnmatched ? 0 : recent_next_;
  for (std::size_t k = 0; k < recent_unmatched_.size(); ++k)
    out.push_back(recent_unmatched_[(start + k) % recent_unmatched_.size()]);
  return out;
}

void LineProcessor::apply_metrics(const RuleMatch& m, std::uint32_t missed) {
  for (const auto& cm : m.rule.metrics) {
    // A recalled field that is not there: no measurement (not a zero one).
    if ((cm.recalls_used & missed) != 0) continue;
    if (cm.has_when && !cm.when.holds(m.fields)) continue;
    metrics::StoredMetric& metric = *bound_[cm.schema];
    double value = 1;
    if (cm.has_value) {
      // Refused, not clamped: one NaN or Inf would stay in a counter (or a histogram's sum)
      // for the life of the process, and a counter that goes down reads as a restart.
      const bool parsed = cm.value.number(m.fields, value);
      value *= cm.scale;  // (ms to s); checked after: a huge value times it may be inf
      if (!parsed || !std::isfinite(value) ||
          (metric.schema.kind == metrics::MetricKind::counter && value < 0)) {
        store_.count_value_error(metric);
        bad_values_[m.index]->Increment();
        ++rule_stats_[m.index].refused;
        continue;
      }
    }
    label_buf_.clear();
    label_ends_.clear();
    for (const auto& tpl : cm.labels) {
      tpl.expand(m.fields, label_buf_);
      label_ends_.push_back(label_buf_.size());
    }
    label_views_.clear();
    std::size_t start = 0;
    for (std::size_t end : label_ends_) {
      label_views_.emplace_back(label_buf_.data() + start, end - start);
      start = end;
    }
    metrics::Series& s = store_.series(metric, label_views_);
    switch (metric.schema.kind) {
      case metrics::MetricKind::counter: store_.add(s, value); break;
      case metrics::MetricKind::gauge:
        if (cm.gauge_op == GaugeOp::add) store_.gauge_add(s, value);
        else store_.set(s, value);
        break;
      case metrics::MetricKind::histogram: store_.observe(s, value); break;
    }
  }
}

}  // namespace tapemeasure::rules
