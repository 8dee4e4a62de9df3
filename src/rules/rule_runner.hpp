#pragma once
// What a matched rule does beyond its own captures, in the order the rule language fixes:
// recall, then `when:`, then (the caller) metrics and the event, then forget, then remember.
// So a rule that recalls and remembers the same key sees the old entry, and a rule whose
// `when:` is false does none of it.
//
// The line processor runs every `stateful` rule through one RuleRunner, on the thread that
// applies lines in order; the in-file tests use one with no tables (every recall misses).
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "rules/memory_table.hpp"
#include "rules/rule_set.hpp"

namespace tapemeasure::rules {

class RuleRunner {
 public:
  // The tables of the rule set in use, by RuleSet::tables() index (empty: no memory).
  void use(std::vector<MemoryTable*> tables) { tables_ = std::move(tables); }

  // Recalls, then evaluates `when:`. False: the rule does not take the line. `arrival` is
  // the line's arrival time (seconds since the epoch): its log time when it carries none.
  bool begin(const RuleMatch& m, double arrival);
  // The match with every field filled (recalled fields, ${line.time}); valid until the next
  // begin().
  RuleMatch full() const {
    return RuleMatch{index_, *rule_, std::span<const std::string_view>(values_.data(), values_.size()), text_,
                     complete_};
  }
  // Bit r set: the rule's recalls[r] found nothing.
  std::uint32_t missed() const { return missed_; }
  // Forgets, then remembers. evicted(table) is called for each entry evicted to make room.
  void finish(const std::function<void(int table)>& evicted);

  // The newest log time seen by a rule that uses memory (seconds since the epoch), at most
  // kMaxAheadOfArrival ahead of that line's arrival: what expires remembered entries, in
  // every table (LineProcessor advances the tables no line touched before reading sizes).
  double clock() const { return clock_; }
  static constexpr double kMaxAheadOfArrival = 86400;

 private:
  double log_time(double arrival);

  std::vector<MemoryTable*> tables_;
  const CompiledRule* rule_ = nullptr;
  int index_ = -1;
  std::string_view text_;  // the match's text and completeness, passed on (RuleMatch)
  bool complete_ = true;
  double time_ = 0;
  double clock_ = -1e300;
  std::uint32_t missed_ = 0;
  std::vector<std::string_view> values_;
  std::vector<std::string> recall_keys_;  // per recall, for `forget: true`
  // Per recall: a copy of the entry's packed fields. Recalled values point here, not into the
  // table: forget and remember run after them and may erase or evict the entry.
  std::vector<std::string> recalled_;
  std::vector<std::string> numbers_;      // per recall: the text of its elapsed seconds
  std::string line_time_;
  std::string key_, packed_, stored_;
  // The last timestamp read, and its time: consecutive lines mostly share it. Keyed by the
  // layout too (null: a syslog header), since files may read the same text differently
  // (unix vs unix_ms); holding it also keeps its address from being reused after a reload.
  std::shared_ptr<const TimeLayout> cached_layout_;
  std::string cached_text_;
  double cached_time_ = 0;
  double cached_arrival_ = -1;
};

}  // namespace tapemeasure::rules
