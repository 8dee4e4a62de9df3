#include "http/websocket_session.hpp"

#include <nlohmann/json.hpp>

#include <string_view>

#include "http/client_message.hpp"
#include "util/log.hpp"

namespace tapemeasure::http {

namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace net = boost::asio;

WebSocketSession::WebSocketSession(net::ip::tcp::socket&& socket, std::shared_ptr<ServerContext> ctx)
    : ws_(std::move(socket)), ctx_(std::move(ctx)), cap_wait_(ws_.get_executor()) {}

void WebSocketSession::run(beast::http::request<beast::http::string_body> req) {
  ws_.set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
  // Bytes the kernel holds for a stalled client reach it in one burst when it reads on, out
  // of our reach: keep that small (autotuning would grow it to megabytes). 64 KiB is still
  // ~1 s of events at the cap for a link with 200 ms of round trip.
  boost::system::error_code ignored;
  beast::get_lowest_layer(ws_).socket().set_option(net::socket_base::send_buffer_size(kSendBufferBytes), ignored);
  // Small frames and pings must not wait for Nagle: the pongs are the cap's clock.
  beast::get_lowest_layer(ws_).socket().set_option(net::ip::tcp::no_delay(true), ignored);
  websocket::permessage_deflate pmd;
  pmd.server_enable = true;
  pmd.compLevel = 1;  // frames are many and small: cheap compression beats tight compression
  pmd.memLevel = 4;
  ws_.set_option(pmd);
  ws_.read_message_max(ctx_->max_ws_message_bytes);
  // Pongs arrive while a read is pending (there always is one): the raw `this` is safe,
  // the callback lives in ws_, which this session owns.
  ws_.control_callback([this](websocket::frame_type kind, beast::string_view payload) {
    if (kind == websocket::frame_type::pong) on_pong(std::string_view(payload.data(), payload.size()));
  });
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
  const ClientRequest req = parse_client_message(text);
  for (const auto& e : req.errors) send_error(e);
  if (req.filter) ctx_->ws_filter(this, req.filter->types, req.filter->all);
  if (req.max_rate) ctx_->ws_max_rate(this, *req.max_rate);
}

void WebSocketSession::send_error(const std::string& message) {
  nlohmann::json j = {{"error", message}, {"daemon", ctx_->daemon_name}};
  auto frame = std::make_shared<const std::string>(j.dump());
  if (queued_bytes.load(std::memory_order_relaxed) + frame->size() > ctx_->max_ws_queued_bytes) {
    // A client that sends junk and never reads: the answer is lost, counted, logged rarely.
    const auto n = ++ctx_->ws_error_frames_refused;
    if ((n & (n - 1)) == 0)
      log::warn("a WebSocket client's queue is full: " + std::to_string(n) + " error frame(s) not queued so far");
    return;
  }
  deliver(std::move(frame));
}

void WebSocketSession::deliver(std::shared_ptr<const std::string> frame, stream::FrameCounts counts) {
  queued_bytes.fetch_add(frame->size(), std::memory_order_relaxed);
  net::post(ws_.get_executor(), [self = shared_from_this(), frame = std::move(frame), counts]() mutable {
    if (!self->open_) {
      self->queued_bytes.fetch_sub(frame->size(), std::memory_order_relaxed);
      if (counts.events) self->events_discarded.fetch_add(counts.events, std::memory_order_relaxed);
      return;
    }
    const auto now = std::chrono::steady_clock::now();
    if (self->receipt_.stuck(now)) {
      self->queued_bytes.fetch_sub(frame->size(), std::memory_order_relaxed);
      if (counts.events) self->events_discarded.fetch_add(counts.events, std::memory_order_relaxed);
      self->receipt_.ping_failed();  // close once
      self->close_stuck();
      return;
    }
    self->queue_.push_back({std::move(frame), counts, now});
    if (!self->writing_) self->do_write();
  });
}

void WebSocketSession::wait_until(std::chrono::steady_clock::time_point when) {
  cap_wait_.expires_at(when);  // cancels an earlier wait
  cap_wait_.async_wait([self = shared_from_this()](beast::error_code ec) {
    if (ec || !self->open_ || self->writing_) return;
    self->do_write();
  });
}

void WebSocketSession::maybe_ping(bool room_wanted) {
  if (!open_ || ping_writing_) return;
  const auto count = receipt_.ping_due(std::chrono::steady_clock::now(), room_wanted);
  if (!count) return;
  ping_writing_ = true;
  ws_.async_ping(websocket::ping_data(std::to_string(*count).c_str()), [self = shared_from_this()](beast::error_code ec) {
    self->ping_writing_ = false;
    if (ec) self->receipt_.ping_failed();  // closing anyway
    else self->maybe_ping();               // its pong may have come already
  });
}

void WebSocketSession::on_pong(std::string_view payload) {
  if (!receipt_.acknowledge(payload, std::chrono::steady_clock::now())) return;
  maybe_ping();
  if (open_ && !writing_ && !queue_.empty()) do_write();  // a frame may wait for this pong
}

void WebSocketSession::discard_head() {
  const Queued& q = queue_.front();
  queued_bytes.fetch_sub(q.frame->size(), std::memory_order_relaxed);
  events_discarded.fetch_add(q.counts.events, std::memory_order_relaxed);
  drops_unreported.fetch_add(q.counts.dropped, std::memory_order_relaxed);
  queue_.pop_front();
}

void WebSocketSession::do_write() {
  const auto now = std::chrono::steady_clock::now();
  writing_ = false;
  while (!queue_.empty()) {
    const Queued& q = queue_.front();
    if (q.counts.events == 0) break;  // view, stats and error frames always go
    std::chrono::steady_clock::time_point retry_at;
    const auto fit = receipt_.fits(max_rate.load(std::memory_order_relaxed), q.counts.events, q.made, now, retry_at);
    if (fit == stream::ReceiptWindow::Fit::now) break;
    if (fit == stream::ReceiptWindow::Fit::never) {
      discard_head();
      continue;
    }
    maybe_ping(true);  // the pong may make room before retry_at
    wait_until(retry_at);
    return;
  }
  if (queue_.empty()) return;
  writing_ = true;
  const Queued& q = queue_.front();
  if (q.counts.events) {
    receipt_.written(q.counts.events);
    events_written.fetch_add(q.counts.events, std::memory_order_relaxed);
  }
  ws_.text(true);
  ws_.async_write(net::buffer(*q.frame), beast::bind_front_handler(&WebSocketSession::on_write, shared_from_this()));
}

void WebSocketSession::on_write(beast::error_code ec, std::size_t) {
  queued_bytes.fetch_sub(queue_.front().frame->size(), std::memory_order_relaxed);
  queue_.pop_front();
  if (ec) {
    open_ = false;
    writing_ = false;
    for (const auto& q : queue_) {
      queued_bytes.fetch_sub(q.frame->size(), std::memory_order_relaxed);
      events_discarded.fetch_add(q.counts.events, std::memory_order_relaxed);
    }
    queue_.clear();
    closed();
    return;
  }
  maybe_ping();
  do_write();
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
  cap_wait_.cancel();
  if (closed_reported_) return;
  closed_reported_ = true;
  ctx_->ws_closed(this);
}

}  // namespace tapemeasure::http
