#pragma once
// The line path: count a line, match it against the current RuleSet, apply each matched
// rule's metric updates to the MetricStore, and hand matches with events to a callback.
// `tapemeasure test` and the daemon both run lines through this one class, which is what
// makes `test` show exactly what the daemon would do.
//
// Not thread-safe: owned by the single thread that processes lines. With match threads,
// large batches are matched in parallel (see MatchWorkers); metrics and events are still
// applied on the owning thread, in line order, so results are the same either way.
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "metrics/metric_store.hpp"
#include "metrics/self_metrics.hpp"
#include "rules/match_workers.hpp"
#include "rules/matched_batch.hpp"
#include "rules/rule_set.hpp"

namespace tapemeasure::rules {

class LineProcessor {
 public:
  using EventCallback = std::function<void(const RuleMatch&)>;

  // match_threads > 1: that many threads in all match large batches (process_batch).
  LineProcessor(metrics::MetricStore& store, metrics::SelfMetrics& self, int match_threads = 1);

  // Swaps in a compiled rule set: declares its metrics (keeping same-shaped series) and
  // resets per-rule counters of rules that are gone.
  void install(std::shared_ptr<const RuleSet> rules);
  // The same with the match threads' copies made beforehand (helper_copies() of them,
  // each rules->clone_for_thread()), so a reload can compile them off this thread.
  void install(std::shared_ptr<const RuleSet> rules, MatchWorkers::Copies helper_copies);
  int helper_copies() const { return workers_ ? workers_->helpers() : 0; }
  const std::shared_ptr<const RuleSet>& rules() const { return rules_; }

  // Processes one line (already split and length-capped). on_event, if set, is called for
  // each matched rule that emits events. Returns the number of rules that matched.
  int process(std::string_view line, const EventCallback* on_event = nullptr);
  // The same for many lines at once (views valid for the call); a large batch is matched
  // on all match threads.
  void process_batch(std::span<const std::string_view> lines, const EventCallback* on_event = nullptr);
  void count_truncated() { self_.lines_truncated.Increment(); }

  struct RuleStats {
    std::uint64_t matches = 0;
    // Estimated time matching lines this rule took (sampled). In parallel batches that is
    // the regex work alone, elsewhere it includes applying metrics and events.
    double seconds = 0;
  };
  std::uint64_t lines() const { return lines_; }
  std::uint64_t unmatched() const { return unmatched_; }
  double unmatched_seconds() const { return unmatched_seconds_; }  // time spent on lines no rule took
  const std::vector<RuleStats>& rule_stats() const { return rule_stats_; }
  // Matches of rules with events, since start: what the stream's "seq" counts, kept here so
  // it costs one add per match instead of a walk over every rule per batch.
  std::uint64_t event_matches() const { return event_matches_; }
  // The most recent unmatched lines (newest last), so users can see why a rule missed.
  std::vector<std::string> recent_unmatched() const;
  // Chunks of parallel batches matched by helper threads (0 without helpers).
  std::uint64_t helper_chunks() const { return workers_ ? workers_->helper_chunks() : 0; }

 private:
  void on_match(const RuleMatch& m, bool want_events, const EventCallback* on_event);
  // After a line's matches: unmatched bookkeeping, and its timing sample (0: not sampled)
  // for the first rule that took it.
  void finish_line(std::string_view line, int first_rule, double sampled_seconds);
  void note_unmatched(std::string_view line);
  void apply_metrics(const RuleMatch& match);
  // Binds tapemeasure_bad_values_total{rule} for the rules of `next` (rules_ is the old set).
  void bind_bad_values(const RuleSet& next);

  metrics::MetricStore& store_;
  metrics::SelfMetrics& self_;
  std::shared_ptr<const RuleSet> rules_;
  std::vector<metrics::StoredMetric*> bound_;        // per schema of rules_
  std::vector<prometheus::Counter*> matched_count_;  // per rule
  std::vector<prometheus::Counter*> bad_values_;     // per rule; null when none of its metrics takes a value
  std::vector<RuleStats> rule_stats_;
  std::uint64_t event_matches_ = 0;
  std::uint64_t lines_ = 0;
  std::uint64_t unmatched_ = 0;
  double unmatched_seconds_ = 0;
  // A ring, reused in place: unmatched lines can be most of the input, and must not each
  // cost an allocation.
  std::vector<std::string> recent_unmatched_;
  std::size_t recent_next_ = 0;

  MatchScratch scratch_;
  std::unique_ptr<MatchWorkers> workers_;  // null: match on this thread only
  std::string label_buf_;
  std::vector<std::size_t> label_ends_;
  std::vector<std::string_view> label_views_;
  std::string value_buf_;
};

}  // namespace tapemeasure::rules
