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
#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace tapemeasure::app {

class DemoTraffic {
 public:
  explicit DemoTraffic(std::uint64_t seed = 42);

  // Appends the log lines of one message's life (received, queued, delivery attempt,
  // removed) to `out`, each ending in '\n'. Returns the number of lines.
  int next_message(std::string& out);

  // The share of each proxy in each MTA's deliveries (what the UI should show).
  static const std::vector<std::vector<double>>& relay_weights();

 private:
  std::string timestamp();
  std::string queue_id();

  std::mt19937_64 rng_;
  std::uint64_t counter_ = 0;
};

}  // namespace tapemeasure::app
