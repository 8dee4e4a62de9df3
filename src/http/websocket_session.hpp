#pragma once
// One browser on /ws: writes the frames the hub hands it, one at a time, and reads the
// client's filter and max_rate requests. The hub bounds what can queue here in bytes
// (queued_bytes); this session bounds it in time and keeps the cap where the client
// receives: an event frame older than kMaxFrameAge, or one that would put more than the
// client's max_rate events in the last second of writes, is thrown away and its events
// reported as dropped. So a client that stalls (TCP backpressure) and reads on gets no
// burst of stale events. (What the kernel's socket buffers already hold is beyond reach.)
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

#include <chrono>
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

  using stream::ClientSink::deliver;
  void deliver(std::shared_ptr<const std::string> frame, stream::FrameCounts counts) override;

  static constexpr std::chrono::seconds kMaxFrameAge{1};
  static constexpr int kSendBufferBytes = 64 * 1024;
  void close_stuck() override;
  void close_going_away() override;

 private:
  void on_accept(boost::beast::error_code ec);
  void do_read();   // the client's requests: filter, max_rate
  void on_read(boost::beast::error_code ec, std::size_t bytes);
  void handle_message(const std::string& text);
  void do_write();  // the head of the frame queue, after dropping what must not be sent
  // True if the head frame is too old or over the cap at receipt (then it is dropped).
  bool head_must_go(std::chrono::steady_clock::time_point now);
  void discard_head();
  void on_write(boost::beast::error_code ec, std::size_t bytes);
  void send_error(const std::string& message);
  void closed();

  boost::beast::websocket::stream<boost::beast::tcp_stream> ws_;
  std::shared_ptr<ServerContext> ctx_;
  boost::beast::flat_buffer buffer_;
  struct Queued {
    std::shared_ptr<const std::string> frame;
    stream::FrameCounts counts;
    std::chrono::steady_clock::time_point made;
  };
  std::deque<Queued> queue_;  // the head is being written
  bool writing_ = false;
  // Events written in the last second, by write time: the cap as the client receives it.
  std::deque<std::pair<std::chrono::steady_clock::time_point, std::uint32_t>> written_;
  std::uint64_t written_last_second_ = 0;
  bool open_ = false;
  bool closed_reported_ = false;
};

}  // namespace tapemeasure::http
