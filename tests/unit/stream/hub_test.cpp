// The stream hub with fake clients: one client's filter never changes what another gets
// (however many types it names), filters are exact beyond the type table, "seq" counts
// every event matched (with or without clients) and "boot" comes in the first frame only,
// and what a session throws away unwritten comes back as "dropped".
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <prometheus/registry.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "metrics/self_metrics.hpp"
#include "stream/hub.hpp"

namespace tapemeasure::stream {
namespace {

using namespace std::chrono_literals;
using json = nlohmann::json;

// Keeps every frame; writes nothing (the counters stay as the test sets them).
class RecordingSink : public ClientSink {
 public:
  void deliver(std::shared_ptr<const std::string> frame, FrameCounts) override { frames.push_back(json::parse(*frame)); }
  void close_stuck() override {}
  void close_going_away() override {}

  std::vector<json> frames;
  std::map<std::string, int> types() const {
    std::map<std::string, int> n;
    for (const auto& f : frames)
      if (f.contains("events"))
        for (const auto& e : f["events"]) ++n[e["type"].get<std::string>()];
    return n;
  }
  std::uint64_t dropped() const {
    std::uint64_t n = 0;
    for (const auto& f : frames)
      if (f.contains("dropped")) n += f["dropped"].get<std::uint64_t>();
    return n;
  }
};

const std::vector<std::string> kPostfixTypes = {"inbound", "relay", "delivered", "transient", "permanent", "expired"};

class HubTest : public ::testing::Test {
 protected:
  Hub make(Hub::Options o = {}) {
    o.max_rate = 1e6;  // the cap is not under test here: every event is taken
    return Hub(o, self);
  }
  static std::shared_ptr<RecordingSink> sink() { return std::make_shared<RecordingSink>(); }
  void offer(Hub& hub, const std::string& type) {
    now += 1ms;
    hub.offer(type, now, [&] { return json{{"type", type}}.dump(); });
  }

