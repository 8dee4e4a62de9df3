#pragma once
// A one-line progress report on stderr for long offline runs, redrawn a few times a
// second. Silent when stderr is not a terminal, so pipes and CI logs stay clean.
#include <chrono>
#include <cstdint>
#include <string>

namespace tapemeasure::app {

class Progress {
 public:
  Progress(bool enabled, std::uint64_t total_bytes);
  ~Progress();  // clears the line
  // Call after each read (a clock read each time: cheap at that rate), or after each pause.
  void update(std::uint64_t bytes, std::uint64_t lines) {
    if (enabled_) maybe_draw(bytes, lines);
  }
  // Said after the counts, e.g. "log time 2026-11-07 09:12:00, 100x".
  void set_note(std::string note) { note_ = std::move(note); }
  bool enabled() const { return enabled_; }

 private:
  void maybe_draw(std::uint64_t bytes, std::uint64_t lines);
  bool enabled_;
  std::uint64_t total_;
  std::string note_;
  bool drawn_ = false;
  std::chrono::steady_clock::time_point start_, last_;
};

}  // namespace tapemeasure::app
