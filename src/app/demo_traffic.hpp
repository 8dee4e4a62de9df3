#pragma once
// Synthetic Postfix traffic for `tapemeasure demo` (and load tests): 2 ingress balancers,
// 4 MTAs and 3 egress proxies, with a deliberately uneven MTA-to-proxy split, ~10%
// transient and ~5% permanent bounces, and destinations spread over the first octets.
//
// About 17% of messages go to partner domains through Postfix's relay transport (a `relay`
// event: MTA to proxy only) and 2% are refused at the door (`rejected`, drawn grey).
//
// The proxies are transparent egress proxies: a delivery line names the proxy as the relay
// host and logs the destination's address, which is what the UI plots by first octet.
//
// A message's delivery and its qmgr `removed` line come a few seconds after it arrived (a
// minute or so for the one retry of a deferred message, which is then sent), so the pack's
// mail_queue_lifetime_seconds shows a spread. Of all delivery attempts (retries included)
// 10% are deferred, 5% bounced, 17% go through the relay transport.
#include <cstdint>
#include <functional>
#include <queue>
#include <random>
#include <string>
#include <vector>

namespace tapemeasure::app {

// Seconds since the epoch, for the generators' timestamps. Empty: the wall clock. `demo
// --print` passes a virtual clock that moves on by 1/rate per message, so the printed log
// has the times a log written at that rate would have, whenever it is printed.
using DemoClock = std::function<double()>;
double demo_now(const DemoClock& clock);

// RFC 3164's timestamp ("Nov  7 09:00:05"), local time, day space-padded.
std::string syslog_timestamp(double epoch_seconds);

class DemoTraffic {
 public:
  explicit DemoTraffic(std::uint64_t seed = 42, DemoClock clock = {});

  // Appends the arrival lines of one message (received, cleanup, queued) and the lines
  // now due of earlier messages (delivery attempts, removed) to `out`, each ending in
  // '\n'. Returns the number of lines.
  int next_message(std::string& out);

  // Appends every line still due later, each stamped with its due time. Returns how many.
  int flush(std::string& out);

  // The share of each proxy in each MTA's deliveries (what the UI should show).
  static const std::vector<std::vector<double>>& relay_weights();

 private:
  std::string queue_id();
  // Lines written later, at their due time (wall clock, seconds): each a line without its
  // timestamp ("mta1 postfix/smtp[42]: ..."), in order.
  struct Later {
    double due = 0;
    std::uint64_t seq = 0;  // keeps the order of lines due at the same time
    std::vector<std::string> lines;
    bool operator>(const Later& o) const { return due != o.due ? due > o.due : seq > o.seq; }
  };
  void later(double due, std::vector<std::string> lines);
  int write_due(double now, std::string& out);

  std::mt19937_64 rng_;
  DemoClock clock_;
  std::uint64_t counter_ = 0;
  std::uint64_t seq_ = 0;
  std::priority_queue<Later, std::vector<Later>, std::greater<>> later_;
};

}  // namespace tapemeasure::app
