#pragma once
// What the last reload did, as /api/rules, the per-second stats, the log and /healthz
// report it. The Reloader writes it (on the ingest thread, in the same step that swaps the
// rules in); any thread may read it, so HTTP never has to ask the ingest thread.
//
// Bounded by construction: the error text is kept once, capped, and shared by every reader
// (a status is copied every second for the stats, and on every /healthz); what is repeated
// (each stats record and frame, each /healthz body) is only its short summary.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "stats/second_stats.hpp"

namespace tapemeasure::reload {

// The whole error text, as /api/rules and the log carry it. rule_loader already keeps at
// most 100 errors; this bounds their total too (one error may quote a long value).
inline constexpr std::size_t kMaxErrorTextBytes = 64 * 1024;
// The first error line, as each stats record, stats frame and /healthz repeats it.
inline constexpr std::size_t kMaxErrorSummaryBytes = 200;

struct ReloadStatus {
  std::string at;  // ISO-8601 UTC of the last attempt (of the start, before any)
  // Every error with file:line, one per line (at most kMaxErrorTextBytes); null when the last
  // attempt succeeded.
  std::shared_ptr<const std::string> error;
  // The first error line (at most kMaxErrorSummaryBytes) and "(N more errors)"; empty when ok.
  std::string summary;
  std::uint64_t reloads = 0, failures = 0;
  double duration_ms = 0;  // building the last attempt's rules, off the ingest thread

  bool ok() const { return error == nullptr; }
  const std::string& error_text() const;  // "" when ok
  stats::ReloadStatus for_stats() const {
    return {.at = at, .error = summary, .reloads = reloads, .failures = failures};
  }
};

// "rules/a.yml:3: rule x: bad regex (12 more errors)": the first line of `error_text`, cut to
// kMaxErrorSummaryBytes on a character boundary, and how many lines follow it.
std::string summarize_errors(std::string_view error_text);
// `error_text` cut to kMaxErrorTextBytes at a line end, with a last line saying so.
std::string cap_error_text(std::string error_text);

// "2026-11-30T17:58:00Z" for now.
std::string iso_now();

// The one shared copy of the status. Thread-safe.
class ReloadStatusBoard {
 public:
  ReloadStatusBoard() { status_.at = iso_now(); }

  ReloadStatus get() const {
    std::lock_guard lock(mutex_);
    return status_;  // the error text is shared, not copied
  }
  void record_success(double duration_ms);
  void record_failure(std::string error, double duration_ms);

 private:
  mutable std::mutex mutex_;
  ReloadStatus status_;
};

}  // namespace tapemeasure::reload
