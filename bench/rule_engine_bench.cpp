// Rule-engine throughput on a realistic Postfix mix with the default rule pack, and the
// same regexes run the obvious way (RE2::PartialMatch one rule after another) as a
// baseline measured in the same run, so the figure that matters is a ratio.
//
//   BM_RuleEngine             LineProcessor::process per line, no events: what the daemon
//                             does with no browser connected (items/s = lines/s)
//   BM_RuleEngineWithEvents   the same, rendering each event's JSON
//   BM_RuleSetMatch           RuleSet::match alone (Set + captures, no metric updates),
//                             capturing only the groups metrics, keys and time read
//   BM_RuleSetMatchAllFields  the same, capturing every group, as events need
//   BM_Baseline_RegexByRegex  each rule's regex with all captures, in file order, on the
//                             text that rule sees (syslog rules: from the tag on, via
//                             parse_syslog_header), until one matches; no RE2::Set
//   BM_SetOnly                just the RE2::Set selection
//
// BM_RuleEngine also runs bench/packs/memory_base.yml and memory_recall.yml, which differ by
// one recall per line: their ratio is what a recall costs.
//
// Each runs with rules/postfix.yml, the default pack (the whole of rules/; the packs in
// rules/packs/ are for other logs and match none of this corpus). The corpus is
// tests/data/postfix.log (override with TAPEMEASURE_BENCH_LOG), loaded once and cycled.
// After the run, the engine/baseline ratios are printed.
#include <benchmark/benchmark.h>
#include <unistd.h>
#include <re2/re2.h>
#include <re2/set.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "metrics/metric_store.hpp"
#include "metrics/self_metrics.hpp"
#include "rules/event_json.hpp"
#include "rules/line_processor.hpp"
#include "reload/rule_loader.hpp"
#include "rules/syslog_header.hpp"

namespace {

namespace fs = std::filesystem;
using tapemeasure::rules::CompiledRule;
using tapemeasure::rules::InputFormat;
using tapemeasure::rules::RuleSet;

// Used only when tests/data/postfix.log is missing: a small mix in the same proportions.
constexpr const char* kBuiltInMix[] = {
    "Nov  7 09:00:00 mta2 postfix/smtpd[32797]: connect from lb1.int.example.com[10.1.0.2]",
    "Nov  7 09:00:03 mta2 postfix/smtpd[32797]: BC972BD941: client=lb1.int.example.com[10.1.0.2]",
    "Nov  7 09:00:03 mta2 postfix/cleanup[37713]: BC972BD941: message-id=<589894050312.918@lb1.int.example.com>",
    "Nov  7 09:00:03 mta2 postfix/qmgr[5876]: BC972BD941: from=<noreply@example.com>, size=1342, nrcpt=1 (queue active)",
    "Nov  7 09:00:05 mta2 postfix/smtp[15173]: BC972BD941: to=<peggy90@outlook.com>, relay=proxy1[10.0.0.1]:25, delay=1.26, delays=0.21/0/0.43/0.62, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as 86B420618C)",
    "Nov  7 09:00:05 mta2 postfix/qmgr[5876]: BC972BD941: removed",
    "2026-11-07T09:01:06.000001+00:00 gw1 postfix-out/smtp[903]: 4Nq5Lx1TZgz9sKbW: to=<user@example.org>, relay=mx.example.org[2001:db8::25]:25, delay=1.4, delays=0.1/0.01/0.6/0.7, dsn=2.0.0, status=sent (250 2.0.0 OK)",
    "Nov  7 09:00:09 mta1 postfix/submission/smtpd[12704]: AFA0DE9C19A: client=app2.int.example.com[10.1.0.12], sasl_method=PLAIN, sasl_username=notify",
    "Nov  7 09:01:02 mta1 postfix/smtp[42]: 4F1A2B: to=<a@b.example>, relay=proxy2[10.0.0.2]:25, delay=0.5, delays=0.1/0/0.2/0.2, dsn=4.4.2, status=deferred (lost connection with proxy2[10.0.0.2] while receiving the initial server greeting)",
    "Nov  7 09:00:07 mta2 postfix/smtpd[32797]: disconnect from lb1.int.example.com[10.1.0.2] ehlo=1 mail=4 rcpt=4 data=4 quit=1 commands=14",
};

struct Corpus {
  std::vector<std::string> lines;
  std::string source;
};

const Corpus& corpus() {
  static const Corpus c = [] {
    Corpus out;
    const char* env = std::getenv("TAPEMEASURE_BENCH_LOG");
    const fs::path path = env ? fs::path(env) : fs::path(TAPEMEASURE_SOURCE_DIR) / "tests/data/postfix.log";
    std::ifstream in(path, std::ios::binary);
    for (std::string line; in && std::getline(in, line);) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      out.lines.push_back(std::move(line));
    }
    if (!out.lines.empty()) {
      out.source = path.string();
    } else {
      out.lines.assign(std::begin(kBuiltInMix), std::end(kBuiltInMix));
      out.source = "built-in mix (tests/data/postfix.log not found)";
    }
    return out;
  }();
  return c;
}

