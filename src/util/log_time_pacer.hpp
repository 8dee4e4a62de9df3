#pragma once
// When to send each line of a replay paced by its own log time, `speed` times faster
// (`tapemeasure replay --speed`): the first line with a time goes at once, a later one when
// (its time - the first's) / speed seconds have passed. Gaps are kept, only divided: an
// sshd log that writes a line a minute replays a line every 60/speed seconds, not as fast
// as it can. A line without a time goes with the line before it; a line whose time goes
// back (hosts with skewed clocks, lines a little out of order) goes at once and does not
// move the pace back.
#include <algorithm>
#include <optional>

namespace tapemeasure::util {

class LogTimePacer {
 public:
  explicit LogTimePacer(double speed) : speed_(speed > 0 ? speed : 1) {}

  // Seconds after the start of the pass at which a line with this log time is due.
  double due(std::optional<double> log_time) {
    if (!log_time) return due_;
    if (!first_) first_ = *log_time;
    newest_ = std::max(newest_.value_or(*log_time), *log_time);
    due_ = std::max(due_, (*log_time - *first_) / speed_);
    return due_;
  }
  // The newest log time seen in this pass (for a progress line).
  std::optional<double> newest() const { return newest_; }
  // A new pass over the file (--loop): its first line goes at once again.
  void restart() {
    first_.reset();
    newest_.reset();
    due_ = 0;
  }

 private:
  double speed_;
  std::optional<double> first_, newest_;
  double due_ = 0;
};

}  // namespace tapemeasure::util
