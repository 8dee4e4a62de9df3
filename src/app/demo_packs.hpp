#pragma once
// Synthetic traffic for the optional packs in rules/packs/, for `tapemeasure demo --pack`:
// the same idea as DemoTraffic (Postfix), one class per pack. Each is deterministic for a
// seed (only the timestamps come from the clock, DemoClock: the wall clock, or a virtual one
// for `demo --print`) and not thread-safe: one writer owns it.
//
// The weights below are what the UI's share matrices and ratios should show; the unit
// tests run the generated lines through the real pack and compare.
#include <cstdint>
#include <functional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "app/demo_traffic.hpp"

namespace tapemeasure::app {

// nginx balancers lb1 and lb2 proxying to four upstreams, picked 40/30/20/10 (a weighted
// upstream block, or a broken least_conn: the share matrix shows it is not round-robin).
// Lines arrive as nginx sends them over syslog, in the log_format of rules/packs/nginx.yml.
class NginxTraffic {
 public:
  explicit NginxTraffic(std::uint64_t seed = 42, DemoClock clock = {});

  // Appends one access-log line (one request) to `out`, ending in '\n'. Returns 1.
  int next_request(std::string& out);

  static const std::vector<std::string>& upstreams();  // "10.0.0.11:8080", ...
  static const std::vector<double>& upstream_weights();  // of proxied requests, sum 1
  static constexpr double kLocalShare = 0.05;   // served by nginx itself (no upstream)
  static constexpr double kServerErrorShare = 0.03;  // 5xx, of proxied requests
  static constexpr double kClientErrorShare = 0.08;  // 4xx, of proxied requests
  static constexpr double kRetryShare = 0.02;  // first upstream failed, the next answered

 private:
  std::string client_address();
  std::string request_time(double median_s, double sigma);

  std::mt19937_64 rng_;
  DemoClock clock_;
};

// Two dnsdist balancers (10.53.1.10, 10.53.2.10) and an office IPv6 network sending
// queries to four unbound resolvers with uneven weights, logged over syslog with
// log-queries and log-replies. About 10% NXDOMAIN and 1% SERVFAIL.
class DnsTraffic {
 public:
  explicit DnsTraffic(std::uint64_t seed = 42, DemoClock clock = {});

  // Appends one query's lines (the query, then its reply) to `out`. Returns 2.
  int next_query(std::string& out);

  static const std::vector<std::string>& resolvers();  // ns1..ns4
  // Per client network (rows, as client_nets()), the share of each resolver; rows sum to 1.
  static const std::vector<std::vector<double>>& resolver_weights();
  static const std::vector<std::string>& client_nets();  // as the pack labels them
  static const std::vector<double>& client_net_weights();
  static constexpr double kNxdomainShare = 0.10;
  static constexpr double kServfailShare = 0.01;
  static constexpr double kRefusedShare = 0.005;

 private:
  std::mt19937_64 rng_;
  DemoClock clock_;
};

// One of the demo generators, by pack name: "postfix" (DemoTraffic), "nginx", "dns".
// next() appends the lines of one message, request or query and returns how many; flush()
// appends the lines still due later (Postfix's deliveries), stamped with their due times.
// Empty for an unknown name.
struct TrafficGenerator {
  std::function<int(std::string&)> next;
  std::function<int(std::string&)> flush;
  explicit operator bool() const { return static_cast<bool>(next); }
};
TrafficGenerator make_demo_traffic(std::string_view pack, std::uint64_t seed = 42, DemoClock clock = {});

// The names make_demo_traffic knows, for --help and error messages.
const std::vector<std::string>& demo_pack_names();

}  // namespace tapemeasure::app
