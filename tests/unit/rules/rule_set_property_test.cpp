// Property: RuleSet::match (one RE2::Set pass, then captures of the candidates) gives the
// same answer as the obvious engine — every rule's regex tried with RE2::PartialMatch in
// file order, on the text that rule sees, first match wins unless `continue: true` — for
// random rule sets (raw and syslog, anchored and unanchored) over varied lines.
#include <gtest/gtest.h>

#include <random>

#include "rules/rule_set.hpp"
#include "rules/syslog_header.hpp"
#include "util/utf8.hpp"

namespace tapemeasure::rules {
namespace {

using namespace std::string_view_literals;

const char* const kPatterns[] = {
    R"(^postfix/(?P<svc>\w+)\[(?P<p>\d+)\]: )",
    R"(^postfix-(?P<inst>[\w-]+)/(?:[\w-]+/)*smtp\[\d+\])",
    R"(status=(?P<status>\w+))",
    R"(status=sent)",
    R"(status=(?:deferred|bounced))",
    R"(relay=(?P<relay>[^\[,\s]+)(?:\[(?P<ip>[^\]]*)\])?)",
    R"(^(?P<qid>[0-9A-F]+): )",
    R"((?P<qid>[0-9A-Z]+): to=<(?P<rcpt>[^>]*)>)",
    R"(^Nov)",
    R"(^\S+ +\S+ )",
    R"(^<\d+>)",
    R"(sent|deferred)",
    R"(^postfix|^kernel)",
    R"(^(?P<word>\w+))",
    R"(x.*y)",
    R"(\d{3})",
    R"(^$)",
    R"((?P<opt>zzz)?status)",
    R"(^postfix/qmgr\[\d+\]: (?P<q>\w+): removed$)",
    R"(client=(?P<client>[^\[]+)\[(?P<cip>[^\]]+)\](?:, sasl_username=(?P<user>\S+))?)",
    R"(^(?:a|b)+c)",
    R"(^.*removed)",
    R"(\bkernel\b)",
    R"((?i)STATUS=SENT)",
};

const std::string_view kLines[] = {
    "Nov  7 09:01:02 mx1 postfix/smtp[42]: 4F1A2B: to=<a@b.example>, relay=proxy1[10.0.0.1]:25, delay=0.5, status=sent (250 ok)",
    "Nov  7 09:01:02 mx1 postfix/smtp[42]: 4F1A2B: to=<a@b.example>, relay=none, delay=30, status=deferred (timeout)",
    "<22>Nov  7 09:01:02 postfix/smtp[1]: 0A1B: to=<x@y>, relay=proxy3[10.0.0.3]:25, status=bounced (550 no)",
    "2026-11-27T09:01:02.123456+00:00 gw1 postfix-out/relay/smtp[903]: 4NQ5: to=<u@e>, relay=mx[2001:db8::25]:25, status=sent",
    "Nov 17 23:59:59 mta2 postfix/qmgr[1201]: 9F8E7D: removed",
    "Nov 17 23:59:59 mta2 postfix/qmgr[1201]: 9F8E7D: from=<a@b>, size=1, nrcpt=1 (queue active)",
    "Nov  7 09:01:02 mta1 postfix/submission/smtpd[3012]: 7C2D: client=app1[10.1.0.11], sasl_username=billing",
    "Nov  7 09:01:02 mta1 postfix/smtpd[3012]: 7C2D: client=lb1[10.1.0.2]",
    "Nov  7 09:01:02 mx1 kernel: eth0 up",
    "postfix/smtp[1]: status=sent",
    "4F1A: to=<a>",
    "aabc",
    "",
    "x and then y",
    "zzzstatus STATUS=SENT 123",
    "garbage \xFF\xFE with bytes",
    "Nov  7 09:01:02 mx1 postfix/smtp[42]: 4F1A2B: to=<ren\xE9@b.example>, relay=pr\xF6xy1[10.0.0.1]:25, status=sent",
    "Nov  7 09:01:02 mx1 postfix/smtp[42]: 4F1A2B: to=<nul\0byte>, status=deferred x y"sv,
    "Nov  7 09:01:02 mx1",
};

struct Reference {
  std::vector<int> rules;
  std::vector<std::vector<std::string>> fields;  // per rule: field values, "<null>" if absent
};

constexpr const char* kNull = "<null>";

// The obvious engine.
Reference reference_match(const std::vector<RuleSpec>& specs, std::string_view raw_line) {
  Reference out;
  // Rules see the line with invalid UTF-8 replaced (see rule_set_test).
  const std::string clean = util::clean_utf8(raw_line);
  const std::string_view line = clean;
  const SyslogHeader header = parse_syslog_header(line);
  for (std::size_t i = 0; i < specs.size(); ++i) {
    const RuleSpec& spec = specs[i];
    const std::string_view text = spec.format == InputFormat::syslog ? header.body : line;
    RE2 re(spec.match);
    std::vector<re2::StringPiece> groups(re.NumberOfCapturingGroups() + 1);
    std::vector<RE2::Arg> args(groups.size() - 1);
    std::vector<const RE2::Arg*> arg_ptrs;
    for (std::size_t g = 1; g < groups.size(); ++g) {
      args[g - 1] = RE2::Arg(&groups[g]);
      arg_ptrs.push_back(&args[g - 1]);
    }
    if (!RE2::PartialMatchN(re2::StringPiece(text.data(), text.size()), re, arg_ptrs.data(),
                            static_cast<int>(arg_ptrs.size())))
      continue;
    std::map<int, std::string> by_group;
    for (const auto& [name, g] : re.NamedCapturingGroups()) by_group[g] = name;
    std::vector<std::string> values;
    for (const auto& [g, name] : by_group)
      values.push_back(groups[g].data() ? std::string(groups[g].data(), groups[g].size()) : kNull);
    if (spec.format == InputFormat::syslog)
      for (std::string_view f : {header.host, header.program, header.pid})
        values.push_back(std::string(f));  // always present, empty when absent
    out.rules.push_back(static_cast<int>(i));
    out.fields.push_back(std::move(values));
    if (!spec.continue_matching) break;
  }
  return out;
}

Reference engine_match(const RuleSet& set, std::string_view line, MatchScratch& scratch) {
  Reference out;
  set.match(line, scratch, true, [&](const RuleMatch& m) {
    out.rules.push_back(m.index);
    std::vector<std::string> values;
    for (std::size_t i = 0; i < m.rule.event_auto_fields; ++i)
      values.push_back(m.fields[i].data() ? std::string(m.fields[i]) : kNull);
    out.fields.push_back(std::move(values));
  });
  return out;
}

std::string describe(const std::vector<RuleSpec>& specs) {
  std::string s;
  for (const auto& r : specs)
    s += "  " + r.name + (r.format == InputFormat::syslog ? " [syslog]" : " [raw]") +
         (r.continue_matching ? " continue" : "") + ": " + r.match + "\n";
  return s;
}

// Rule r of a random set: one of kPatterns, raw or syslog, `continue: true` one time in four.
RuleSpec random_rule(std::mt19937& rng, int r) {
  RuleSpec spec;
  spec.name = "r" + std::to_string(r);
  spec.pos = {"prop.yml", r + 1};
  spec.match = kPatterns[rng() % std::size(kPatterns)];
  spec.format = rng() % 2 ? InputFormat::syslog : InputFormat::raw;
  spec.continue_matching = rng() % 4 == 0;
  return spec;
}

TEST(RuleSetPropertyTest, AgreesWithRegexByRegexInFileOrder) {
  std::mt19937 rng(20261127);
  constexpr int kSets = 400;
  int total_matches = 0, multi = 0;
  for (int iter = 0; iter < kSets; ++iter) {
    RuleFileSpec file;
    file.file = "prop.yml";
    const int nrules = 1 + static_cast<int>(rng() % 10);
    for (int r = 0; r < nrules; ++r) {
      file.rules.push_back(random_rule(rng, r));
    }
    RuleErrors errors;
    const auto set = RuleSet::compile({file}, errors);
    ASSERT_NE(set, nullptr) << to_string(errors);
    MatchScratch scratch;
    for (const std::string_view l : kLines) {
      // Also a variant with the syslog header stripped off, and one with a prefix.
      for (const std::string& line : {std::string(l), std::string(parse_syslog_header(l).body), "x " + std::string(l)}) {
        const Reference want = reference_match(file.rules, line);
        const Reference got = engine_match(*set, line, scratch);
        ASSERT_EQ(got.rules, want.rules) << "line: " << line << "\nrules:\n" << describe(file.rules);
        ASSERT_EQ(got.fields, want.fields) << "line: " << line << "\nrules:\n" << describe(file.rules);
        total_matches += static_cast<int>(want.rules.size());
        multi += want.rules.size() > 1;
      }
    }
  }
  // The generator must exercise the interesting cases, not just "no match".
  EXPECT_GT(total_matches, kSets * 10);
  EXPECT_GT(multi, kSets / 4);
}

// Without events, each rule's pattern captures only the groups its metrics read (the others
// made non-capturing, see lean_pattern.hpp), and none at all when nothing is read: the same
// rules must match, and the fields read must hold what the whole pattern captures. Filled
// afterwards (RuleSet::with_all_fields, for an event a client takes), every field must
// hold what matching with all fields gives.
TEST(RuleSetPropertyTest, MatchingWithoutEventsFillsWhatMetricsReadTheSame) {
  std::mt19937 rng(20261206);
  constexpr int kSets = 300;
  int compared_fields = 0, no_capture_rules = 0, filled = 0;
  for (int iter = 0; iter < kSets; ++iter) {
    RuleFileSpec file;
    file.file = "prop.yml";
    const int nrules = 1 + static_cast<int>(rng() % 8);
    for (int r = 0; r < nrules; ++r) {
      RuleSpec spec = random_rule(rng, r);
      // A counter labelled by a random subset of the pattern's groups.
      MetricSpec metric;
      metric.name = "m_" + std::to_string(iter) + "_" + std::to_string(r);
      const RE2 re(spec.match);
      for (const auto& [name, group] : re.NamedCapturingGroups())
        if (rng() % 2) metric.labels.push_back({name, {"${" + name + "}", spec.pos}});
      spec.metrics.push_back(metric);
      file.rules.push_back(spec);
    }
    RuleErrors errors;
    const auto set = RuleSet::compile({file}, errors);
    ASSERT_NE(set, nullptr) << to_string(errors);
    for (std::size_t r = 0; r < set->size(); ++r) no_capture_rules += set->rule(r).lean_submatches == 0;
    MatchScratch whole_scratch, lean_scratch;
    FillScratch fill;
    const auto every_field = [](const RuleMatch& m) {
      std::vector<std::string> values;
      for (std::size_t i = 0; i < m.fields.size(); ++i) values.push_back(m.fields[i].data() ? std::string(m.fields[i]) : kNull);
      return values;
    };
    for (const std::string_view l : kLines) {
      for (const std::string& line : {std::string(l), std::string(parse_syslog_header(l).body), "x " + std::string(l)}) {
        std::vector<std::pair<int, std::vector<std::string>>> whole, lean, whole_all, lean_filled;
        const auto read_fields = [&](std::vector<std::pair<int, std::vector<std::string>>>& out,
                                     std::vector<std::pair<int, std::vector<std::string>>>& all) {
          return [&](const RuleMatch& m) {
            std::vector<std::string> values;
            for (const auto& label : m.rule.metrics.front().labels) values.push_back(label.expand(m.fields));
            out.push_back({m.index, std::move(values)});
            if (&all == &whole_all) {
              ASSERT_TRUE(m.complete);
            }
            filled += !m.complete;
            all.push_back({m.index, every_field(RuleSet::with_all_fields(m, fill))});
          };
        };
        set->match(line, whole_scratch, true, read_fields(whole, whole_all));
        set->match(line, lean_scratch, false, read_fields(lean, lean_filled));
        ASSERT_EQ(lean, whole) << "line: " << line << "\nrules:\n" << describe(file.rules);
        ASSERT_EQ(lean_filled, whole_all) << "line: " << line << "\nrules:\n" << describe(file.rules);
        for (const auto& [rule, values] : whole) compared_fields += static_cast<int>(values.size());
      }
    }
  }
  EXPECT_GT(compared_fields, kSets * 10);
  EXPECT_GT(no_capture_rules, kSets / 4);
  EXPECT_GT(filled, kSets);  // matches that left fields out, then filled
}

}  // namespace
}  // namespace tapemeasure::rules
