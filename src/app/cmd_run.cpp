// `tapemeasure run` and `tapemeasure demo`.
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <iostream>
#include <thread>

#include "app/commands.hpp"
#include "app/daemon.hpp"
#include "app/demo_traffic.hpp"
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
void write_demo_traffic(const std::string& socket_path, double rate, const std::atomic<bool>& stop) {
  std::string error;
  const int fd = ingest::connect_stream_socket(socket_path, error);
  if (fd < 0) {
    log::error("demo: cannot connect to " + socket_path + ": " + error);
    return;
  }
  DemoTraffic traffic;
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
      traffic.next_message(buf);
      sent -= 1;
    }
    if (!ingest::write_all(fd, buf)) break;  // the daemon is stopping
    next += std::chrono::milliseconds(20);
    std::this_thread::sleep_until(next);
  }
  ::close(fd);
}

}  // namespace

int run_demo(DemoOptions o) {
  auto& run = o.run;
  if (run.rules.empty()) {
    const auto rules = default_rules_path();
    if (rules.empty()) {
      std::cerr << "tapemeasure demo: cannot find the default rules; give --rules PATH\n";
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
              << "  synthetic Postfix traffic: " << o.rate << " messages/s, bursts of 4x, into " << run.socket << "\n"
              << "  metrics: " << url << "metrics   stats: " << url << "api/stats   rules: " << url << "api/rules\n"
              << std::flush;
    writer = std::thread([&] { write_demo_traffic(run.socket, o.rate, stop); });
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
