// The ingest sockets with real UNIX sockets in a temporary directory and a real io_context:
// writers' lines arrive; when every --max-ingest-connections slot is taken, a writer silent
// past --ingest-idle-timeout gives its slot to a new one, otherwise the new one is refused
// and counted; quiet writers keep their slot while slots are free; a datagram of exactly
// --max-line-bytes ending in CRLF is whole.
#include "ingest/unix_ingest.hpp"

#include <gtest/gtest.h>
#include <prometheus/registry.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>

#include <chrono>
#include <cstring>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "ingest/stream_client.hpp"
#include "support/test_support.hpp"

namespace tapemeasure::ingest {
namespace {

using namespace std::chrono_literals;

class Sink : public LineSink {
 public:
  void begin_batch() override {}
  void line(std::string_view l, bool truncated) override {
    lines.emplace_back(l);
    if (truncated) ++truncated_lines;
  }
  std::vector<std::string> lines;
  int truncated_lines = 0;
};

// A connected writer, closed with the object.
struct Writer {
  explicit Writer(const std::string& path) {
    std::string error;
    fd = connect_stream_socket(path, error);
    EXPECT_GE(fd, 0) << error;
  }
  ~Writer() {
    if (fd >= 0) ::close(fd);
  }
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;
  // True once the daemon closed its end (a read returns EOF or an error, not EAGAIN).
  bool closed_by_peer() const {
    char c;
    const ssize_t n = ::recv(fd, &c, 1, MSG_DONTWAIT);
    return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK);
  }
  int fd = -1;
};

class UnixIngestTest : public ::testing::Test {
 protected:
  void start(std::size_t max_connections, std::chrono::milliseconds idle_timeout,
             std::size_t max_line = 64 * 1024) {
    IngestOptions o;
    o.stream_path = (dir.path() / "in.sock").string();
    o.datagram_path = (dir.path() / "in.dgram").string();
    o.max_line_bytes = max_line;
    o.max_connections = max_connections;
    o.idle_timeout = idle_timeout;
    ingest = std::make_unique<UnixIngest>(ioc, o, sink, self);
    ingest->start();
    stream_path = o.stream_path;
    dgram_path = o.datagram_path;
  }
  bool run_until(const std::function<bool()>& pred) { return tapemeasure::testing::run_until(ioc, pred, 5s); }
  double connections() const { return self.ingest_connections.Value(); }
  // Writes n lines and closes: what a real writer (`replay`, a script) does.
  void write_lines(int n, const std::string& tag) {
    Writer w(stream_path);
    std::string text;
    for (int i = 0; i < n; ++i) text += tag + " " + std::to_string(i) + "\n";
    EXPECT_TRUE(write_all(w.fd, text));
  }

