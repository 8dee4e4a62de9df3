#include "rules/rule_tests.hpp"

#include "rules/event_json.hpp"
#include "rules/metric_value.hpp"

namespace tapemeasure::rules {
namespace {

std::string field_string(const nlohmann::ordered_json& v) {
  return v.is_string() ? v.get<std::string>() : v.dump();
}

// Checks value templates on a matched line, so a rule whose `value` captures text fails
// its tests instead of silently counting errors at run time.
void check_values(const RuleMatch& m, std::vector<std::string>& problems) {
  std::string v;
  for (const auto& cm : m.rule.metrics) {
    if (!cm.has_value) continue;
    v.clear();
    cm.value.expand(m.fields, v);
    double d = 0;
    if (!parse_metric_value(v, d))
      problems.push_back("value '" + cm.value.source() + "' gives '" + v + "', which is not a number");
  }
}

}  // namespace

RuleTestReport run_rule_tests(const RuleSet& rules) {
  RuleTestReport report;
  MatchScratch scratch;
  for (std::size_t i = 0; i < rules.size(); ++i) {
    const CompiledRule& rule = rules.rule(i);
    for (const auto& test : rule.tests) {
      ++report.run;
      bool found = false;
      std::string first_other;
      nlohmann::ordered_json fields;
      std::vector<std::string> problems;
      rules.match(test.line, scratch, true, [&](const RuleMatch& m) {
        if (m.index == static_cast<int>(i) && !found) {
          found = true;
          fields = event_fields(m);
          check_values(m, problems);
        } else if (!found && first_other.empty()) {
          first_other = m.rule.name;
        }
      });
      const auto fail = [&](std::string msg) { report.failures.push_back({test.pos, rule.name, std::move(msg)}); };
      if (test.expect_no_match) {
        if (found) fail("test expected no match, but the rule matched: " + dump_json(fields));
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
