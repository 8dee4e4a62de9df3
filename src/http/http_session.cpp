#include "http/http_session.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/beast/websocket.hpp>

#include "http/websocket_session.hpp"
#include "util/log.hpp"

namespace tapemeasure::http {

namespace beast = boost::beast;
namespace bhttp = beast::http;
namespace net = boost::asio;
using namespace std::chrono_literals;

namespace {
constexpr std::uint32_t kHeaderLimit = 16 * 1024;
constexpr std::uint64_t kBodyLimit = 64 * 1024;  // nothing here takes a body; be strict
constexpr auto kIdleTimeout = 30s;
constexpr const char* kMetricsType = "text/plain; version=0.0.4; charset=utf-8";
}  // namespace

HttpSession::HttpSession(net::ip::tcp::socket&& socket, std::shared_ptr<ServerContext> ctx)
    : stream_(std::move(socket)), ctx_(std::move(ctx)) {
  ++ctx_->connections;
}

HttpSession::~HttpSession() { --ctx_->connections; }

void HttpSession::run() {
  net::dispatch(stream_.get_executor(), beast::bind_front_handler(&HttpSession::do_read, shared_from_this()));
}

void HttpSession::do_read() {
  parser_.emplace();
  head_ = false;
  parser_->header_limit(kHeaderLimit);
  parser_->body_limit(kBodyLimit);
  stream_.expires_after(kIdleTimeout);
  bhttp::async_read(stream_, buffer_, *parser_, beast::bind_front_handler(&HttpSession::on_read, shared_from_this()));
}

void HttpSession::on_read(beast::error_code ec, std::size_t) {
  if (ec == bhttp::error::end_of_stream || ec == beast::error::timeout || ec == net::error::operation_aborted ||
      ec == net::error::connection_reset) {
    beast::error_code ignored;
    stream_.socket().shutdown(net::ip::tcp::socket::shutdown_send, ignored);
    return;
  }
  if (ec) {
    // Malformed or oversized request: say so, then close.
    keep_alive_ = false;
    const bool too_big = ec == bhttp::error::header_limit || ec == bhttp::error::body_limit;
    text(too_big ? bhttp::status::payload_too_large : bhttp::status::bad_request,
         too_big ? "request too large\n" : "bad request: " + ec.message() + "\n", "text/plain");
    return;
  }
  handle(parser_->release());
}

template <class Body>
void HttpSession::send(bhttp::response<Body>&& res) {
  res.set(bhttp::field::server, "tapemeasure");
  res.keep_alive(keep_alive_);
  // A HEAD answer carries the length of the body it leaves out; recomputing it from the
  // (empty) body would say 0.
  if (!res.has_content_length()) res.prepare_payload();
  auto sp = std::make_shared<bhttp::response<Body>>(std::move(res));
  response_ = sp;
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
  do_read();
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

void HttpSession::handle(bhttp::request<bhttp::string_body>&& req) {
  version_ = req.version();
  keep_alive_ = req.keep_alive();
  head_ = req.method() == bhttp::verb::head;
  const std::string host(req[bhttp::field::host]);
  if (!ctx_->guard.host_allowed(host)) {
    log::warn("refused request with Host '" + host + "' (add --allowed-host to permit it)");
    return text(bhttp::status::forbidden, "forbidden: Host '" + host + "' is not this server (see --allowed-host)\n",
                "text/plain");
  }
  const std::string_view target(req.target().data(), req.target().size());
  const std::string_view path = target.substr(0, target.find('?'));

  if (path == "/ws") {
    if (!beast::websocket::is_upgrade(req))
      return text(bhttp::status::upgrade_required, "/ws is a WebSocket endpoint\n", "text/plain");
    const auto origin = req.find(bhttp::field::origin);
    const bool has_origin = origin != req.end();
    const std::string origin_value = has_origin ? std::string(origin->value()) : "";
    if (!ctx_->guard.origin_allowed(origin_value, has_origin, host)) {
      log::warn("refused WebSocket from Origin '" + origin_value + "' (add --allowed-origin to permit it)");
      keep_alive_ = false;
      return text(bhttp::status::forbidden, "forbidden: Origin not allowed (see --allowed-origin)\n", "text/plain");
    }
    stream_.expires_never();
    std::make_shared<WebSocketSession>(stream_.release_socket(), ctx_)->run(std::move(req));
    return;
  }
  if (req.method() != bhttp::verb::get && req.method() != bhttp::verb::head)
    return text(bhttp::status::method_not_allowed, "only GET and HEAD\n", "text/plain");

  if (path == "/metrics") return text(bhttp::status::ok, ctx_->metrics_text(), kMetricsType);
  if (path == "/api/stats") return text(bhttp::status::ok, ctx_->stats_json(), "application/json");
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

}  // namespace tapemeasure::http
