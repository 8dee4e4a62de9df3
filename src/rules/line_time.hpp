#pragma once
// The log time of a raw line, for pacing a replay by the log's own rhythm
// (`tapemeasure replay --speed N`): with rules, the time the first rule that takes the line
// reads from it (the syslog header, or a raw file's `time:` field in its layout); without
// rules, or when no rule takes it, the syslog header's timestamp (RFC 3164 or RFC 3339,
// after an optional <PRI>), which also covers a line that starts with an RFC 3339 time.
#include <memory>
#include <optional>
#include <string_view>

#include "rules/rule_set.hpp"

namespace tapemeasure::rules {

class LineTimeReader {
 public:
  explicit LineTimeReader(std::shared_ptr<const RuleSet> rules = nullptr) : rules_(std::move(rules)) {}

  // Seconds since the epoch, or nothing when the line carries no time that can be read.
  // `now` settles the year of a timestamp that writes none (the nearest one).
  std::optional<double> read(std::string_view line, double now);

 private:
  std::shared_ptr<const RuleSet> rules_;
  MatchScratch scratch_;
};

}  // namespace tapemeasure::rules
