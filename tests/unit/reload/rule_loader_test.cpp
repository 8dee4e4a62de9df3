// What loading rule files gives beyond compiling them: the view check of event types that
// only the in-file tests can see (a templated `type`).
#include "reload/rule_loader.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "support/test_support.hpp"

namespace tapemeasure::reload {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

constexpr const char* kRules = R"(view:
  tiers: [{name: mta}, {name: relay}]
  types:
    bounced:  {colour: red, from: mta, to: relay, then: fall}
    deferred: {colour: yellow, from: mta, to: relay, then: return}
rules:
  - name: outcome
    match: '^(?P<mta>\S+) (?P<relay>\S+) (?P<outcome>\w+)$'
    event: {type: '${outcome}', from: '${mta}', to: '${relay}'}
    tests:
      - {line: 'mx1 proxy1 deferred', expect: {to: proxy1}}
      - {line: 'mx1 proxy1 bounce', expect: {to: proxy1}}
)";

TEST(RuleLoaderTest, ATemplatedTypeTheViewDoesNotDeclareIsAWarningAtItsTestLine) {
  testing::TempDir dir;
  const auto path = dir.write("mail.yml", kRules);
  const auto loaded = load_rules({path.string()});
  ASSERT_TRUE(loaded.ok()) << loaded.error_text();
  std::vector<std::string> warnings;
  for (const auto& w : loaded.tests.warnings) warnings.push_back(w.to_string());
  EXPECT_THAT(warnings,
              ElementsAre(path.string() + ":12: rule outcome: test line gives event type 'bounce' (from '${outcome}'), "
                                          "which this file's view does not declare (types: bounced, deferred): it would "
                                          "be drawn in a palette colour; add it under view: types"));
}

TEST(RuleLoaderTest, ADefaultViewTakesAnyType) {
  testing::TempDir dir;
  std::string no_view = kRules;
  no_view = no_view.substr(no_view.find("rules:"));
  const auto loaded = load_rules({dir.write("mail.yml", no_view).string()});
  ASSERT_TRUE(loaded.ok()) << loaded.error_text();
  EXPECT_THAT(loaded.tests.warnings, IsEmpty());
}

}  // namespace
}  // namespace tapemeasure::reload
