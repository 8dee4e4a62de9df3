#include "app/line_feeder.hpp"

#include <chrono>

namespace tapemeasure::app {

LineFeeder::LineFeeder(rules::LineProcessor& processor, std::size_t max_line_bytes,
                       const rules::LineProcessor::EventCallback* on_event, std::optional<double> arrival)
    : processor_(processor), splitter_(max_line_bytes), on_event_(on_event), arrival_(arrival) {}

void LineFeeder::add_line(std::string_view line, bool truncated) {
  if (truncated) {
    ++truncated_;
    processor_.count_truncated();
  }
  batch_.push_back(line);
}

void LineFeeder::feed(std::string_view bytes) {
  // The splitter's views stay valid until its next feed(): the batch is processed before.
  splitter_.feed(bytes, [this](std::string_view line, bool truncated) { add_line(line, truncated); });
  process_batch();
}

void LineFeeder::finish() {
  splitter_.finish([this](std::string_view line, bool truncated) { add_line(line, truncated); });
  process_batch();
}

void LineFeeder::process_batch() {
  if (batch_.empty()) return;
  processor_.set_arrival(arrival_ ? *arrival_
                                  : std::chrono::duration<double>(
                                        std::chrono::system_clock::now().time_since_epoch())
                                        .count());
  processor_.process_batch(batch_, on_event_);
  batch_.clear();
}

}  // namespace tapemeasure::app