// Cycles through the corpus without a modulo per line.
class LineCycle {
 public:
  explicit LineCycle(const std::vector<std::string>& lines) : lines_(lines) {}
  std::string_view next() {
    const std::string& l = lines_[i_];
    if (++i_ == lines_.size()) i_ = 0;
    return l;
  }

 private:
  const std::vector<std::string>& lines_;
  std::size_t i_ = 0;
};

std::shared_ptr<const RuleSet> load_pack(const std::string& rules_path) {
  auto result = tapemeasure::reload::load_rules({rules_path});
  if (!result.compiled()) {
    std::cerr << result.error_text();
    std::exit(1);
  }
  return result.rules;
}

// The daemon's line path: one store, one processor, the pack installed once.
struct EngineUnderTest {
  explicit EngineUnderTest(std::shared_ptr<const RuleSet> rules, int match_threads = 1)
      : self(registry, "bench"), store(registry, self, {}), processor(store, self, match_threads) {
    processor.install(std::move(rules));
  }
  prometheus::Registry registry;
  tapemeasure::metrics::SelfMetrics self;
  tapemeasure::metrics::MetricStore store;
  tapemeasure::rules::LineProcessor processor;
};

void BM_RuleEngine(benchmark::State& state, std::string rules_path) {
  EngineUnderTest engine(load_pack(rules_path));
  LineCycle cycle(corpus().lines);
  for (auto _ : state) benchmark::DoNotOptimize(engine.processor.process(cycle.next()));
  state.SetItemsProcessed(state.iterations());
}

void BM_RuleEngineWithEvents(benchmark::State& state, std::string rules_path) {
  EngineUnderTest engine(load_pack(rules_path));
  LineCycle cycle(corpus().lines);
  std::size_t events = 0, bytes = 0;
  const tapemeasure::rules::LineProcessor::EventCallback on_event = [&](const tapemeasure::rules::RuleMatch& m) {
    const std::string json = tapemeasure::rules::render_event_json(m, 1764233462123);
    bytes += json.size();
    ++events;
  };
  for (auto _ : state) benchmark::DoNotOptimize(engine.processor.process(cycle.next(), &on_event));
  state.SetItemsProcessed(state.iterations());
  state.counters["events_per_line"] = static_cast<double>(events) / static_cast<double>(state.iterations());
  benchmark::DoNotOptimize(bytes);
}

// The daemon under heavy input: each read's lines go through process_batch, matched on
// range(0) threads (the calling one included) and applied in order. Wall-clock rate, so
// run it unpinned: pinned to one core, extra threads can only cost.
void BM_ProcessBatch(benchmark::State& state, std::string rules_path) {
  EngineUnderTest engine(load_pack(rules_path), static_cast<int>(state.range(0)));
  LineCycle cycle(corpus().lines);
  // About what one 256 KiB read of Postfix logs holds.
  std::vector<std::string_view> batch(1300);
  for (auto& line : batch) line = cycle.next();
  for (auto _ : state) engine.processor.process_batch(batch);
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(batch.size()));
}

