#include "app/daemon.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include <algorithm>
#include <array>
#include <atomic>
#include <charconv>
#include <chrono>
#include <cmath>
#include <climits>
#include <cstdint>
#include <filesystem>
#include <iterator>
#include <stdexcept>
#include <thread>

#include "app/daemon_identity.hpp"
#include "app/pipeline.hpp"
#include "app/ingest_health.hpp"
#include "app/version.hpp"
#include "http/listener.hpp"
#include "http/server_context.hpp"
#include "follow/file_followers.hpp"
#include "ingest/unix_ingest.hpp"
#include "metrics/exposition.hpp"
#include "reload/reloader.hpp"
#include "util/free_memory.hpp"
#include "util/log.hpp"
#include "util/thread_health.hpp"

namespace tapemeasure::app {

namespace net = boost::asio;
using namespace std::chrono_literals;

namespace {

constexpr auto kFrameInterval = 16ms;  // ~60 frames/s: smooth in the browser, cheap here
constexpr auto kFatalGrace = 1s;        // how long /healthz says 503 before a thread's fatal failure ends the daemon

// Time to the next whole wall-clock second, plus a little: the per-second stats tick there,
// so every box's second covers the same wall-clock second, and a browser merging several
// daemons (web/app/network/stats_merge.js, slotOf) adds like with like. The few ms past the second
// keep the stamp in the second it ends even if the clocks drift apart within it.
std::chrono::milliseconds until_next_second_tick() {
  using namespace std::chrono;
  const std::int64_t now = duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
  const std::int64_t next = (now / 1000 + 1) * 1000 + 5;
  return milliseconds(next - now);
}

net::ip::tcp::endpoint parse_listen(const std::string& listen) {
  const auto colon = listen.rfind(':');
  if (colon == std::string::npos) throw std::runtime_error("--listen wants HOST:PORT, e.g. 127.0.0.1:8000");
  std::string host = listen.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  if (host == "localhost") host = "127.0.0.1";
  unsigned long port = 0;
  try {
    port = std::stoul(listen.substr(colon + 1));
  } catch (...) {
    port = 70000;
  }
  if (port > 65535) throw std::runtime_error("--listen: bad port in '" + listen + "'");
  boost::system::error_code ec;
  const auto addr = net::ip::make_address(host, ec);
  if (ec) throw std::runtime_error("--listen: '" + host + "' is not an IP address");
  return {addr, static_cast<unsigned short>(port)};
}

// --header-timeout and --keep-alive-timeout are seconds (CLI11 checks they are positive);
// a whole millisecond at least, at most a day.
std::chrono::milliseconds to_millis(double seconds) {
  return std::chrono::milliseconds(static_cast<std::int64_t>(std::clamp(seconds, 0.001, 86400.0) * 1000));
}

}  // namespace

struct Daemon::Impl {
  // net_ioc first, so it is destroyed last: handlers still queued on ingest_ioc at the
  // end (a WebSocket accepted as the loops stopped) hold sessions whose destructors use
  // net_ioc's websocket service (found by the restart-under-load test under TSan).
  net::io_context net_ioc{1};
  net::io_context ingest_ioc{1};
  prometheus::Registry registry;
  metrics::SelfMetrics self{registry, kVersion};
  reload::ReloadStatusBoard reload_status;
  IngestHeartbeat heartbeat;
  std::atomic<bool> stopping{false};  // read by /healthz on the network thread
  // What the threads survived, and the first failure one of them could not: then /healthz
  // says 503 with it and run() returns 1, so that the supervisor restarts the daemon.
  util::ThreadHealth threads;
  std::atomic<int> exit_code{0};
  std::unique_ptr<Pipeline> pipeline;
  std::unique_ptr<reload::Reloader> reloader;  // after pipeline: destroyed (joined) before it
  int match_threads = 1;
  std::shared_ptr<http::ServerContext> http_ctx;
  std::shared_ptr<http::Listener> listener;
  std::unique_ptr<ingest::UnixIngest> ingest;
  std::unique_ptr<follow::FileFollowers> followers;
  net::steady_timer frame_timer{ingest_ioc};
  net::steady_timer second_timer{ingest_ioc};
  net::signal_set signals{ingest_ioc, SIGINT, SIGTERM, SIGHUP};
  net::steady_timer fatal_timer{ingest_ioc};
  util::TrimSchedule trims;
  std::thread net_thread;

