// `tapemeasure replay FILE|- --socket PATH [--rate N | --speed N [--rules PATH...]] [--loop]`:
// feed a log into a running daemon's stream socket, paced by lines per second or by the
// log's own time, as a stand-in for a live writer.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <iostream>
#include <memory>
#include <optional>
#include <thread>

#include "app/commands.hpp"
#include "app/progress.hpp"
#include "ingest/line_splitter.hpp"
#include "ingest/stream_client.hpp"
#include "reload/rule_loader.hpp"
#include "rules/line_time.hpp"
#include "util/log_time_pacer.hpp"

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

// "log time 2026-11-07 09:12:00 (100x)" for the progress line.
std::string log_time_note(double t, double speed) {
  const auto secs = static_cast<std::time_t>(t);
  std::tm tm{};
  localtime_r(&secs, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "log time %Y-%m-%d %H:%M:%S", &tm);
  char rate[32];
  std::snprintf(rate, sizeof rate, " (%gx)", speed);
  return std::string(buf) + rate;
}

double epoch_now() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace

int run_replay(const ReplayOptions& o) {
  if (o.loop && o.input == "-") {
    std::cerr << "tapemeasure replay: --loop needs a file, not standard input\n";
    return 2;
  }
  // --speed: each line's own time, from the rules' time: fields or the syslog header.
  std::optional<rules::LineTimeReader> times;
  std::optional<util::LogTimePacer> pacer;
  if (o.speed > 0) {
    std::shared_ptr<const rules::RuleSet> rule_set;
    if (!o.rules.empty()) {
      const auto loaded = reload::load_rules(o.rules);
      if (!loaded.compiled()) {
        std::cerr << loaded.error_text() << "tapemeasure replay: the rules do not load; nothing was sent\n";
        return 1;
      }
      rule_set = loaded.rules;
    }
    times.emplace(rule_set);
    pacer.emplace(o.speed);
  }
  std::uint64_t untimed = 0;
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
    Progress progress(o.progress && (fd != STDIN_FILENO || pacer) && !o.loop, total);
    const auto pass_start = clock::now();
    const double year_hint = epoch_now();  // for timestamps that write no year
    if (pacer) pacer->restart();
    // Lines are re-split (not copied blindly) so --rate counts lines and every line ends in '\n'.
    ingest::LineSplitter splitter(std::size_t{1} << 30);
    const auto on_line = [&](std::string_view line, bool) {
      if (pacer) {
        const auto t = times->read(line, year_hint);
        untimed += !t;
        const auto due = pass_start + std::chrono::duration_cast<clock::duration>(std::chrono::duration<double>(pacer->due(t)));
        if (due > clock::now()) {
          // What is due now goes before the pause; the pause is where progress is said.
          writer.flush();
          if (progress.enabled() && pacer->newest()) progress.set_note(log_time_note(*pacer->newest(), o.speed));
          progress.update(bytes, lines);
          std::this_thread::sleep_until(due);
        }
      }
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
  if (pacer && untimed > 0)
    std::cerr << "tapemeasure replay: " << untimed << " of " << lines
              << " lines carried no time that could be read; each was sent with the line before it"
              << (o.rules.empty() ? " (give --rules if the rule files' time: says where the time is)" : "") << "\n";
  return 0;
}

}  // namespace tapemeasure::app
