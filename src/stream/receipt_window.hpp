#pragma once
// The cap where a client receives (rate_cap.hpp): which frames a WebSocket session may
// write now, given what the client has acknowledged reading. Pure: the session passes the
// time in, so every rule here is unit-tested without a socket or a clock.
//
// Write times are not receipt times: a client that stops reading leaves what was written
// in the kernel's buffers (its receive buffer alone holds seconds of compressed events),
// and it all arrives at once when it reads on. So the session asks the client: after
// writing events it pings with how many events it has written so far, and the pong (every
// WebSocket client answers pings, in order with the data) says the client has read up to
// there. An event counts against the cap from when it is written until a second after its
// pong: any one second of receipt then holds at most `in flight + acknowledged in the last
// second` events, kept within the budget (kCapShare of the rate). A frame that would go
// over waits for a pong or for an acknowledged event to leave the window; frames older than
// kMaxFrameAge are thrown away and reported as dropped. So a stalled client has at most a
// cap's worth in flight, and gets at most a second's backlog.
//
// Pings are paced: one goes at most every kPingInterval, or at once when a frame waits for
// room. A ping after every written frame (about 60 a second per client) cost about 10% of
// the daemon's time with 100 clients; paced, one goes with every second 16 ms frame. A
// pong then comes up to kPingInterval + a round trip after a write, so acknowledged events
// leave the window a little later: a prompt client gets about 2% fewer events (95% of its
// rate instead of 97%; 50 ms would cost 5%), and the cap still holds, as it only ever
// counts more.
#include <chrono>
#include <cstdint>
#include <deque>
#include <optional>
#include <string_view>
#include <utility>

namespace tapemeasure::stream {

class ReceiptWindow {
 public:
  using clock = std::chrono::steady_clock;

  static constexpr std::chrono::seconds kMaxFrameAge{1};
  // A client that has not answered a ping for this long is stuck (or answers pings wrongly,
  // which would hold its events at the cap for ever): the session closes it.
  static constexpr std::chrono::seconds kPongTimeout{30};
  static constexpr std::chrono::milliseconds kPingInterval{25};

  // How many events a client capped at `rate` may receive in one second: kCapShare of it.
  // Below 50/s 2% is less than one event; the hub bucket's spacing leaves the slack there.
  static double budget(double rate);

  enum class Fit { now, later, never };
  // Whether a frame of `events` events made at `made` may be written at `now`: now; later
  // (then `retry_at` says when room comes back at the latest, sooner if a pong arrives);
  // never (too old, or more events than a second's budget: throw it away).
  Fit fits(double rate, std::uint32_t events, clock::time_point made, clock::time_point now,
           clock::time_point& retry_at);

  void written(std::uint32_t events) { written_ += events; }

  // The payload of the ping to send now, if one should go: events were written since the
  // last acknowledgement, no ping is out, and either the last ping is kPingInterval old or
  // `room_wanted` (a frame waits for the window). Marks it out.
  std::optional<std::uint64_t> ping_due(clock::time_point now, bool room_wanted = false);
  // The ping could not be written (the connection is closing): none is out.
  void ping_failed() { outstanding_for_ = 0; }
  // A pong arrived. Only our own pings' answers count (not a keep-alive ping's, nor an
  // unsolicited pong); returns whether this one did.
  bool acknowledge(std::string_view pong_payload, clock::time_point now);
  // A ping has waited longer than kPongTimeout for its pong.
  bool stuck(clock::time_point now) const { return outstanding_for_ != 0 && now - ping_sent_at_ > kPongTimeout; }

  std::uint64_t in_flight() const { return written_ - acknowledged_; }

 private:
  void expire(clock::time_point now);

  std::uint64_t written_ = 0;
  std::uint64_t acknowledged_ = 0;
  std::uint64_t outstanding_for_ = 0;  // 0: no ping awaiting its pong
  clock::time_point ping_sent_at_{};
  std::optional<clock::time_point> last_ping_{};  // when the last ping was sent, if one was
  // Acknowledged events by pong time, those of the last second summed.
  std::deque<std::pair<clock::time_point, std::uint64_t>> recent_;
  std::uint64_t recent_total_ = 0;
};

}  // namespace tapemeasure::stream
