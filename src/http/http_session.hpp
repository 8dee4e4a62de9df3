#pragma once
// One HTTP connection: reads requests (bounded header and body, idle timeout), answers
// /metrics, /api/*, /healthz and static files, and hands WebSocket upgrades on /ws to a
// WebSocketSession after the Host and Origin checks.
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <memory>
#include <optional>

#include "http/server_context.hpp"

namespace tapemeasure::http {

class HttpSession : public std::enable_shared_from_this<HttpSession> {
 public:
  HttpSession(boost::asio::ip::tcp::socket&& socket, std::shared_ptr<ServerContext> ctx);
  ~HttpSession();
  void run();

 private:
  void do_read();
  void on_read(boost::beast::error_code ec, std::size_t bytes);
  template <class Body>
  void send(boost::beast::http::response<Body>&& res);
  void on_write(bool keep_alive, boost::beast::error_code ec, std::size_t bytes);
  void handle(boost::beast::http::request<boost::beast::http::string_body>&& req);
  void text(boost::beast::http::status status, std::string body, std::string_view type);

  boost::beast::tcp_stream stream_;
  boost::beast::flat_buffer buffer_;
  std::shared_ptr<ServerContext> ctx_;
  std::optional<boost::beast::http::request_parser<boost::beast::http::string_body>> parser_;
  unsigned version_ = 11;
  bool keep_alive_ = false;
  bool head_ = false;  // the request being answered is a HEAD: headers only
  std::shared_ptr<void> response_;  // keeps the response being written alive
};

}  // namespace tapemeasure::http
