#pragma once
// Per-second stats records (second_stats.hpp) added up into one record of the same shape
// that covers a longer span: a minute of the 24-hour history, or everything since the
// daemon started (GET /api/stats?step=60 and ?step=all, docs/views.md).
//
// What counts adds up: lines, events, every counter's and histogram's increments, share
// cells, ratio parts and totals. So in a record of `seconds` seconds, each "_per_s" figure
// and each count is the increment over those seconds (a per-second record is the case
// seconds = 1), and a window of any length is the sum of the records it holds, exactly.
// What is a level keeps the newest value: clients, gauges, running totals, the last reload.
// Shares, deviations and ratio values are computed again from the summed counts.
//
// Bounded whatever the span: a matrix holds at most twice share_math's rows and columns
// between renderings (the quietest folded into `omitted`), a counter's `top` the 10
// busiest label sets among the 100 it follows (approximate over a long span, as any top
// list of a stream is), and metrics, shares and ratios are those the records named.
#include <nlohmann/json.hpp>

#include <climits>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "stats/compare_rows.hpp"

namespace tapemeasure::stats {

class RecordSum {
 public:
  // Adds one per-second record (a `tick` result). Malformed parts are skipped, not thrown.
  void add(const nlohmann::ordered_json& second);

  // The sum as a record: `ts` its start (epoch ms), `step` its nominal span in seconds (60
  // for the history's minutes; omitted when 0: since start), `seconds` the per-second
  // records in it, `last_ts` the `ts` of the newest of them (a page adds the live seconds
  // after it, and no second is counted twice or left out).
  nlohmann::ordered_json record(std::int64_t ts_ms, int step) const;

  std::size_t seconds() const { return seconds_; }
  bool empty() const { return seconds_ == 0; }

 private:
  struct CounterSum {
    double per_s = 0;
    nlohmann::ordered_json total;
    std::map<std::string, std::pair<nlohmann::ordered_json, double>> top;  // labels dump -> (labels, sum)
    std::uint64_t label_sets = 0;
  };
  struct HistogramSum {
    double per_s = 0, sum_per_s = 0;
    nlohmann::ordered_json total, buckets;
    std::vector<double> increments;
  };
  struct MetricSum {
    std::string kind;
    CounterSum counter;
    HistogramSum histogram;
    nlohmann::ordered_json gauge;  // the newest
  };
  struct ShareSum {
    nlohmann::ordered_json head;  // view, title, metric, rows, cols
    std::map<std::string, std::map<std::string, double>> cells;
    double omitted = 0;
  };
  struct RatioSum {
    nlohmann::ordered_json head;  // view, title, metric
    double part = 0, total = 0;
  };
  struct CompareSum {
    nlohmann::ordered_json head;  // view, title, metric, label, baseline, kind, buckets
    CompareRows rows;
    double omitted = 0;
  };

  void add_metric(const std::string& name, const nlohmann::ordered_json& m);
  void add_share(const nlohmann::ordered_json& s);
  void add_ratio(const nlohmann::ordered_json& r);
  void add_compare(const nlohmann::ordered_json& c);
  static void trim(ShareSum& s);
  static void trim(CounterSum& c);

  static constexpr std::int64_t kNoTs = INT64_MIN;
  std::size_t seconds_ = 0;
  std::int64_t last_ts_ = kNoTs;
  std::uint64_t lines_ = 0, matched_ = 0, unmatched_ = 0, events_ = 0;
  double dropped_ = 0;
  nlohmann::ordered_json clients_ = 0, reload_;
  // In the order first seen (a record lists them as the views and rules declare them).
  std::vector<std::string> metric_order_;
  std::map<std::string, MetricSum> metrics_;
  std::vector<std::string> share_order_, ratio_order_, compare_order_;  // "view\ntitle"
  std::map<std::string, ShareSum> shares_;
  std::map<std::string, RatioSum> ratios_;
  std::map<std::string, CompareSum> compares_;
};

}  // namespace tapemeasure::stats
