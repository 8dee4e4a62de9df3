#pragma once
// One browser on /ws: writes the frames the hub hands it, one at a time, and reads the
// client's filter and max_rate requests. The hub bounds what can queue here in bytes
// (queued_bytes); this session bounds it in time and keeps the cap where the client
// receives, by the rules of stream::ReceiptWindow (pings carry the count of events
// written; pongs acknowledge them).
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

#include <chrono>
#include <deque>
#include <memory>
#include <string>

#include "http/server_context.hpp"
#include "stream/client_sink.hpp"
#include "stream/receipt_window.hpp"

namespace tapemeasure::http {

class WebSocketSession : public stream::ClientSink, public std::enable_shared_from_this<WebSocketSession> {
 public:
  WebSocketSession(boost::asio::ip::tcp::socket&& socket, std::shared_ptr<ServerContext> ctx);

  void run(boost::beast::http::request<boost::beast::http::string_body> req);

  using stream::ClientSink::deliver;
  void deliver(std::shared_ptr<const std::string> frame, stream::FrameCounts counts) override;

  static constexpr int kSendBufferBytes = 64 * 1024;
  void close_stuck() override;
  void close_going_away() override;

 private:
  void on_accept(boost::beast::error_code ec);
  void do_read();   // the client's requests: filter, max_rate
  void on_read(boost::beast::error_code ec, std::size_t bytes);
  void handle_message(const std::string& text);
  void do_write();  // the head of the frame queue, after dropping what must not be sent
  void wait_until(std::chrono::steady_clock::time_point when);
  void discard_head();
  void on_write(boost::beast::error_code ec, std::size_t bytes);
  void send_error(const std::string& message);
  void closed();
  // Pings with the count of events written, unless a ping is out and not yet answered.
  void maybe_ping(bool room_wanted = false);  // see ReceiptWindow::ping_due
  void on_pong(std::string_view payload);

  boost::beast::websocket::stream<boost::beast::tcp_stream> ws_;
  std::shared_ptr<ServerContext> ctx_;
  boost::beast::flat_buffer buffer_;
  struct Queued {
    std::shared_ptr<const std::string> frame;
    stream::FrameCounts counts;
    std::chrono::steady_clock::time_point made;
  };
  std::deque<Queued> queue_;  // the head is being written, or waits for the cap
  bool writing_ = false;
  boost::asio::steady_timer cap_wait_;  // wakes a head frame that waits for the cap
  stream::ReceiptWindow receipt_;  // the cap as the client receives it
  bool ping_writing_ = false;      // Beast allows one ping write at a time
  bool open_ = false;
  bool closed_reported_ = false;
};

}  // namespace tapemeasure::http
