#include "reload/reloader.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>

#include <chrono>
#include <cstdio>

#include "util/log.hpp"

namespace tapemeasure::reload {

namespace net = boost::asio;
using clock = std::chrono::steady_clock;

namespace {

double ms_since(clock::time_point start) {
  return std::chrono::duration<double, std::milli>(clock::now() - start).count();
}

std::string one_decimal(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

}  // namespace

FirstLoad load_at_start(const std::vector<std::string>& rule_paths) {
  FirstLoad first;
  first.seen = RuleFilesSnapshot::take(rule_paths);
  first.loaded = reload::load_rules(rule_paths);
  return first;
}

// One finished build, on its way from the reload thread to the ingest thread.
struct Reloader::Build {
  std::string why;
  std::string exception;  // what the build threw; empty when it ran to the end
  reload::LoadResult result;
  rules::MatchWorkers::Copies helper_copies;
  double build_ms = 0;
};

Reloader::Reloader(net::io_context& ingest, metrics::SelfMetrics& self, ReloadStatusBoard& status, Options options,
                   Install install, StatusChanged status_changed)
    : ingest_(ingest),
      self_(self),
      status_(status),
      options_(std::move(options)),
      install_(std::move(install)),
      status_changed_(std::move(status_changed)),
      health_(options_.threads ? *options_.threads : own_health_),
      last_seen_(options_.loaded) {
  if (options_.watch) {
    watcher_ = std::make_unique<RuleWatcher>(
        work_, [this] { queue("rule file changed", Check::if_files_changed); });
    watcher_->watch(last_seen_.directories_to_watch(options_.rule_paths));
  }
  thread_ = std::thread([this] {
    auto keep_running = net::make_work_guard(work_);
    // build() catches what a build throws; this catches the rest (the watcher, or an
    // exception while reporting one), counts it and runs the loop again. Only a loop that
    // fails over and over at once is fatal, which /healthz and the exit code then say.
    util::run_guarded(health_, "reload", [this] { work_.run(); });
  });
}

Reloader::~Reloader() { stop(); }

void Reloader::stop() {
  alive_.reset();  // swaps already posted to the ingest thread are dropped
  if (stopping_.exchange(true)) return;
  work_.stop();    // a build in progress finishes (it cannot be interrupted), but posts nothing
  if (thread_.joinable()) thread_.join();
  watcher_.reset();  // its loop no longer runs: none of its handlers can run after this
}

void Reloader::request(std::string why, Check check) {
  net::post(work_, [this, why = std::move(why), check]() mutable { queue(std::move(why), check); });
}

void Reloader::queue(std::string why, Check check) {
  // Requests that arrive while a build runs wait behind it in work_'s queue; the first of
  // them queues one build, the others only join it.
  if (build_queued_) {
    queued_why_ = std::move(why);
    if (check == Check::always) queued_check_ = Check::always;
    return;
  }
  build_queued_ = true;
  queued_why_ = std::move(why);
  queued_check_ = check;
  net::post(work_, [this] {
    build_queued_ = false;
    build(std::move(queued_why_), queued_check_);
  });
}

void Reloader::build(std::string why, Check check) {
  const auto started = clock::now();
  auto done = std::make_shared<Build>();
  done->why = std::move(why);
  try {
    if (!build_rules(*done, check)) return;
  } catch (...) {
    // Out of memory, or a bug: a failed reload like any other, and the thread goes on.
    done->exception = util::describe_exception(std::current_exception());
    done->result = {};
    done->helper_copies.clear();
    health_.survived("reload", "building the rules: " + done->exception);
  }
  done->build_ms = ms_since(started);

  if (stopping_.load()) return;  // shutting down: the ingest thread may be gone
  net::post(ingest_, [this, alive = alive_token_, done] {
    if (alive.lock()) apply(*done);
  });
}

bool Reloader::build_rules(Build& done, Check check) {
  auto seen = RuleFilesSnapshot::take(options_.rule_paths);
  // Wherever the files resolve now (a ConfigMap's new timestamped directory) is watched.
  if (watcher_) watcher_->watch(seen.directories_to_watch(options_.rule_paths));
  if (check == Check::if_files_changed && seen == last_seen_) {
    log::debug("rule directory changed, rule files did not: no reload");
    return false;
  }
  last_seen_ = std::move(seen);
  if (options_.on_build_start) options_.on_build_start(done.why);
  done.result = reload::load_rules(options_.rule_paths);
  if (done.result.ok())
    for (int i = 0; i < options_.helper_copies; ++i) done.helper_copies.push_back(done.result.rules->clone_for_thread());
  return true;
}

void Reloader::apply(Build& done) {
  const auto& result = done.result;
  if (!done.exception.empty()) {
    status_.record_failure("building the new rules failed: " + done.exception + "\n", done.build_ms);
    status_changed_();
    self_.rules_reload_failures.Increment();
    log::error("reload (" + done.why + ") failed, keeping the running rules: building them threw: " + done.exception);
    return;
  }
  if (!result.ok()) {
    status_.record_failure(result.error_text(), done.build_ms);
    status_changed_();
    self_.rules_reload_failures.Increment();
    log::error("reload (" + done.why + ") failed, keeping the running rules:\n" + status_.get().error_text());
    return;
  }
  const std::size_t rules = result.rules->size(), metrics = result.rules->metrics().size();
  // The board first: install() publishes /api/rules, which must already say "ok".
  status_.record_success(done.build_ms);
  const auto swap_started = clock::now();
  try {
    install_(BuiltRules{.rules = result.rules, .views = result.views, .helper_copies = std::move(done.helper_copies)});
  } catch (const std::exception& e) {
    status_.record_failure(std::string("installing the new rules failed: ") + e.what(), done.build_ms);
    status_changed_();
    self_.rules_reload_failures.Increment();
    log::error("reload (" + done.why + ") failed, keeping the running rules: " + e.what());
    return;
  }
  const double swap_ms = ms_since(swap_started);
  self_.rules_reloads.Increment();
  log::info("reloaded rules (" + done.why + "): " + std::to_string(rules) + " rules, " + std::to_string(metrics) +
            " metrics, " + std::to_string(result.tests.run) + " tests passed in " + one_decimal(done.build_ms) +
            " ms; the swap held ingest for " + one_decimal(swap_ms) + " ms");
}

}  // namespace tapemeasure::reload
