#include "rules/rule_tests.hpp"

#include <chrono>

#include "rules/event_json.hpp"
#include "rules/metric_value.hpp"
#include "rules/rule_runner.hpp"

namespace tapemeasure::rules {
namespace {

std::string field_string(const nlohmann::ordered_json& v) {
  return v.is_string() ? v.get<std::string>() : v.dump();
}

// Checks value templates on a matched line, so a rule whose `value` captures text fails
// its tests instead of silently counting errors at run time.
void check_values(const RuleMatch& m, std::uint32_t missed, std::vector<std::string>& problems) {
  for (const auto& cm : m.rule.metrics) {
    // Recalled fields are not there in a test (nothing was remembered), and a metric whose
    // `when:` is false is not applied: neither says anything about the value.
    if (!cm.has_value || (cm.recalls_used & missed) != 0) continue;
    if (cm.has_when && !cm.when.holds(m.fields)) continue;
    double d = 0;
    if (cm.value.number(m.fields, d)) continue;
    if (cm.value.plain_field() >= 0)
      problems.push_back("value '" + cm.value.source() + "' gives '" +
                         std::string(m.fields[static_cast<std::size_t>(cm.value.plain_field())]) +
                         "', which is not a number");
    else
      problems.push_back("value '" + cm.value.source() + "' gives no number on this line");
  }
}

}  // namespace

RuleTestReport run_rule_tests(const RuleSet& rules) {
  RuleTestReport report;
  MatchScratch scratch;
  RuleRunner runner;  // no tables: every recall misses, nothing is remembered
  const double now = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  for (std::size_t i = 0; i < rules.size(); ++i) {
    const CompiledRule& rule = rules.rule(i);
    for (const auto& test : rule.tests) {
      ++report.run;
      bool found = false, closed = false;
      bool own_pattern = false;     // this rule's pattern matches, taken or not
      std::string first_other;      // an earlier rule that took the line and closed it
      nlohmann::ordered_json fields;
      std::vector<std::string> problems;
      // The same order of decisions as the line processor: a rule whose `when:` is false
      // does not take the line, one without `continue: true` closes it.
      rules.match(test.line, scratch, true, [&](const RuleMatch& m) {
        const bool mine = m.index == static_cast<int>(i);
        own_pattern |= mine;
        if (closed) return;
        const auto take = [&](const RuleMatch& full, std::uint32_t missed) {
          closed = !m.rule.continue_matching;
          if (mine && !found) {
            found = true;
            fields = event_fields(full);
            check_values(full, missed, problems);
          } else if (!found && !m.rule.continue_matching) {
            first_other = m.rule.name;
          }
        };
        if (!m.rule.stateful) {
          take(m, 0);
        } else if (runner.begin(m, now)) {
          take(runner.full(), runner.missed());
        }
      });
      const auto fail = [&](std::string msg) { report.failures.push_back({test.pos, rule.name, std::move(msg)}); };
      const auto warn = [&](std::string msg) { report.warnings.push_back({test.pos, rule.name, std::move(msg)}); };
      if (test.expect_no_match) {
        // Matching stops at the rule that takes the line: whether this rule's own pattern
        // matches too is asked of its regex directly.
        if (!found && !first_other.empty() && !own_pattern) {
          const std::string_view text = rule.format == InputFormat::syslog ? parse_syslog_header(test.line).body
                                                                           : std::string_view(test.line);
          own_pattern = RE2::PartialMatch(re2::StringPiece(text.data(), text.size()), *rule.re);
        }
        if (found) fail("test expected no match, but the rule matched: " + dump_json(fields));
        else if (own_pattern && !first_other.empty())
          warn("test expects no match and gets none, but only because rule " + first_other +
               " takes the line first: this rule's pattern matches it");
        continue;
      }
      if (!found) {
        if (!first_other.empty()) {
          fail("test line was taken by rule " + first_other + " first (rules are tried in file order)");
        } else {
          const auto text = rule.format == InputFormat::syslog ? parse_syslog_header(test.line).body
                                                                : std::string_view(test.line);
          fail(std::string("test line does not match the pattern") +
               (rule.format == InputFormat::syslog ? " (matched against: '" + std::string(text) + "')" : ""));
        }
        continue;
      }
      for (const auto& p : problems) fail("test: " + p);
      if (rule.type_field >= 0 && fields.contains("type")) {
        const auto& source = rule.event_fields[static_cast<std::size_t>(rule.type_field)].second.source();
        if (source.find("${") != std::string::npos)
          report.templated_types.push_back({test.pos, rule.name, field_string(fields["type"]), source});
      }
      for (const auto& [key, want] : test.expect) {
        if (!fields.contains(key)) {
          std::string have;
          for (const auto& [k, v] : fields.items()) have += (have.empty() ? "" : ", ") + k;
          fail("test expected field '" + key + "' = '" + want + "', but the event has no such field (fields: " + have + ")");
        } else if (const auto got = field_string(fields[key]); got != want) {
          fail("test expected field '" + key + "' = '" + want + "', got '" + got + "'");
        }
      }
    }
  }
  return report;
}

}  // namespace tapemeasure::rules
