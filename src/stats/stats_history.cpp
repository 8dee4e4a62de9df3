#include "stats/stats_history.hpp"

namespace tapemeasure::stats {
namespace {

constexpr std::int64_t kMinuteMs = 60'000;

// Label values are clean UTF-8 already (the metric store keeps them so); replace, never throw.
std::string dump(const nlohmann::ordered_json& j) {
  return j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

std::int64_t minute_of(std::int64_t ts_ms) {
  const std::int64_t m = ts_ms / kMinuteMs * kMinuteMs;
  return m > ts_ms ? m - kMinuteMs : m;  // before 1970 (a test's clock): still the minute's start
}

std::string array_json(std::string_view head, const std::deque<std::string>& items, const std::string* last) {
  std::string out(head);
  out += '[';
  bool first = true;
  for (const auto& item : items) {
    if (!first) out += ',';
    out += item;
    first = false;
  }
  if (last) {
    if (!first) out += ',';
    out += *last;
  }
  out += "]}";
  return out;
}

}  // namespace

void StatsHistory::add(const nlohmann::ordered_json& second, std::string second_json) {
  const std::int64_t ts = second.is_object() && second.contains("ts") && second["ts"].is_number_integer()
                              ? second["ts"].get<std::int64_t>()
                              : 0;
  std::lock_guard lock(mu_);
  if (seconds_.size() == limits_.seconds) seconds_.pop_front();
  seconds_.push_back(std::move(second_json));

  const std::int64_t minute = minute_of(ts);
  if (!current_.empty() && minute != current_ts_ms_) {
    std::string done = dump(current_.record(current_ts_ms_, 60));
    minute_bytes_ += done.size();
    minutes_.push_back({current_ts_ms_, std::move(done)});
    while (!minutes_.empty() && (minutes_.size() > limits_.minutes || minute_bytes_ > limits_.minute_bytes)) {
      minute_bytes_ -= minutes_.front().json.size();
      minutes_.pop_front();
    }
    current_ = RecordSum();
  }
  if (current_.empty()) current_ts_ms_ = minute;
  current_.add(second);
  if (all_.empty()) first_ts_ms_ = ts;
  all_.add(second);
}

std::string StatsHistory::seconds_json() const {
  std::lock_guard lock(mu_);
  return array_json("{\"seconds\":", seconds_, nullptr);
}

std::string StatsHistory::minutes_json() const {
  std::lock_guard lock(mu_);
  std::deque<std::string> done;  // a copy of strings: the lock is held anyway, and 24 h is ~1 MB
  for (const auto& m : minutes_) done.push_back(m.json);
  const std::string current = current_.empty() ? "" : dump(current_.record(current_ts_ms_, 60));
  return array_json("{\"step\":60,\"records\":", done, current_.empty() ? nullptr : &current);
}

std::string StatsHistory::all_json() const {
  std::lock_guard lock(mu_);
  const std::string all = all_.empty() ? "" : dump(all_.record(first_ts_ms_, 0));
  return array_json("{\"step\":\"all\",\"records\":", {}, all_.empty() ? nullptr : &all);
}

std::size_t StatsHistory::minute_bytes() const {
  std::lock_guard lock(mu_);
  return minute_bytes_;
}

}  // namespace tapemeasure::stats
