// tapemeasure: measure live log traffic. The command line; each command lives in its own
// cmd_*.cpp.
#include <CLI/CLI.hpp>

#include <iostream>

#include "app/commands.hpp"
#include "app/version.hpp"

int main(int argc, char** argv) {
  using namespace tapemeasure::app;
  CLI::App app{"tapemeasure: measure live log traffic with editable RE2 rules.\n"
               "Lines in over a UNIX socket, events out to a live browser view, counters out to Prometheus."};
  app.set_version_flag("--version", tapemeasure::kVersion);
  app.require_subcommand(1);
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
  t->add_flag("!--no-progress", test.progress, "Do not show progress on a terminal");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  try {
    if (*c) return run_check(check);
    if (*t) return run_test(test);
  } catch (const std::exception& e) {
    std::cerr << "tapemeasure: " << e.what() << "\n";
    return 1;
  }
  return 2;
}
