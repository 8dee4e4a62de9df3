// tapemeasure-load: measures the daemon end to end, on this machine, in one run:
//   * throughput: lines/s written into the stream socket and processed (tapemeasure_lines_total),
//     with 0, 10 and 100 WebSocket clients connected and receiving at the cap;
//   * latency: socket write -> WebSocket receipt, p50/p99, at a steady input rate;
//   * daemon RSS, and the daemon's CPU time per line (user + system, from /proc): steadier than
//     lines/s on a shared machine, where the load tool and the daemon compete for the same cores;
//   * a baseline from the same run: the rule engine alone, in-process, on the same lines,
//     so results read as ratios (machines here are noisy).
// It starts a fresh daemon for each scenario. Not a test: it reports, it does not assert.
#include <CLI/CLI.hpp>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "app/demo_traffic.hpp"
#include "ingest/stream_client.hpp"
#include "metrics/metric_store.hpp"
#include "metrics/self_metrics.hpp"
#include "rules/line_processor.hpp"
#include "reload/rule_loader.hpp"

namespace net = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using clock_type = std::chrono::steady_clock;

namespace {

struct Options {
  std::string daemon = "build/tapemeasure";
  std::string rules = "rules";
  std::size_t lines = 2'000'000;
  std::vector<int> clients = {0, 10, 100};
  double latency_rate = 10'000;
  double latency_seconds = 5;
  int port = 18931;
  int match_threads = 0;  // 0: the daemon's default
  std::vector<std::string> daemon_args;  // appended to the daemon's command line
};

// Whether the daemon's `run --help` lists `option`: builds being compared may be older than
// this tool, and a daemon refuses an option it does not know.
bool daemon_knows(const std::string& daemon, const std::string& option) {
  const std::string cmd = "'" + daemon + "' run --help 2>/dev/null";
  FILE* p = ::popen(cmd.c_str(), "r");
  if (!p) return false;
  std::string help;
  char buf[4096];
  for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;) help.append(buf, n);
  ::pclose(p);
  return help.find(option) != std::string::npos;
}

std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(clock_type::now().time_since_epoch()).count();
}

// A fresh daemon on a private socket and port.
struct Daemon {
  pid_t pid = -1;
  std::string socket;
  int port = 0;

