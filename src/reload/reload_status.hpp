#pragma once
// What the last reload did, as /api/rules, the per-second stats, the log and /healthz
// report it. The Reloader writes it (on the ingest thread, in the same step that swaps the
// rules in); any thread may read it, so HTTP never has to ask the ingest thread.
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>

#include "stats/second_stats.hpp"

namespace tapemeasure::reload {

struct ReloadStatus {
  std::string at;          // ISO-8601 UTC of the last attempt (of the start, before any)
  std::string error;       // every error with file:line; empty when the last attempt succeeded
  std::uint64_t reloads = 0, failures = 0;
  double duration_ms = 0;  // building the last attempt's rules, off the ingest thread

  bool ok() const { return error.empty(); }
  stats::ReloadStatus for_stats() const { return {.at = at, .error = error, .reloads = reloads, .failures = failures}; }
};

// "2026-11-30T17:58:00Z" for now.
std::string iso_now();

// The one shared copy of the status. Thread-safe.
class ReloadStatusBoard {
 public:
  ReloadStatusBoard() { status_.at = iso_now(); }

  ReloadStatus get() const {
    std::lock_guard lock(mutex_);
    return status_;
  }
  void record_success(double duration_ms) {
    std::lock_guard lock(mutex_);
    status_.at = iso_now();
    status_.error.clear();
    status_.duration_ms = duration_ms;
    ++status_.reloads;
  }
  void record_failure(std::string error, double duration_ms) {
    std::lock_guard lock(mutex_);
    status_.at = iso_now();
    status_.error = std::move(error);
    status_.duration_ms = duration_ms;
    ++status_.failures;
  }

 private:
  mutable std::mutex mutex_;
  ReloadStatus status_;
};

}  // namespace tapemeasure::reload
