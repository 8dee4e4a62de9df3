// Who gets a connection slot: the general slots up to the per-peer limit, then the
// reserve; a connection waiting for a request makes room for a newcomer, one being used
// never does; released slots (early, by eviction, or at the end) are counted once.
#include "http/connection_slots.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace tapemeasure::http {
namespace {

using Pool = ConnectionSlots::Pool;
using Why = ConnectionSlots::Why;

TEST(ConnectionSlotsTest, GeneralSlotsThenTheReserveThenRefused) {
  ConnectionSlots slots;
  slots.set_limits({.max_connections = 4, .per_peer = 0, .reserved = 1});
  std::vector<std::unique_ptr<ConnectionSlots::Slot>> held;
  for (int i = 0; i < 3; ++i) {
    auto a = slots.admit("10.0.0." + std::to_string(i));
    ASSERT_TRUE(a.slot);
    EXPECT_EQ(a.slot->pool(), Pool::general);
    held.push_back(std::move(a.slot));
  }
  auto reserve = slots.admit("10.0.0.9");
  ASSERT_TRUE(reserve.slot);
  EXPECT_EQ(reserve.slot->pool(), Pool::reserve);
  EXPECT_EQ(reserve.slot->why(), Why::full);
  EXPECT_FALSE(slots.admit("10.0.0.10").slot) << "all taken and none waiting: refused";
  EXPECT_EQ(slots.counts().general, 3u);
  EXPECT_EQ(slots.counts().reserve, 1u);

  held.pop_back();  // a general slot comes free
  auto again = slots.admit("10.0.0.11");
  ASSERT_TRUE(again.slot);
  EXPECT_EQ(again.slot->pool(), Pool::general);
}

TEST(ConnectionSlotsTest, APeerOverItsLimitGetsTheReserveOthersDoNot) {
  ConnectionSlots slots;
  slots.set_limits({.max_connections = 100, .per_peer = 2, .reserved = 10});
  auto a = slots.admit("192.0.2.1");
  auto b = slots.admit("192.0.2.1");
  auto c = slots.admit("192.0.2.1");
  ASSERT_TRUE(a.slot && b.slot && c.slot);
  EXPECT_EQ(b.slot->pool(), Pool::general);
  EXPECT_EQ(c.slot->pool(), Pool::reserve);
  EXPECT_EQ(c.slot->why(), Why::peer_limit);
  auto other = slots.admit("192.0.2.2");
  ASSERT_TRUE(other.slot);
  EXPECT_EQ(other.slot->pool(), Pool::general);
  EXPECT_EQ(slots.counts().peers, 2u);
  a.slot.reset();
  auto d = slots.admit("192.0.2.1");
  EXPECT_EQ(d.slot->pool(), Pool::general) << "under its limit again";
  d.slot.reset();
  b.slot.reset();
  other.slot.reset();
  EXPECT_EQ(slots.counts().peers, 0u) << "no entry is kept for a peer holding nothing";
}

TEST(ConnectionSlotsTest, TheLongestWaitingConnectionMakesRoomAndOnlyAWaitingOne) {
  ConnectionSlots slots;
  slots.set_limits({.max_connections = 3, .per_peer = 0, .reserved = 1});
  std::vector<int> evicted;
  auto a = slots.admit("p").slot;
  auto b = slots.admit("p").slot;
  a->may_evict([&] { evicted.push_back(1); });
  b->may_evict([&] { evicted.push_back(2); });
  a->keep();  // a request on `a` began: it keeps its slot
  a->may_evict([&] { evicted.push_back(1); });  // and waits again, now after `b`
  auto c = slots.admit("p");
  ASSERT_TRUE(c.slot);
  EXPECT_TRUE(c.evicted);
  EXPECT_EQ(c.slot->pool(), Pool::general);
  EXPECT_EQ(evicted, std::vector<int>{2});
  b.reset();  // the evicted session ends later: its slot is not released twice
  EXPECT_EQ(slots.counts().general, 2u);

  c.slot->keep();
  a->keep();
  auto r = slots.admit("p");  // no general slot can be freed: the reserve
  ASSERT_TRUE(r.slot);
  EXPECT_EQ(r.slot->pool(), Pool::reserve);
  EXPECT_FALSE(r.evicted);
  r.slot->may_evict([&] { evicted.push_back(3); });
  auto r2 = slots.admit("p");  // the reserve's oldest reader makes room for the newcomer
  ASSERT_TRUE(r2.slot);
  EXPECT_EQ(r2.slot->pool(), Pool::reserve);
  EXPECT_EQ(evicted, (std::vector<int>{2, 3}));
  r2.slot->keep();  // being answered
  EXPECT_FALSE(slots.admit("p").slot);
  EXPECT_EQ(evicted.size(), 2u);
}

TEST(ConnectionSlotsTest, TheReserveIsAtMostHalfOfTheSlots) {
  ConnectionSlots slots;
  slots.set_limits({.max_connections = 10, .per_peer = 0, .reserved = 16});
  EXPECT_EQ(slots.limits().reserved, 5u);
  int general = 0;
  std::vector<std::unique_ptr<ConnectionSlots::Slot>> held;
  for (int i = 0; i < 10; ++i) {
    auto a = slots.admit("p");
    ASSERT_TRUE(a.slot);
    general += a.slot->pool() == Pool::general;
    held.push_back(std::move(a.slot));
  }
  EXPECT_EQ(general, 5);
}

}  // namespace
}  // namespace tapemeasure::http
