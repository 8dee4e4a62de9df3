#include "stats/stats_history.hpp"

#include <algorithm>

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

// {HEAD[item,item,...,last]}: the items in [first, end) as `text_of` gives them, then `last`
// if not null. (An iterator pair, not a range: clang's libstdc++ ranges reject a subrange
// of deque iterators, and the fuzz targets are built with clang.)
template <class It, class Text>
std::string array_json(std::string_view head, It first, It end, Text text_of, const std::string* last) {
  std::string out(head);
  out += '[';
  for (; first != end; ++first) {
    out += text_of(*first);
    out += ',';
  }
  if (last) out += *last;
  else if (out.back() == ',') out.pop_back();
  out += "]}";
  return out;
}

const std::string& itself(const std::string& s) { return s; }

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
  return array_json("{\"seconds\":", seconds_.begin(), seconds_.end(), itself, nullptr);
}

std::string StatsHistory::minutes_json(std::int64_t since_ms) const {
  std::lock_guard lock(mu_);
  const bool current_wanted = !current_.empty() && current_ts_ms_ >= since_ms;
  const std::string current = current_wanted ? dump(current_.record(current_ts_ms_, 60)) : "";
  const auto first = std::partition_point(minutes_.begin(), minutes_.end(), [&](const Minute& m) { return m.ts_ms < since_ms; });
  return array_json("{\"step\":60,\"records\":", first, minutes_.end(),
                    [](const Minute& m) -> const std::string& { return m.json; }, current_wanted ? &current : nullptr);
}

std::string StatsHistory::all_json() const {
  std::lock_guard lock(mu_);
  const std::string all = all_.empty() ? "" : dump(all_.record(first_ts_ms_, 0));
  return "{\"step\":\"all\",\"records\":[" + all + "]}";
}

std::size_t StatsHistory::minute_bytes() const {
  std::lock_guard lock(mu_);
  return minute_bytes_;
}

}  // namespace tapemeasure::stats
