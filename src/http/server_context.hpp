#pragma once
// What the HTTP layer needs from the rest of the daemon, as plain callbacks, so that http/
// knows nothing of rules or metrics and the app wires the two together.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "http/connection_slots.hpp"
#include "http/request_guard.hpp"
#include "http/static_files.hpp"
#include "util/rate_limited_log.hpp"
#include "util/thread_health.hpp"

namespace tapemeasure::stream {
class ClientSink;
}

namespace tapemeasure::http {

struct ServerContext {
  ServerContext(RequestGuard g, StaticFiles f) : guard(std::move(g)), files(std::move(f)) {}

  RequestGuard guard;
  StaticFiles files;

  std::function<std::string()> metrics_text;  // GET /metrics
  std::function<std::string()> stats_json;    // GET /api/stats
  std::function<std::string()> rules_json;    // GET /api/rules
  std::function<std::string()> view_json;     // GET /api/view
  struct Health {
    bool ok = false;   // 200, else 503
    std::string body;  // one line with its newline: "ok", or the reason (a failed reload is still ok, and says so)
  };
  std::function<Health()> healthy;            // GET /healthz
  // Set before the listener runs, never changed after (so any thread may read them):
  std::string daemon_name;  // --name: the "daemon" field of the frames this daemon sends
  std::string peers_json;   // GET /api/peers: {"name":"box1","peers":["http://box2:8000/",...]}

  // WebSocket clients coming and going, and their requests; called on the network thread.
  std::function<void(std::shared_ptr<stream::ClientSink>)> ws_opened;
  std::function<void(const stream::ClientSink*)> ws_closed;
  std::function<void(const stream::ClientSink*, std::vector<std::string> types, bool all)> ws_filter;
  std::function<void(const stream::ClientSink*, double rate)> ws_max_rate;

  // Connection slots (connection_slots.hpp); the listener hands these to `slots`.
  std::size_t max_connections = 512;           // --max-connections
  std::size_t max_connections_per_peer = 64;   // --max-connections-per-peer (0: none)
  std::size_t reserved_connections = 16;       // --reserved-connections: /healthz and /metrics only
  ConnectionSlots slots;
  // How long a client may take (milliseconds, so that tests can make them tiny):
  // --header-timeout: from accepting a connection, or from the first byte of a later
  // request on it, to the whole request (header and its small body). Slowloris ends here.
  std::chrono::milliseconds header_timeout{10'000};
  // --keep-alive-timeout: waiting for the next request on a keep-alive connection.
  std::chrono::milliseconds keep_alive_timeout{30'000};
  // The header timeout of a connection in the reserve: probes send their request at once.
  std::chrono::milliseconds reserve_header_timeout{2'000};
  // Writing one response (a large /metrics to a slow scraper included).
  std::chrono::milliseconds send_timeout{30'000};

  // Catches what a request's handler throws (a callback above throwing std::bad_alloc):
  // the request is answered 500, its connection closed, and the failure counted here.
  util::ThreadHealth* threads = nullptr;

  // Per-request and per-connection refusals: logged at most once a second with a count.
  struct RefusalLogs {
    util::RateLimitedLog host, origin, framing, busy, refused, evicted;
  } refusals;

  std::size_t max_ws_message_bytes = 64 * 1024;
  // The per-client byte bound (--ws-queue-bytes, as the hub's): error frames answering a
  // client's bad messages respect it too, so a client that sends junk without reading
  // cannot grow its queue. Those refused are counted here and logged.
  std::size_t max_ws_queued_bytes = 4 << 20;
  std::atomic<std::uint64_t> ws_error_frames_refused{0};
};

}  // namespace tapemeasure::http
