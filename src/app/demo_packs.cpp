#include "app/demo_packs.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <memory>
#include <utility>

#include "app/demo_traffic.hpp"

namespace tapemeasure::app {
namespace {

std::tm local_time(double epoch_seconds) {
  const auto t = static_cast<std::time_t>(epoch_seconds);
  std::tm tm{};
  localtime_r(&t, &tm);
  return tm;
}

// nginx's $time_local.
std::string nginx_time_local(const std::tm& tm) {
  char buf[40];
  std::strftime(buf, sizeof buf, "%d/%b/%Y:%H:%M:%S %z", &tm);
  return buf;
}

std::string fixed(double v, int decimals) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

// Index into `weights` (summing to 1) for a uniform draw r in [0, 1).
std::size_t pick(const std::vector<double>& weights, double r) {
  for (std::size_t i = 0; i + 1 < weights.size(); ++i) {
    if (r < weights[i]) return i;
    r -= weights[i];
  }
  return weights.size() - 1;
}

template <std::size_t N>
const char* any_of(const char* const (&items)[N], std::mt19937_64& rng) {
  return items[rng() % N];
}

const char* const kBalancers[] = {"lb1", "lb2"};
const char* const kVhosts[] = {"shop.example.com", "api.example.com"};
const char* const kUserAgents[] = {
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148",
    "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0", "okhttp/4.12.0", "curl/8.5.0",
    "Go-http-client/2.0"};
const char* const kApiPaths[] = {"/api/cart", "/api/items", "/api/search?q=lamp", "/api/orders", "/", "/product/lamp-42",
                                 "/api/session", "/checkout"};
const char* const kLocalPaths[] = {"/static/app.js", "/static/app.css", "/favicon.ico", "/healthz", "/robots.txt"};
const char* const kClientPrefixes[] = {"198.51.100.", "203.0.113.", "192.0.2.", "81.2.69.", "100.64.12."};

// Median request time per upstream (the last one is small and slow).
const double kUpstreamMedianSeconds[] = {0.035, 0.045, 0.060, 0.150};

}  // namespace

// --- nginx ------------------------------------------------------------------------------

const std::vector<std::string>& NginxTraffic::upstreams() {
  static const std::vector<std::string> u = {"10.0.0.11:8080", "10.0.0.12:8080", "10.0.0.13:8080", "10.0.0.14:8080"};
  return u;
}

const std::vector<double>& NginxTraffic::upstream_weights() {
  static const std::vector<double> w = {0.40, 0.30, 0.20, 0.10};
  return w;
}

NginxTraffic::NginxTraffic(std::uint64_t seed, DemoClock clock) : rng_(seed), clock_(std::move(clock)) {}

std::string NginxTraffic::client_address() {
  if (rng_() % 10 == 0) {  // one client in ten over IPv6
    char buf[48];
    std::snprintf(buf, sizeof buf, "2001:db8:%x::%x", static_cast<unsigned>(rng_() % 0xffff),
                  static_cast<unsigned>(1 + rng_() % 0xfffe));
    return buf;
  }
  return std::string(any_of(kClientPrefixes, rng_)) + std::to_string(1 + rng_() % 254);
}

std::string NginxTraffic::request_time(double median_s, double sigma) {
  std::lognormal_distribution<double> d(std::log(median_s), sigma);
  return fixed(std::min(d(rng_), 59.0), 3);  // nginx logs milliseconds
}

int NginxTraffic::next_request(std::string& out) {
  std::uniform_real_distribution<double> u(0, 1);
  const double now = demo_now(clock_);
  const char* lb = kBalancers[rng_() % 2];
  const char* vhost = any_of(kVhosts, rng_);
  const std::string client = client_address();
  const std::string head = "<190>" + syslog_timestamp(now) + " " + lb + " nginx: " + client + " - - [" +
                           nginx_time_local(local_time(now)) + "] \"";
  const std::string agent = any_of(kUserAgents, rng_);
  const std::string tail = " host=" + std::string(vhost) + " lb=" + lb + "\n";

  if (u(rng_) < kLocalShare) {  // a static file, a health check: nginx answers itself
    const char* path = any_of(kLocalPaths, rng_);
    const double r = u(rng_);
    const int status = r < 0.80 ? 200 : r < 0.95 ? 304 : 404;
    out += head + "GET " + path + " HTTP/2.0\" " + std::to_string(status) + " " +
           std::to_string(status == 200 ? 500 + rng_() % 90000 : 0) + " \"https://" + vhost + "/\" \"" + agent +
           "\" rt=" + fixed(u(rng_) * 0.002, 3) + " uct=\"-\" urt=\"-\" ua=\"-\" us=\"-\"" + tail;
    return 1;
  }

  const std::size_t up = pick(upstream_weights(), u(rng_));
  const double outcome = u(rng_);
  int status = 200;
  std::string rt = request_time(kUpstreamMedianSeconds[up], 0.9);
  if (outcome < kServerErrorShare) {
    const double kind = u(rng_);
    status = kind < 0.6 ? 502 : kind < 0.8 ? 503 : 504;
    if (status == 504) rt = fixed(5 + u(rng_) * 0.05, 3);  // proxy_read_timeout 5s
    else rt = fixed(0.001 + u(rng_) * 0.01, 3);            // refused or reset at once
  } else if (outcome < kServerErrorShare + kClientErrorShare) {
    const int codes[] = {404, 404, 404, 401, 403, 429, 499};
    status = codes[rng_() % std::size(codes)];
  } else if (outcome < 0.15) {
    status = u(rng_) < 0.7 ? 302 : 304;
  } else {
    const double kind = u(rng_);
    status = kind < 0.9 ? 200 : kind < 0.97 ? 201 : 204;
  }
  const std::string st = std::to_string(status);
  // 499: the client closed the connection first; nginx logs no upstream status.
  std::string upstream_status = status == 499 ? "-" : st;
  std::string addr = upstreams()[up];
  std::string connect = fixed(0.0005 + u(rng_) * 0.002, 3);
  std::string upstream_time = rt;
  if (u(rng_) < kRetryShare) {  // the first server failed; nginx passed the request on
    const std::size_t failed = (up + 1 + rng_() % (upstreams().size() - 1)) % upstreams().size();
    const bool timeout = u(rng_) < 0.5;
    addr = upstreams()[failed] + ", " + addr;
    upstream_status = std::string(timeout ? "504, " : "502, ") + upstream_status;
    connect = (timeout ? "0.001, " : "-, ") + connect;
    upstream_time = (timeout ? "1.000, " : "0.001, ") + upstream_time;
    rt = fixed(std::stod(rt) + (timeout ? 1.0 : 0.001), 3);
  }
  const bool post = u(rng_) < 0.2;
  std::string path = any_of(kApiPaths, rng_);
  if (path == "/api/items") path += "/" + std::to_string(rng_() % 5000);
  out += head + (post ? "POST " : "GET ") + path + " HTTP/1.1\" " + st + " " +
         std::to_string(status == 204 || status == 304 ? 0 : 100 + rng_() % 20000) + " \"-\" \"" + agent + "\" rt=" + rt +
         " uct=\"" + connect + "\" urt=\"" + upstream_time + "\" ua=\"" + addr + "\" us=\"" + upstream_status + "\"" +
         tail;
  return 1;
}

// --- DNS --------------------------------------------------------------------------------

namespace {

const char* const kQtypes[] = {"A", "AAAA", "PTR", "TXT", "MX"};
const std::vector<double> kQtypeWeights = {0.50, 0.25, 0.12, 0.08, 0.05};
const char* const kNames[] = {"www.example.com.", "api.example.net.", "cdn.example.org.", "mail.example.com.",
                              "login.example.com.", "static.example.net.", "time.example.org.", "updates.example.com."};
const char* const kMissing[] = {"wpad.corp.example.", "printer.local.example.", "teh-example.com.", "api.example.nte.",
                                "_ldap._tcp.dc.corp.example."};
const char* const kClients[] = {"10.53.1.10", "10.53.2.10", ""};  // "": a host of the office network

}  // namespace

const std::vector<std::string>& DnsTraffic::resolvers() {
  static const std::vector<std::string> r = {"ns1", "ns2", "ns3", "ns4"};
  return r;
}

const std::vector<std::vector<double>>& DnsTraffic::resolver_weights() {
  // dnsdist on lb1 favours ns1; lb2 starves ns4; the office resolves round-robin.
  static const std::vector<std::vector<double>> w = {
      {0.40, 0.30, 0.20, 0.10}, {0.30, 0.30, 0.30, 0.10}, {0.25, 0.25, 0.25, 0.25}};
  return w;
}

const std::vector<std::string>& DnsTraffic::client_nets() {
  static const std::vector<std::string> n = {"10.53.1.0/24", "10.53.2.0/24", "2001:db8:7::/48"};
  return n;
}

const std::vector<double>& DnsTraffic::client_net_weights() {
  static const std::vector<double> w = {0.45, 0.45, 0.10};
  return w;
}

DnsTraffic::DnsTraffic(std::uint64_t seed, DemoClock clock) : rng_(seed), clock_(std::move(clock)) {}

int DnsTraffic::next_query(std::string& out) {
  std::uniform_real_distribution<double> u(0, 1);
  const std::size_t net = pick(client_net_weights(), u(rng_));
  const std::size_t ns = pick(resolver_weights()[net], u(rng_));
  char office[48];
  std::snprintf(office, sizeof office, "2001:db8:7:1::%x", static_cast<unsigned>(1 + rng_() % 0xfff));
  const std::string client = *kClients[net] ? kClients[net] : office;
  const std::string qtype = kQtypes[pick(kQtypeWeights, u(rng_))];

  const double r = u(rng_);
  const char* rcode = r < kNxdomainShare                                   ? "NXDOMAIN"
                      : r < kNxdomainShare + kServfailShare                 ? "SERVFAIL"
                      : r < kNxdomainShare + kServfailShare + kRefusedShare ? "REFUSED"
                                                                            : "NOERROR";
  std::string qname = any_of(kNames, rng_);
  if (qtype == "PTR")
    qname = std::to_string(1 + rng_() % 254) + "." + std::to_string(rng_() % 256) + ".53.10.in-addr.arpa.";
  if (rcode[0] == 'N' && rcode[1] == 'X') qname = any_of(kMissing, rng_);

  // Cache hits answer in microseconds, recursion in tens of milliseconds, a SERVFAIL
  // usually after the upstream servers timed out.
  bool cached = false;
  double seconds = 0;
  if (rcode[0] == 'S') {
    seconds = std::lognormal_distribution<double>(std::log(1.5), 0.5)(rng_);
  } else if (rcode[0] == 'R') {
    seconds = 0;  // refused by access-control before any work
  } else if (u(rng_) < 0.65) {
    cached = true;
    seconds = 0.000005 + u(rng_) * 0.00008;
  } else {
    seconds = std::lognormal_distribution<double>(std::log(0.025), 1.0)(rng_);
  }
  const std::string prefix = syslog_timestamp(demo_now(clock_)) + " " + resolvers()[ns] + " unbound: [" +
                             std::to_string(811 + 100 * ns) + ":" + std::to_string(rng_() % 4) + "] info: " + client +
                             " " + qname + " " + qtype + " IN";
  out += prefix + "\n";
  out += prefix + " " + rcode + " " + fixed(std::min(seconds, 9.0), 6) + " " + (cached ? "1" : "0") + " " +
         std::to_string(40 + rng_() % 260) + "\n";
  return 2;
}

// --- by name ----------------------------------------------------------------------------

const std::vector<std::string>& demo_pack_names() {
  static const std::vector<std::string> names = {"postfix", "nginx", "dns"};
  return names;
}

TrafficGenerator make_demo_traffic(std::string_view pack, std::uint64_t seed, DemoClock clock) {
  const auto nothing_later = [](std::string&) { return 0; };
  if (pack == "postfix") {
    auto t = std::make_shared<DemoTraffic>(seed, std::move(clock));
    return {[t](std::string& out) { return t->next_message(out); }, [t](std::string& out) { return t->flush(out); }};
  }
  if (pack == "nginx") {
    auto t = std::make_shared<NginxTraffic>(seed, std::move(clock));
    return {[t](std::string& out) { return t->next_request(out); }, nothing_later};
  }
  if (pack == "dns") {
    auto t = std::make_shared<DnsTraffic>(seed, std::move(clock));
    return {[t](std::string& out) { return t->next_query(out); }, nothing_later};
  }
  return {};
}

}  // namespace tapemeasure::app
