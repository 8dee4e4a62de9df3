#include "http/websocket_session.hpp"

#include <nlohmann/json.hpp>

#include "util/log.hpp"

namespace tapemeasure::http {

namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace net = boost::asio;

WebSocketSession::WebSocketSession(net::ip::tcp::socket&& socket, std::shared_ptr<ServerContext> ctx)
    : ws_(std::move(socket)), ctx_(std::move(ctx)) {
  ++ctx_->connections;
}

WebSocketSession::~WebSocketSession() { --ctx_->connections; }

void WebSocketSession::run(beast::http::request<beast::http::string_body> req) {
  ws_.set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
  websocket::permessage_deflate pmd;
  pmd.server_enable = true;
  pmd.compLevel = 1;  // frames are many and small: cheap compression beats tight compression
  pmd.memLevel = 4;
  ws_.set_option(pmd);
  ws_.read_message_max(ctx_->max_ws_message_bytes);
  ws_.set_option(websocket::stream_base::decorator(
      [](websocket::response_type& res) { res.set(beast::http::field::server, "tapemeasure"); }));
  ws_.async_accept(req, beast::bind_front_handler(&WebSocketSession::on_accept, shared_from_this()));
}

void WebSocketSession::on_accept(beast::error_code ec) {
  if (ec) {
    log::debug("ws accept: " + ec.message());
    return;
  }
  open_ = true;
  ctx_->ws_opened(shared_from_this());
  do_read();
}

void WebSocketSession::do_read() {
  ws_.async_read(buffer_, beast::bind_front_handler(&WebSocketSession::on_read, shared_from_this()));
}

void WebSocketSession::on_read(beast::error_code ec, std::size_t) {
  if (ec) {
    if (ec == websocket::error::message_too_big) log::warn("ws client sent an oversized message; closing it");
    else if (ec != websocket::error::closed && ec != net::error::operation_aborted) log::debug("ws read: " + ec.message());
    closed();
    return;
  }
  if (!ws_.got_text()) {
    send_error("binary messages are not understood; send JSON text");
  } else {
    handle_message(beast::buffers_to_string(buffer_.data()));
  }
  buffer_.consume(buffer_.size());
  do_read();
}

void WebSocketSession::handle_message(const std::string& text) {
  const auto j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    send_error("messages are JSON objects: {\"filter\":{\"types\":[...]}} or {\"max_rate\":N}");
    return;
  }
  if (auto f = j.find("filter"); f != j.end()) {
    if (f->is_null() || (f->is_object() && !f->contains("types"))) {
      ctx_->ws_filter(this, {}, true);
    } else if (f->is_object() && (*f)["types"].is_array()) {
      std::vector<std::string> types;
      for (const auto& t : (*f)["types"])
        if (t.is_string()) types.push_back(t.get<std::string>());
      ctx_->ws_filter(this, std::move(types), false);
    } else {
      send_error("filter must be {\"types\": [\"delivered\", ...]} (or null for everything)");
    }
  }
  if (auto r = j.find("max_rate"); r != j.end()) {
    if (r->is_number() && r->get<double>() >= 0) ctx_->ws_max_rate(this, r->get<double>());
    else send_error("max_rate must be a number >= 0");
  }
}

void WebSocketSession::send_error(const std::string& message) {
  nlohmann::json j = {{"error", message}};
  deliver(std::make_shared<const std::string>(j.dump()));
}

void WebSocketSession::deliver(std::shared_ptr<const std::string> frame) {
  queued_bytes.fetch_add(frame->size(), std::memory_order_relaxed);
  net::post(ws_.get_executor(), [self = shared_from_this(), frame = std::move(frame)]() mutable {
    if (!self->open_) {
      self->queued_bytes.fetch_sub(frame->size(), std::memory_order_relaxed);
      return;
    }
    self->queue_.push_back(std::move(frame));
    if (self->queue_.size() == 1) self->do_write();
  });
}

void WebSocketSession::do_write() {
  ws_.text(true);
  ws_.async_write(net::buffer(*queue_.front()),
                  beast::bind_front_handler(&WebSocketSession::on_write, shared_from_this()));
}

void WebSocketSession::on_write(beast::error_code ec, std::size_t) {
  queued_bytes.fetch_sub(queue_.front()->size(), std::memory_order_relaxed);
  queue_.pop_front();
  if (ec) {
    open_ = false;
    for (const auto& f : queue_) queued_bytes.fetch_sub(f->size(), std::memory_order_relaxed);
    queue_.clear();
    closed();
    return;
  }
  if (!queue_.empty()) do_write();
}

void WebSocketSession::close_stuck() {
  net::post(ws_.get_executor(), [self = shared_from_this()] {
    log::warn("closing a WebSocket client that stopped reading");
    self->open_ = false;
    beast::get_lowest_layer(self->ws_).close();  // a close frame would queue behind the backlog
  });
}

void WebSocketSession::close_going_away() {
  net::post(ws_.get_executor(), [self = shared_from_this()] {
    if (!self->open_) return;
    self->open_ = false;
    self->ws_.async_close(websocket::close_code::going_away, [self](beast::error_code) {});
  });
}

void WebSocketSession::closed() {
  open_ = false;
  if (closed_reported_) return;
  closed_reported_ = true;
  ctx_->ws_closed(this);
}

}  // namespace tapemeasure::http