  prometheus::Registry registry;
  metrics::SelfMetrics self{registry, "test"};
  Hub::clock::time_point now = Hub::clock::time_point{} + 1h;
};

TEST_F(HubTest, OneClientNamingManyJunkTypesDoesNotWidenAnothersFilter) {
  Hub hub = make();
  auto junk = sink(), narrow = sink();
  hub.add(junk, now);
  hub.add(narrow, now);
  std::vector<std::string> names;
  for (int i = 0; i < 80; ++i) names.push_back("junk" + std::to_string(i));
  hub.set_filter(junk.get(), names, false);
  hub.set_filter(narrow.get(), {"permanent"}, false);
  for (int round = 0; round < 3; ++round)
    for (const auto& t : kPostfixTypes) offer(hub, t);
  hub.flush(now);
  EXPECT_EQ(narrow->types(), (std::map<std::string, int>{{"permanent", 3}}));
  EXPECT_TRUE(junk->types().empty());
  EXPECT_EQ(junk->dropped(), 0u) << "events its filter excludes are not drops";
}

TEST_F(HubTest, FiltersStayExactBeyondTheTypeTable) {
  Hub::Options o;
  o.max_type_ids = 2;  // the third type on has no id: filtered by name
  Hub hub = make(o);
  auto c = sink();
  hub.add(c, now);
  hub.set_filter(c.get(), {"relay", "expired"}, false);
  for (int round = 0; round < 2; ++round)
    for (const auto& t : kPostfixTypes) offer(hub, t);
  hub.flush(now);
  EXPECT_EQ(c->types(), (std::map<std::string, int>{{"expired", 2}, {"relay", 2}}));
  EXPECT_EQ(c->dropped(), 0u);
}

TEST_F(HubTest, MoreThanSixtyFourRealTypesFilterSeparately) {
  Hub hub = make();
  auto c = sink();
  hub.add(c, now);
  hub.set_filter(c.get(), {"t63", "t70"}, false);
  for (int i = 0; i < 100; ++i) offer(hub, "t" + std::to_string(i));
  hub.flush(now);
  EXPECT_EQ(c->types(), (std::map<std::string, int>{{"t63", 1}, {"t70", 1}}));
}

TEST_F(HubTest, AFilterNamingATypeNotYetEmittedTakesItWhenItAppears) {
  Hub hub = make();
  auto c = sink();
  hub.add(c, now);
  offer(hub, "inbound");
  hub.flush(now);
  c->frames.clear();
  hub.set_filter(c.get(), {"bounce"}, false);
  offer(hub, "inbound");
  offer(hub, "bounce");
  offer(hub, "bounce");
  hub.flush(now);
  EXPECT_EQ(c->types(), (std::map<std::string, int>{{"bounce", 2}}));
}

TEST_F(HubTest, SeqCountsEventsMatchedWithoutClientsAndBootComesFirstOnly) {
  Hub hub = make();
  hub.count_unoffered(5);  // matched while nobody listened
  auto c = sink();
  hub.add(c, now);
  offer(hub, "inbound");
  hub.flush(now);
  offer(hub, "delivered");
  offer(hub, "inbound");
  hub.flush(now);
  ASSERT_EQ(c->frames.size(), 2u);
  EXPECT_EQ(c->frames[0]["seq"], 6);
  EXPECT_EQ(c->frames[1]["seq"], 8);
  ASSERT_TRUE(c->frames[0].contains("boot"));
  EXPECT_EQ(c->frames[0]["boot"].get<std::string>(), hub.boot());
  EXPECT_FALSE(c->frames[1].contains("boot"));
  // A second client gets the boot in its own first frame, the same id.
  auto late = sink();
  hub.add(late, now);
  offer(hub, "inbound");
  hub.flush(now);
  EXPECT_EQ(late->frames.at(0)["boot"].get<std::string>(), hub.boot());
  EXPECT_FALSE(c->frames.back().contains("boot"));
}

TEST_F(HubTest, SeqIsAsOfTheFramesLastEvent) {
  Hub hub = make();
  auto c = sink();
  hub.add(c, now);
  hub.set_filter(c.get(), {"inbound"}, false);
  offer(hub, "inbound");
  offer(hub, "delivered");  // matched after the frame's last event
  hub.flush(now);
  EXPECT_EQ(c->frames.at(0)["seq"], 1);
}

TEST_F(HubTest, FramesTheSessionThrewAwayComeBackAsDropped) {
  Hub hub = make();
  auto c = sink();
  hub.add(c, now);
  offer(hub, "inbound");
  hub.flush(now);
  ASSERT_EQ(c->dropped(), 0u);
  // The session discarded a stale frame of 7 events that itself reported 3 drops.
  c->events_discarded = 7;
  c->drops_unreported = 3;
  hub.flush(now);
  EXPECT_EQ(c->dropped(), 10u);
  EXPECT_EQ(c->events_discarded.load(), 0u);
  // In /metrics only the 7 are new drops (the 3 were counted when first reported).
  EXPECT_EQ(self.ws_events_dropped.Add({{"reason", "queue"}}).Value(), 7);
}

TEST_F(HubTest, SentCountsWhatTheSessionWrote) {
  Hub hub = make();
  auto c = sink();
  hub.add(c, now);
  offer(hub, "inbound");
  hub.flush(now);
  EXPECT_EQ(self.ws_events_sent.Value(), 0) << "delivered to the session is not yet sent";
  c->events_written = 1;
  hub.flush(now);
  EXPECT_EQ(self.ws_events_sent.Value(), 1);
}

// Keeps every frame as sent: the order of its fields matters to web/app/network/connection.js.
class RawSink : public ClientSink {
 public:
  void deliver(std::shared_ptr<const std::string> frame, FrameCounts) override { frames.push_back(*frame); }
  void close_stuck() override {}
  void close_going_away() override {}
  std::vector<std::string> frames;
};

TEST_F(HubTest, EveryEventFrameNamesTheDaemonAfterSeqAndBoot) {
  Hub::Options o;
  o.daemon_name = "box-1.example_x";
  Hub hub = make(o);
  auto c = std::make_shared<RawSink>();
  hub.add(c, now);
  offer(hub, "inbound");
  hub.flush(now);
  offer(hub, "delivered");
  hub.flush(now);
  c->events_discarded = 2;  // a frame with drops only names the daemon too
  hub.flush(now);
  ASSERT_EQ(c->frames.size(), 3u);
  // The frame's head is read by a regex in the UI ({"seq":N,"boot":"ID"...): seq, then
  // boot, then the name.
  const std::string head = "{\"seq\":1,\"boot\":\"" + hub.boot() + "\",\"daemon\":\"box-1.example_x\",\"events\":[";
  EXPECT_EQ(c->frames[0].rfind(head, 0), 0u) << c->frames[0];
  EXPECT_EQ(c->frames[1],
            "{\"seq\":2,\"daemon\":\"box-1.example_x\",\"events\":[{\"type\":\"delivered\"}],\"dropped\":0}");
  EXPECT_EQ(c->frames[2], "{\"seq\":2,\"daemon\":\"box-1.example_x\",\"events\":[],\"dropped\":2}");
  for (const auto& f : c->frames) EXPECT_EQ(json::parse(f)["daemon"], "box-1.example_x");
}

TEST_F(HubTest, ANameIsEscapedAndNoNameMeansNoField) {
  Hub::Options o;
  o.daemon_name = "a\"b\\c";  // --name refuses these; the hub still writes valid JSON
  Hub named = make(o);
  Hub unnamed = make();
  auto a = sink(), b = sink();
  named.add(a, now);
  unnamed.add(b, now);
  offer(named, "inbound");
  offer(unnamed, "inbound");
  named.flush(now);
  unnamed.flush(now);
  ASSERT_EQ(a->frames.size(), 1u);
  EXPECT_EQ(a->frames[0]["daemon"], "a\"b\\c");
  ASSERT_EQ(b->frames.size(), 1u);
  EXPECT_FALSE(b->frames[0].contains("daemon"));
}

}  // namespace
}  // namespace tapemeasure::stream
