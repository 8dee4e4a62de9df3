// The cap where a client receives, in simulated time: what a session may write, given the
// pongs (acknowledgements) it got.
#include "stream/receipt_window.hpp"

#include <gtest/gtest.h>

#include <string>

#include "stream/rate_cap.hpp"

namespace tapemeasure::stream {
namespace {

using namespace std::chrono_literals;
using clock_type = ReceiptWindow::clock;
const clock_type::time_point t0 = clock_type::time_point{} + 1000s;

TEST(ReceiptWindowTest, TheBudgetIsTheCapShareOfTheRate) {
  EXPECT_DOUBLE_EQ(ReceiptWindow::budget(1000), 1000 * kCapShare);
  EXPECT_DOUBLE_EQ(ReceiptWindow::budget(10.7), 10);  // below 50/s: whole events
  EXPECT_DOUBLE_EQ(ReceiptWindow::budget(0), 0);
  EXPECT_DOUBLE_EQ(ReceiptWindow::budget(1e-300), 0);  // clamped to kMinRate, less than an event
}

TEST(ReceiptWindowTest, UnacknowledgedEventsHoldTheWindowUntilAPong) {
  ReceiptWindow w;
  clock_type::time_point retry;
  ASSERT_EQ(w.fits(1000, 900, t0, t0, retry), ReceiptWindow::Fit::now);
  w.written(900);
  // 900 in flight: 80 more fit (980 in all), 81 do not.
  EXPECT_EQ(w.fits(1000, 80, t0, t0, retry), ReceiptWindow::Fit::now);
  EXPECT_EQ(w.fits(1000, 81, t0, t0, retry), ReceiptWindow::Fit::later);
  EXPECT_EQ(retry, t0 + ReceiptWindow::kMaxFrameAge + 1ms);  // no pong yet: only age frees it
  // The pong for the 900: they count for one more second from the pong's time.
  const auto ping = w.ping_due(t0);
  ASSERT_TRUE(ping);
  EXPECT_EQ(*ping, 900u);
  EXPECT_FALSE(w.ping_due(t0)) << "one ping out at a time";
  EXPECT_TRUE(w.acknowledge(std::to_string(*ping), t0 + 100ms));
  EXPECT_EQ(w.in_flight(), 0u);
  EXPECT_EQ(w.fits(1000, 81, t0 + 100ms, t0 + 200ms, retry), ReceiptWindow::Fit::later);
  EXPECT_EQ(retry, t0 + 1100ms) << "room comes back when the acknowledged events leave the window";
  EXPECT_EQ(w.fits(1000, 81, t0 + 1050ms, t0 + 1100ms, retry), ReceiptWindow::Fit::now);
}

TEST(ReceiptWindowTest, TooOldOrTooBigFramesAreNeverWritten) {
  ReceiptWindow w;
  clock_type::time_point retry;
  EXPECT_EQ(w.fits(1000, 10, t0, t0 + 1001ms, retry), ReceiptWindow::Fit::never);
  EXPECT_EQ(w.fits(1000, 981, t0, t0, retry), ReceiptWindow::Fit::never);
  EXPECT_EQ(w.fits(0, 1, t0, t0, retry), ReceiptWindow::Fit::never);  // max_rate 0: no events
}

TEST(ReceiptWindowTest, OnlyOurOwnPongsAcknowledge) {
  ReceiptWindow w;
  w.written(5);
  EXPECT_FALSE(w.acknowledge("5", t0)) << "no ping was sent";
  ASSERT_TRUE(w.ping_due(t0));
  EXPECT_FALSE(w.acknowledge("", t0));    // a keep-alive ping's pong
  EXPECT_FALSE(w.acknowledge("4", t0));   // not the count we sent
  EXPECT_FALSE(w.acknowledge("5x", t0));  // junk
  EXPECT_EQ(w.in_flight(), 5u);
  EXPECT_TRUE(w.acknowledge("5", t0));
  EXPECT_EQ(w.in_flight(), 0u);
  EXPECT_FALSE(w.ping_due(t0)) << "nothing written since the last acknowledgement";
}

TEST(ReceiptWindowTest, AClientThatNeverAnswersIsStuckAfterThePongTimeout) {
  ReceiptWindow w;
  w.written(1);
  ASSERT_TRUE(w.ping_due(t0));
  EXPECT_FALSE(w.stuck(t0 + ReceiptWindow::kPongTimeout));
  EXPECT_TRUE(w.stuck(t0 + ReceiptWindow::kPongTimeout + 1ms));
  w.ping_failed();
  EXPECT_FALSE(w.stuck(t0 + ReceiptWindow::kPongTimeout + 1ms));
}

// A ping after every frame cost about 10% of the daemon at 100 clients: they are paced.
TEST(ReceiptWindowTest, PingsArePacedUnlessAFrameWaitsForRoom) {
  ReceiptWindow w;
  w.written(10);
  ASSERT_TRUE(w.ping_due(t0)) << "the first goes at once";
  ASSERT_TRUE(w.acknowledge("10", t0 + 1ms));
  w.written(10);
  EXPECT_FALSE(w.ping_due(t0 + 16ms)) << "the next frame's write is too soon";
  EXPECT_FALSE(w.ping_due(t0 + ReceiptWindow::kPingInterval - 1ms));
  EXPECT_TRUE(w.ping_due(t0 + ReceiptWindow::kPingInterval));
  ASSERT_TRUE(w.acknowledge("20", t0 + ReceiptWindow::kPingInterval + 1ms));
  w.written(10);
  EXPECT_TRUE(w.ping_due(t0 + ReceiptWindow::kPingInterval + 2ms, true)) << "a frame waits for room: at once";
}

// At the pace, a client that reads at once still gets nearly the rate it is capped at:
// frames of 16 events every 16 ms (1000/s), a pong 2 ms after each ping.
TEST(ReceiptWindowTest, APromptClientAtThePaceGetsNearlyItsRate) {
  ReceiptWindow w;
  clock_type::time_point retry;
  std::uint64_t written = 0;
  bool ping_out = false;
  clock_type::time_point pong_at = t0;
  std::uint64_t ping_count = 0;
  for (auto t = t0; t < t0 + 10s; t += 1ms) {
    if (ping_out && t >= pong_at) {
      ASSERT_TRUE(w.acknowledge(std::to_string(ping_count), t));
      ping_out = false;
    }
    if ((t - t0) % 16ms != 0ms) continue;
    const auto fit = w.fits(1000, 16, t, t, retry);
    if (fit == ReceiptWindow::Fit::now) {
      w.written(16);
      if (t >= t0 + 5s) written += 16;
    }
    if (!ping_out) {
      if (const auto n = w.ping_due(t, fit == ReceiptWindow::Fit::later)) {
        ping_out = true;
        pong_at = t + 2ms;
        ping_count = *n;
      }
    }
  }
  // The last 5 s: at least 94% of 1000/s, at most the 98% budget.
  EXPECT_GE(written, 4700u) << "a ping after every frame gives 4832, one every 25 ms 4752, every 50 ms 4592";
  EXPECT_LE(written, 4900u);
}

// A stalled client that catches up receives at most the budget in any one second of pong
// (receipt) time, whatever the writer offers.
TEST(ReceiptWindowTest, AStalledClientGetsNoBurst) {
  ReceiptWindow w;
  std::uint64_t written_in_first_second = 0;
  clock_type::time_point retry;
  // The client reads nothing for 3 s while frames of 20 events are offered every 16 ms.
  for (auto t = t0; t < t0 + 3s; t += 16ms) {
    if (w.fits(1000, 20, t, t, retry) != ReceiptWindow::Fit::now) continue;
    w.written(20);
    if (t < t0 + 1s) written_in_first_second += 20;
    w.ping_due(t);
  }
  EXPECT_LE(w.in_flight(), 980u);
  EXPECT_GE(w.in_flight(), 960u);
  EXPECT_EQ(written_in_first_second, w.in_flight()) << "nothing more was written while it stalled";
}

}  // namespace
}  // namespace tapemeasure::stream
