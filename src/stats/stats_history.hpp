#pragma once
// What GET /api/stats serves: the stats records of the last seconds, minutes and since the
// daemon started (docs/views.md). Once a second the ingest thread adds the record it just
// built; HTTP sessions read. A page opened late, or a window of an hour or a day, then
// needs no more than a few hundred records:
//
// - `seconds`: the last 300 per-second records, as sent in {"stats"} frames;
// - `minutes`: per-minute sums (record_sum.hpp) of the last 24 hours, aligned to the clock's
//   minutes, the current one last (incomplete: its `seconds` says how much it holds);
// - `all`: one sum of every record since the daemon started.
//
// Bounded in bytes: the minutes keep at most `minute_bytes` of JSON (the oldest go first,
// so a pack with very large records keeps fewer hours); the running sums are bounded as
// record_sum.hpp says.
#include <nlohmann/json.hpp>

#include <climits>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>

#include "stats/record_sum.hpp"

namespace tapemeasure::stats {

class StatsHistory {
 public:
  struct Limits {
    std::size_t seconds = 300;
    std::size_t minutes = 24 * 60;
    std::size_t minute_bytes = 32u << 20;
  };
  StatsHistory() : StatsHistory(Limits{}) {}
  explicit StatsHistory(Limits limits) : limits_(limits) {}

  // One per-second record (its `ts` in epoch ms) and its JSON text.
  void add(const nlohmann::ordered_json& second, std::string second_json);

  // {"seconds":[...]}, {"step":60,"records":[...]}, {"step":"all","records":[one]}: oldest
  // first. `records` is empty before the first second.
  // minutes_json(since): only the minutes that start at `since` (epoch ms) or later, so a
  // page that needs the last hour, or the minutes it has not read yet, is not sent a day.
  std::string seconds_json() const;
  std::string minutes_json(std::int64_t since_ms = INT64_MIN) const;
  std::string all_json() const;

  // Bytes held by the finished minutes (for tests and the memory notes).
  std::size_t minute_bytes() const;

 private:
  struct Minute {
    std::int64_t ts_ms;
    std::string json;
  };

  Limits limits_;
  mutable std::mutex mu_;
  std::deque<std::string> seconds_;
  std::deque<Minute> minutes_;
  std::size_t minute_bytes_ = 0;
  RecordSum current_;  // the minute now being summed
  std::int64_t current_ts_ms_ = 0;
  RecordSum all_;
  std::int64_t first_ts_ms_ = 0;
};

}  // namespace tapemeasure::stats
