#include "http/listener.hpp"

#include <boost/asio/strand.hpp>

#include <stdexcept>

#include "http/http_session.hpp"
#include "util/log.hpp"
#include "util/thread_health.hpp"

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
  ctx_->slots.set_limits({.max_connections = ctx_->max_connections,
                          .per_peer = ctx_->max_connections_per_peer,
                          .reserved = ctx_->reserved_connections});
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

void Listener::admit(net::ip::tcp::socket socket) {
  boost::system::error_code peer_ec;
  const auto peer = socket.remote_endpoint(peer_ec);
  if (peer_ec) return;  // gone already
  auto admission = ctx_->slots.admit(peer.address().to_string());
  if (admission.evicted) {
    ctx_->refused(Refusal::evicted);
    ctx_->refusals.evicted.note([&] {
      return "all connection slots in use: closed the connection waiting longest for a request to make room "
             "(--max-connections " + std::to_string(ctx_->max_connections) + ")";
    });
  }
  if (!admission.slot) {
    ctx_->refused(Refusal::no_slot);
    ctx_->refusals.refused.note([&] {
      return "refusing connections: all " + std::to_string(ctx_->max_connections) +
             " slots (--max-connections) are in use and none is waiting; latest from " + peer.address().to_string();
    });
    boost::system::error_code ignored;
    socket.close(ignored);
    return;
  }
  std::make_shared<HttpSession>(std::move(socket), ctx_, std::move(admission.slot))->run();
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
  }
  try {
    admit(std::move(socket));
  } catch (...) {
    // std::bad_alloc making the session, say: this connection is lost, not the listener.
    const auto what = util::describe_exception(std::current_exception());
    if (ctx_->threads) ctx_->threads->survived("network", "accepting a connection: " + what);
    else log::error("accepting a connection: " + what);
  }
  do_accept();
}

}  // namespace tapemeasure::http
