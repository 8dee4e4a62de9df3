#pragma once
// The match phase of a batch of lines, kept so it can run on another thread than the apply
// phase (metrics, events). Matching is the expensive, pure part (RE2::Set pass and the
// chosen rules' captures, on an immutable RuleSet); applying touches shared state (metric
// series, the stream hub) and stays on one thread, in line order.
#include <cstdint>
#include <deque>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "rules/rule_set.hpp"

namespace tapemeasure::rules {

// What the rules made of lines [first, first + lines.size()) of a batch. Field views point
// into the batch's lines (which must outlive this), or into `cleaned` for lines that had
// invalid UTF-8.
class MatchedBatch {
 public:
  struct Line {
    std::uint32_t first_match;  // index into matches()
    std::uint32_t matches;      // how many rules matched (0: unmatched)
    float seconds;              // time its matching took, measured on sampled lines, else 0
  };
  struct Match {
    int rule;
    std::uint32_t first_field;  // index into fields()
    std::string_view text;      // what the rule's pattern ran on (RuleMatch::text)
    bool complete;
  };

  void clear() {
    lines_.clear();
    matches_.clear();
    fields_.clear();
    cleaned_.clear();
  }
  const std::vector<Line>& lines() const { return lines_; }
  RuleMatch match(const RuleSet& set, const Match& m) const {
    const CompiledRule& rule = set.rule(static_cast<std::size_t>(m.rule));
    return RuleMatch{m.rule, rule, std::span<const std::string_view>(fields_.data() + m.first_field, rule.match_fields),
                     m.text, m.complete};
  }
  std::span<const Match> matches_of(const Line& l) const {
    return std::span<const Match>(matches_.data() + l.first_match, l.matches);
  }

  // Matches `lines` against `set` and appends the results. Lines whose number (counting
  // from `first_line_no`) is a multiple of `timing_sample` are timed.
  void match(const RuleSet& set, std::span<const std::string_view> lines, MatchScratch& scratch,
             bool all_fields, std::uint64_t first_line_no, std::uint64_t timing_sample);

 private:
  std::vector<Line> lines_;
  std::vector<Match> matches_;
  std::vector<std::string_view> fields_;
  std::deque<std::string> cleaned_;  // rare: stable copies of lines matched after UTF-8 repair
};

}  // namespace tapemeasure::rules
