#pragma once
// A one-line progress report on stderr for long offline runs, redrawn a few times a
// second. Silent when stderr is not a terminal, so pipes and CI logs stay clean.
#include <chrono>
#include <cstdint>

namespace tapemeasure::app {

class Progress {
 public:
  Progress(bool enabled, std::uint64_t total_bytes);
  ~Progress();  // clears the line
  void update(std::uint64_t bytes, std::uint64_t lines) {
    if (enabled_ && (++calls_ & 0x3FF) == 0) maybe_draw(bytes, lines);
  }

 private:
  void maybe_draw(std::uint64_t bytes, std::uint64_t lines);
  bool enabled_;
  std::uint64_t total_;
  std::uint64_t calls_ = 0;
  bool drawn_ = false;
  std::chrono::steady_clock::time_point start_, last_;
};

}  // namespace tapemeasure::app
