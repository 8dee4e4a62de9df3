// The history /api/stats serves: 300 seconds, 24 h of minutes aligned to the clock, and
// everything since start, bounded in bytes.
#include "stats/stats_history.hpp"

#include <gtest/gtest.h>

#include <string>

namespace tapemeasure::stats {
namespace {

using json = nlohmann::ordered_json;

json second(std::int64_t ts_ms, int lines) {
  return {{"ts", ts_ms}, {"lines_per_s", lines}, {"matched_per_s", lines}, {"unmatched_per_s", 0},
          {"events_per_s", 0}, {"dropped_per_s", 0}, {"clients", 0}, {"metrics", json::object()},
          {"shares", json::array()}, {"ratios", json::array()}};
}

void add(StatsHistory& h, std::int64_t ts_ms, int lines) {
  const json s = second(ts_ms, lines);
  h.add(s, s.dump());
}

TEST(StatsHistoryTest, MinutesAreAlignedSummedAndTheCurrentOneComesLast) {
  StatsHistory h;
  EXPECT_EQ(json::parse(h.minutes_json()), json::parse(R"({"step": 60, "records": []})"));
  EXPECT_EQ(json::parse(h.all_json()), json::parse(R"({"step": "all", "records": []})"));
  const std::int64_t t0 = 1'764'000'000'000;  // a minute's start (divisible by 60,000)
  for (int s = 50; s < 185; ++s) add(h, t0 + 1000L * s, 1);  // from :50 of minute 0 to 3:04
  const json minutes = json::parse(h.minutes_json())["records"];
  ASSERT_EQ(minutes.size(), 4u);
  EXPECT_EQ(minutes[0]["ts"], t0);
  EXPECT_EQ(minutes[0]["seconds"], 10) << "the daemon started at :50";
  EXPECT_EQ(minutes[1]["ts"], t0 + 60'000);
  EXPECT_EQ(minutes[1]["lines_per_s"], 60);
  EXPECT_EQ(minutes[3]["ts"], t0 + 180'000);
  EXPECT_EQ(minutes[3]["seconds"], 5) << "the current minute, so far";
  // A page sums these and then adds the live seconds after `last_ts`: none twice, none lost.
  EXPECT_EQ(minutes[0]["last_ts"], t0 + 59'000);
  EXPECT_EQ(minutes[3]["last_ts"], t0 + 184'000);
  const json all = json::parse(h.all_json())["records"];
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0]["ts"], t0 + 50'000) << "since the first second";
  EXPECT_EQ(all[0]["lines_per_s"], 135);
  EXPECT_FALSE(all[0].contains("step"));
  EXPECT_EQ(all[0]["last_ts"], t0 + 184'000);
  // Only what a page has not read yet, or the hour it needs: from a minute's start on.
  const json since = json::parse(h.minutes_json(t0 + 120'000))["records"];
  ASSERT_EQ(since.size(), 2u);
  EXPECT_EQ(since[0]["ts"], t0 + 120'000);
  EXPECT_EQ(since[1]["ts"], t0 + 180'000) << "and the current minute";
  EXPECT_EQ(json::parse(h.minutes_json(t0 + 120'001))["records"].size(), 1u);
  EXPECT_EQ(json::parse(h.minutes_json(t0 + 999'000))["records"].size(), 0u);
  EXPECT_EQ(json::parse(h.seconds_json())["seconds"].size(), 135u);
}

TEST(StatsHistoryTest, SecondsAndMinutesAreBounded) {
  StatsHistory h({.seconds = 5, .minutes = 3, .minute_bytes = 1 << 20});
  for (int s = 0; s < 600; ++s) add(h, 1000L * s, 1);
  EXPECT_EQ(json::parse(h.seconds_json())["seconds"].size(), 5u);
  const json minutes = json::parse(h.minutes_json())["records"];
  ASSERT_EQ(minutes.size(), 4u) << "3 finished and the current";
  EXPECT_EQ(minutes[0]["ts"], 360'000);
  EXPECT_EQ(json::parse(h.all_json())["records"][0]["lines_per_s"], 600) << "since start keeps everything";

  StatsHistory small({.seconds = 5, .minutes = 1440, .minute_bytes = 1000});
  for (int s = 0; s < 60 * 60; ++s) add(small, 1000L * s, 1);
  EXPECT_LE(small.minute_bytes(), 1000u) << "the oldest minutes go first";
  EXPECT_GT(small.minute_bytes(), 0u);
}

}  // namespace
}  // namespace tapemeasure::stats
