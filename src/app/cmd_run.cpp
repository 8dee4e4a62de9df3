// `tapemeasure run` and `tapemeasure demo`.
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <iostream>
#include <thread>

#include "app/commands.hpp"
#include "app/daemon.hpp"
#include "app/demo_packs.hpp"
#include "ingest/stream_client.hpp"
#include "util/log.hpp"

namespace tapemeasure::app {

int run_daemon(const RunOptions& o) {
  try {
    Daemon daemon(o);
    daemon.start();
    return daemon.run();
  } catch (const std::exception& e) {
    std::cerr << "tapemeasure: " << e.what() << "\n";
    return 1;
  }
}

namespace {

// Writes synthetic traffic into the daemon's own stream socket: the same path real
// writers take. Steady rate with a burst every so often, so the rate cap shows.
void write_demo_traffic(const std::string& socket_path, const TrafficGenerator& next_lines, double rate,
                        const std::atomic<bool>& stop) {
  std::string error;
  const int fd = ingest::connect_stream_socket(socket_path, error);
  if (fd < 0) {
    log::error("demo: cannot connect to " + socket_path + ": " + error);
    return;
  }
  std::string buf;
  using clock = std::chrono::steady_clock;
  const auto start = clock::now();
  double sent = 0;
  auto next = start;
  while (!stop) {
    const double t = std::chrono::duration<double>(clock::now() - start).count();
    const bool burst = static_cast<long>(t) % 20 >= 15;  // 5 s of every 20 at 4x
    const double msgs_per_tick = rate * (burst ? 4 : 1) / 50.0;
    sent += msgs_per_tick;
    buf.clear();
    while (sent >= 1) {
      next_lines.next(buf);
      sent -= 1;
    }
    if (!ingest::write_all(fd, buf)) break;  // the daemon is stopping
    next += std::chrono::milliseconds(20);
    std::this_thread::sleep_until(next);
  }
  ::close(fd);
}

// What one unit of each pack's synthetic traffic is called, for the banner.
const char* unit_of(const std::string& pack) {
  return pack == "nginx" ? "requests" : pack == "dns" ? "queries" : "messages";
}

}  // namespace

namespace {

// `demo --print`: the lines, with the log times of traffic at o.rate from now.
int print_demo_traffic(const DemoOptions& o) {
  const double start = std::floor(demo_now({}));
  double now = start;
  const TrafficGenerator traffic = make_demo_traffic(o.pack, o.seed, [&now] { return now; });
  std::string buf;
  for (std::uint64_t i = 0; i < o.count; ++i) {
    now = start + static_cast<double>(i) / o.rate;
    traffic.next(buf);
    if (buf.size() >= (1 << 16)) {
      if (!(std::cout << buf)) return 1;  // a closed pipe (head -n): nothing more to do
      buf.clear();
    }
  }
  traffic.flush(buf);
  std::cout << buf << std::flush;
  return std::cout ? 0 : 1;
}

}  // namespace

int run_demo(DemoOptions o) {
  if (o.print) return print_demo_traffic(o);
  auto& run = o.run;
  const TrafficGenerator traffic = make_demo_traffic(o.pack, o.seed);
  if (!traffic) {
    std::cerr << "tapemeasure demo: no synthetic traffic for pack '" << o.pack << "'\n";
    return 1;
  }
  if (run.rules.empty()) {
    // The default pack is the whole rules/ folder; an optional pack is its one file.
    const auto rules = o.pack == "postfix" ? default_rules_path() : pack_rules_path(o.pack);
    if (rules.empty()) {
      std::cerr << "tapemeasure demo: cannot find the rules of pack '" << o.pack << "'; give --rules PATH\n";
      return 1;
    }
    run.rules = {rules};
  }
  const auto dir = std::filesystem::temp_directory_path() / ("tapemeasure-demo-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  run.socket = (dir / "tapemeasure.sock").string();
  run.dgram_socket.clear();
  int rc = 0;
  try {
    Daemon daemon(run);
    const std::string url = daemon.start();
    std::atomic<bool> stop{false};
    std::thread writer;
    std::cout << "tapemeasure demo: open " << url << " in a browser (Ctrl-C stops)\n"
              << "  synthetic " << o.pack << " traffic: " << o.rate << " " << unit_of(o.pack)
              << "/s, bursts of 4x, into " << run.socket << "\n"
              << "  rules: " << run.rules.front() << (run.rules.size() > 1 ? " ..." : "") << "\n"
              << "  metrics: " << url << "metrics   stats: " << url << "api/stats   rules: " << url << "api/rules\n"
              << std::flush;
    writer = std::thread([&] { write_demo_traffic(run.socket, traffic, o.rate, stop); });
    rc = daemon.run();
    stop = true;
    writer.join();
  } catch (const std::exception& e) {
    std::cerr << "tapemeasure: " << e.what() << "\n";
    rc = 1;
  }
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  return rc;
}

}  // namespace tapemeasure::app
