#pragma once
// What the daemon's long-lived threads (network, reload, follow, ingest) survived and what
// they could not. A thread catches what its work throws, reports it here and goes on; a
// thread that cannot go on reports it as fatal, and the daemon answers /healthz with 503
// and the reason, then exits non-zero so that its supervisor restarts it. Either way
// nothing ends quietly while /healthz says ok.
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace tapemeasure::util {

class ThreadHealth {
 public:
  // Called for each survived failure (e.g. to count it in a metric); any thread.
  using SurvivedHook = std::function<void(std::string_view thread)>;
  // Called once, for the first fatal failure, on the failing thread.
  using FatalHook = std::function<void(const std::string& reason)>;

  void set_hooks(SurvivedHook survived, FatalHook fatal);

  // An exception the thread caught and went on from: counted, and logged at most once a
  // second per thread with the count since the last line (a failing loop must not flood).
  void survived(std::string_view thread, std::string_view what);
  // A thread that cannot go on. The first reason is kept ("network thread: ...").
  void fatal(std::string_view thread, std::string_view what);

  std::optional<std::string> fatal_reason() const;
  std::uint64_t survived_count(std::string_view thread) const;

 private:
  struct PerThread {
    std::uint64_t total = 0;
    std::uint64_t unlogged = 0;
    std::chrono::steady_clock::time_point logged{};
  };
  mutable std::mutex mu_;
  std::map<std::string, PerThread, std::less<>> threads_;
  std::optional<std::string> fatal_;
  SurvivedHook on_survived_;
  FatalHook on_fatal_;
};

// Runs `work` on the calling thread until it returns. An exception is reported as survived
// and `work` runs again; after `max_in_a_row` failures with no `work` call lasting a second
// or more in between, the thread is declared fatal and run_guarded returns false.
bool run_guarded(ThreadHealth& health, std::string_view thread, const std::function<void()>& work,
                 int max_in_a_row = 10);

// The short text of a caught exception, for logs and /healthz: at most `max_bytes`.
std::string describe_exception(std::exception_ptr e, std::size_t max_bytes = 200);

}  // namespace tapemeasure::util
