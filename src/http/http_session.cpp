#include "http/http_session.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/beast/websocket.hpp>

#include <algorithm>

#include "http/websocket_session.hpp"
#include "util/log.hpp"
#include "util/rate_limited_log.hpp"
#include "util/thread_health.hpp"

namespace tapemeasure::http {

namespace beast = boost::beast;
namespace bhttp = beast::http;
namespace net = boost::asio;

namespace {
constexpr std::uint32_t kHeaderLimit = 16 * 1024;
constexpr std::uint64_t kBodyLimit = 64 * 1024;  // nothing here takes a body; be strict
constexpr std::size_t kFirstRead = 4096;
constexpr const char* kMetricsType = "text/plain; version=0.0.4; charset=utf-8";

// A Transfer-Encoding this server does not understand, or null when the framing is sound.
// Beast reads a chunked body only when "chunked" is the last coding and ignores the others:
// "gzip, chunked" would hand over still-encoded bytes, and "foo" (no body for Beast) would
// leave the body to be read as the next request, which is how requests are smuggled past
// a proxy. RFC 9112 6.1: such a request gets 501 and the connection is closed.
std::optional<std::string> unsupported_transfer_encoding(const bhttp::request<bhttp::string_body>& req) {
  const auto [first, end] = req.equal_range(bhttp::field::transfer_encoding);
  if (first == end) return std::nullopt;
  std::string all;
  int fields = 0;
  for (auto it = first; it != end; ++it) {
    if (fields++) all += ", ";
    all.append(it->value().data(), it->value().size());
  }
  std::string_view v(first->value().data(), first->value().size());
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
  // HTTP/1.0 has no transfer codings: its framing is faulty (RFC 9112 6.1).
  if (fields == 1 && req.version() >= 11 && beast::iequals(v, "chunked")) return std::nullopt;
  return all;
}

// A WebSocket keeps the slot its connection had until the session ends, on whichever
// thread lets go of it last (WebSocketSession itself knows nothing of slots).
struct SlotKeeper {
  std::shared_ptr<ConnectionSlots::Slot> slot;
  std::shared_ptr<ServerContext> ctx;  // the slots live in it
  void operator()(WebSocketSession* session) {
    delete session;
    slot.reset();
    ctx.reset();
  }
};
// The value of `name` in the target's query ("/api/stats?step=60" -> "60"), "" when absent.
// No percent-decoding: the values asked for here are plain words.
std::string_view query_param(std::string_view target, std::string_view name) {
  const auto q = target.find('?');
  if (q == std::string_view::npos) return "";
  std::string_view rest = target.substr(q + 1);
  while (!rest.empty()) {
    const auto amp = rest.find('&');
    const std::string_view pair = rest.substr(0, amp);
    const auto eq = pair.find('=');
    if (pair.substr(0, eq) == name) return eq == std::string_view::npos ? "" : pair.substr(eq + 1);
    if (amp == std::string_view::npos) break;
    rest.remove_prefix(amp + 1);
  }
  return "";
}

}  // namespace

HttpSession::HttpSession(net::ip::tcp::socket&& socket, std::shared_ptr<ServerContext> ctx,
                         std::unique_ptr<ConnectionSlots::Slot> slot)
    : ctx_(std::move(ctx)), slot_(std::move(slot)), stream_(std::move(socket)), accepted_(clock::now()) {}

void HttpSession::run() {
  net::dispatch(stream_.get_executor(), beast::bind_front_handler(&HttpSession::wait_for_request, shared_from_this()));
}

std::chrono::milliseconds HttpSession::header_timeout() const {
  return in_reserve() ? std::min(ctx_->header_timeout, ctx_->reserve_header_timeout) : ctx_->header_timeout;
}

void HttpSession::wait_for_request() {
  parser_.emplace();
  head_ = false;
  parser_->header_limit(kHeaderLimit);
  parser_->body_limit(kBodyLimit);
  // Pipelined: the next request has begun already.
  if (buffer_.size() > 0) return read_request(clock::now() + header_timeout());
  // In the reserve a connection may make room until its request is complete; in the
  // general slots, until the first byte of a request arrives (as nginx reuses them).
  slot_->may_evict([weak = weak_from_this()] {
    if (auto self = weak.lock()) self->evicted();
  });
  stream_.expires_at(first_request_ ? accepted_ + header_timeout() : clock::now() + ctx_->keep_alive_timeout);
  stream_.async_read_some(buffer_.prepare(kFirstRead),
                          beast::bind_front_handler(&HttpSession::on_first_bytes, shared_from_this()));
}

void HttpSession::on_first_bytes(beast::error_code ec, std::size_t bytes) {
  if (ec) {
    // A new connection silent for --header-timeout (a later one idle past the keep-alive
    // timeout is just done).
    if (ec == beast::error::timeout && first_request_) ctx_->refused(Refusal::header_timeout);
    beast::error_code ignored;
    stream_.socket().shutdown(net::ip::tcp::socket::shutdown_send, ignored);
    return;
  }
  buffer_.commit(bytes);
  if (!in_reserve()) slot_->keep();
  read_request(first_request_ ? accepted_ + header_timeout() : clock::now() + header_timeout());
}

void HttpSession::read_request(clock::time_point deadline) {
  stream_.expires_at(deadline);
  bhttp::async_read(stream_, buffer_, *parser_, beast::bind_front_handler(&HttpSession::on_read, shared_from_this()));
}

void HttpSession::evicted() {
  // The pending read ends with operation_aborted, and the session with it.
  stream_.close();
}

void HttpSession::on_read(beast::error_code ec, std::size_t) {
  if (ec == bhttp::error::end_of_stream || ec == beast::error::timeout || ec == net::error::operation_aborted ||
      ec == net::error::connection_reset || ec == net::error::bad_descriptor) {
    if (ec == beast::error::timeout) ctx_->refused(Refusal::header_timeout);  // begun, not finished: slowloris
    beast::error_code ignored;
    stream_.socket().shutdown(net::ip::tcp::socket::shutdown_send, ignored);
    return;
  }
  slot_->keep();
  first_request_ = false;
  if (ec) {
    // Malformed or oversized request: say so, then close.
    keep_alive_ = false;
    ctx_->refused(Refusal::bad_request);
    const bool too_big = ec == bhttp::error::header_limit || ec == bhttp::error::body_limit;
    text(too_big ? bhttp::status::payload_too_large : bhttp::status::bad_request,
         too_big ? "request too large\n" : "bad request: " + ec.message() + "\n", "text/plain");
    return;
  }
  Request req = parser_->release();
  const std::string target = util::log_excerpt(std::string_view(req.target().data(), req.target().size()));
  try {
    handle(std::move(req));
  } catch (...) {
    failed(target, std::current_exception());
  }
}

void HttpSession::failed(const std::string& target, std::exception_ptr e) {
  const std::string what = "answering " + target + ": " + util::describe_exception(e);
  if (ctx_->threads) ctx_->threads->survived("network", what);
  else log::error(what);
  keep_alive_ = false;
  try {
    text(bhttp::status::internal_server_error, "internal error answering this request; the daemon's log says more\n",
         "text/plain");
  } catch (...) {
    stream_.close();  // cannot even say so
  }
}

template <class Body>
void HttpSession::send(bhttp::response<Body>&& res) {
  res.set(bhttp::field::server, "tapemeasure");
  if (!cors_origin_.empty()) {
    res.set(bhttp::field::access_control_allow_origin, cors_origin_);
    res.set(bhttp::field::vary, "Origin");
  }
  res.keep_alive(keep_alive_);
  // A HEAD answer carries the length of the body it leaves out; recomputing it from the
  // (empty) body would say 0.
  if (!res.has_content_length()) res.prepare_payload();
  auto sp = std::make_shared<bhttp::response<Body>>(std::move(res));
  response_ = sp;
  stream_.expires_after(ctx_->send_timeout);
  bhttp::async_write(stream_, *sp,
                     beast::bind_front_handler(&HttpSession::on_write, shared_from_this(), sp->keep_alive()));
}

void HttpSession::on_write(bool keep_alive, beast::error_code ec, std::size_t) {
  response_.reset();
  if (ec) return;
  if (!keep_alive) {
    beast::error_code ignored;
    stream_.socket().shutdown(net::ip::tcp::socket::shutdown_send, ignored);
    return;
  }
  wait_for_request();
}

void HttpSession::text(bhttp::status status, std::string body, std::string_view type) {
  if (head_) {
    // Headers only: a body after a HEAD answer would be read as the next response.
    bhttp::response<bhttp::empty_body> res{status, version_};
    res.set(bhttp::field::content_type, type);
    res.set(bhttp::field::cache_control, "no-store");
    res.content_length(body.size());
    return send(std::move(res));
  }
  bhttp::response<bhttp::string_body> res{status, version_};
  res.set(bhttp::field::content_type, type);
  res.set(bhttp::field::cache_control, "no-store");
  res.body() = std::move(body);
  send(std::move(res));
}

void HttpSession::busy(std::string_view target) {
  const bool peer = slot_->why() == ConnectionSlots::Why::peer_limit;
  const std::string reason = peer ? "too many connections from this address (--max-connections-per-peer " +
                                        std::to_string(ctx_->max_connections_per_peer) + ")"
                                  : "all connection slots are in use (--max-connections " +
                                        std::to_string(ctx_->max_connections) + ")";
  ctx_->refused(Refusal::reserve_only);
  ctx_->refusals.busy.note([&] {
    return "answered 503 to a request for '" + util::log_excerpt(target) + "': " + reason +
           "; only /healthz and /metrics are answered from the --reserved-connections";
  });
  text(bhttp::status::service_unavailable, "busy: " + reason + "; only /healthz and /metrics are answered now\n",
       "text/plain");
}

void HttpSession::handle(Request&& req) {
  version_ = req.version();
  // A connection in the reserve answers one request: its slot is for the next probe.
  keep_alive_ = req.keep_alive() && !in_reserve();
  head_ = req.method() == bhttp::verb::head;
  cors_origin_.clear();
  if (const auto coding = unsupported_transfer_encoding(req)) {
    keep_alive_ = false;  // the rest of what was sent cannot be told apart from a request
    ctx_->refused(Refusal::transfer_encoding);
    ctx_->refusals.framing.note([&] {
      return "refused request with Transfer-Encoding '" + util::log_excerpt(*coding) + "' (501: only chunked is understood)";
    });
    return text(bhttp::status::not_implemented, "Transfer-Encoding not implemented: only chunked is understood\n",
                "text/plain");
  }
  const std::string host(req[bhttp::field::host]);
  if (!ctx_->guard.host_allowed(host)) {
    ctx_->refused(Refusal::host);
    ctx_->refusals.host.note([&] {
      return "refused request with Host '" + util::log_excerpt(host) + "' (add --allowed-host to permit it)";
    });
    return text(bhttp::status::forbidden, "forbidden: Host '" + host + "' is not this server (see --allowed-host)\n",
                "text/plain");
  }
  const std::string_view target(req.target().data(), req.target().size());
  const std::string_view path = target.substr(0, target.find('?'));
  if (in_reserve() && path != "/healthz" && path != "/metrics") return busy(target);

  if (path == "/ws") return upgrade(std::move(req));
  if (req.method() != bhttp::verb::get && req.method() != bhttp::verb::head)
    return text(bhttp::status::method_not_allowed, "only GET and HEAD\n", "text/plain");

  if (path == "/metrics") return text(bhttp::status::ok, ctx_->metrics_text(), kMetricsType);
  if (path == "/api/stats") {
    // The page of another box that this daemon lets open /ws (--allowed-origin) may read its
    // history too: a window of 24 hours over several daemons needs each one's minutes.
    if (const auto origin = req.find(bhttp::field::origin);
        origin != req.end() && ctx_->guard.origin_allowed(origin->value(), true, host))
      cors_origin_ = std::string(origin->value());
    if (auto body = ctx_->stats_json(query_param(target, "step"), query_param(target, "since")))
      return text(bhttp::status::ok, std::move(*body), "application/json");
    return text(bhttp::status::bad_request,
                "bad request: step is 1 (per second, the default), 60 (per minute) or all; since (with step=60) is "
                "epoch milliseconds\n",
                "text/plain");
  }
  if (path == "/api/rules") return text(bhttp::status::ok, ctx_->rules_json(), "application/json");
  if (path == "/api/view") return text(bhttp::status::ok, ctx_->view_json(), "application/json");
  if (path == "/api/peers") return text(bhttp::status::ok, ctx_->peers_json, "application/json");
  if (path == "/healthz") {
    const auto health = ctx_->healthy();
    return text(health.ok ? bhttp::status::ok : bhttp::status::service_unavailable, health.body,
                "text/plain");
  }

  const auto file = ctx_->files.resolve(target);
  if (!file) return text(bhttp::status::not_found, "not found\n", "text/plain");
  bhttp::file_body::value_type body;
  beast::error_code ec;
  body.open(file->c_str(), beast::file_mode::scan, ec);
  if (ec) return text(bhttp::status::not_found, "not found\n", "text/plain");
  const auto size = body.size();
  if (req.method() == bhttp::verb::head) {
    bhttp::response<bhttp::empty_body> res{bhttp::status::ok, version_};
    res.set(bhttp::field::content_type, StaticFiles::content_type(*file));
    res.content_length(size);
    return send(std::move(res));
  }
  bhttp::response<bhttp::file_body> res{std::piecewise_construct, std::make_tuple(std::move(body)),
                                        std::make_tuple(bhttp::status::ok, version_)};
  res.set(bhttp::field::content_type, StaticFiles::content_type(*file));
  res.set(bhttp::field::cache_control, "no-cache");
  send(std::move(res));
}

void HttpSession::upgrade(Request&& req) {
  if (!beast::websocket::is_upgrade(req))
    return text(bhttp::status::upgrade_required, "/ws is a WebSocket endpoint\n", "text/plain");
  const auto origin = req.find(bhttp::field::origin);
  const bool has_origin = origin != req.end();
  const std::string origin_value = has_origin ? std::string(origin->value()) : "";
  if (!ctx_->guard.origin_allowed(origin_value, has_origin, std::string(req[bhttp::field::host]))) {
    ctx_->refused(Refusal::origin);
    ctx_->refusals.origin.note([&] {
      return "refused WebSocket from Origin '" + util::log_excerpt(origin_value) +
             "' (add --allowed-origin to permit it)";
    });
    keep_alive_ = false;
    return text(bhttp::status::forbidden, "forbidden: Origin not allowed (see --allowed-origin)\n", "text/plain");
  }
  // The WebSocket takes over the socket and the slot; Beast's suggested server timeouts
  // (websocket_session.cpp) bound it from here.
  stream_.expires_never();
  std::shared_ptr<WebSocketSession> ws(new WebSocketSession(stream_.release_socket(), ctx_),
                                       SlotKeeper{std::move(slot_), ctx_});
  ws->run(std::move(req));
}

}  // namespace tapemeasure::http
