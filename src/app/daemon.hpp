#pragma once
// The running daemon: two threads. The ingest thread reads the sockets and runs the rule
// engine, the stream hub, the timers, signals and reloads; the network thread runs HTTP
// and WebSocket I/O. They meet only through posted calls and the thread-safe registry,
// so a slow browser can never hold up a log line.
#include <boost/asio/io_context.hpp>

#include <functional>
#include <memory>
#include <string>

#include "app/commands.hpp"

namespace tapemeasure::app {

class Daemon {
 public:
  explicit Daemon(RunOptions options);
  ~Daemon();

  // Sets everything up; throws std::runtime_error with a one-line message on failure
  // (bad rules, port in use, live socket...). Returns the URL of the UI.
  std::string start();
  // Runs until SIGINT/SIGTERM or stop(); returns the exit code.
  int run();
  void stop();

  const RunOptions& options() const { return options_; }

 private:
  struct Impl;
  RunOptions options_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace tapemeasure::app
