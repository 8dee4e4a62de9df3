#include "util/thread_health.hpp"

#include <exception>
#include <new>

#include "util/log.hpp"

namespace tapemeasure::util {

void ThreadHealth::set_hooks(SurvivedHook survived, FatalHook fatal) {
  std::lock_guard lock(mu_);
  on_survived_ = std::move(survived);
  on_fatal_ = std::move(fatal);
}

void ThreadHealth::survived(std::string_view thread, std::string_view what) {
  SurvivedHook hook;
  std::string line;
  {
    std::lock_guard lock(mu_);
    auto it = threads_.find(thread);
    if (it == threads_.end()) it = threads_.emplace(std::string(thread), PerThread{}).first;
    auto& t = it->second;
    ++t.total;
    ++t.unlogged;
    const auto now = std::chrono::steady_clock::now();
    if (t.logged == std::chrono::steady_clock::time_point{} || now - t.logged >= std::chrono::seconds(1)) {
      line = std::string(thread) + " thread: " + std::string(what) + "; going on (" + std::to_string(t.unlogged) +
             (t.unlogged == 1 ? " failure" : " failures") + " since the last such line, " + std::to_string(t.total) +
             " in all)";
      t.unlogged = 0;
      t.logged = now;
    }
    hook = on_survived_;
  }
  if (!line.empty()) log::error(line);
  if (hook) hook(thread);
}

void ThreadHealth::fatal(std::string_view thread, std::string_view what) {
  FatalHook hook;
  std::string reason = std::string(thread) + " thread: " + std::string(what);
  {
    std::lock_guard lock(mu_);
    if (fatal_) return;
    fatal_ = reason;
    hook = on_fatal_;
  }
  log::error(reason + "; cannot go on, exiting so that a supervisor restarts the daemon");
  if (hook) hook(reason);
}

std::optional<std::string> ThreadHealth::fatal_reason() const {
  std::lock_guard lock(mu_);
  return fatal_;
}

std::uint64_t ThreadHealth::survived_count(std::string_view thread) const {
  std::lock_guard lock(mu_);
  const auto it = threads_.find(thread);
  return it == threads_.end() ? 0 : it->second.total;
}

bool run_guarded(ThreadHealth& health, std::string_view thread, const std::function<void()>& work, int max_in_a_row) {
  int in_a_row = 0;
  for (;;) {
    const auto started = std::chrono::steady_clock::now();
    try {
      work();
      return true;
    } catch (...) {
      const std::string what = describe_exception(std::current_exception());
      // A failure after a good stretch of work starts the count again: only a thread that
      // fails over and over at once is beyond saving.
      if (std::chrono::steady_clock::now() - started >= std::chrono::seconds(1)) in_a_row = 0;
      if (++in_a_row >= max_in_a_row) {
        health.fatal(thread, what + " (" + std::to_string(in_a_row) + " failures in a row)");
        return false;
      }
      health.survived(thread, what);
    }
  }
}

std::string describe_exception(std::exception_ptr e, std::size_t max_bytes) {
  std::string what;
  try {
    std::rethrow_exception(e);
  } catch (const std::bad_alloc&) {
    what = "out of memory (std::bad_alloc)";
  } catch (const std::exception& ex) {
    what = ex.what();
  } catch (...) {
    what = "unknown exception";
  }
  if (what.size() > max_bytes) {
    // Cut on a UTF-8 character boundary: the text ends up in JSON and logs.
    std::size_t cut = max_bytes;
    while (cut > 0 && (static_cast<unsigned char>(what[cut]) & 0xC0) == 0x80) --cut;
    what = what.substr(0, cut) + "...";
  }
  return what;
}

}  // namespace tapemeasure::util
