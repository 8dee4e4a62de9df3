#pragma once
// For the http/ tests: a real Listener on 127.0.0.1:0 whose network thread runs guarded as
// the daemon's does, with a ServerContext the test configures (small limits, timeouts in
// milliseconds), and blocking TCP clients that never wait past a deadline.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <cstdint>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <thread>

#include "http/listener.hpp"
#include "http/server_context.hpp"
#include "util/thread_health.hpp"

namespace tapemeasure::http::testing {

using namespace std::chrono_literals;

class LoopbackServer {
 public:
  explicit LoopbackServer(const std::function<void(ServerContext&)>& configure = {}) {
    ctx_ = std::make_shared<ServerContext>(RequestGuard("127.0.0.1", 0, {}, {}, LocalIdentity{}),
                                           StaticFiles("/nonexistent"));
    auto& c = *ctx_;
    c.metrics_text = [] { return std::string("up 1\n"); };
    c.stats_json = [](std::string_view step, std::string_view) -> std::optional<std::string> {
      if (step == "bad") return std::nullopt;
      return std::string("{\"stats\":{}}");
    };
    c.rules_json = [] { return std::string("{\"rules\":[]}"); };
    c.view_json = [] { return std::string("{}"); };
    c.healthy = [] { return ServerContext::Health{true, "ok\n"}; };
    c.ws_opened = [](std::shared_ptr<stream::ClientSink>) {};
    c.ws_closed = [](const stream::ClientSink*) {};
    c.ws_filter = [](const stream::ClientSink*, std::vector<std::string>, bool) {};
    c.ws_max_rate = [](const stream::ClientSink*, double) {};
    c.threads = &health;
    c.count_refusal = [this](Refusal r) { ++refusals_[static_cast<std::size_t>(r)]; };
    if (configure) configure(c);
    listener_ = std::make_shared<Listener>(ioc_, boost::asio::ip::tcp::endpoint(boost::asio::ip::address_v4::loopback(), 0),
                                           ctx_);
    port_ = listener_->local_endpoint().port();
    listener_->run();
    thread_ = std::thread([this] { util::run_guarded(health, "network", [this] { ioc_.run(); }); });
  }
  ~LoopbackServer() {
    boost::asio::post(ioc_, [l = listener_] { l->stop(); });
    ioc_.stop();
    thread_.join();
  }
  LoopbackServer(const LoopbackServer&) = delete;
  LoopbackServer& operator=(const LoopbackServer&) = delete;

  unsigned short port() const { return port_; }
  ServerContext& ctx() { return *ctx_; }
  std::string host() const { return "127.0.0.1:" + std::to_string(port_); }
  // How many times the server counted this refusal (tapemeasure_http_refused_total).
  int refused(Refusal r) const { return refusals_[static_cast<std::size_t>(r)].load(); }

  util::ThreadHealth health;

 private:
  boost::asio::io_context ioc_;  // first: the sessions it holds go last
  std::array<std::atomic<int>, std::size(kRefusals)> refusals_{};
  std::shared_ptr<ServerContext> ctx_;
  std::shared_ptr<Listener> listener_;
  unsigned short port_ = 0;
  std::thread thread_;
};

// One TCP connection to the server, blocking, each wait bounded by a deadline.
class Client {
 public:
  explicit Client(unsigned short port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    EXPECT_TRUE(connected_) << "connect: " << errno;
  }
  ~Client() {
    if (fd_ >= 0) ::close(fd_);
  }
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  bool send(std::string_view bytes) {
    while (!bytes.empty()) {
      const auto n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      bytes.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
  }

  // One whole response (header and Content-Length body), or "" when the server closed
  // first or the deadline passed.
  std::string read_response(std::chrono::milliseconds deadline = 5s) {
    const auto until = std::chrono::steady_clock::now() + deadline;
    for (;;) {
      const auto end = pending_.find("\r\n\r\n");
      if (end != std::string::npos) {
        std::size_t length = 0;
        const auto cl = pending_.find("Content-Length: ");
        if (cl != std::string::npos && cl < end) length = std::stoul(pending_.substr(cl + 16));
        if (pending_.size() >= end + 4 + length) {
          std::string out = pending_.substr(0, end + 4 + length);
          pending_.erase(0, end + 4 + length);
          return out;
        }
      }
      if (!fill(until)) return "";
    }
  }

  // True when the server closes the connection before the deadline (what it sent before
  // is kept for read_response); false when it is still open then.
  bool closed_by_server(std::chrono::milliseconds deadline = 5s) {
    const auto until = std::chrono::steady_clock::now() + deadline;
    while (fill(until)) {
    }
    return eof_;
  }

  const std::string& received() const { return pending_; }

 private:
  // Reads what is there, waiting until `until`; false at EOF, on error or at the deadline.
  bool fill(std::chrono::steady_clock::time_point until) {
    if (eof_) return false;
    // Past the deadline: one look at what is there already, without waiting.
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(until - std::chrono::steady_clock::now());
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(std::max<std::int64_t>(left.count(), 0))) <= 0) return false;
    char buf[8192];
    const auto n = ::recv(fd_, buf, sizeof buf, 0);
    if (n <= 0) {
      eof_ = true;
      return false;
    }
    pending_.append(buf, static_cast<std::size_t>(n));
    return true;
  }

  int fd_ = -1;
  bool connected_ = false;
  bool eof_ = false;
  std::string pending_;
};

// The status code of a response ("HTTP/1.1 200 OK..."), 0 for none.
inline int status_of(const std::string& response) {
  if (response.size() < 12 || response.rfind("HTTP/1.", 0) != 0) return 0;
  return std::stoi(response.substr(9, 3));
}

inline std::string request(const std::string& host, std::string_view path, bool keep_alive = false,
                           std::string_view extra_headers = "") {
  return "GET " + std::string(path) + " HTTP/1.1\r\nHost: " + host + "\r\n" +
         (keep_alive ? "" : "Connection: close\r\n") + std::string(extra_headers) + "\r\n";
}

// GET on a fresh connection: the response, or "" when none came.
inline std::string get(LoopbackServer& server, std::string_view path) {
  Client c(server.port());
  if (!c.send(request(server.host(), path))) return "";
  return c.read_response();
}

// Waits (bounded) until `done` holds.
template <class Condition>
bool wait_until(Condition done, std::chrono::milliseconds deadline = 5s) {
  const auto until = std::chrono::steady_clock::now() + deadline;
  while (!done()) {
    if (std::chrono::steady_clock::now() > until) return false;
    std::this_thread::sleep_for(2ms);
  }
  return true;
}

}  // namespace tapemeasure::http::testing
