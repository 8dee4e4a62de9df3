// `tapemeasure test`: run lines through the rules offline, exactly as the daemon would
// (same splitter, same line processor, same registry layout), and print what came out.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <iomanip>
#include <iostream>
#include <thread>

#include "app/commands.hpp"
#include "app/line_feeder.hpp"
#include "app/progress.hpp"
#include "app/version.hpp"
#include "metrics/exposition.hpp"
#include "metrics/metric_store.hpp"
#include "metrics/self_metrics.hpp"
#include "rules/event_json.hpp"
#include "rules/line_processor.hpp"
#include "reload/rule_loader.hpp"

namespace tapemeasure::app {
namespace {

constexpr std::size_t kUnmatchedExamples = 5;

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void print_summary(const rules::LineProcessor& p, std::uint64_t truncated) {
  const auto& set = *p.rules();
  const auto lines = p.lines();
  const auto matched = lines - p.unmatched();
  const auto pct = [&](std::uint64_t n) { return lines ? 100.0 * static_cast<double>(n) / static_cast<double>(lines) : 0.0; };
  std::uint64_t refused = 0, misses = 0;
  for (const auto& r : p.rule_stats()) refused += r.refused, misses += r.recall_misses;
  std::cout << std::fixed << std::setprecision(1);
  std::cout << "lines read:  " << lines << "\n"
            << "matched:     " << matched << " (" << pct(matched) << "%)\n"
            << "unmatched:   " << p.unmatched() << " (" << pct(p.unmatched()) << "%)\n"
            << "truncated:   " << truncated << "\n";
  // A matched line whose value is refused measures nothing: say so next to "matched".
  if (refused > 0)
    std::cout << "refused:     " << refused
              << " values (not a finite number, or negative for a counter; not applied)\n";
  if (misses > 0) std::cout << "recall miss: " << misses << " lines found nothing remembered under their key\n";
  std::size_t width = 4;
  for (const auto& r : set.rules()) width = std::max(width, r.name.size());
  const int w = static_cast<int>(width);
  std::cout << "per rule:\n  " << std::left << std::setw(w) << "rule" << std::right << std::setw(10) << "matches"
            << std::setw(10) << "refused" << std::setw(10) << "misses" << "\n";
  for (std::size_t i = 0; i < set.size(); ++i) {
    const auto& st = p.rule_stats()[i];
    std::cout << "  " << std::left << std::setw(w) << set.rule(i).name << std::right << std::setw(10) << st.matches
              << std::setw(10) << st.refused << std::setw(10) << st.recall_misses << "\n";
  }
  auto examples = p.recent_unmatched();
  if (examples.size() > kUnmatchedExamples)
    examples.erase(examples.begin(), examples.end() - static_cast<std::ptrdiff_t>(kUnmatchedExamples));
  if (!examples.empty()) {
    std::cout << "unmatched examples (last " << examples.size() << "):\n";
    for (auto& e : examples) std::cout << "  " << rules::dump_json(e.substr(0, 300)) << "\n";
  }
}

}  // namespace

int run_test(const TestOptions& o) {
  if (o.format != "events" && o.format != "metrics" && o.format != "summary") {
    std::cerr << "tapemeasure test: --format must be events, metrics or summary\n";
    return 2;
  }
  const auto loaded = reload::load_rules(o.rules);
  if (!loaded.compiled()) {
    std::cerr << loaded.error_text();
    return 1;
  }
  if (!loaded.views)
    std::cerr << rules::to_string(loaded.errors) << "warning: a view does not load; the daemon would refuse these rules\n";
  if (!loaded.tests.failures.empty())
    std::cerr << rules::to_string(loaded.tests.failures)
              << "warning: the rules' own tests fail; the daemon would refuse to load them\n";

  int fd = STDIN_FILENO;
  std::uint64_t total = 0;
  if (o.input != "-") {
    fd = ::open(o.input.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      std::cerr << "tapemeasure test: cannot open " << o.input << ": " << std::strerror(errno) << "\n";
      return 1;
    }
    struct stat st {};
    if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) total = static_cast<std::uint64_t>(st.st_size);
  }

  prometheus::Registry registry;
  metrics::SelfMetrics self(registry, kVersion);
  metrics::MetricStore store(registry, self, {.max_series_per_metric = o.max_series_per_metric});
  // Lines are matched on every core and applied in line order: the same events and metrics
  // as one thread, sooner (a golden test holds the two equal).
  const int threads = o.threads > 0 ? o.threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  rules::LineProcessor processor(store, self, threads, o.max_remembered);
  processor.install(loaded.rules);

  std::ios::sync_with_stdio(false);
  const bool events = o.format == "events";
  std::string out;
  const rules::LineProcessor::EventCallback on_event = [&](const rules::RuleMatch& m) {
    out = rules::render_event_json(m, now_ms());
    out += '\n';
    std::cout << out;
  };
  std::uint64_t bytes = 0;
  LineFeeder feeder(processor, o.max_line_bytes, events ? &on_event : nullptr);
  {
    Progress progress(o.progress && fd != STDIN_FILENO, total);
    std::vector<char> buf(1 << 20);
    for (;;) {
      const ssize_t n = ::read(fd, buf.data(), buf.size());
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        std::cerr << "tapemeasure test: read error: " << std::strerror(errno) << "\n";
        return 1;
      }
      if (n == 0) break;
      bytes += static_cast<std::uint64_t>(n);
      feeder.feed(std::string_view(buf.data(), static_cast<std::size_t>(n)));
      progress.update(bytes, processor.lines());
    }
    feeder.finish();
  }
  if (fd != STDIN_FILENO) ::close(fd);

  if (o.format == "metrics") std::cout << metrics::render_text_exposition(registry);
  if (o.format == "summary") print_summary(processor, feeder.truncated());
  std::cout.flush();
  return 0;
}

}  // namespace tapemeasure::app
