#pragma once
// The daemon's inputs: a UNIX stream socket (newline-delimited, many writers at once), a
// UNIX datagram socket (one line per datagram, as rsyslog's omuxsock sends) and stdin.
// All run on the ingest thread's io_context and hand lines straight to the LineSink.
#include <boost/asio/io_context.hpp>
#include <boost/asio/local/datagram_protocol.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "ingest/line_sink.hpp"
#include "metrics/self_metrics.hpp"
#include "util/rate_limited_log.hpp"

namespace tapemeasure::ingest {

struct IngestOptions {
  std::string stream_path;    // empty: none; "-": read stdin instead
  std::string datagram_path;  // empty: none
  unsigned socket_mode = 0660;
  std::size_t max_line_bytes = 64 * 1024;
  // Stream connections open at once (--max-ingest-connections): each holds up to 256 KiB
  // of buffer, so a runaway writer must not open them without bound.
  std::size_t max_connections = 256;
  // When every slot is taken, a new writer gets the slot of the one idle longest, if that
  // one has sent nothing for this long (--ingest-idle-timeout); otherwise the new writer
  // is refused (closed at once, counted in tapemeasure_ingest_refused_total and a log line
  // at most once a second). A quiet writer is never closed while slots are free: rsyslog
  // and syslog-ng keep one connection open for hours on a quiet log, and closing it for
  // nothing would make them reconnect (and a writer that does not may lose lines).
  std::chrono::milliseconds idle_timeout{60'000};
};

template <class Stream>
class StreamReader;

class UnixIngest {
 public:
  // Throws std::runtime_error (one line) when a socket cannot be set up.
  UnixIngest(boost::asio::io_context& ioc, IngestOptions options, LineSink& sink, metrics::SelfMetrics& self);
  ~UnixIngest();  // removes the socket files it created
  void start();
  void stop();  // stop accepting; connections already open finish their reads

 private:
  using Reader = StreamReader<boost::asio::local::stream_protocol::socket>;
  using clock = std::chrono::steady_clock;

  void do_accept();
  void do_receive();
  void admit(boost::asio::local::stream_protocol::socket socket);
  bool evict_idle_writer(clock::time_point now);
  void refuse(boost::asio::local::stream_protocol::socket& socket);
  void release(std::uint64_t id);
  void log_receive_buffer();

  boost::asio::io_context& ioc_;
  IngestOptions options_;
  LineSink& sink_;
  metrics::SelfMetrics& self_;
  std::unique_ptr<boost::asio::local::stream_protocol::acceptor> acceptor_;
  std::unique_ptr<boost::asio::local::datagram_protocol::socket> datagram_;
  std::vector<char> datagram_buf_;
  std::map<std::uint64_t, std::shared_ptr<Reader>> open_;  // stream connections open now, by id
  std::uint64_t next_id_ = 0;
  std::uint64_t refused_ = 0;  // stream connections refused over the cap, so far
  // A writer reconnecting in a loop must not flood the log: a line a second at most.
  util::RateLimitedLog refused_log_{log::Level::warn}, idle_closed_log_{log::Level::info};
  std::vector<std::string> created_;
};

}  // namespace tapemeasure::ingest
