// The wired line path (app::Pipeline) with fake WebSocket clients: a client's type filter
// takes exactly the events of its types, whether a rule's type is a constant (whose hub id
// the pipeline keeps per rule, so the filter sees the kept id) or a capture, and still
// after a reload that gives the same rule position another type.
#include "app/pipeline.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "reload/reload_status.hpp"
#include "reload/rule_loader.hpp"
#include "support/test_support.hpp"

namespace tapemeasure::app {
namespace {

using ::testing::ElementsAre;
using json = nlohmann::json;

class RecordingSink : public stream::ClientSink {
 public:
  void deliver(std::shared_ptr<const std::string> frame, stream::FrameCounts) override {
    const json f = json::parse(*frame);
    if (f.contains("events"))
      for (const auto& e : f["events"]) types.push_back(e["type"].get<std::string>());
  }
  void close_stuck() override {}
  void close_going_away() override {}
  std::vector<std::string> types;
};

reload::LoadResult load(const testing::TempDir& dir, std::string_view yaml) {
  const auto path = dir.write("rules.yml", yaml);
  reload::LoadResult loaded = reload::load_rules({path.string()});
  EXPECT_TRUE(loaded.ok()) << loaded.error_text();
  return loaded;
}

// Two rules: `fixed` has a constant type, `captured` one made from its capture `kind`.
std::string rules_typed(const std::string& fixed_type, const std::string& captured_type) {
  return "format: raw\nrules:\n"
         "  - name: fixed\n    match: '^a (?P<x>\\w+)$'\n    event: {type: " + fixed_type + ", from: '${x}'}\n"
         "  - name: captured\n    match: '^k (?P<kind>\\w+)$'\n    event: {type: '" + captured_type +
         "', from: '${kind}'}\n";
}

void feed(Pipeline& p, const std::vector<std::string>& lines) {
  p.begin_batch();
  for (const auto& l : lines) p.line(l, false);
  p.end_batch();
  p.flush_frames();
}

TEST(PipelineTest, AFilterTakesExactlyItsTypesConstantOrCapturedAlsoAfterAReload) {
  testing::TempDir dir;
  const reload::LoadResult first = load(dir, rules_typed("alpha", "${kind}"));
  ASSERT_TRUE(first.ok());
  prometheus::Registry registry;
  metrics::SelfMetrics self(registry, "0.0.0-test");
  reload::ReloadStatusBoard status;
  PipelineOptions options;
  options.hub.max_rate = 1e6;  // the cap is not under test: every event is taken
  Pipeline pipeline(registry, self, options, first.rules, first.views, status);
  auto all = std::make_shared<RecordingSink>();
  auto bar_and_alpha = std::make_shared<RecordingSink>();
  auto beta_and_k_baz = std::make_shared<RecordingSink>();
  for (const auto& c : {all, bar_and_alpha, beta_and_k_baz}) pipeline.add_client(c);
  pipeline.hub().set_filter(bar_and_alpha.get(), {"bar", "alpha"}, false);
  pipeline.hub().set_filter(beta_and_k_baz.get(), {"beta", "k-baz"}, false);

  feed(pipeline, {"a one", "k foo", "k bar", "a two", "k foo"});
  EXPECT_THAT(all->types, ElementsAre("alpha", "foo", "bar", "alpha", "foo"));
  EXPECT_THAT(bar_and_alpha->types, ElementsAre("alpha", "bar", "alpha"));
  EXPECT_THAT(beta_and_k_baz->types, ElementsAre());

  // The same positions now hold other types: nothing kept from the old rules may show.
  const reload::LoadResult second = load(dir, rules_typed("beta", "k-${kind}"));
  ASSERT_TRUE(second.ok());
  pipeline.install(second.rules, second.views, {});
  for (const auto& c : {all, bar_and_alpha, beta_and_k_baz}) c->types.clear();
  feed(pipeline, {"a three", "k foo", "a four", "k baz", "k bar"});
  EXPECT_THAT(all->types, ElementsAre("beta", "k-foo", "beta", "k-baz", "k-bar"));
  EXPECT_THAT(bar_and_alpha->types, ElementsAre());
  EXPECT_THAT(beta_and_k_baz->types, ElementsAre("beta", "beta", "k-baz"));
}

}  // namespace
}  // namespace tapemeasure::app
