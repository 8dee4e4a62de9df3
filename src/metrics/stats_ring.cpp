#include "metrics/stats_ring.hpp"

namespace tapemeasure::metrics {

void StatsRing::push(std::string second_json) {
  std::lock_guard lock(mutex_);
  if (seconds_.size() == capacity_) seconds_.pop_front();
  seconds_.push_back(std::move(second_json));
}

std::string StatsRing::to_json() const {
  std::lock_guard lock(mutex_);
  std::string out = "{\"seconds\":[";
  for (std::size_t i = 0; i < seconds_.size(); ++i) {
    if (i) out += ',';
    out += seconds_[i];
  }
  out += "]}";
  return out;
}

}  // namespace tapemeasure::metrics
