#pragma once
// Accepts TCP connections on --listen and starts an HttpSession for each, refusing
// connections beyond the cap so that idle sockets cannot exhaust the daemon.
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "http/server_context.hpp"

namespace tapemeasure::http {

class Listener : public std::enable_shared_from_this<Listener> {
 public:
  // Throws std::runtime_error with a one-line message (e.g. the port is in use).
  Listener(boost::asio::io_context& ioc, const boost::asio::ip::tcp::endpoint& endpoint,
           std::shared_ptr<ServerContext> ctx);
  void run() { do_accept(); }
  void stop();
  boost::asio::ip::tcp::endpoint local_endpoint() const { return acceptor_.local_endpoint(); }

 private:
  void do_accept();
  void on_accept(boost::system::error_code ec, boost::asio::ip::tcp::socket socket);

  boost::asio::io_context& ioc_;
  boost::asio::ip::tcp::acceptor acceptor_;
  std::uint64_t refused_ = 0;  // over --max-connections, so far
  std::chrono::steady_clock::time_point refused_logged_{};
  boost::asio::steady_timer retry_;  // after a failed accept (e.g. out of file descriptors)
  std::shared_ptr<ServerContext> ctx_;
};

}  // namespace tapemeasure::http