// all_fields: capture every group, as events need; else only those metrics, keys and time read.
void BM_RuleSetMatch(benchmark::State& state, std::string rules_path, bool all_fields) {
  const auto rules = load_pack(rules_path);
  tapemeasure::rules::MatchScratch scratch;
  LineCycle cycle(corpus().lines);
  const std::function<void(const tapemeasure::rules::RuleMatch&)> on_match = [](const auto& m) {
    benchmark::DoNotOptimize(m.fields.data());
  };
  for (auto _ : state) benchmark::DoNotOptimize(rules->match(cycle.next(), scratch, all_fields, on_match));
  state.SetItemsProcessed(state.iterations());
}

// The obvious engine: every rule's own regex, in file order, with all its captures.
void BM_Baseline_RegexByRegex(benchmark::State& state, std::string rules_path) {
  const auto rules = load_pack(rules_path);
  struct Plain {
    std::unique_ptr<RE2> re;
    InputFormat format;
    bool continue_matching;
    std::vector<re2::StringPiece> groups;
    std::vector<RE2::Arg> args;
    std::vector<const RE2::Arg*> arg_ptrs;
  };
  std::vector<Plain> plain(rules->size());
  for (std::size_t i = 0; i < rules->size(); ++i) {
    const CompiledRule& r = rules->rule(i);
    Plain& p = plain[i];
    p.re = std::make_unique<RE2>(r.re->pattern(), r.re->options());
    p.format = r.format;
    p.continue_matching = r.continue_matching;
    const int n = p.re->NumberOfCapturingGroups();
    p.groups.resize(n);
    p.args.resize(n);
    for (int g = 0; g < n; ++g) p.args[g] = RE2::Arg(&p.groups[g]);
    for (int g = 0; g < n; ++g) p.arg_ptrs.push_back(&p.args[g]);
  }
  LineCycle cycle(corpus().lines);
  std::uint64_t matched = 0;
  for (auto _ : state) {
    const std::string_view line = cycle.next();
    const auto header = tapemeasure::rules::parse_syslog_header(line);
    for (Plain& p : plain) {
      const std::string_view text = p.format == InputFormat::syslog ? header.body : line;
      if (RE2::PartialMatchN(re2::StringPiece(text.data(), text.size()), *p.re, p.arg_ptrs.data(),
                             static_cast<int>(p.arg_ptrs.size()))) {
        ++matched;
        if (!p.continue_matching) break;
      }
    }
  }
  benchmark::DoNotOptimize(matched);
  state.SetItemsProcessed(state.iterations());
}

// Only the first phase of the engine: one RE2::Set pass per input kind, grouped like
// RuleSet groups them (by format, and anchored at the start or not).
void BM_SetOnly(benchmark::State& state, std::string rules_path) {
  const auto rules = load_pack(rules_path);
  struct Group {
    InputFormat format;
    bool anchored;
    std::unique_ptr<RE2::Set> set;
  };
  std::vector<Group> groups;
  RE2::Options options;
  options.set_max_mem(64 << 20);
  options.set_log_errors(false);
  for (const auto& r : rules->rules()) {
    const bool anchored = tapemeasure::rules::anchored_at_start(r.re->pattern());
    auto g = std::find_if(groups.begin(), groups.end(),
                          [&](const Group& x) { return x.format == r.format && x.anchored == anchored; });
    if (g == groups.end()) {
      groups.push_back({r.format, anchored,
                        std::make_unique<RE2::Set>(options, anchored ? RE2::ANCHOR_START : RE2::UNANCHORED)});
      g = groups.end() - 1;
    }
    g->set->Add(r.re->pattern(), nullptr);
  }
  for (auto& g : groups) g.set->Compile();
  LineCycle cycle(corpus().lines);
  std::vector<int> hits;
  std::uint64_t selected = 0;
  for (auto _ : state) {
    const std::string_view line = cycle.next();
    const auto header = tapemeasure::rules::parse_syslog_header(line);
    for (auto& g : groups) {
      const std::string_view text = g.format == InputFormat::syslog ? header.body : line;
      if (g.set->Match(re2::StringPiece(text.data(), text.size()), &hits)) selected += hits.size();
    }
  }
  benchmark::DoNotOptimize(selected);
  state.SetItemsProcessed(state.iterations());
}

