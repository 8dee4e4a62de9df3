#pragma once
// The last N seconds of per-second counters, as served by GET /api/stats. Written once a
// second by the ingest thread, read by HTTP sessions; a mutex is plenty at that rate.
#include <deque>
#include <mutex>
#include <string>

namespace tapemeasure::metrics {

class StatsRing {
 public:
  explicit StatsRing(std::size_t seconds = 300) : capacity_(seconds) {}

  void push(std::string second_json);  // one JSON object
  std::string to_json() const;         // {"seconds":[...oldest first...]}

 private:
  std::size_t capacity_;
  mutable std::mutex mutex_;
  std::deque<std::string> seconds_;
};

}  // namespace tapemeasure::metrics
