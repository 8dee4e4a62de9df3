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
#include <memory>
#include <string>
#include <vector>

#include "ingest/line_sink.hpp"
#include "metrics/self_metrics.hpp"

namespace tapemeasure::ingest {

struct IngestOptions {
  std::string stream_path;    // empty: none; "-": read stdin instead
  std::string datagram_path;  // empty: none
  unsigned socket_mode = 0660;
  std::size_t max_line_bytes = 64 * 1024;
  // Stream connections open at once (--max-ingest-connections): each holds up to 256 KiB
  // of buffer, so a runaway writer must not open them without bound. Beyond it, a new
  // connection is closed at once, and counted in a (rate-limited) log line.
  std::size_t max_connections = 256;
};

class UnixIngest {
 public:
  // Throws std::runtime_error (one line) when a socket cannot be set up.
  UnixIngest(boost::asio::io_context& ioc, IngestOptions options, LineSink& sink, metrics::SelfMetrics& self);
  ~UnixIngest();  // removes the socket files it created
  void start();
  void stop();  // stop accepting; connections already open finish their reads

 private:
  void do_accept();
  void do_receive();
  void refuse(boost::asio::local::stream_protocol::socket& socket);
  void log_receive_buffer();

  boost::asio::io_context& ioc_;
  IngestOptions options_;
  LineSink& sink_;
  metrics::SelfMetrics& self_;
  std::unique_ptr<boost::asio::local::stream_protocol::acceptor> acceptor_;
  std::unique_ptr<boost::asio::local::datagram_protocol::socket> datagram_;
  std::vector<char> datagram_buf_;
  std::size_t connections_ = 0;        // stream connections open now
  std::uint64_t refused_ = 0;          // stream connections refused over the cap, so far
  std::chrono::steady_clock::time_point refused_logged_{};
  std::vector<std::string> created_;
};

}  // namespace tapemeasure::ingest
