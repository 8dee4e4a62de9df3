#pragma once
// Reads one byte stream (a stream-socket connection, or stdin) into lines until EOF. The
// last partial line is processed at EOF, so a writer cut mid-line loses nothing.
#include <boost/asio/buffer.hpp>
#include <boost/asio/error.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <vector>

#include "ingest/line_sink.hpp"
#include "ingest/line_splitter.hpp"

namespace tapemeasure::ingest {

template <class Stream>
class StreamReader : public std::enable_shared_from_this<StreamReader<Stream>> {
 public:
  StreamReader(Stream stream, LineSink& sink, std::size_t max_line_bytes, std::function<void()> on_close)
      : stream_(std::move(stream)), sink_(sink), splitter_(max_line_bytes), buf_(kInitialBuffer),
        on_close_(std::move(on_close)) {}

  using clock = std::chrono::steady_clock;

  void start() { do_read(); }
  Stream& stream() { return stream_; }
  // When the writer last sent bytes (or connected): an idle writer's slot can be given to a
  // new one when all are taken (see UnixIngest).
  clock::time_point last_read() const { return last_read_; }

 private:
  static constexpr std::size_t kInitialBuffer = 64 * 1024, kLargeBuffer = 256 * 1024;

  void do_read() {
    stream_.async_read_some(boost::asio::buffer(buf_),
                            [self = this->shared_from_this()](boost::system::error_code ec, std::size_t n) {
                              self->on_read(ec, n);
                            });
  }

  void on_read(boost::system::error_code ec, std::size_t n) {
    // A read that fills the buffer means a busy writer: larger reads give the line
    // processor larger batches to spread over its match threads. Quiet writers keep the
    // small buffer.
    const bool grow = n == buf_.size() && buf_.size() < kLargeBuffer;
    const auto emit = [this](std::string_view line, bool truncated) { sink_.line(line, truncated); };
    if (n > 0) {
      last_read_ = clock::now();
      sink_.begin_batch();
      splitter_.feed(std::string_view(buf_.data(), n), emit);
      sink_.end_batch();
    }
    if (grow) buf_.resize(kLargeBuffer);
    if (ec) {
      if (splitter_.has_partial()) {
        sink_.begin_batch();
        splitter_.finish(emit);
        sink_.end_batch();
      }
      if (on_close_) on_close_();
      return;
    }
    do_read();
  }

  Stream stream_;
  LineSink& sink_;
  LineSplitter splitter_;
  std::vector<char> buf_;
  std::function<void()> on_close_;
  clock::time_point last_read_ = clock::now();
};

}  // namespace tapemeasure::ingest