  void on_frame_timer() {
    frame_timer.expires_after(kFrameInterval);
    frame_timer.async_wait([this](boost::system::error_code ec) {
      if (ec) return;
      heartbeat.beat();
      pipeline->flush_frames();
      on_frame_timer();
    });
  }
  void on_second_timer() {
    second_timer.expires_after(until_next_second_tick());
    second_timer.async_wait([this](boost::system::error_code ec) {
      if (ec) return;
      pipeline->tick_second();
      // Memory that departed clients (and anything else) freed goes back to the kernel.
      if (trims.due(pipeline->hub().clients())) trims.trimmed(util::return_free_memory());
      on_second_timer();
    });
  }
  void on_signal() {
    signals.async_wait([this](boost::system::error_code ec, int sig) {
      if (ec) return;
      if (sig == SIGHUP) {
        reloader->request("SIGHUP", reload::Reloader::Check::always);
        on_signal();
        return;
      }
      log::info(std::string("received ") + (sig == SIGINT ? "SIGINT" : "SIGTERM") + ", shutting down");
      shutdown();
    });
  }

  // Stop accepting, say goodbye to browsers, then let both loops run dry.
  void shutdown() {
    if (stopping.exchange(true)) return;
    if (ingest) ingest->stop();
    if (followers) followers->stop();
    reloader->stop();  // joins a build in progress; nothing more is posted here
    pipeline->hub().close_all();
    net::post(net_ioc, [this] { listener->stop(); });
    frame_timer.cancel();
    signals.cancel();
    // Give close frames a moment to leave, then end both loops.
    second_timer.expires_after(200ms);
    second_timer.async_wait([this](boost::system::error_code) {
      net_ioc.stop();
      ingest_ioc.stop();
    });
  }
};

Daemon::Daemon(RunOptions options) : options_(std::move(options)), impl_(std::make_unique<Impl>()) {}

Daemon::~Daemon() {
  if (impl_->net_thread.joinable()) {
    impl_->net_ioc.stop();
    impl_->net_thread.join();
  }
}

std::string Daemon::start() {
  auto& d = *impl_;
  log::Level level{};
  if (!log::parse_level(options_.log_level, level))
    throw std::runtime_error("--log-level must be debug, info, warn or error");
  log::set_level(level);
  // Who we are among several boxes: checked before anything is loaded or bound.
  const std::string name = resolve_daemon_name(options_.name);
  std::vector<std::string> peer_notes;
  resolve_peers(options_.peers, {}, peer_notes);  // throws on a bad one; the notes come again below
  peer_notes.clear();

  d.threads.set_hooks(
      [&d](std::string_view thread) { d.self.thread_failures.Add({{"thread", std::string(thread)}}).Increment(); },
      [&d](const std::string&) {
        d.exit_code = 1;
        // A moment of 503 on /healthz first, so that a probe sees why; then stop.
        net::post(d.ingest_ioc, [&d] {
          d.fatal_timer.expires_after(kFatalGrace);
          d.fatal_timer.async_wait([&d](boost::system::error_code ec) {
            if (!ec) d.shutdown();
          });
        });
      });
  if (options_.rules.empty()) throw std::runtime_error("no rules: give --rules PATH (a file or a directory)");
  auto first = reload::load_at_start(options_.rules);
  const auto& loaded = first.loaded;
  if (!loaded.ok()) throw std::runtime_error("cannot load rules:\n" + loaded.error_text());

  PipelineOptions po;
  po.store.max_series_per_metric = options_.max_series_per_metric;
  po.store.max_samples = options_.max_samples;
  po.max_remembered = options_.max_remembered;
  po.hub.max_rate = options_.ws_max_rate;
  po.hub.max_queued_bytes = options_.ws_queue_bytes;
  po.hub.daemon_name = name;
  po.match_threads = options_.match_threads > 0
                         ? options_.match_threads
                         : static_cast<int>(std::clamp(std::thread::hardware_concurrency(), 1u, 4u));
  d.match_threads = po.match_threads;
  d.pipeline = std::make_unique<Pipeline>(d.registry, d.self, po, loaded.rules, loaded.views, d.reload_status);

  const auto endpoint = parse_listen(options_.listen);
  std::string web_root = options_.web_root.empty() ? default_web_root() : options_.web_root;
  if (web_root.empty()) log::warn("no web root found (give --web-root); the UI will not be served");
  d.http_ctx = std::make_shared<http::ServerContext>(
      http::RequestGuard(endpoint.address().to_string(), endpoint.port(), options_.allowed_hosts,
                         options_.allowed_origins),
      http::StaticFiles(web_root.empty() ? std::filesystem::path("/nonexistent") : std::filesystem::path(web_root)));
  auto& ctx = *d.http_ctx;
  ctx.max_connections = options_.max_connections;
  ctx.max_connections_per_peer = options_.max_connections_per_peer;
  ctx.reserved_connections = options_.reserved_connections;
  ctx.header_timeout = to_millis(options_.header_timeout);
  ctx.keep_alive_timeout = to_millis(options_.keep_alive_timeout);
  ctx.threads = &d.threads;  // a request whose answer throws gets 500, counted as survived
  {
    // Every reason present from the start (0), so rate() and alerts see the first one.
    std::array<prometheus::Counter*, std::size(http::kRefusals)> refused{};
    for (const auto r : http::kRefusals)
      refused[static_cast<std::size_t>(r)] = &d.self.http_refused.Add({{"reason", std::string(http::refusal_name(r))}});
    ctx.count_refusal = [refused](http::Refusal r) { refused[static_cast<std::size_t>(r)]->Increment(); };
  }
  ctx.max_ws_queued_bytes = options_.ws_queue_bytes;  // error frames respect the client's bound too
  ctx.daemon_name = name;
  Pipeline* pipeline = d.pipeline.get();
  ctx.metrics_text = [&d] { return metrics::render_text_exposition(d.registry); };
  ctx.stats_json = [pipeline](std::string_view step, std::string_view since) -> std::optional<std::string> {
    std::int64_t since_ms = INT64_MIN;
    if (!since.empty()) {
      const auto [end, ec] = std::from_chars(since.data(), since.data() + since.size(), since_ms);
      if (ec != std::errc() || end != since.data() + since.size() || step != "60") return std::nullopt;
    }
    if (step.empty() || step == "1") return pipeline->stats_json(Pipeline::StatsStep::second);
    if (step == "60") return pipeline->stats_json(Pipeline::StatsStep::minute, since_ms);
    if (step == "all") return pipeline->stats_json(Pipeline::StatsStep::all);
    return std::nullopt;
  };
  ctx.rules_json = [pipeline] { return pipeline->rules_json(); };
  ctx.view_json = [pipeline] { return pipeline->view_json(); };
  ctx.healthy = [&d] {
    if (auto fatal = d.threads.fatal_reason()) return http::ServerContext::Health{false, *fatal + "\n"};
    auto h = decide_health(d.heartbeat.last(), IngestHeartbeat::clock::now(), d.stopping.load(), d.reload_status.get());
    return http::ServerContext::Health{h.ok, std::move(h.body)};
  };
  ctx.ws_opened = [&d, pipeline](std::shared_ptr<stream::ClientSink> sink) {
    net::post(d.ingest_ioc, [pipeline, sink] { pipeline->add_client(sink); });
  };
  ctx.ws_closed = [&d, pipeline](const stream::ClientSink* sink) {
    net::post(d.ingest_ioc, [pipeline, sink] { pipeline->hub().remove(sink); });
  };
  ctx.ws_filter = [&d, pipeline](const stream::ClientSink* sink, std::vector<std::string> types, bool all) {
    net::post(d.ingest_ioc, [pipeline, sink, types = std::move(types), all] { pipeline->hub().set_filter(sink, types, all); });
  };
  ctx.ws_max_rate = [&d, pipeline](const stream::ClientSink* sink, double rate) {
    net::post(d.ingest_ioc, [pipeline, sink, rate] { pipeline->hub().set_max_rate(sink, rate); });
  };

  d.listener = std::make_shared<http::Listener>(d.net_ioc, endpoint, d.http_ctx);

  ingest::IngestOptions io;
  io.stream_path = options_.socket;
  io.datagram_path = options_.dgram_socket;
  io.max_line_bytes = options_.max_line_bytes;
  io.max_connections = options_.max_ingest_connections;
  io.idle_timeout = std::chrono::milliseconds(std::llround(options_.ingest_idle_timeout * 1000));
  try {
    io.socket_mode = static_cast<unsigned>(std::stoul(options_.socket_mode, nullptr, 8));
  } catch (...) {
    throw std::runtime_error("--socket-mode wants an octal mode such as 0660");
  }
  d.ingest = std::make_unique<ingest::UnixIngest>(d.ingest_ioc, io, *d.pipeline, d.self);
  d.followers = std::make_unique<follow::FileFollowers>(
      d.ingest_ioc,
      follow::FollowOptions{.patterns = options_.follow, .state_path = options_.follow_state,
                            .max_line_bytes = options_.max_line_bytes},
      *d.pipeline, d.self, d.threads);
  reload::Reloader::Options ro{.rule_paths = options_.rules, .helper_copies = pipeline->match_helpers(),
                               .watch = true, .loaded = std::move(first.seen), .on_build_start = {},
                               .threads = &d.threads};
  d.reloader = std::make_unique<reload::Reloader>(
      d.ingest_ioc, d.self, d.reload_status, std::move(ro),
      [pipeline](reload::BuiltRules built) {
        pipeline->install(std::move(built.rules), std::move(built.views), std::move(built.helper_copies));
      },
      [pipeline] { pipeline->reload_status_changed(); });

  const auto bound = d.listener->local_endpoint();
  const std::string host = bound.address().is_v6() ? "[" + bound.address().to_string() + "]" : bound.address().to_string();
  const std::string url = "http://" + host + ":" + std::to_string(bound.port()) + "/";
  // Now that the port is known (--listen HOST:0), a --peer naming this daemon can be told.
  const auto peers = resolve_peers(
      options_.peers,
      own_urls(bound.address().to_string(), bound.address().is_v6(), bound.address().is_loopback(),
               bound.address().is_unspecified(), bound.port()),
      peer_notes);
  ctx.peers_json = render_peers_json(name, peers, options_.ws_max_rate);
  std::string inputs;
  if (options_.socket == "-") inputs = "standard input";
  else if (!options_.socket.empty()) inputs = "stream socket " + options_.socket;
  if (!options_.dgram_socket.empty()) inputs += (inputs.empty() ? "" : ", ") + std::string("datagram socket ") + options_.dgram_socket;
  if (!options_.follow.empty())
    inputs += (inputs.empty() ? "" : ", ") + std::string("--follow files (") + std::to_string(options_.follow.size()) +
              (options_.follow.size() == 1 ? " path or glob)" : " paths or globs)");
  log::info(std::string("tapemeasure ") + kVersion + ": daemon " + name + ", " +
            std::to_string(loaded.rules->size()) + " rules, " +
            std::to_string(loaded.tests.run) + " rule tests passed; reading " + (inputs.empty() ? "nothing" : inputs) +
            "; matching on " + std::to_string(d.match_threads) + (d.match_threads == 1 ? " thread" : " threads"));
  for (const auto& note : peer_notes) log::warn(note + "; left out of /api/peers");
  if (!peers.empty()) {
    std::string list;
    for (const auto& p : peers) list += (list.empty() ? "" : ", ") + p;
    log::info("peers for the UI to merge (each must allow this UI's origin with --allowed-origin): " + list);
  }
  log::info("UI, /metrics and /api at " + url + (web_root.empty() ? "" : " (web root " + web_root + ")"));
  return url;
}

int Daemon::run() {
  auto& d = *impl_;
  d.listener->run();
  d.ingest->start();
  d.followers->start();
  d.on_frame_timer();
  d.on_second_timer();
  d.on_signal();
  // A handler that throws (std::bad_alloc answering a request, say) ends that handler's
  // connection, not the thread: run() is entered again and serves the others.
  d.net_thread = std::thread([&d] { util::run_guarded(d.threads, "network", [&d] { d.net_ioc.run(); }); });
  if (!util::run_guarded(d.threads, "ingest", [&d] { d.ingest_ioc.run(); })) {
    // The ingest loop itself cannot go on: nothing is left to run the orderly shutdown.
    d.stopping = true;
    d.net_ioc.stop();
  }
  d.stopping = true;
  d.reloader.reset();  // its thread joined before anything it could post to goes away
  d.net_ioc.stop();
  d.net_thread.join();
  d.followers.reset();  // saves the followed files' positions
  d.ingest.reset();     // removes the socket files
  log::info("stopped after " + std::to_string(d.pipeline->lines()) + " lines");
  return d.exit_code.load();
}

void Daemon::stop() {
  net::post(impl_->ingest_ioc, [this] { impl_->shutdown(); });
}

}  // namespace tapemeasure::app
