#include "ingest/unix_ingest.hpp"

#include <fstream>

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
constexpr long kDatagramQueueWanted = 512;       // systemd raises net.unix.max_dgram_qlen to this

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
    log_receive_buffer();
    set_mode(options_.datagram_path, options_.socket_mode);
    datagram_buf_.resize(options_.max_line_bytes + 3);  // see do_receive
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

// The kernel caps SO_RCVBUF at net.core.rmem_max without a word; what it gave decides how
// long a burst of datagrams can wait for us, so say it.
void UnixIngest::log_receive_buffer() {
  boost::system::error_code ec;
  net::socket_base::receive_buffer_size got;
  datagram_->get_option(got, ec);
  if (ec) return;
  // Linux reports double what it was asked for (half of it is bookkeeping).
  const auto kib = [](long bytes) { return std::to_string(bytes / 1024) + " KiB"; };
  std::string line = "datagram socket " + options_.datagram_path + ": receive buffer " + kib(got.value()) +
                     " (asked for " + kib(kDatagramReceiveBuffer) + ")";
  bool short_of_it = got.value() < kDatagramReceiveBuffer;
  if (short_of_it)
    line += "; the kernel caps it at net.core.rmem_max: raise that (sysctl) to absorb longer bursts";
  // A UNIX datagram socket also stops its senders after net.unix.max_dgram_qlen datagrams
  // queued, whatever the buffer (measured: a non-blocking sender got EAGAIN after 11 with
  // Debian's default of 10). Each datagram is one line, so that is the real depth.
  long qlen = 0;
  if (std::ifstream f("/proc/sys/net/unix/max_dgram_qlen"); f >> qlen) {
    line += "; at most " + std::to_string(qlen) + " datagrams queued (net.unix.max_dgram_qlen)";
    if (qlen < kDatagramQueueWanted) {
      line += ": raise it (sysctl net.unix.max_dgram_qlen=" + std::to_string(kDatagramQueueWanted) +
              ", as systemd does) or a sender that does not wait loses lines once reading falls behind";
      short_of_it = true;
    }
  }
  if (short_of_it) log::warn(line);
  else log::info(line);
}

namespace {
std::string seconds(std::chrono::milliseconds ms) {
  const auto s = ms.count() / 1000.0;
  std::string text = std::to_string(s);
  text.erase(text.find_last_not_of('0') + 1);  // "60.000000" -> "60." -> "60"
  if (!text.empty() && text.back() == '.') text.pop_back();
  return text + " s";
}
}  // namespace

void UnixIngest::refuse(stream_protocol::socket& socket) {
  boost::system::error_code ignored;
  socket.close(ignored);
  ++refused_;
  self_.ingest_refused.Increment();
  refused_log_.note([&] {
    return "refused an ingest writer: all " + std::to_string(options_.max_connections) +
           " slots (--max-ingest-connections) are held by writers that sent something within " +
           seconds(options_.idle_timeout) + " (--ingest-idle-timeout); " + std::to_string(refused_) +
           " refused so far (tapemeasure_ingest_refused_total)";
  });
}

// All slots are taken: the writer idle longest gives its slot up if it has been idle past
// the timeout. Only then, so that quiet but legitimate writers keep their connection.
bool UnixIngest::evict_idle_writer(clock::time_point now) {
  auto idlest = open_.end();
  for (auto it = open_.begin(); it != open_.end(); ++it)
    if (idlest == open_.end() || it->second->last_read() < idlest->second->last_read()) idlest = it;
  if (idlest == open_.end() || now - idlest->second->last_read() <= options_.idle_timeout) return false;
  const auto idle = std::chrono::duration_cast<std::chrono::milliseconds>(now - idlest->second->last_read());
  const std::shared_ptr<Reader> reader = idlest->second;
  release(idlest->first);
  // Its pending read ends (operation_aborted) and hands on a partial last line, as at EOF.
  boost::system::error_code ignored;
  reader->stream().close(ignored);
  self_.ingest_idle_closed.Increment();
  idle_closed_log_.note([&] {
    return "closed an ingest writer silent for " + seconds(idle) + " to give its slot to a new one (all " +
           std::to_string(options_.max_connections) + " taken; --ingest-idle-timeout " +
           seconds(options_.idle_timeout) + ")";
  });
  return true;
}

void UnixIngest::release(std::uint64_t id) {
  if (open_.erase(id) > 0) self_.ingest_connections.Decrement();
}

void UnixIngest::admit(stream_protocol::socket socket) {
  if (open_.size() >= options_.max_connections && !evict_idle_writer(clock::now())) {
    refuse(socket);
    return;
  }
  const std::uint64_t id = next_id_++;
  auto reader = std::make_shared<Reader>(std::move(socket), sink_, options_.max_line_bytes, [this, id] { release(id); });
  open_.emplace(id, reader);
  self_.ingest_connections.Increment();
  reader->start();
}

void UnixIngest::do_accept() {
  acceptor_->async_accept([this](boost::system::error_code ec, stream_protocol::socket socket) {
    if (ec == net::error::operation_aborted) return;
    if (ec) log::warn("ingest accept: " + ec.message());
    else admit(std::move(socket));
    do_accept();
  });
}

void UnixIngest::do_receive() {
  datagram_->async_receive(net::buffer(datagram_buf_), [this](boost::system::error_code ec, std::size_t n) {
    if (ec == net::error::operation_aborted) return;
    if (!ec) {
      // One datagram, one message. The buffer holds a line of the limit plus its CRLF and
      // one byte more: a datagram filling it was longer, and cut by the kernel.
      const bool cut_by_kernel = n >= datagram_buf_.size();
      std::string_view msg(datagram_buf_.data(), n);
      if (!cut_by_kernel)
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
      // (Cut by the kernel right after a newline, the rest is lost without a trace: nothing
      // left to flag.)
      const bool truncated = (cut_by_kernel && !msg.empty()) || msg.size() > options_.max_line_bytes;
      if (!msg.empty() || truncated) sink_.line(msg.substr(0, options_.max_line_bytes), truncated);
      sink_.end_batch();
    } else {
      log::warn("ingest datagram: " + ec.message());
    }
    do_receive();
  });
}

}  // namespace tapemeasure::ingest
