#include "http/listener.hpp"

#include <boost/asio/strand.hpp>

#include <stdexcept>

#include "http/http_session.hpp"
#include "util/log.hpp"

namespace tapemeasure::http {

namespace net = boost::asio;

Listener::Listener(net::io_context& ioc, const net::ip::tcp::endpoint& endpoint, std::shared_ptr<ServerContext> ctx)
    : ioc_(ioc), acceptor_(ioc), retry_(ioc), ctx_(std::move(ctx)) {
  boost::system::error_code ec;
  const auto where = endpoint.address().to_string() + ":" + std::to_string(endpoint.port());
  acceptor_.open(endpoint.protocol(), ec);
  if (!ec) acceptor_.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_.bind(endpoint, ec);
  if (ec == net::error::address_in_use)
    throw std::runtime_error("cannot listen on " + where + ": address already in use (another tapemeasure? pick one with --listen)");
  if (!ec) acceptor_.listen(net::socket_base::max_listen_connections, ec);
  if (ec) throw std::runtime_error("cannot listen on " + where + ": " + ec.message());
  // Port 0 asks the kernel for a free port: the Host check must accept the one it gave.
  if (endpoint.port() == 0) ctx_->guard.add_port(acceptor_.local_endpoint().port());
}

void Listener::stop() {
  boost::system::error_code ignored;
  retry_.cancel();
  acceptor_.close(ignored);
}

void Listener::do_accept() {
  acceptor_.async_accept(ioc_, [self = shared_from_this()](boost::system::error_code ec, net::ip::tcp::socket s) {
    self->on_accept(ec, std::move(s));
  });
}

void Listener::on_accept(boost::system::error_code ec, net::ip::tcp::socket socket) {
  if (ec == net::error::operation_aborted || !acceptor_.is_open()) return;  // stopped
  if (ec) {
    // Out of file descriptors (EMFILE) and the like fail again at once: accepting straight
    // away would spin a core and flood the log. Pause, then accept again.
    log::warn("accept: " + ec.message() + "; pausing new connections for 100 ms");
    retry_.expires_after(std::chrono::milliseconds(100));
    retry_.async_wait([self = shared_from_this()](boost::system::error_code e) {
      if (!e) self->do_accept();
    });
    return;
  } else if (ctx_->connections.load() >= ctx_->max_connections) {
    // At most one line a second with a count: a flood of connections must not flood the log.
    ++refused_;
    const auto now = std::chrono::steady_clock::now();
    if (now - refused_logged_ >= std::chrono::seconds(1)) {
      log::warn("refusing connections: already " + std::to_string(ctx_->max_connections) +
                " open (--max-connections); " + std::to_string(refused_) + " refused so far");
      refused_logged_ = now;
    }
    boost::system::error_code ignored;
    socket.close(ignored);
  } else {
    std::make_shared<HttpSession>(std::move(socket), ctx_)->run();
  }
  do_accept();
}

}  // namespace tapemeasure::http
