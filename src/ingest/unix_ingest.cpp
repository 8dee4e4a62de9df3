#include "ingest/unix_ingest.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <stdexcept>

#include "ingest/socket_path.hpp"
#include "ingest/stream_reader.hpp"
#include "util/log.hpp"

namespace tapemeasure::ingest {

namespace net = boost::asio;
using stream_protocol = net::local::stream_protocol;
using datagram_protocol = net::local::datagram_protocol;

namespace {
constexpr int kDatagramReceiveBuffer = 8 << 20;  // absorbs bursts from syslog daemons

void set_mode(const std::string& path, unsigned mode) {
  if (::chmod(path.c_str(), mode) != 0) log::warn("cannot chmod " + path);
}
}  // namespace

UnixIngest::UnixIngest(net::io_context& ioc, IngestOptions options, LineSink& sink, metrics::SelfMetrics& self)
    : ioc_(ioc), options_(std::move(options)), sink_(sink), self_(self) {
  if (!options_.stream_path.empty() && options_.stream_path != "-") {
    claim_socket_path(options_.stream_path, false);
    acceptor_ = std::make_unique<stream_protocol::acceptor>(ioc_);
    boost::system::error_code ec;
    acceptor_->open(stream_protocol(), ec);
    if (!ec) acceptor_->bind(stream_protocol::endpoint(options_.stream_path), ec);
    if (ec) throw std::runtime_error("cannot bind " + options_.stream_path + ": " + ec.message());
    created_.push_back(options_.stream_path);
    acceptor_->listen(net::socket_base::max_listen_connections, ec);
    if (ec) throw std::runtime_error("cannot listen on " + options_.stream_path + ": " + ec.message());
    set_mode(options_.stream_path, options_.socket_mode);
  }
  if (!options_.datagram_path.empty()) {
    claim_socket_path(options_.datagram_path, true);
    datagram_ = std::make_unique<datagram_protocol::socket>(ioc_);
    boost::system::error_code ec;
    datagram_->open(datagram_protocol(), ec);
    if (!ec) datagram_->bind(datagram_protocol::endpoint(options_.datagram_path), ec);
    if (ec) throw std::runtime_error("cannot bind " + options_.datagram_path + ": " + ec.message());
    created_.push_back(options_.datagram_path);
    datagram_->set_option(net::socket_base::receive_buffer_size(kDatagramReceiveBuffer), ec);
    set_mode(options_.datagram_path, options_.socket_mode);
    datagram_buf_.resize(options_.max_line_bytes + 1);
  }
}

UnixIngest::~UnixIngest() {
  stop();
  for (const auto& p : created_) ::unlink(p.c_str());
}

void UnixIngest::start() {
  if (acceptor_) do_accept();
  if (datagram_) do_receive();
  if (options_.stream_path == "-") {
    auto reader = std::make_shared<StreamReader<net::posix::stream_descriptor>>(
        net::posix::stream_descriptor(ioc_, ::dup(STDIN_FILENO)), sink_, options_.max_line_bytes,
        [] { log::info("standard input closed"); });
    reader->start();
  }
}

void UnixIngest::stop() {
  boost::system::error_code ignored;
  if (acceptor_) acceptor_->close(ignored);
  if (datagram_) datagram_->close(ignored);
}

void UnixIngest::do_accept() {
  acceptor_->async_accept([this](boost::system::error_code ec, stream_protocol::socket socket) {
    if (ec == net::error::operation_aborted) return;
    if (ec) {
      log::warn("ingest accept: " + ec.message());
    } else {
      self_.ingest_connections.Increment();
      auto reader = std::make_shared<StreamReader<stream_protocol::socket>>(
          std::move(socket), sink_, options_.max_line_bytes, [this] { self_.ingest_connections.Decrement(); });
      reader->start();
    }
    do_accept();
  });
}

void UnixIngest::do_receive() {
  datagram_->async_receive(net::buffer(datagram_buf_), [this](boost::system::error_code ec, std::size_t n) {
    if (ec == net::error::operation_aborted) return;
    if (!ec) {
      // One datagram, one message; a longer one than fits was cut by the kernel.
      const bool truncated = n > options_.max_line_bytes;
      std::string_view msg(datagram_buf_.data(), std::min(n, options_.max_line_bytes));
      while (!msg.empty() && (msg.back() == '\n' || msg.back() == '\r')) msg.remove_suffix(1);
      sink_.begin_batch();
      // Usually one line; a datagram holding several is split, and only its last line
      // can have been cut.
      const std::size_t last_nl = msg.rfind('\n');
      if (last_nl != std::string_view::npos) {
        // Every piece it sees ends in '\n', so its lines are views into datagram_buf_ and
        // outlive it until end_batch(), as LineSink asks.
        LineSplitter splitter(options_.max_line_bytes);
        const auto emit = [&](std::string_view line, bool cut) { sink_.line(line, cut); };
        splitter.feed(msg.substr(0, last_nl + 1), emit);
        msg.remove_prefix(last_nl + 1);
      }
      if (!msg.empty() || truncated) sink_.line(msg, truncated);
      sink_.end_batch();
    } else {
      log::warn("ingest datagram: " + ec.message());
    }
    do_receive();
  });
}

}  // namespace tapemeasure::ingest
