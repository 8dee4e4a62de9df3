#pragma once
// The daemon's inputs: a UNIX stream socket (newline-delimited, many writers at once), a
// UNIX datagram socket (one line per datagram, as rsyslog's omuxsock sends) and stdin.
// All run on the ingest thread's io_context and hand lines straight to the LineSink.
#include <boost/asio/io_context.hpp>
#include <boost/asio/local/datagram_protocol.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>

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

  boost::asio::io_context& ioc_;
  IngestOptions options_;
  LineSink& sink_;
  metrics::SelfMetrics& self_;
  std::unique_ptr<boost::asio::local::stream_protocol::acceptor> acceptor_;
  std::unique_ptr<boost::asio::local::datagram_protocol::socket> datagram_;
  std::vector<char> datagram_buf_;
  std::vector<std::string> created_;
};

}  // namespace tapemeasure::ingest
