#pragma once
// Each CLI command: its options (filled by CLI11 in main.cpp) and the function that runs it.
// Functions return the process exit code.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace tapemeasure::app {

struct CheckOptions {
  std::vector<std::string> paths;
};
int run_check(const CheckOptions& o);

struct TestOptions {
  std::vector<std::string> rules;
  std::string input = "-";
  std::string format = "summary";  // events | metrics | summary
  std::size_t max_line_bytes = 64 * 1024;
  std::size_t max_series_per_metric = 10000;
  std::size_t max_remembered = 100000;  // entries per remember table
  int threads = 0;       // matching threads; 0: one per core
  bool progress = true;  // only ever shown on a terminal
};
int run_test(const TestOptions& o);

}  // namespace tapemeasure::app

namespace tapemeasure::app {

struct RunOptions {
  std::vector<std::string> rules;
  std::string socket = "./tapemeasure.sock";  // "-": standard input; "": none
  std::string dgram_socket;
  std::string socket_mode = "0660";
  std::string listen = "127.0.0.1:8000";
  std::string web_root;  // default: the web/ next to the build, or the installed one
  double ws_max_rate = 1000;
  std::size_t ws_queue_bytes = 4 << 20;
  std::size_t max_line_bytes = 64 * 1024;
  std::size_t max_series_per_metric = 10000;
  std::size_t max_samples = 500'000;  // in one /metrics, all user metrics together
  std::size_t max_remembered = 100000;  // entries per remember table
  std::size_t max_connections = 512;
  std::size_t max_connections_per_peer = 64;  // general slots per client address (0: no limit)
  std::size_t reserved_connections = 16;      // the last slots: /healthz and /metrics only
  double header_timeout = 10;                 // seconds to send a whole request
  double keep_alive_timeout = 30;             // seconds an idle keep-alive connection is kept
  std::size_t max_ingest_connections = 256;  // stream-socket writers at once
  // Seconds a stream-socket writer may stay silent before its slot can go to a new writer
  // (only when all slots are taken).
  double ingest_idle_timeout = 60;
  std::vector<std::string> allowed_origins;
  std::vector<std::string> allowed_hosts;
  std::string log_level = "info";
  int match_threads = 0;  // 0: one per core, at most 4
  // Several boxes, one picture (DESIGN.md): this daemon's name in its frames (default: the
  // host name) and the other boxes' daemons, listed at /api/peers for the UI to merge.
  std::string name;
  std::vector<std::string> peers;
  // Log files followed like `tail -F` (globs allowed), and where their positions are kept
  // across restarts (empty: not kept).
  std::vector<std::string> follow;
  std::string follow_state;
};
int run_daemon(const RunOptions& o);

struct DemoOptions {
  RunOptions run;
  std::string pack = "postfix";  // whose synthetic traffic, and (without --rules) whose rules
  double rate = 200;             // messages, requests or queries per second (a few lines each)
  // --print: write the traffic's lines to standard output instead of running the daemon,
  // `count` units of it (messages, requests or queries) with log times `rate` per second
  // from now, then the deliveries still due. The same seed prints the same lines.
  bool print = false;
  std::uint64_t count = 10'000;
  std::uint64_t seed = 42;
};
int run_demo(DemoOptions o);

struct ReplayOptions {
  std::string input;
  std::string socket;
  double rate = 0;  // lines/s; 0 = as fast as the daemon reads
  // By log time, `speed` times faster (0: off): each line is sent when its own time, less
  // the first line's, divided by speed, has passed. `rules` give each line's time from a
  // raw file's `time:`; without them (or when none takes a line), the syslog header's.
  double speed = 0;
  std::vector<std::string> rules;
  bool loop = false;
  bool progress = true;
};
int run_replay(const ReplayOptions& o);

// Where the default rules and web assets are: next to the sources for a build tree,
// else the installed locations. Empty when none exists.
std::string default_rules_path();
std::string default_web_root();
// The optional pack rules/packs/<pack>.yml beside the default rules, or empty.
std::string pack_rules_path(const std::string& pack);

}  // namespace tapemeasure::app
