#pragma once
// One browser on /ws: writes the frames the hub hands it, one at a time, and reads the
// client's filter and max_rate requests. The hub bounds what can queue here (queued_bytes).
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

#include <deque>
#include <memory>
#include <string>

#include "http/server_context.hpp"
#include "stream/client_sink.hpp"

namespace tapemeasure::http {

class WebSocketSession : public stream::ClientSink, public std::enable_shared_from_this<WebSocketSession> {
 public:
  WebSocketSession(boost::asio::ip::tcp::socket&& socket, std::shared_ptr<ServerContext> ctx);
  ~WebSocketSession() override;

  void run(boost::beast::http::request<boost::beast::http::string_body> req);

  void deliver(std::shared_ptr<const std::string> frame) override;
  void close_stuck() override;
  void close_going_away() override;

 private:
  void on_accept(boost::beast::error_code ec);
  void do_read();   // the client's requests: filter, max_rate
  void on_read(boost::beast::error_code ec, std::size_t bytes);
  void handle_message(const std::string& text);
  void do_write();  // the head of the frame queue
  void on_write(boost::beast::error_code ec, std::size_t bytes);
  void send_error(const std::string& message);
  void closed();

  boost::beast::websocket::stream<boost::beast::tcp_stream> ws_;
  std::shared_ptr<ServerContext> ctx_;
  boost::beast::flat_buffer buffer_;
  std::deque<std::shared_ptr<const std::string>> queue_;
  bool open_ = false;
  bool closed_reported_ = false;
};

}  // namespace tapemeasure::http
