// Fuzzes the line path with the shipped Postfix pack: bytes as they arrive on the ingest
// socket -> LineSplitter -> syslog header -> LineProcessor (match, metrics, events) ->
// /metrics text. Every byte of it comes from whoever can write to the socket.
#include <prometheus/registry.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <string_view>

#include "ingest/line_splitter.hpp"
#include "metrics/exposition.hpp"
#include "metrics/metric_store.hpp"
#include "metrics/self_metrics.hpp"
#include "rules/event_json.hpp"
#include "rules/line_processor.hpp"
#include "reload/rule_loader.hpp"
#include "rules/syslog_header.hpp"

using namespace tapemeasure;

namespace {

// Far below the daemon's 64 KiB default, so cut lines (and a cut in the middle of a UTF-8
// sequence or a syslog header) come up in small inputs, where the fuzzer is fast.
constexpr std::size_t kMaxLineBytes = 512;

// Compiled once: the rules are the fixed part here, the lines are what is fuzzed.
std::shared_ptr<const rules::RuleSet> postfix_rules() {
  static const auto loaded = [] {
    auto r = reload::load_rules({TAPEMEASURE_SOURCE_DIR "/rules/postfix.yml"});
    if (!r.ok()) {
      std::cerr << "rules/postfix.yml does not load:\n" << r.error_text();
      std::abort();
    }
    return r.rules;
  }();
  return loaded;
}

bool within(std::string_view part, std::string_view whole) {
  return part.empty() || (part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size());
}

// The header's fields are views into the line; one pointing elsewhere would be read after
// the line's buffer is reused.
void check_header(std::string_view line) {
  const rules::SyslogHeader h = rules::parse_syslog_header(line);
  if (!within(h.host, line) || !within(h.program, line) || !within(h.pid, line) || !within(h.body, line))
    __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // A fresh store per input: each run is reproducible from its input alone.
  prometheus::Registry registry;
  metrics::SelfMetrics self(registry, "fuzz");
  metrics::MetricStore store(registry, self, {});
  rules::LineProcessor processor(store, self);
  processor.install(postfix_rules());

  const rules::LineProcessor::EventCallback on_event = [](const rules::RuleMatch& m) {
    (void)rules::render_event_json(m, 0);
  };
  ingest::LineSplitter splitter(kMaxLineBytes);
  const auto on_line = [&](std::string_view line, bool truncated) {
    if (truncated) processor.count_truncated();
    check_header(line);
    processor.process(line, &on_event);
  };
  splitter.feed(std::string_view(reinterpret_cast<const char*>(data), size), on_line);
  splitter.finish(on_line);
  (void)metrics::render_text_exposition(registry);
  return 0;
}
