#pragma once
// One browser on /ws: writes the frames the hub hands it, one at a time, and reads the
// client's filter and max_rate requests. The hub bounds what can queue here in bytes
// (queued_bytes); this session bounds it in time and keeps the cap where the client
// receives (DESIGN.md: no client receives more than its cap in any one-second window).
//
// Write times are not receipt times: a client that stops reading leaves what was written
// in the kernel's buffers (its own receive buffer alone holds seconds of compressed
// events), and it all arrives at once when it reads on. So the session asks the client:
// after writing events it sends a ping carrying how many events it has written so far,
// and the pong (every WebSocket client answers pings, in order with the data) says the
// client has read up to there. An event counts against the cap from when it is written
// until a second after its pong: any one second of receipt then holds at most
// `in flight + acknowledged in the last second` events, which is kept <= 98% of max_rate. A
// frame that would go over waits for a pong or for an acknowledged event to leave the
// window; frames older than kMaxFrameAge are thrown away and reported as dropped. So a
// stalled client has at most a cap's worth in flight, and gets at most a second's backlog.
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
  static constexpr std::chrono::seconds kPongTimeout{30};
  void close_stuck() override;
  void close_going_away() override;

 private:
  void on_accept(boost::beast::error_code ec);
  void do_read();   // the client's requests: filter, max_rate
  void on_read(boost::beast::error_code ec, std::size_t bytes);
  void handle_message(const std::string& text);
  void do_write();  // the head of the frame queue, after dropping what must not be sent
  // How many events the client may receive in one second: 98% of max_rate, as the hub's
  // bucket. Below 50/s 2% is less than one event; the bucket's spacing leaves the slack.
  double receipt_budget() const;
  // When the head frame may go without the client receiving more than the budget in a
  // second: now, a later time (or a pong, whichever comes first), or never (too many events).
  enum class Fit { now, later, never };
  Fit head_fits(std::chrono::steady_clock::time_point now, std::chrono::steady_clock::time_point& retry_at);
  void wait_until(std::chrono::steady_clock::time_point when);
  void discard_head();
  void on_write(boost::beast::error_code ec, std::size_t bytes);
  void send_error(const std::string& message);
  void closed();
  // Pings with the count of events written, unless a ping is out and not yet answered.
  void maybe_ping();
  void on_pong(std::string_view payload);
  void expire_acknowledged(std::chrono::steady_clock::time_point now);

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
  // The cap as the client receives it: events written, events the client's pongs have
  // acknowledged, and those acknowledged in the last second (by pong time).
  std::uint64_t events_written_ = 0;
  std::uint64_t events_acknowledged_ = 0;
  std::uint64_t ping_outstanding_for_ = 0;  // 0: no ping awaiting its pong
  bool ping_writing_ = false;               // Beast allows one ping write at a time
  std::chrono::steady_clock::time_point ping_sent_at_{};
  std::deque<std::pair<std::chrono::steady_clock::time_point, std::uint64_t>> acknowledged_;
  std::uint64_t acknowledged_last_second_ = 0;
  bool open_ = false;
  bool closed_reported_ = false;
};

}  // namespace tapemeasure::http
