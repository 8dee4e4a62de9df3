#pragma once
// One HTTP connection: reads requests (bounded header and body, header and keep-alive
// timeouts), answers /metrics, /api/*, /healthz and static files, and hands WebSocket
// upgrades on /ws to a WebSocketSession after the Host and Origin checks. It holds one of
// the ConnectionSlots: in the reserve it answers one /healthz or /metrics request and
// closes; while it waits for a request it may be closed to make room for a newcomer.
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <chrono>
#include <exception>
#include <memory>
#include <optional>
#include <string>

#include "http/connection_slots.hpp"
#include "http/server_context.hpp"

namespace tapemeasure::http {

class HttpSession : public std::enable_shared_from_this<HttpSession> {
 public:
  HttpSession(boost::asio::ip::tcp::socket&& socket, std::shared_ptr<ServerContext> ctx,
              std::unique_ptr<ConnectionSlots::Slot> slot);
  void run();

 private:
  using clock = std::chrono::steady_clock;
  using Request = boost::beast::http::request<boost::beast::http::string_body>;

  // No byte of the next request yet: the connection may be closed to make room.
  void wait_for_request();
  void on_first_bytes(boost::beast::error_code ec, std::size_t bytes);
  void read_request(clock::time_point deadline);
  void on_read(boost::beast::error_code ec, std::size_t bytes);
  void evicted();
  std::chrono::milliseconds header_timeout() const;
  bool in_reserve() const { return slot_ && slot_->pool() == ConnectionSlots::Pool::reserve; }
  template <class Body>
  void send(boost::beast::http::response<Body>&& res);
  void on_write(bool keep_alive, boost::beast::error_code ec, std::size_t bytes);
  void handle(Request&& req);
  // What handle() threw: answered 500, the connection closed, counted as survived.
  void failed(const std::string& target, std::exception_ptr e);
  void busy(std::string_view target);
  void upgrade(Request&& req);
  void text(boost::beast::http::status status, std::string body, std::string_view type);

  std::shared_ptr<ServerContext> ctx_;  // before slot_: the slots live in it
  std::unique_ptr<ConnectionSlots::Slot> slot_;
  boost::beast::tcp_stream stream_;
  boost::beast::flat_buffer buffer_;
  std::optional<boost::beast::http::request_parser<boost::beast::http::string_body>> parser_;
  clock::time_point accepted_;
  bool first_request_ = true;  // its header timeout runs from the accept
  unsigned version_ = 11;
  bool keep_alive_ = false;
  bool head_ = false;  // the request being answered is a HEAD: headers only
  // The page origin allowed to read this answer across origins (a UI merging several
  // daemons reads each one's /api/stats); empty: no CORS header.
  std::string cors_origin_;
  std::shared_ptr<void> response_;  // keeps the response being written alive
};

}  // namespace tapemeasure::http
