// One HTTP connection's limits and faults: a request header must arrive within the header
// timeout (slowloris), an idle keep-alive ends at the keep-alive timeout, a Transfer-Encoding
// other than chunked gets 501 and the connection closes (no smuggled second request), a
// handler that throws gets its request answered 500 while the server goes on, and refusals
// are logged once an interval with a short escaped excerpt of what the client sent.
#include <mutex>
#include <new>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "unit/http/loopback_server.hpp"

namespace tapemeasure::http {
namespace {

using namespace testing;

// Captures stderr until take(), and lets it go even when a failed ASSERT leaves early.
class StderrCapture {
 public:
  StderrCapture() { ::testing::internal::CaptureStderr(); }
  ~StderrCapture() {
    if (!taken_) ::testing::internal::GetCapturedStderr();
  }
  std::string take() {
    taken_ = true;
    return ::testing::internal::GetCapturedStderr();
  }

 private:
  bool taken_ = false;
};

TEST(HttpSessionTest, ASlowlorisIsClosedAtTheHeaderTimeout) {
  LoopbackServer s([](ServerContext& c) { c.header_timeout = 150ms; });
  Client silent(s.port());
  Client partial(s.port());
  ASSERT_TRUE(partial.send("GET /healthz HTTP/1.1\r\nHost: "));
  Client trickle(s.port());
  // A byte every 20 ms: each read makes progress, but the whole header is what is timed.
  bool closed = false;
  for (int i = 0; i < 250 && !closed; ++i) {
    trickle.send("X");
    closed = trickle.closed_by_server(20ms);
  }
  EXPECT_TRUE(closed) << "a header sent a byte at a time is cut off";
  EXPECT_TRUE(partial.closed_by_server());
  EXPECT_TRUE(silent.closed_by_server());
  // The timer closes the socket before the read's handler counts the refusal: wait for it.
  wait_until([&] { return s.refused(Refusal::header_timeout) >= 3; }, 2s);
  EXPECT_EQ(s.refused(Refusal::header_timeout), 3) << "each counted";
  EXPECT_EQ(status_of(get(s, "/healthz")), 200);
}

TEST(HttpSessionTest, AnIdleKeepAliveConnectionIsClosedAtTheKeepAliveTimeout) {
  LoopbackServer s([](ServerContext& c) {
    c.header_timeout = 60s;
    c.keep_alive_timeout = 150ms;
  });
  Client c(s.port());
  ASSERT_TRUE(c.send(request(s.host(), "/healthz", true)));
  EXPECT_EQ(status_of(c.read_response()), 200);
  EXPECT_TRUE(c.closed_by_server());
  EXPECT_EQ(s.refused(Refusal::header_timeout), 0) << "an idle keep-alive closing is no refusal";
}

TEST(HttpSessionTest, ATransferEncodingOtherThanChunkedGets501AndTheConnectionCloses) {
  LoopbackServer s;
  const std::string smuggled = "GET /api/stats HTTP/1.1\r\nHost: " + s.host() + "\r\n\r\n";
  for (const std::string coding : {"foo", "gzip, chunked", "chunked, identity", "identity", "foo\r\nTransfer-Encoding: chunked"}) {
    Client c(s.port());
    ASSERT_TRUE(c.send("GET /healthz HTTP/1.1\r\nHost: " + s.host() + "\r\nTransfer-Encoding: " + coding +
                       "\r\n\r\n0\r\n\r\n" + smuggled));
    EXPECT_TRUE(c.closed_by_server()) << coding;
    const std::string& got = c.received();
    EXPECT_EQ(status_of(got), 501) << coding << ": " << got;
    EXPECT_EQ(got.find("HTTP/1.1", 1), std::string::npos) << coding << ": one answer, nothing smuggled: " << got;
  }
  {
    Client c(s.port());  // HTTP/1.0 has no transfer codings at all
    ASSERT_TRUE(c.send("GET /healthz HTTP/1.0\r\nHost: " + s.host() + "\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"));
    EXPECT_TRUE(c.closed_by_server());
    EXPECT_EQ(status_of(c.received()), 501) << c.received();
  }
  EXPECT_EQ(s.refused(Refusal::transfer_encoding), 6);
  // Plain chunked is understood: the request is answered as any other.
  Client c(s.port());
  ASSERT_TRUE(c.send("GET /healthz HTTP/1.1\r\nHost: " + s.host() + "\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"));
  EXPECT_EQ(status_of(c.read_response()), 200);
}

TEST(HttpSessionTest, AHandlerThatThrowsIsAnswered500TheOthersGoOn) {
  LoopbackServer s([](ServerContext& c) {
    c.stats_json = [](std::string_view, std::string_view) -> std::optional<std::string> { throw std::runtime_error("stats blew up"); };
    c.rules_json = []() -> std::string { throw std::bad_alloc(); };
  });
  Client other(s.port());  // a keep-alive connection open all along
  ASSERT_TRUE(other.send(request(s.host(), "/healthz", true)));
  ASSERT_EQ(status_of(other.read_response()), 200);

  for (const std::string path : {"/api/stats", "/api/rules"}) {
    Client c(s.port());
    ASSERT_TRUE(c.send(request(s.host(), path, true)));
    const auto res = c.read_response();
    EXPECT_EQ(status_of(res), 500) << path << ": " << res;
    EXPECT_NE(res.find("Connection: close"), std::string::npos) << res;
    EXPECT_TRUE(c.closed_by_server()) << path;
  }
  EXPECT_EQ(s.health.survived_count("network"), 2u);
  EXPECT_FALSE(s.health.fatal_reason());
  ASSERT_TRUE(other.send(request(s.host(), "/healthz", true)));
  EXPECT_EQ(status_of(other.read_response()), 200) << "the other connection is served on";
  EXPECT_EQ(status_of(get(s, "/healthz")), 200);
}

TEST(HttpSessionTest, StatsStepComesFromTheQueryAndAnUnknownOneIs400) {
  std::vector<std::string> asked;
  std::mutex mu;
  LoopbackServer s([&](ServerContext& c) {
    c.stats_json = [&](std::string_view step, std::string_view since) -> std::optional<std::string> {
      std::lock_guard lock(mu);
      asked.emplace_back(std::string(step) + (since.empty() ? "" : "/" + std::string(since)));
      if (step == "bad") return std::nullopt;
      return std::string("{}");
    };
  });
  EXPECT_EQ(status_of(get(s, "/api/stats")), 200);
  EXPECT_EQ(status_of(get(s, "/api/stats?step=60")), 200);
  EXPECT_EQ(status_of(get(s, "/api/stats?x=1&step=all&y")), 200);
  EXPECT_EQ(status_of(get(s, "/api/stats?step=60&since=1764000000000")), 200);
  const auto bad = get(s, "/api/stats?step=bad");
  EXPECT_EQ(status_of(bad), 400) << bad;
  EXPECT_NE(bad.find("step is 1"), std::string::npos) << bad;
  std::lock_guard lock(mu);
  EXPECT_EQ(asked, (std::vector<std::string>{"", "60", "all", "60/1764000000000", "bad"}));
}

// A UI merging several daemons reads each one's /api/stats from another box's page: the
// origins allowed to open /ws (--allowed-origin) may read it, no other, and nothing else.
TEST(HttpSessionTest, StatsAnswerAnAllowedOriginWithCorsHeadersAndOnlyIt) {
  LoopbackServer s([](ServerContext& c) {
    c.guard = RequestGuard("127.0.0.1", 0, {}, {"http://box2.example:8000"}, LocalIdentity{});
  });
  const auto with_origin = [&](std::string_view path, std::string_view origin) {
    Client c(s.port());
    if (!c.send(request(s.host(), path, false, "Origin: " + std::string(origin) + "\r\n"))) return std::string();
    return c.read_response();
  };
  const auto allowed = with_origin("/api/stats?step=60", "http://box2.example:8000");
  EXPECT_EQ(status_of(allowed), 200) << allowed;
  EXPECT_NE(allowed.find("Access-Control-Allow-Origin: http://box2.example:8000\r\n"), std::string::npos) << allowed;
  EXPECT_NE(allowed.find("Vary: Origin\r\n"), std::string::npos) << allowed;
  const auto foreign = with_origin("/api/stats?step=60", "http://evil.example");
  EXPECT_EQ(status_of(foreign), 200) << "readable without a browser anyway; only the browser is told no";
  EXPECT_EQ(foreign.find("Access-Control-Allow-Origin"), std::string::npos) << foreign;
  EXPECT_EQ(with_origin("/api/stats", "null").find("Access-Control-Allow-Origin"), std::string::npos);
  EXPECT_EQ(with_origin("/api/rules", "http://box2.example:8000").find("Access-Control-Allow-Origin"), std::string::npos)
      << "only the stats history is shared";
  EXPECT_EQ(get(s, "/api/stats").find("Access-Control-Allow-Origin"), std::string::npos) << "no Origin, no header";
}

TEST(HttpSessionTest, RefusalsAreLoggedOnceAnIntervalWithAShortEscapedExcerpt) {
  LoopbackServer s([](ServerContext& c) {
    c.refusals.host.set_interval(std::chrono::hours(1));  // "once" is then exact
    c.refusals.origin.set_interval(std::chrono::hours(1));
  });
  // Bytes 0x80-0xff are allowed in a header (obs-text): they must not reach the log as such.
  const std::string evil = "evil\xff\xfe.example" + std::string(5000, 'A');
  StderrCapture capture;
  Client c(s.port());
  std::string burst;
  for (int i = 0; i < 50; ++i) burst += request(evil, "/api/stats", true);
  ASSERT_TRUE(c.send(burst));
  for (int i = 0; i < 50; ++i) ASSERT_EQ(status_of(c.read_response()), 403) << i;
  for (int i = 0; i < 20; ++i) {
    Client ws(s.port());
    ws.send(request(s.host(), "/ws", true,
                    "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
                    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nOrigin: http://" + evil + "\r\n"));
    ASSERT_EQ(status_of(ws.read_response()), 403);
  }
  s.ctx().refusals.host.set_interval(std::chrono::milliseconds(0));
  ASSERT_TRUE(c.send(request(evil, "/api/stats", true)));
  ASSERT_EQ(status_of(c.read_response()), 403);
  const std::string log = capture.take();

  std::size_t host_lines = 0, origin_lines = 0, start = 0;
  while (start < log.size()) {
    const auto end = log.find('\n', start);
    const std::string line = log.substr(start, end - start);
    start = end == std::string::npos ? log.size() : end + 1;
    host_lines += line.find("refused request with Host") != std::string::npos;
    origin_lines += line.find("refused WebSocket from Origin") != std::string::npos;
    EXPECT_LT(line.size(), 300u) << line.substr(0, 300);
  }
  EXPECT_EQ(s.refused(Refusal::host), 51) << "every one counted, though logged once";
  EXPECT_EQ(s.refused(Refusal::origin), 20);
  EXPECT_EQ(host_lines, 2u) << log.substr(0, 2000);
  EXPECT_EQ(origin_lines, 1u) << log.substr(0, 2000);
  EXPECT_NE(log.find("(49 more like this since the last such line)"), std::string::npos) << log.substr(0, 2000);
  EXPECT_EQ(log.find('\xff'), std::string::npos) << "what the client sent is escaped";
  EXPECT_NE(log.find("'evil\\xff\\xfe.exampleAAAA"), std::string::npos) << log.substr(0, 2000);
}

}  // namespace
}  // namespace tapemeasure::http
