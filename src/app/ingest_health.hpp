#pragma once
// What GET /healthz answers (DESIGN.md: 200 while ingest is alive and the rules are loaded;
// 503 with the reason otherwise). The rules are always loaded once the daemon has started (a
// failed reload keeps the old ones running, so that is still 200, with the failure said in
// the body). What can go wrong is the ingest thread: stopped, or stuck in something. It
// proves it is alive by stamping a heartbeat from its 16 ms frame timer, which only runs
// when the thread gets back to its event loop; the network thread reads the stamp.
#include <atomic>
#include <chrono>
#include <string>

#include "reload/reload_status.hpp"

namespace tapemeasure::app {

class IngestHeartbeat {
 public:
  using clock = std::chrono::steady_clock;

  IngestHeartbeat() { beat(); }
  void beat(clock::time_point now = clock::now()) {
    last_.store(now.time_since_epoch().count(), std::memory_order_relaxed);
  }
  clock::time_point last() const { return clock::time_point(clock::duration(last_.load(std::memory_order_relaxed))); }

 private:
  std::atomic<clock::rep> last_{0};
};

struct HealthAnswer {
  bool ok = false;
  std::string body;  // one line: "ok", or the reason
};

// Far above any batch or reload swap (milliseconds), far below what an orchestrator's probe
// would wait for.
inline constexpr auto kIngestStallLimit = std::chrono::seconds(2);

inline HealthAnswer decide_health(IngestHeartbeat::clock::time_point last_beat, IngestHeartbeat::clock::time_point now,
                                  bool stopping, const reload::ReloadStatus& reload) {
  if (stopping) return {false, "ingest stopped: shutting down\n"};
  const auto silent = now - last_beat;
  if (silent > kIngestStallLimit) {
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(silent).count();
    return {false, "ingest thread stalled: no heartbeat for " + std::to_string(ms) + " ms\n"};
  }
  if (reload.ok()) return {true, "ok\n"};
  // Still healthy: the previous rules run. The first error line (file:line) says what to fix;
  // the summary is short however long the error text is.
  return {true, "ok; last reload failed: " + reload.summary + "\n"};
}

}  // namespace tapemeasure::app
