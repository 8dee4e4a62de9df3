#pragma once
// How a reload works, from trigger to swap. This is the one place to read.
//
//   trigger (SIGHUP, or the RuleWatcher noticing a change in a rule directory)
//     -> request(), from any thread; posted to the reload thread, where requests that
//        arrive while a build runs coalesce into one more build afterwards
//     -> build, on the reload thread: re-scan the rule files (RuleFilesSnapshot; a watcher
//        event that changed nothing the rules read stops here), reload::load_rules (YAML,
//        RE2, views, in-file tests), and one RE2 copy of the new set per match helper
//        thread (RuleSet::clone_for_thread)
//     -> swap, posted to the ingest thread: only install(), which is a pointer swap plus
//        re-binding the metrics; then the status, the self-metrics and the log line.
//
// So the ingest thread never stops reading sockets for YAML or regex compilation; the
// rules it runs change between two batches of lines. A build that fails changes nothing
// but the status (error with file:line) and tapemeasure_rules_reload_failures_total. A build
// that throws (out of memory, a bug) is such a failure too, and is also reported to the
// ThreadHealth as survived by the "reload" thread: the thread goes on serving requests.
//
// Threads: the Reloader owns the reload thread, which also runs the RuleWatcher. install
// and status_changed run on the ingest thread (the thread that runs `ingest`); stop() and
// the destructor must be called there too, or once it no longer runs `ingest`.
#include <boost/asio/io_context.hpp>

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "metrics/self_metrics.hpp"
#include "reload/reload_status.hpp"
#include "reload/rule_files_snapshot.hpp"
#include "reload/rule_watcher.hpp"
#include "rules/match_workers.hpp"
#include "reload/rule_loader.hpp"
#include "util/thread_health.hpp"

namespace tapemeasure::reload {

// A successful build, ready to swap in.
struct BuiltRules {
  std::shared_ptr<const rules::RuleSet> rules;
  std::shared_ptr<const view::Views> views;
  rules::MatchWorkers::Copies helper_copies;  // one per match helper thread
};

// The first load, at start-up, on the caller's thread (the daemon refuses to start without
// rules). The snapshot is taken before loading, so a change racing the start is reloaded.
struct FirstLoad {
  reload::LoadResult loaded;
  RuleFilesSnapshot seen;
};
FirstLoad load_at_start(const std::vector<std::string>& rule_paths);

class Reloader {
 public:
  struct Options {
    std::vector<std::string> rule_paths;
    int helper_copies = 0;    // match helper threads, each gets its own RE2 copy
    bool watch = true;        // false: reload on request() only
    RuleFilesSnapshot loaded; // what the running rules were built from (load_at_start)
    // Called on the reload thread as each build starts (tests hold a build here to prove
    // that requests meanwhile coalesce).
    std::function<void(const std::string& why)> on_build_start;
    // Where exceptions the reload thread caught and went on from are reported (thread
    // "reload"), and where it says so if it cannot go on. Null: the Reloader's own.
    util::ThreadHealth* threads = nullptr;
  };
  // Ingest thread: swaps in rules that built. The status board already tells the new state.
  using Install = std::function<void(BuiltRules)>;
  // Ingest thread: a reload failed (the board tells why); the running rules stay.
  using StatusChanged = std::function<void()>;

  enum class Check {
    always,          // SIGHUP: the user asked, reload even if no file changed
    if_files_changed // the watcher: reload only if the rule files differ from the last build
  };

  Reloader(boost::asio::io_context& ingest, metrics::SelfMetrics& self, ReloadStatusBoard& status, Options options,
           Install install, StatusChanged status_changed);
  ~Reloader();
  Reloader(const Reloader&) = delete;
  Reloader& operator=(const Reloader&) = delete;

  // Any thread. `why` appears in the log line ("reloaded rules (SIGHUP): ...").
  void request(std::string why, Check check = Check::always);

  // Stops watching, waits for a build in progress, and drops its result: nothing is posted
  // to the ingest thread after this returns, and nothing posted before it is applied.
  void stop();

 private:
  struct Build;
  void queue(std::string why, Check check);   // reload thread
  void build(std::string why, Check check);   // reload thread
  bool build_rules(Build& done, Check check);  // reload thread; false: nothing to reload
  void apply(Build& done);                    // ingest thread

  boost::asio::io_context& ingest_;
  metrics::SelfMetrics& self_;
  ReloadStatusBoard& status_;
  Options options_;
  Install install_;
  StatusChanged status_changed_;
  util::ThreadHealth own_health_;
  util::ThreadHealth& health_;

  // Reload thread state (touched only there).
  bool build_queued_ = false;
  std::string queued_why_;
  Check queued_check_ = Check::if_files_changed;
  RuleFilesSnapshot last_seen_;

  // Swaps posted to the ingest thread check this is alive before touching the Reloader;
  // stop() (on the ingest thread) ends it.
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);
  std::weak_ptr<int> alive_token_ = alive_;
  std::atomic<bool> stopping_{false};

  boost::asio::io_context work_{1};
  std::unique_ptr<RuleWatcher> watcher_;  // lives on the reload thread
  std::thread thread_;
};

}  // namespace tapemeasure::reload
