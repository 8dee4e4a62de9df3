#pragma once
// What the HTTP layer needs from the rest of the daemon, as plain callbacks, so that http/
// knows nothing of rules or metrics and the app wires the two together.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
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

// Why a request or a connection was refused (tapemeasure_http_refused_total{reason}).
enum class Refusal {
  host,               // a Host header that is not this server (403)
  origin,             // a WebSocket from a foreign Origin (403)
  transfer_encoding,  // a Transfer-Encoding other than chunked (501)
  bad_request,        // a malformed or oversized request (400, 413)
  reserve_only,       // not /healthz or /metrics on a connection in the reserve (503)
  no_slot,            // a connection closed at once: every slot taken, none could make room
  evicted,            // a waiting connection closed to make room for a newcomer
  header_timeout,     // a request (or a new connection's first one) not complete in --header-timeout
};
inline constexpr Refusal kRefusals[] = {Refusal::host,         Refusal::origin,  Refusal::transfer_encoding,
                                        Refusal::bad_request,  Refusal::reserve_only, Refusal::no_slot,
                                        Refusal::evicted,      Refusal::header_timeout};
std::string_view refusal_name(Refusal r);

struct ServerContext {
  ServerContext(RequestGuard g, StaticFiles f) : guard(std::move(g)), files(std::move(f)) {}

  RequestGuard guard;
  StaticFiles files;

  std::function<std::string()> metrics_text;  // GET /metrics
  // GET /api/stats: `step` is the query's step= ("" when none); null when it names no step
  // the daemon keeps (400).
  // GET /api/stats?step=..&since=..: the body, or nullopt for a query it does not take (400).
  std::function<std::optional<std::string>(std::string_view step, std::string_view since)> stats_json;
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
  // Counts a refusal (the app points this at its metric); any thread.
  std::function<void(Refusal)> count_refusal;
  void refused(Refusal r) const {
    if (count_refusal) count_refusal(r);
  }

  std::size_t max_ws_message_bytes = 64 * 1024;
  // The per-client byte bound (--ws-queue-bytes, as the hub's): error frames answering a
  // client's bad messages respect it too, so a client that sends junk without reading
  // cannot grow its queue. Those refused are counted here and logged.
  std::size_t max_ws_queued_bytes = 4 << 20;
  std::atomic<std::uint64_t> ws_error_frames_refused{0};
};

}  // namespace tapemeasure::http
