// Fuzzes the line path of rules that measure across lines: remember/recall/forget, `when:`,
// arithmetic and log time, through the LineProcessor as the daemon runs it, with tables so
// small that entries are evicted all the time, and a reload in the middle. Recalled values
// must stay valid while the same rule forgets, evicts and remembers (ASan checks that), and
// no line may crash the daemon.
//
// Input: log lines separated by '\n'.
#include <prometheus/registry.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "metrics/metric_store.hpp"
#include "metrics/self_metrics.hpp"
#include "rulefile/rule_file_parser.hpp"
#include "rules/line_processor.hpp"
#include "rules/rule_set.hpp"

using namespace tapemeasure;

namespace {

constexpr std::string_view kSyslog = R"(format: syslog
rules:
  - name: qmgr_size
    match: '^postfix/qmgr\[\d+\]: (?P<qid>\w+): from=<(?P<from>[^>]*)>, size=(?P<size>\S+)'
    recall: {from: queue, key: '${host}/${qid}'}
    remember: [{in: queue, key: '${host}/${qid}', for: 10s}, {in: senders, key: '${from|lower}', for: 1m}]
    event: {sender: '${from|upper}', before: '${queue.size}'}
    metrics:
      - gauge: resized_by
        set: '${size} - ${queue.size}'
  - name: delivered
    match: '^postfix/smtp\[\d+\]: (?P<qid>\w+): to=<[^>]*>, relay=(?P<relay>[^,]*)'
    recall: [{from: queue, key: '${host}/${qid}'}, {from: senders, key: '${relay|lower}'}]
    when: "${queue.size} > 0 or ${relay} == '' or not ${senders.elapsed} < 1"
    remember: {in: relays, key: '${relay}/${queue.sender}', for: 5s}
    metrics:
      - counter: bytes_total
        value: 'max(${queue.size}, 0) + bits(${qid|hex}, 4, 8) % 3'
        labels: {relay: '${relay}'}
      - histogram: wait_seconds
        value: '${queue.elapsed}'
        buckets: [1, 10]
  - name: removed
    match: '^postfix/qmgr\[\d+\]: (?P<qid>\w+): removed'
    recall: {from: queue, key: '${host}/${qid}', forget: true}
    forget: [{from: senders, key: '${queue.from}'}, {from: relays, key: '${queue.sender}'}]
    remember: {in: queue, key: 'gone/${queue.sender}/${qid}', for: 1s}
    metrics:
      - gauge: removed_at
        set: '${line.time}'
)";

constexpr std::string_view kRaw = R"(time: {field: t, layout: '%d/%b/%Y:%H:%M:%S %z'}
rules:
  - name: open
    match: '^\[(?P<t>[^\]]*)\] open (?P<id>\S+) (?P<user>\S*)'
    remember: {in: sessions, key: '${id}', for: 1m}
    event: false
  - name: close
    match: '^\[(?P<t>[^\]]*)\] close (?P<id>\S+)'
    recall: {from: sessions, key: '${id}', forget: true}
    remember: [{in: sessions, key: 'closed/${id}'}, {in: users, key: '${sessions.user}'}]
    metrics:
      - histogram: session_seconds
        value: '${sessions.elapsed}'
  - name: who
    match: '^who (?P<user>\S+)'
    recall: {from: users, key: '${user}'}
    when: '${users.elapsed} >= 0'
)";

std::shared_ptr<const rules::RuleSet> compile(std::string_view syslog, std::string_view raw) {
  rules::RuleErrors errors;
  std::vector<rules::RuleFileSpec> files;
  files.push_back(rules::parse_rule_file("syslog.yml", syslog, errors));
  if (!raw.empty()) files.push_back(rules::parse_rule_file("raw.yml", raw, errors));
  if (!errors.empty()) __builtin_trap();
  auto set = rules::RuleSet::compile(files, errors);
  if (!set) __builtin_trap();
  return set;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const auto both = compile(kSyslog, kRaw);
  static const auto syslog_only = compile(kSyslog, "");
  prometheus::Registry registry;
  metrics::SelfMetrics self(registry, "fuzz");
  metrics::MetricStore store(registry, self, {});
  rules::LineProcessor processor(store, self, 1, 3);
  processor.set_arrival(1795770062.0);
  processor.install(both);

  std::string_view rest(reinterpret_cast<const char*>(data), size);
  std::vector<std::string_view> lines;
  while (!rest.empty() && lines.size() < 256) {
    const std::size_t nl = rest.find('\n');
    lines.push_back(rest.substr(0, nl));
    rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
  }
  const rules::LineProcessor::EventCallback on_event = [](const rules::RuleMatch& m) {
    for (const auto v : m.fields) (void)v.size();
  };
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (i == lines.size() / 2) processor.install(i % 2 ? syslog_only : both);  // a reload keeps named tables
    processor.process(lines[i], &on_event);
  }
  return 0;
}
