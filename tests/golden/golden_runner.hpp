#pragma once
// Runs a log through the default rule pack in-process, exactly as `tapemeasure test` does
// (same splitter, same line processor, same registry layout), with a fixed event time and
// version so that the output is a stable golden.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace tapemeasure::testing {

inline constexpr std::int64_t kGoldenEventTs = 1764233462123;  // 2025-11-27T08:51:02.123Z
inline constexpr const char* kGoldenVersion = "golden";

struct GoldenOutput {
  std::string events;   // one JSON event per line
  std::string metrics;  // the text exposition
  std::uint64_t helper_chunks = 0;  // chunks matched by helper threads (match_threads > 1)
};

// The arrival time of every line (epoch seconds): the time of lines without one, and the
// "now" that RFC 3164 times (no year) are placed nearest to: 2026-11-27T08:51:02Z, the
// year the logs' ISO 8601 times write, so that both kinds of line agree on the year.
inline constexpr double kGoldenArrival = 1795769462.123;

// `rules`: rule paths as `--rules` takes them. Fails the current test if they do not load.
GoldenOutput run_golden(const std::vector<std::string>& rules, const std::filesystem::path& log,
                        double arrival = kGoldenArrival);

// The same for log text. match_threads > 1 runs it as the daemon does under load: the lines
// of each 256 KiB read go through LineProcessor::process_batch, matched on that many threads.
// Without events, the engine matches as the daemon does with no browser connected (only
// the captures metrics need).
GoldenOutput run_engine(const std::vector<std::string>& rules, const std::string& data, int match_threads = 1,
                        bool with_events = true, double arrival = kGoldenArrival);

// Every tests/data/*.log and tests/data/golden/*.log, relative to the repository root.
std::vector<std::filesystem::path> golden_logs();

}  // namespace tapemeasure::testing