// Prints the usual table, remembers lines/s per benchmark, and ends with the ratios. With
// --benchmark_repetitions it reports the median and the best repetition: on a shared
// machine the best is the closer estimate of what one quiet core does.
class RatioReporter : public benchmark::ConsoleReporter {
 public:
  explicit RatioReporter(OutputOptions options) : ConsoleReporter(options) {}

  void ReportRuns(const std::vector<Run>& runs) override {
    ConsoleReporter::ReportRuns(runs);
    for (const auto& run : runs) {
      if (run.error_occurred) continue;
      std::string name = run.run_name.function_name;
      if (!run.run_name.args.empty()) name += "/" + run.run_name.args;
      if (run.run_type == Run::RT_Iteration) {
        // Without repetitions the single run stands for both.
        const double rate = lines_per_second(run);
        if (!aggregated_.contains(name)) median_[name] = rate;
        best_[name] = std::max(best_[name], rate);
      } else if (run.aggregate_name == "median") {
        median_[name] = lines_per_second(run);
        aggregated_.insert(name);
      }
    }
  }

  void PrintSummary(const std::vector<std::string>& packs) const {
    std::ostream& out = GetOutputStream();
    out << "\ncorpus: " << corpus().source << " (" << corpus().lines.size() << " lines), lines/s on one core:\n";
    for (const auto& pack : packs) {
      for (const auto& [label, rates] : {std::pair{"median", &median_}, std::pair{"best", &best_}}) {
        const auto get = [&](const std::string& bm) {
          const auto it = rates->find(bm + "/" + pack);
          return it == rates->end() ? 0.0 : it->second;
        };
        const double engine = get("BM_RuleEngine"), baseline = get("BM_Baseline_RegexByRegex");
        if (engine == 0 || baseline == 0) continue;
        char buf[512];
        std::snprintf(buf, sizeof buf,
                      "  %-12s %-6s engine %8.0f | with events %8.0f | match only %8.0f (every group %8.0f) | "
                      "set only %8.0f | baseline %8.0f | engine/baseline %.2fx\n",
                      pack.c_str(), label, engine, get("BM_RuleEngineWithEvents"), get("BM_RuleSetMatch"),
                      get("BM_RuleSetMatchAllFields"), get("BM_SetOnly"), baseline, engine / baseline);
        out << buf;
      }
    }
    out << "  target (issue 2): engine >= 600000 lines/s and >= 1.30x the baseline\n";
    for (const auto& [label, rates] : {std::pair{"median", &median_}, std::pair{"best", &best_}}) {
      const auto base = rates->find("BM_RuleEngine/memory_base.yml");
      const auto recall = rates->find("BM_RuleEngine/memory_recall.yml");
      if (base == rates->end() || recall == rates->end() || recall->second == 0) continue;
      char buf[256];
      std::snprintf(buf, sizeof buf,
                    "  one recall per line, %-6s without %8.0f | with %8.0f | a recall costs %.1f%% of a line's time\n",
                    label, base->second, recall->second, 100.0 * (base->second / recall->second - 1));
      out << buf;
    }
    out << "  target (issue 17): a recall costs at most 15% of a line's time\n";
    for (const auto& [label, rates] : {std::pair{"median", &median_}, std::pair{"best", &best_}}) {
      const auto one = rates->find("BM_ProcessBatch/postfix.yml/threads:1");
      const auto two = rates->find("BM_ProcessBatch/postfix.yml/threads:2");
      if (one == rates->end() || two == rates->end() || one->second == 0) continue;
      char buf[256];
      std::snprintf(buf, sizeof buf,
                    "  batches of 1300 lines, postfix.yml, %-6s 1 match thread %8.0f | 2 match threads %8.0f | "
                    "ratio %.2fx (wall clock)\n",
                    label, one->second, two->second, two->second / one->second);
      out << buf;
    }
  }

