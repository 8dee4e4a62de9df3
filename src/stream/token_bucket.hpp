#pragma once
// The per-client rate cap: a continuously refilled bucket holding at most one token, so
// accepted events are at least 1/rate apart. That spreads what a client gets evenly over
// the input (proportions stay true) instead of taking the first N of each second, and it
// bounds every one-second window, not just calendar seconds.
#include <chrono>

namespace tapemeasure::stream {

class TokenBucket {
 public:
  using clock = std::chrono::steady_clock;

  TokenBucket() = default;  // rate 0: takes nothing until set_rate()
  explicit TokenBucket(double rate_per_s) { set_rate(rate_per_s); }

  void set_rate(double rate_per_s) {
    // 2% slack: frames leave every ~16 ms, so a client measuring by arrival time sees
    // events shifted by up to a frame; the slack keeps every 1 s window at or under the cap.
    interval_ = rate_per_s > 0 ? std::chrono::duration_cast<clock::duration>(
                                     std::chrono::duration<double>(1.02 / rate_per_s))
                               : clock::duration::max();
    rate_ = rate_per_s;
  }
  double rate() const { return rate_; }

  bool ready(clock::time_point now) const { return rate_ > 0 && now >= next_; }
  clock::time_point next_ready() const { return next_; }

  bool try_take(clock::time_point now) {
    if (!ready(now)) return false;
    next_ = now + interval_;
    return true;
  }

 private:
  double rate_ = 0;
  clock::duration interval_ = clock::duration::max();
  clock::time_point next_{};
};

}  // namespace tapemeasure::stream
