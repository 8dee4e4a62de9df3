#pragma once
// Offline runs (`tapemeasure test`, the golden tests) feed bytes through the rules exactly as
// the daemon's ingest does: the same splitter and line cap, and each read's lines processed
// as one batch by the same LineProcessor (matched on every match thread when there are
// many), so offline results are the daemon's.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ingest/line_splitter.hpp"
#include "rules/line_processor.hpp"

namespace tapemeasure::app {

class LineFeeder {
 public:
  // on_event may be null (no events wanted). arrival: a fixed arrival time for every line
  // (golden output); otherwise the wall clock at each feed().
  LineFeeder(rules::LineProcessor& processor, std::size_t max_line_bytes,
             const rules::LineProcessor::EventCallback* on_event, std::optional<double> arrival = std::nullopt);

  // One read's worth of bytes; its complete lines are processed before this returns.
  void feed(std::string_view bytes);
  // The last line, if it had no newline.
  void finish();
  std::uint64_t truncated() const { return truncated_; }

 private:
  void add_line(std::string_view line, bool truncated);
  void process_batch();

  rules::LineProcessor& processor_;
  ingest::LineSplitter splitter_;
  const rules::LineProcessor::EventCallback* on_event_;
  std::optional<double> arrival_;
  std::vector<std::string_view> batch_;
  std::uint64_t truncated_ = 0;
};

}  // namespace tapemeasure::app
