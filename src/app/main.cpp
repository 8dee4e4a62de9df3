// tapemeasure: measure live log traffic. The command line; each command lives in its own
// cmd_*.cpp.
#include <CLI/CLI.hpp>

#include <cmath>
#include <iostream>
#include <string>

#include "app/commands.hpp"
#include "app/demo_packs.hpp"
#include "app/version.hpp"

namespace {

// CLI::PositiveNumber's error spells out the whole range of a double (300 digits); this
// says what is wanted: "--rate: must be a number greater than 0, not '0'".
const CLI::Validator kPositive(
    [](std::string& text) -> std::string {
      std::size_t used = 0;
      double v = 0;
      try {
        v = std::stod(text, &used);
      } catch (const std::exception&) {
        used = 0;
      }
      if (used != text.size() || used == 0) return "not a number: '" + text + "'";
      return v > 0 && std::isfinite(v) ? "" : "must be a number greater than 0, not '" + text + "'";
    },
    "POSITIVE");

using namespace tapemeasure::app;

void add_daemon_options(CLI::App* cmd, RunOptions& o, bool demo) {
  if (!demo) {
    cmd->add_option("--rules", o.rules, "Rule file or directory (repeatable); reloaded on change and SIGHUP")
        ->required()
        ->expected(1, -1);
    cmd->add_option("--socket", o.socket, "UNIX stream socket to read lines from ('-' reads standard input)")
        ->capture_default_str();
    cmd->add_option("--dgram-socket", o.dgram_socket, "UNIX datagram socket (one line per datagram, e.g. rsyslog omuxsock)");
    cmd->add_option("--socket-mode", o.socket_mode, "Permissions of the socket files (octal)")->capture_default_str();
    cmd->add_option("--follow", o.follow,
                    "Log file to follow like tail -F, through rotation (repeatable; globs such as '/var/log/mail*.log')");
    cmd->add_option("--follow-state", o.follow_state,
                    "File keeping the followed files' positions across restarts (no lines lost or doubled)");
  } else {
    cmd->add_option("--rules", o.rules, "Rule file or directory (default: the bundled rules)")->expected(1, -1);
  }
  cmd->add_option("--listen", o.listen, "HTTP address for the UI, /metrics, /api and /ws")->capture_default_str();
  cmd->add_option("--web-root", o.web_root, "Directory of the UI's files (default: the bundled web/)");
  cmd->add_option("--ws-max-rate", o.ws_max_rate, "Most events per second any WebSocket client receives")
      ->check(kPositive)
      ->capture_default_str();
  cmd->add_option("--ws-queue-bytes", o.ws_queue_bytes, "Bytes queued per WebSocket client before its events are dropped")
      ->capture_default_str();
  cmd->add_option("--max-line-bytes", o.max_line_bytes, "Longer lines are truncated and counted")->capture_default_str();
  cmd->add_option("--max-series-per-metric", o.max_series_per_metric,
                  "Label sets per metric before updates go to the __overflow__ series")
      ->capture_default_str();
  cmd->add_option("--max-samples", o.max_samples,
                  "Samples of all metrics in one /metrics (a histogram series is one per bucket + 3) before new "
                  "series go to the __overflow__ series")
      ->check(CLI::Range(std::size_t{1}, std::size_t{1} << 40))
      ->capture_default_str();
  cmd->add_option("--max-remembered", o.max_remembered,
                  "Entries per remember table; beyond it the oldest goes (counted)")
      ->capture_default_str();
  cmd->add_option("--max-connections", o.max_connections, "Open HTTP/WebSocket connections at most")->capture_default_str();
  cmd->add_option("--max-connections-per-peer", o.max_connections_per_peer,
                  "Connections one client address may hold outside the reserve (0: no limit)")
      ->capture_default_str();
  cmd->add_option("--reserved-connections", o.reserved_connections,
                  "The last slots of --max-connections (at most half): only /healthz and /metrics, one short request each")
      ->capture_default_str();
  cmd->add_option("--header-timeout", o.header_timeout, "Seconds a client has to send a whole request")
      ->check(kPositive)
      ->capture_default_str();
  cmd->add_option("--keep-alive-timeout", o.keep_alive_timeout, "Seconds an idle keep-alive HTTP connection is kept")
      ->check(kPositive)
      ->capture_default_str();
  cmd->add_option("--max-ingest-connections", o.max_ingest_connections,
                  "Open stream-socket writers at most; when all are taken, a new one gets the slot of a writer "
                  "silent for --ingest-idle-timeout, or is refused (counted)")
      ->capture_default_str();
  cmd->add_option("--ingest-idle-timeout", o.ingest_idle_timeout,
                  "Seconds a stream-socket writer may be silent before its slot can go to a new writer; "
                  "applies only when all --max-ingest-connections slots are taken (quiet writers are never "
                  "closed otherwise)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  cmd->add_option("--name", o.name, "This daemon's name in its frames and at /api/peers (default: the host name)");
  cmd->add_option("--peer", o.peers,
                  "URL of another box's daemon for the UI to merge, e.g. http://box2:8000/ (repeatable)");
  cmd->add_option("--allowed-origin", o.allowed_origins, "Extra Origin allowed on /ws, e.g. https://dash.example.com");
  cmd->add_option("--allowed-host", o.allowed_hosts, "Extra Host header accepted (a name, or name:port)");
  cmd->add_option("--match-threads", o.match_threads,
                  "Threads matching lines when input is heavy (0: one per core, at most 4)")
      ->check(CLI::Range(0, 64))
      ->capture_default_str();
  cmd->add_option("--log-level", o.log_level, "debug, info, warn or error")
      ->check(CLI::IsMember({"debug", "info", "warn", "error"}))
      ->capture_default_str();
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"tapemeasure: measure live log traffic with editable RE2 rules.\n"
               "Lines in over a UNIX socket, events out to a live browser view, counters out to Prometheus."};
  app.set_version_flag("--version", tapemeasure::kVersion);
  // At most one command; none is reported below, after CLI11 has had its say about
  // unknown flags (so `tapemeasure --frobnicate` names --frobnicate).
  app.require_subcommand(0, 1);
  app.footer("Run 'tapemeasure COMMAND --help' for a command's options.");

  CheckOptions check;
  auto* c = app.add_subcommand("check", "Validate rule files and run their in-file tests (exit 1 with file:line: errors).");
  c->add_option("PATH", check.paths, "Rule file, or directory of *.yml/*.yaml")->required();

  TestOptions test;
  auto* t = app.add_subcommand("test", "Run a log through the rules offline and show what the daemon would do.");
  t->add_option("--rules", test.rules, "Rule file or directory (repeatable)")->required()->expected(1, -1);
  t->add_option("--input", test.input, "Log file, or - for standard input")->required();
  t->add_option("--format", test.format, "events: one JSON event per line; metrics: the /metrics text; summary: counts and unmatched examples")
      ->check(CLI::IsMember({"events", "metrics", "summary"}))
      ->capture_default_str();
  t->add_option("--max-line-bytes", test.max_line_bytes, "Longer lines are truncated and counted")->capture_default_str();
  t->add_option("--max-series-per-metric", test.max_series_per_metric,
                "Label sets per metric before updates go to the __overflow__ series")
      ->capture_default_str();
  t->add_option("--max-remembered", test.max_remembered,
                "Entries per remember table; beyond it the oldest goes (counted)")
      ->capture_default_str();
  t->add_option("--threads", test.threads,
                "Threads matching lines (0: one per core); the results are those of one thread")
      ->check(CLI::Range(0, 256))
      ->capture_default_str();
  t->add_flag("!--no-progress", test.progress, "Do not show progress on a terminal");

  RunOptions run;
  auto* r = app.add_subcommand("run", "Run the daemon: read lines from a UNIX socket, serve the UI, /metrics and /ws.");
  add_daemon_options(r, run, false);

  DemoOptions demo;
  auto* d = app.add_subcommand("demo", "Run the daemon with built-in synthetic traffic and the bundled rules of its pack.");
  add_daemon_options(d, demo.run, true);
  d->add_option("--pack", demo.pack,
                "Whose traffic: postfix (rules/), nginx or dns (rules/packs/NAME.yml unless --rules is given)")
      ->check(CLI::IsMember(demo_pack_names()))
      ->capture_default_str();
  d->add_option("--rate", demo.rate, "Synthetic messages, requests or queries per second (a few log lines each)")
      ->check(kPositive)
      ->capture_default_str();
  d->add_flag("--print", demo.print,
              "Print the traffic's log lines to standard output instead of running the daemon (log times at --rate "
              "from now, as fast as they can be written)");
  d->add_option("--count", demo.count, "With --print: how many messages, requests or queries")
      ->check(kPositive)
      ->capture_default_str();
  d->add_option("--seed", demo.seed, "The traffic's random seed: the same seed gives the same lines")
      ->capture_default_str();

  ReplayOptions replay;
  auto* p = app.add_subcommand("replay", "Feed a log file (or standard input) into a running daemon's socket.");
  p->add_option("FILE", replay.input, "Log file, or - for standard input")->required();
  p->add_option("--socket", replay.socket, "The daemon's stream socket")->required();
  auto* replay_rate = p->add_option("--rate", replay.rate, "Lines per second (default: as fast as the daemon reads)")
                          ->check(CLI::NonNegativeNumber);
  auto* replay_speed = p->add_option("--speed", replay.speed,
                              "Pace lines by their own log time, N times faster (1: as they were written; gaps "
                              "are kept, divided by N)")
                    ->check(kPositive)
                    ->excludes(replay_rate);
  p->add_option("--rules", replay.rules,
                "With --speed: rule files or folders whose time: fields give each line's time (default: the "
                "syslog header's timestamp)")
      ->needs(replay_speed);
  p->add_flag("--loop", replay.loop, "Start over at the end of the file, until interrupted");
  p->add_flag("!--no-progress", replay.progress, "Do not show progress on a terminal");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  try {
    if (*r) return run_daemon(run);
    if (*d) return run_demo(demo);
    if (*p) return run_replay(replay);
    if (*c) return run_check(check);
    if (*t) return run_test(test);
    std::cerr << "tapemeasure: a command is required: run, demo, check, test or replay\n"
              << "Run with --help for more information.\n";
    return 106;  // CLI11's exit code for a missing command
  } catch (const std::exception& e) {
    std::cerr << "tapemeasure: " << e.what() << "\n";
    return 1;
  }
}
