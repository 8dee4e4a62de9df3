#pragma once
// The per-client rate cap: a continuously refilled token bucket.
//
// It holds 4% of a second's events (at least two, one below 4/s). Writers deliver lines in bursts (a
// syslog daemon or the demo flushing every 10-40 ms), and the lines of one read share one
// arrival time; a bucket of one token would let one event of each burst through, so a
// client would see only the first line of every burst (in the demo: only `inbound`) even
// when the input is well under the cap. The bucket must also hold what the refill brings
// between two reads: with 1% (10 tokens at 1000/s) and reads 20 ms apart, half of each
// refill overflowed, and a client fed 1,540 lines/s got 486 events/s, not the cap. 4%
// holds up to 40 ms of refill. Over the cap, the refill is even, so what a client gets is
// spread over the input and proportions stay true.
//
// Any one-second window holds at most capacity + refill events, set to kCapShare (98%) of
// the rate (rate_cap.hpp says why). So the long-run rate over the cap is 94% of it: the
// price of passing bursts whole.
#include <algorithm>
#include <chrono>
#include <cmath>

#include "stream/rate_cap.hpp"

namespace tapemeasure::stream {

class TokenBucket {
 public:
  using clock = std::chrono::steady_clock;

  TokenBucket() = default;  // rate 0: takes nothing until set_rate()
  explicit TokenBucket(double rate_per_s) { set_rate(rate_per_s); }

  void set_rate(double rate_per_s) {
    rate_per_s = clamp_rate(rate_per_s);  // before any arithmetic: see rate_cap.hpp
    rate_ = rate_per_s;
    if (rate_per_s <= 0) {
      capacity_ = refill_per_s_ = tokens_ = 0;
      return;
    }
    // Two tokens at least when the rate allows: one token loses every refill that arrives
    // between two reads (at 10/s and reads 100 ms apart, half of them).
    capacity_ = rate_per_s >= 4 ? std::max(2.0, std::floor(rate_per_s * kBurstShare)) : 1.0;
    // One token: one event per 1.02/rate s (that alone leaves the 2% slack). More: the
    // refill makes up the rest of the 98%.
    refill_per_s_ = capacity_ > 1 ? rate_per_s * kCapShare - capacity_ : rate_per_s / (2 - kCapShare);
    tokens_ = std::min(tokens_, capacity_);
  }
  double rate() const { return rate_; }
  double capacity() const { return capacity_; }

  static constexpr double kBurstShare = 0.04;  // of a second's events, see above

  bool ready(clock::time_point now) const { return rate_ > 0 && now >= next_ready(); }

  // When the bucket next holds a whole token (now, if it does).
  clock::time_point next_ready() const {
    if (tokens_ >= 1) return last_;
    // Rounded up: at that time the refill has surely reached a whole token.
    return last_ + std::chrono::ceil<clock::duration>(std::chrono::duration<double>((1 - tokens_) / refill_per_s_));
  }

  bool try_take(clock::time_point now) {
    if (rate_ <= 0) return false;
    if (now > last_) {
      // A never-used bucket (last_ at the epoch) fills up at once.
      tokens_ = std::min(capacity_, tokens_ + std::chrono::duration<double>(now - last_).count() * refill_per_s_);
      last_ = now;
    }
    if (tokens_ < 1) return false;
    tokens_ -= 1;
    return true;
  }

 private:
  double rate_ = 0;
  double capacity_ = 0;
  double refill_per_s_ = 0;
  double tokens_ = 0;
  clock::time_point last_{};
};

}  // namespace tapemeasure::stream