  Daemon(const Options& o, int port_) : port(port_) {
    const auto dir = std::filesystem::temp_directory_path() / ("tapemeasure-load-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    socket = (dir / "in.sock").string();
    pid = ::fork();
    if (pid == 0) {
      std::vector<std::string> args = {o.daemon, "run", "--rules", o.rules, "--socket", socket,
                                       "--listen", "127.0.0.1:" + std::to_string(port), "--log-level", "warn",
                                       "--match-threads", std::to_string(o.match_threads)};
      args.insert(args.end(), o.daemon_args.begin(), o.daemon_args.end());
      std::vector<char*> argv;
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      ::execv(o.daemon.c_str(), argv.data());
      std::perror("exec daemon");
      _exit(127);
    }
    for (int i = 0; i < 200 && !std::filesystem::exists(socket); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(25));
    for (int i = 0; i < 200 && metric("tapemeasure_lines_total") < 0; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  ~Daemon() {
    if (pid > 0) {
      ::kill(pid, SIGTERM);
      int status = 0;
      ::waitpid(pid, &status, 0);
    }
  }

  std::string get(const std::string& target) const {
    try {
      net::io_context ioc;
      beast::tcp_stream stream(ioc);
      stream.connect(net::ip::tcp::endpoint(net::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port)));
      beast::http::request<beast::http::empty_body> req{beast::http::verb::get, target, 11};
      req.set(beast::http::field::host, "127.0.0.1:" + std::to_string(port));
      beast::http::write(stream, req);
      beast::flat_buffer buf;
      beast::http::response<beast::http::string_body> res;
      beast::http::read(stream, buf, res);
      return res.body();
    } catch (const std::exception&) {
      return {};
    }
  }
  double metric(const std::string& name) const {
    const std::string text = get("/metrics");
    const auto at = text.find("\n" + name + " ");
    if (at == std::string::npos) return -1;
    return std::stod(text.substr(at + name.size() + 2));
  }
  // User + system CPU seconds the daemon has used so far (all its threads).
  double cpu_seconds() const {
    std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
    std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const auto close = stat.rfind(')');  // the command name may hold spaces
    if (close == std::string::npos) return -1;
    std::istringstream fields(stat.substr(close + 2));
    std::string field;
    unsigned long long utime = 0, stime = 0;
    for (int i = 3; i <= 15 && fields >> field; ++i) {  // field 3 is the state; 14 utime, 15 stime
      if (i == 14) utime = std::stoull(field);
      if (i == 15) stime = std::stoull(field);
    }
    return static_cast<double>(utime + stime) / static_cast<double>(::sysconf(_SC_CLK_TCK));
  }
  double rss_mb() const {
    std::ifstream in("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(in, line))
      if (line.rfind("VmRSS:", 0) == 0) return std::stod(line.substr(6)) / 1024.0;
    return -1;
  }
};

int connect_unix(const std::string& path) {
  std::string error;
  const int fd = tapemeasure::ingest::connect_stream_socket(path, error);
  if (fd < 0) throw std::runtime_error("connect " + path + ": " + error);
  return fd;
}

void write_all(int fd, std::string_view data) {
  if (!tapemeasure::ingest::write_all(fd, data)) throw std::runtime_error("write failed");
}

// WebSocket clients on one thread, counting events and the server's "dropped".
class Clients {
 public:
  Clients(int n, int port, bool parse_latency) : parse_latency_(parse_latency) {
    for (int i = 0; i < n; ++i) {
      auto ws = std::make_shared<websocket::stream<beast::tcp_stream>>(ioc_);
      beast::get_lowest_layer(*ws).connect(
          net::ip::tcp::endpoint(net::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port)));
      ws->handshake("127.0.0.1:" + std::to_string(port), "/ws");
      streams_.push_back(ws);
    }
    for (auto& ws : streams_) read(ws, std::make_shared<beast::flat_buffer>());
    thread_ = std::thread([this] { ioc_.run(); });
  }
  ~Clients() {
    ioc_.stop();
    thread_.join();
  }
  std::uint64_t events() const { return events_; }
  std::uint64_t dropped() const { return dropped_; }
  std::vector<double> take_latencies_ms() {
    std::lock_guard lock(mutex_);
    return latencies_;
  }

 private:
  void read(std::shared_ptr<websocket::stream<beast::tcp_stream>> ws, std::shared_ptr<beast::flat_buffer> buf) {
    ws->async_read(*buf, [this, ws, buf](beast::error_code ec, std::size_t) {
      if (ec) return;
      const std::string text = beast::buffers_to_string(buf->data());
      buf->consume(buf->size());
      const std::int64_t received = now_ns();
      std::size_t pos = 0;
      while ((pos = text.find("{\"ts\":", pos)) != std::string::npos) {
        ++events_;
        pos += 6;
      }
      if (const auto d = text.rfind("\"dropped\":"); d != std::string::npos) dropped_ += std::stoull(text.substr(d + 10));
      if (parse_latency_) {
        // Lines written by the latency phase carry their send time: to=<tNANOS@latency.invalid>
        std::size_t p = 0;
        std::lock_guard lock(mutex_);
        while ((p = text.find("\"rcpt\":\"t", p)) != std::string::npos) {
          p += 9;
          const std::int64_t sent = std::stoll(text.substr(p, 20));
          latencies_.push_back(static_cast<double>(received - sent) / 1e6);
        }
      }
      read(ws, buf);
    });
  }

  net::io_context ioc_;
  std::vector<std::shared_ptr<websocket::stream<beast::tcp_stream>>> streams_;
  std::thread thread_;
  std::atomic<std::uint64_t> events_{0}, dropped_{0};
  bool parse_latency_;
  std::mutex mutex_;
  std::vector<double> latencies_;
};

std::string make_corpus(std::size_t lines) {
  tapemeasure::app::DemoTraffic traffic(7);
  std::string out;
  std::size_t n = 0;
  while (n < lines) n += static_cast<std::size_t>(traffic.next_message(out));
  // Trim to exactly `lines` lines.
  std::size_t pos = 0;
  for (std::size_t i = 0; i < lines; ++i) pos = out.find('\n', pos) + 1;
  out.resize(pos);
  return out;
}

double baseline_engine_lines_per_s(const std::string& rules_path, const std::string& corpus, std::size_t lines) {
  auto loaded = tapemeasure::reload::load_rules({rules_path});
  if (!loaded.compiled()) throw std::runtime_error(loaded.error_text());
  prometheus::Registry registry;
  tapemeasure::metrics::SelfMetrics self(registry, "load");
  tapemeasure::metrics::MetricStore store(registry, self, {});
  tapemeasure::rules::LineProcessor p(store, self);
  p.install(loaded.rules);
  const auto start = clock_type::now();
  std::string_view rest = corpus;
  while (!rest.empty()) {
    const auto nl = rest.find('\n');
    p.process(rest.substr(0, nl));
    rest.remove_prefix(nl + 1);
  }
  return static_cast<double>(lines) / std::chrono::duration<double>(clock_type::now() - start).count();
}

double percentile(std::vector<double> v, double q) {
  if (v.empty()) return -1;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<std::size_t>(q * static_cast<double>(v.size())))];
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  CLI::App app{"tapemeasure-load: end-to-end throughput, WebSocket fan-out and latency of the daemon"};
  app.add_option("--daemon", o.daemon, "tapemeasure binary")->capture_default_str();
  app.add_option("--rules", o.rules, "rules for the daemon")->capture_default_str();
  app.add_option("--lines", o.lines, "lines per throughput run")->capture_default_str();
  app.add_option("--clients", o.clients, "WebSocket client counts to try")->capture_default_str();
  app.add_option("--latency-rate", o.latency_rate, "lines/s during the latency run")->capture_default_str();
  app.add_option("--latency-seconds", o.latency_seconds, "length of the latency run")->capture_default_str();
  app.add_option("--port", o.port, "first HTTP port to use")->capture_default_str();
  app.add_option("--match-threads", o.match_threads, "the daemon's --match-threads (0: its default)")->capture_default_str();
  app.add_option("--daemon-arg", o.daemon_args,
                 "an argument for the daemon's command line (repeat for each; e.g. --daemon-arg=--ws-max-rate "
                 "--daemon-arg=500)");
  CLI11_PARSE(app, argc, argv);
  // Every client here comes from 127.0.0.1: the daemon's per-address limit (64) would send
  // most of 100 clients to the reserve, which refuses WebSockets.
  if (daemon_knows(o.daemon, "--max-connections-per-peer"))
    o.daemon_args.insert(o.daemon_args.begin(), {"--max-connections-per-peer", "0"});
  std::cout << std::unitbuf;  // progress shows as it happens, also when piped

