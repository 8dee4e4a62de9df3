// Connection exhaustion: slowloris connections, idle keep-alives and WebSockets cannot take
// every slot. When they hold the general slots, /healthz and /metrics are still answered
// from the reserve (everything else there gets 503); a peer over its limit gets the same;
// a connection waiting for a request makes room for a newcomer.
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>

#include <vector>

#include "unit/http/loopback_server.hpp"

namespace tapemeasure::http {
namespace {

using namespace testing;

constexpr std::string_view kPartialHeader = "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ";

// Opens a connection that sends part of a request header and waits until the server has
// read it (its slot is then no longer one that may make room).
std::unique_ptr<Client> slowloris(LoopbackServer& s, std::size_t general_expected) {
  auto c = std::make_unique<Client>(s.port());
  EXPECT_TRUE(c->send(kPartialHeader));
  EXPECT_TRUE(wait_until([&] {
    const auto n = s.ctx().slots.counts();
    return n.general == general_expected && n.general_waiting == 0;
  })) << "the server reads the partial header of connection " << general_expected;
  return c;
}

TEST(ListenerTest, HealthzAndMetricsAreAnsweredWhenSlowlorisHoldsEverySlot) {
  LoopbackServer s([](ServerContext& c) {
    c.max_connections = 8;
    c.reserved_connections = 2;
    c.max_connections_per_peer = 0;
    c.header_timeout = 60s;  // the attack holds for the whole test: the reserve must do it
    c.reserve_header_timeout = 60s;
  });
  std::vector<std::unique_ptr<Client>> general;
  for (std::size_t i = 1; i <= 6; ++i) general.push_back(slowloris(s, i));
  // Fourteen more: the reserve's two slots go to the newest, the older are closed.
  std::vector<std::unique_ptr<Client>> more;
  for (int i = 0; i < 14; ++i) {
    more.push_back(std::make_unique<Client>(s.port()));
    more.back()->send(kPartialHeader);
  }
  std::size_t closed = 0;
  ASSERT_TRUE(wait_until([&] {
    closed = 0;
    for (auto& c : more) closed += c->closed_by_server(1ms);
    return closed == 12;
  })) << closed << " of the 14 closed";
  EXPECT_EQ(s.refused(Refusal::evicted), 12) << "each newcomer to the full reserve closed its oldest";

  for (int probe = 0; probe < 5; ++probe) {
    const auto health = get(s, "/healthz");
    EXPECT_EQ(status_of(health), 200) << health;
    const auto metrics = get(s, "/metrics");
    EXPECT_EQ(status_of(metrics), 200) << metrics;
    EXPECT_NE(metrics.find("up 1"), std::string::npos);
  }
  const auto other = get(s, "/api/stats");
  EXPECT_EQ(status_of(other), 503) << other;
  EXPECT_NE(other.find("all connection slots are in use (--max-connections 8)"), std::string::npos) << other;
  EXPECT_EQ(s.refused(Refusal::reserve_only), 1);
  for (auto& c : general) EXPECT_FALSE(c->closed_by_server(20ms)) << "a slowloris with a started request keeps its slot";
  EXPECT_EQ(s.ctx().slots.counts().general, 6u);
}

TEST(ListenerTest, APeerOverItsLimitIsAnsweredOnlyHealthzAndMetrics) {
  LoopbackServer s([](ServerContext& c) {
    c.max_connections = 40;
    c.reserved_connections = 4;
    c.max_connections_per_peer = 3;
    c.header_timeout = 60s;
  });
  std::vector<std::unique_ptr<Client>> held;
  for (std::size_t i = 1; i <= 3; ++i) held.push_back(slowloris(s, i));
  const auto stats = get(s, "/api/stats");
  EXPECT_EQ(status_of(stats), 503) << stats;
  EXPECT_NE(stats.find("too many connections from this address (--max-connections-per-peer 3)"), std::string::npos);
  EXPECT_EQ(status_of(get(s, "/healthz")), 200);
  EXPECT_EQ(status_of(get(s, "/metrics")), 200);
  EXPECT_EQ(s.refused(Refusal::reserve_only), 1);

  held.pop_back();  // one of its three goes: the peer is under its limit again
  ASSERT_TRUE(wait_until([&] { return s.ctx().slots.counts().general == 2; }));
  EXPECT_EQ(status_of(get(s, "/api/stats")), 200);
}

TEST(ListenerTest, TheLongestIdleKeepAliveConnectionMakesRoomForANewcomer) {
  LoopbackServer s([](ServerContext& c) {
    c.max_connections = 4;
    c.reserved_connections = 1;  // three general slots
    c.max_connections_per_peer = 0;
    c.keep_alive_timeout = 60s;
  });
  std::vector<std::unique_ptr<Client>> clients;
  for (std::size_t i = 0; i < 5; ++i) {
    clients.push_back(std::make_unique<Client>(s.port()));
    ASSERT_TRUE(clients.back()->send(request(s.host(), "/api/stats", true)));
    const auto res = clients.back()->read_response();
    ASSERT_EQ(status_of(res), 200) << "client " << i << ": " << res;
    ASSERT_TRUE(wait_until([&] { return s.ctx().slots.counts().general_waiting == std::min<std::size_t>(i + 1, 3); }));
  }
  EXPECT_TRUE(clients[0]->closed_by_server()) << "the longest idle made room for the fourth";
  EXPECT_TRUE(clients[1]->closed_by_server()) << "the next made room for the fifth";
  EXPECT_EQ(s.refused(Refusal::evicted), 2);
  for (std::size_t i = 2; i < 5; ++i) {
    ASSERT_TRUE(clients[i]->send(request(s.host(), "/api/rules", true)));
    EXPECT_EQ(status_of(clients[i]->read_response()), 200) << "client " << i << " keeps its connection";
  }
}

TEST(ListenerTest, WebSocketsHoldTheirSlotsUntilTheyClose) {
  namespace net = boost::asio;
  namespace websocket = boost::beast::websocket;
  LoopbackServer s([](ServerContext& c) {
    c.max_connections = 4;
    c.reserved_connections = 1;
    c.max_connections_per_peer = 0;
  });
  net::io_context ioc;
  std::vector<std::unique_ptr<websocket::stream<net::ip::tcp::socket>>> sockets;
  for (int i = 0; i < 3; ++i) {
    auto ws = std::make_unique<websocket::stream<net::ip::tcp::socket>>(ioc);
    ws->next_layer().connect({net::ip::address_v4::loopback(), s.port()});
    ws->handshake(s.host(), "/ws");
    sockets.push_back(std::move(ws));
  }
  const auto busy = get(s, "/api/stats");
  EXPECT_EQ(status_of(busy), 503) << "open WebSockets are never closed to make room: " << busy;
  EXPECT_EQ(status_of(get(s, "/healthz")), 200);
  EXPECT_EQ(status_of(get(s, "/ws")), 503) << "no WebSocket from the reserve";
  sockets.clear();  // the connections drop: the sessions end and give their slots back
  ASSERT_TRUE(wait_until([&] { return s.ctx().slots.counts().general == 0; }));
  EXPECT_EQ(status_of(get(s, "/api/stats")), 200);
}

}  // namespace
}  // namespace tapemeasure::http