  testing::TempDir dir;
  boost::asio::io_context ioc;
  prometheus::Registry registry;
  metrics::SelfMetrics self{registry, "test"};
  Sink sink;
  std::unique_ptr<UnixIngest> ingest;
  std::string stream_path, dgram_path;
};

TEST_F(UnixIngestTest, LinesOfSeveralWritersArrive) {
  start(8, 60s);
  write_lines(100, "a");
  write_lines(100, "b");
  ASSERT_TRUE(run_until([&] { return sink.lines.size() == 200; }));
  ASSERT_TRUE(run_until([&] { return connections() == 0; }));
}

// Writers that connect and never write held every slot for good: a real writer was refused
// and its lines never counted. Now the one idle longest gives its slot up.
TEST_F(UnixIngestTest, AWriterSilentPastTheIdleTimeoutGivesItsSlotToANewOne) {
  start(3, 200ms);
  std::vector<std::unique_ptr<Writer>> idle;
  for (int i = 0; i < 3; ++i) idle.push_back(std::make_unique<Writer>(stream_path));
  ASSERT_TRUE(run_until([&] { return connections() == 3; }));
  std::this_thread::sleep_for(300ms);  // past the idle timeout (idleness only grows)
  write_lines(1000, "real");
  ASSERT_TRUE(run_until([&] { return sink.lines.size() == 1000; }));
  EXPECT_EQ(self.ingest_idle_closed.Value(), 1);
  EXPECT_EQ(self.ingest_refused.Value(), 0);
  // The idlest went (the first connected: all equally silent since), the others stay.
  ASSERT_TRUE(run_until([&] { return idle[0]->closed_by_peer(); }));
  EXPECT_FALSE(idle[1]->closed_by_peer());
  EXPECT_FALSE(idle[2]->closed_by_peer());
}

TEST_F(UnixIngestTest, WithNoWriterIdleLongEnoughANewOneIsRefusedAndCounted) {
  start(2, 60s);
  Writer a(stream_path), b(stream_path);
  ASSERT_TRUE(run_until([&] { return connections() == 2; }));
  Writer c(stream_path), d(stream_path);
  ASSERT_TRUE(run_until([&] { return self.ingest_refused.Value() == 2; }));
  EXPECT_TRUE(run_until([&] { return c.closed_by_peer() && d.closed_by_peer(); }));
  EXPECT_FALSE(a.closed_by_peer());
  EXPECT_FALSE(b.closed_by_peer());
  EXPECT_EQ(self.ingest_idle_closed.Value(), 0);
  EXPECT_EQ(connections(), 2);
  // A slot freed is a slot given.
  ::close(a.fd);
  a.fd = -1;
  ASSERT_TRUE(run_until([&] { return connections() == 1; }));
  write_lines(10, "later");
  ASSERT_TRUE(run_until([&] { return sink.lines.size() == 10; }));
  EXPECT_EQ(self.ingest_refused.Value(), 2);
}

// rsyslog and syslog-ng keep a connection open for hours on a quiet log: it is not closed
// while there are free slots, however long it is silent.
TEST_F(UnixIngestTest, AQuietWriterKeepsItsSlotWhileSlotsAreFree) {
  start(2, 100ms);
  Writer quiet(stream_path);
  ASSERT_TRUE(run_until([&] { return connections() == 1; }));
  std::this_thread::sleep_for(200ms);
  write_lines(5, "other");  // takes the free slot: nobody needs the quiet one's
  ASSERT_TRUE(run_until([&] { return sink.lines.size() == 5; }));
  ioc.restart();
  ioc.run_for(50ms);
  EXPECT_FALSE(quiet.closed_by_peer());
  EXPECT_EQ(self.ingest_idle_closed.Value(), 0);
  ASSERT_TRUE(write_all(quiet.fd, "still here\n"));
  ASSERT_TRUE(run_until([&] { return sink.lines.size() == 6; }));
  EXPECT_EQ(sink.lines.back(), "still here");
}

// A writer closed for being idle hands on the partial line it had sent, as at its EOF.
TEST_F(UnixIngestTest, AnIdleWriterClosedForANewOneLosesNotItsPartialLine) {
  start(1, 100ms);
  {
    Writer w(stream_path);
    ASSERT_TRUE(write_all(w.fd, "whole\nhalf a li"));
    ASSERT_TRUE(run_until([&] { return sink.lines.size() == 1; }));
    std::this_thread::sleep_for(200ms);
    Writer next(stream_path);
    ASSERT_TRUE(run_until([&] { return sink.lines.size() == 2; }));
  }
  EXPECT_EQ(sink.lines, (std::vector<std::string>{"whole", "half a li"}));
  EXPECT_EQ(self.ingest_idle_closed.Value(), 1);
}

// The limit counts a line's content: the CRLF ending of a datagram is not content.
TEST_F(UnixIngestTest, ADatagramOfTheLimitEndingInCrlfIsWhole) {
  constexpr std::size_t kMax = 64 * 1024;
  start(4, 60s, kMax);
  const int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(fd, 0);
  int sndbuf = 1 << 20;
  ::setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, dgram_path.c_str(), sizeof addr.sun_path - 1);
  const auto send = [&](const std::string& msg) {
    return ::sendto(fd, msg.data(), msg.size(), 0, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) ==
           static_cast<ssize_t>(msg.size());
  };
  const std::string content(kMax, 'd');
  ASSERT_TRUE(send(content + "\r\n"));
  ASSERT_TRUE(send(content + "x\r\n"));  // one byte over: cut and flagged
  ASSERT_TRUE(send("a\r\nb\r\n"));  // two lines in one datagram
  ASSERT_TRUE(run_until([&] { return sink.lines.size() == 4; }));
  ::close(fd);
  EXPECT_EQ(sink.lines[0], content);
  EXPECT_EQ(sink.lines[1], content);
  EXPECT_EQ(sink.lines[2], "a");
  EXPECT_EQ(sink.lines[3], "b");
  EXPECT_EQ(sink.truncated_lines, 1);
}

}  // namespace
}  // namespace tapemeasure::ingest
