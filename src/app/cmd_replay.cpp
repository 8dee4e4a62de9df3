// `tapemeasure replay FILE|- --socket PATH [--rate N] [--loop]`: feed a log into a running
// daemon's stream socket, optionally paced, as a stand-in for a live writer.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <iostream>
#include <thread>

#include "app/commands.hpp"
#include "app/progress.hpp"
#include "ingest/line_splitter.hpp"
#include "ingest/stream_client.hpp"

namespace tapemeasure::app {
namespace {

class Writer {
 public:
  explicit Writer(int fd) : fd_(fd) {}
  ~Writer() { flush(); }
  void add(std::string_view line) {
    buf_.append(line);
    buf_ += '\n';
    if (buf_.size() >= (1 << 16)) flush();
  }
  bool flush() {
    if (!buf_.empty() && !ingest::write_all(fd_, buf_)) failed_ = true;
    buf_.clear();
    return !failed_;
  }

 private:
  int fd_;
  std::string buf_;
  bool failed_ = false;
};

}  // namespace

int run_replay(const ReplayOptions& o) {
  if (o.loop && o.input == "-") {
    std::cerr << "tapemeasure replay: --loop needs a file, not standard input\n";
    return 2;
  }
  std::string error;
  const int sock = ingest::connect_stream_socket(o.socket, error);
  if (sock < 0) {
    std::cerr << "tapemeasure replay: cannot connect to " << o.socket << ": " << error
              << " (is 'tapemeasure run' listening there?)\n";
    return 1;
  }
  Writer writer(sock);
  using clock = std::chrono::steady_clock;
  const auto start = clock::now();
  std::uint64_t lines = 0, bytes = 0;
  bool ok = true;
  do {
    const int fd = o.input == "-" ? STDIN_FILENO : ::open(o.input.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      std::cerr << "tapemeasure replay: cannot open " << o.input << ": " << std::strerror(errno) << "\n";
      return 1;
    }
    struct stat st {};
    const std::uint64_t total = (fd != STDIN_FILENO && ::fstat(fd, &st) == 0) ? static_cast<std::uint64_t>(st.st_size) : 0;
    Progress progress(o.progress && fd != STDIN_FILENO && !o.loop, total);
    // Lines are re-split (not copied blindly) so --rate counts lines and every line ends in '\n'.
    ingest::LineSplitter splitter(std::size_t{1} << 30);
    const auto on_line = [&](std::string_view line, bool) {
      writer.add(line);
      ++lines;
      if (o.rate > 0) {
        const auto due = start + std::chrono::duration_cast<clock::duration>(
                                     std::chrono::duration<double>(static_cast<double>(lines) / o.rate));
        if (due > clock::now()) {
          writer.flush();
          std::this_thread::sleep_until(due);
        }
      }
    };
    std::vector<char> buf(1 << 20);
    for (;;) {
      const ssize_t n = ::read(fd, buf.data(), buf.size());
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      bytes += static_cast<std::uint64_t>(n);
      splitter.feed(std::string_view(buf.data(), static_cast<std::size_t>(n)), on_line);
      progress.update(bytes, lines);
      // Pass on what this read gave at once: from a pipe (tail -F, journalctl -f) a line
      // must not wait for 64 KiB more, or for EOF.
      if (!writer.flush()) break;
    }
    splitter.finish(on_line);
    if (fd != STDIN_FILENO) ::close(fd);
    ok = writer.flush();
  } while (o.loop && ok);
  ::close(sock);
  if (!ok) {
    std::cerr << "tapemeasure replay: the daemon closed the connection after " << lines << " lines\n";
    return 1;
  }
  const double secs = std::chrono::duration<double>(clock::now() - start).count();
  std::cerr << "replayed " << lines << " lines in " << secs << " s\n";
  return 0;
}

}  // namespace tapemeasure::app