 private:
  static double lines_per_second(const Run& run) {
    const auto it = run.counters.find("items_per_second");
    if (it != run.counters.end() && run.run_type == Run::RT_Iteration) return it->second.value;
    // Batches: several lines per iteration, on the wall clock; their aggregates carry the rate.
    if (it != run.counters.end() && run.run_name.function_name.starts_with("BM_ProcessBatch")) return it->second.value;
    // Aggregates: derive from CPU time per iteration (one line per iteration).
    const double seconds = run.GetAdjustedCPUTime() / benchmark::GetTimeUnitMultiplier(run.time_unit);
    return seconds > 0 ? 1.0 / seconds : 0.0;
  }

  std::map<std::string, double> median_, best_;
  std::set<std::string> aggregated_;
};

}  // namespace

int main(int argc, char** argv) {
  // Initialize() consumes the --benchmark_* flags; look at the ones the summary cares for first.
  bool console = true, color = isatty(STDOUT_FILENO) != 0;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg.starts_with("--benchmark_format=") && arg != "--benchmark_format=console") console = false;
    if (arg == "--benchmark_color=false" || arg == "--benchmark_color=no") color = false;
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;

  const fs::path root = TAPEMEASURE_SOURCE_DIR;
  // TAPEMEASURE_BENCH_PACK: another file in place of rules/postfix.yml, e.g. an older
  // version of the pack, to compare two builds of the engine on the same rules.
  const char* pack_env = std::getenv("TAPEMEASURE_BENCH_PACK");
  const std::string postfix = pack_env ? std::string(pack_env) : (root / "rules/postfix.yml").string();
  const std::vector<std::pair<std::string, std::string>> packs = {
      {"postfix.yml", postfix},
      {"memory_base.yml", (root / "bench/packs/memory_base.yml").string()},
      {"memory_recall.yml", (root / "bench/packs/memory_recall.yml").string()},
  };
  std::vector<std::string> pack_names;
  for (const auto& [name, path] : packs) {
    pack_names.push_back(name);
    if (name.starts_with("memory_")) {  // only the engine: the ratio of the two is the point
      benchmark::RegisterBenchmark(("BM_RuleEngine/" + name).c_str(), BM_RuleEngine, path);
      continue;
    }
    benchmark::RegisterBenchmark(("BM_RuleEngine/" + name).c_str(), BM_RuleEngine, path);
    benchmark::RegisterBenchmark(("BM_RuleEngineWithEvents/" + name).c_str(), BM_RuleEngineWithEvents, path);
    benchmark::RegisterBenchmark(("BM_RuleSetMatch/" + name).c_str(), BM_RuleSetMatch, path, false);
    benchmark::RegisterBenchmark(("BM_RuleSetMatchAllFields/" + name).c_str(), BM_RuleSetMatch, path, true);
    benchmark::RegisterBenchmark(("BM_Baseline_RegexByRegex/" + name).c_str(), BM_Baseline_RegexByRegex, path);
    benchmark::RegisterBenchmark(("BM_SetOnly/" + name).c_str(), BM_SetOnly, path);
  }
  benchmark::RegisterBenchmark("BM_ProcessBatch/postfix.yml", BM_ProcessBatch, postfix)
      ->ArgName("threads")
      ->Arg(1)
      ->Arg(2)
      ->UseRealTime();

  // The ratio summary needs the console reporter; other formats (json, csv) go as asked.
  if (console) {
    RatioReporter reporter(color ? benchmark::ConsoleReporter::OO_Defaults : benchmark::ConsoleReporter::OO_Tabular);
    benchmark::RunSpecifiedBenchmarks(&reporter);
    reporter.PrintSummary(pack_names);
  } else {
    benchmark::RunSpecifiedBenchmarks();
  }
  benchmark::Shutdown();
  return 0;
}