  std::cout << "generating " << o.lines << " lines of synthetic Postfix traffic...\n" << std::flush;
  const std::string corpus = make_corpus(o.lines);
  const double baseline = baseline_engine_lines_per_s(o.rules, corpus, o.lines);
  std::cout << "baseline (rule engine alone, in-process, same lines): " << static_cast<long>(baseline) << " lines/s\n";

  int port = o.port;
  for (int n : o.clients) {
    Daemon d(o, port++);
    Clients clients(n, d.port, false);
    const double before = d.metric("tapemeasure_lines_total");
    const double cpu_before = d.cpu_seconds();
    const auto start = clock_type::now();
    // Two writers, as a syslog daemon and a replay might be.
    const std::size_t half = corpus.find('\n', corpus.size() / 2) + 1;
    std::thread w1([&] {
      const int fd = connect_unix(d.socket);
      write_all(fd, std::string_view(corpus).substr(0, half));
      ::close(fd);
    });
    std::thread w2([&] {
      const int fd = connect_unix(d.socket);
      write_all(fd, std::string_view(corpus).substr(half));
      ::close(fd);
    });
    w1.join();
    w2.join();
    double done = before;
    while (done < before + static_cast<double>(o.lines)) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
      done = d.metric("tapemeasure_lines_total");
    }
    const double secs = std::chrono::duration<double>(clock_type::now() - start).count();
    const double cpu_us_per_line = (d.cpu_seconds() - cpu_before) * 1e6 / static_cast<double>(o.lines);
    const double rate = static_cast<double>(o.lines) / secs;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    std::printf("e2e %3d clients: %9.0f lines/s (%.2fx baseline), per client %.0f events/s received, %.0f dropped/s; "
                "daemon CPU %.2f us/line, RSS %.1f MB\n",
                n, rate, rate / baseline, n ? static_cast<double>(clients.events()) / n / secs : 0.0,
                n ? static_cast<double>(clients.dropped()) / n / secs : 0.0, cpu_us_per_line, d.rss_mb());
    std::fflush(stdout);
  }

  {
    Daemon d(o, port++);
    Clients clients(1, d.port, true);
    const int fd = connect_unix(d.socket);
    tapemeasure::app::DemoTraffic traffic(9);
    const auto start = clock_type::now();
    std::size_t sent = 0;
    const std::size_t total = static_cast<std::size_t>(o.latency_rate * o.latency_seconds);
    std::string batch;
    while (sent < total) {
      const auto due = start + std::chrono::duration_cast<clock_type::duration>(
                                   std::chrono::duration<double>(static_cast<double>(sent) / o.latency_rate));
      std::this_thread::sleep_until(due);
      batch.clear();
      // One delivered line stamped with its send time, like the demo's delivery lines.
      batch = "Nov 27 09:00:00 mta1 postfix/smtp[1]: 4F1A2B: to=<t" + std::to_string(now_ns()) +
              "@latency.invalid>, relay=proxy1[74.125.1.9]:25, delay=0.1, delays=0/0/0/0.1, dsn=2.0.0, status=sent (250 ok)\n";
      write_all(fd, batch);
      ++sent;
    }
    ::close(fd);
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    const auto lat = clients.take_latencies_ms();
    std::printf("latency at %.0f lines/s (1 client, %zu events sampled at the cap): p50 %.2f ms, p99 %.2f ms, max %.2f ms; "
                "daemon RSS %.1f MB\n",
                o.latency_rate, lat.size(), percentile(lat, 0.5), percentile(lat, 0.99), percentile(lat, 1.0), d.rss_mb());
  }
  return 0;
}
