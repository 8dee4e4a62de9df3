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
#include "rules/memory.hpp"
#include "rules/rule_runner.hpp"
#include "rules/rule_set.hpp"

namespace tapemeasure::rules {

class LineProcessor {
 public:
  using EventCallback = std::function<void(const RuleMatch&)>;

  static constexpr std::size_t kDefaultMaxRemembered = 100000;

  // match_threads > 1: that many threads in all match large batches (process_batch).
  // max_remembered: entries per remember table (--max-remembered).
  LineProcessor(metrics::MetricStore& store, metrics::SelfMetrics& self, int match_threads = 1,
                std::size_t max_remembered = kDefaultMaxRemembered);

  // Swaps in a compiled rule set: declares its metrics (keeping same-shaped series) and
  // resets per-rule counters of rules that are gone.
  void install(std::shared_ptr<const RuleSet> rules);
  // The same with the match threads' copies made beforehand (helper_copies() of them,
  // each rules->clone_for_thread()), so a reload can compile them off this thread.
  void install(std::shared_ptr<const RuleSet> rules, MatchWorkers::Copies helper_copies);
  int helper_copies() const { return workers_ ? workers_->helpers() : 0; }
  const std::shared_ptr<const RuleSet>& rules() const { return rules_; }

  // The arrival time of the lines processed next (seconds since the epoch): their log time
  // when they carry none, and "now" for reading a syslog time without a year. Set per batch;
  // until then, the time the processor was made.
  void set_arrival(double seconds) { arrival_ = seconds; }

  // From now on, matches handed to on_event carry only the fields matching needs anyway
  // (RuleMatch::complete false where others exist): for a caller that renders few of the
  // events it is handed (the stream hub: the events clients take) and fills those with
  // RuleSet::with_all_fields. By default every event comes with all its fields.
  void fill_event_fields_on_demand() { events_on_demand_ = true; }

  // Processes one line (already split and length-capped). on_event, if set, is called for
  // each matched rule that emits events. Returns the number of rules that took the line.
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
    std::uint64_t refused = 0;        // values not applied (tapemeasure_bad_values_total{rule})
    std::uint64_t recall_misses = 0;  // lines whose recall found nothing
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
  // The remember tables (for tests and the docs' memory bound).
  const Memory& memory() const { return memory_; }

 private:
  // process() without publishing the memory tables' sizes (a batch does that once).
  int process_one(std::string_view line, const EventCallback* on_event);
  // One rule that matched the current line, in rule order: runs a stateful rule through the
  // runner (recall, when, ..., remember) and applies it. False when the rule does not take
  // the line (its `when:` is false) or an earlier rule closed it.
  bool take(const RuleMatch& m, bool want_events, const EventCallback* on_event);
  void apply(const RuleMatch& m, std::uint32_t missed, bool want_events, const EventCallback* on_event);
  void publish_memory();
  // Adds the matches and unmatched lines counted since the last call to their /metrics
  // counters, then `lines` to tapemeasure_lines_total. Once per batch rather than per line:
  // each Increment is an atomic compare-and-swap (a few % of a line's time, measured).
  void publish_counts(std::size_t lines);
  // After a line's matches: unmatched bookkeeping, and its timing sample (0: not sampled)
  // for the first rule that took it.
  void finish_line(std::string_view line, int first_rule, double sampled_seconds);
  void note_unmatched(std::string_view line);
  void apply_metrics(const RuleMatch& match, std::uint32_t missed);
  // Binds a {rule} series of `family` for each rule of `next` that `has` (a kept rule keeps
  // its count; rules_ is the old set); null for the others.
  void bind_per_rule(prometheus::Family<prometheus::Counter>& family, const RuleSet& next,
                     bool (*has)(const CompiledRule&), std::vector<prometheus::Counter*>& bound);

  metrics::MetricStore& store_;
  metrics::SelfMetrics& self_;
  std::shared_ptr<const RuleSet> rules_;
  std::vector<metrics::StoredMetric*> bound_;        // per schema of rules_
  std::vector<prometheus::Counter*> matched_count_;  // per rule
  std::vector<std::uint64_t> unpublished_matches_;   // per rule, since publish_counts()
  std::vector<int> rules_with_unpublished_;          // the rules with a count there
  std::uint64_t unpublished_unmatched_ = 0;
  std::vector<prometheus::Counter*> bad_values_;     // per rule; null when none of its metrics takes a value
  std::vector<prometheus::Counter*> recall_misses_;  // per rule; null when it recalls nothing
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
  Memory memory_;
  std::vector<MemoryTable*> tables_;            // per table of rules_
  std::vector<prometheus::Gauge*> remembered_;  // per table: tapemeasure_remembered{table}
  std::vector<prometheus::Counter*> evicted_;   // per table: tapemeasure_remembered_evicted_total{table}
  std::function<void(int)> on_evicted_;
  RuleRunner runner_;
  double arrival_ = 0;
  bool line_closed_ = false;       // a rule without continue took the current line
  bool events_on_demand_ = false;  // see fill_event_fields_on_demand()
  std::unique_ptr<MatchWorkers> workers_;  // null: match on this thread only
  std::string label_buf_;
  std::vector<std::size_t> label_ends_;
  std::vector<std::string_view> label_views_;
};

}  // namespace tapemeasure::rules
