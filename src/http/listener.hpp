#pragma once
// Accepts TCP connections on --listen and starts an HttpSession for each in the slot the
// ConnectionSlots give it (connection_slots.hpp: the cap, the per-peer limit, the reserve
// for /healthz and /metrics), so that idle or slow sockets cannot exhaust the daemon.
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
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
  // Gives the connection a slot and a session, or closes it when there is no slot.
  void admit(boost::asio::ip::tcp::socket socket);

  boost::asio::io_context& ioc_;
  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::steady_timer retry_;  // after a failed accept (e.g. out of file descriptors)
  std::shared_ptr<ServerContext> ctx_;
};

}  // namespace tapemeasure::http
