#include "http/request_guard.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace tapemeasure::http {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

std::string with_port(const std::string& host, unsigned short port) {
  const bool v6 = host.find(':') != std::string::npos && host.front() != '[';
  return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

// "name:port", "[v6]:port", "[v6]", "name" -> name (brackets removed) and port (80 if none).
// nullopt when the port is not a number in canonical form (no leading zero).
std::optional<std::pair<std::string, unsigned>> split_host(std::string_view h) {
  std::string_view name = h, port;
  if (h.starts_with('[')) {
    const auto close = h.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    name = h.substr(1, close - 1);
    // Brackets hold an IPv6 address and nothing else: "[box]:8000" is no Host a browser
    // sends (found by the request_target fuzzer).
    const bool v6 = name.find(':') != std::string_view::npos &&
                    std::all_of(name.begin(), name.end(), [](char c) { return std::isxdigit(static_cast<unsigned char>(c)) || c == ':' || c == '.'; });
    if (!v6) return std::nullopt;
    const auto rest = h.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return std::nullopt;
      port = rest.substr(1);
    }
  } else if (const auto colon = h.rfind(':'); colon != std::string_view::npos) {
    if (h.find(':') != colon) return std::nullopt;  // a bare IPv6 address is not a Host
    name = h.substr(0, colon);
    port = h.substr(colon + 1);
  }
  unsigned p = 80;
  if (!port.empty()) {
    // Browsers send the port in canonical form; "08000" is not how anyone names us.
    if (port.size() > 1 && port.front() == '0') return std::nullopt;
    const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), p);
    if (ec != std::errc() || end != port.data() + port.size() || p > 65535) return std::nullopt;
  }
  if (name.empty()) return std::nullopt;
  return std::make_pair(std::string(name), p);
}

}  // namespace

bool RequestGuard::is_wildcard(std::string_view h) { return h == "0.0.0.0" || h == "::" || h == "[::]"; }

RequestGuard::RequestGuard(const std::string& listen_host, unsigned short port,
                           const std::vector<std::string>& allowed_hosts,
                           const std::vector<std::string>& allowed_origins)
    : RequestGuard(listen_host, port, allowed_hosts, allowed_origins,
                   is_wildcard(listen_host) ? LocalIdentity::of_this_machine() : LocalIdentity{}) {}

RequestGuard::RequestGuard(const std::string& listen_host, unsigned short port,
                           const std::vector<std::string>& allowed_hosts,
                           const std::vector<std::string>& allowed_origins, LocalIdentity identity) {
  listen_host_ = listen_host;
  if (is_wildcard(listen_host)) machine_ = std::move(identity);
  add_port(port);
  for (const auto& h : allowed_hosts) hosts_.insert(lower(h));
  for (const auto& o : allowed_origins) origins_.insert(lower(o));
}

void RequestGuard::add_port(unsigned short port) {
  ports_.insert(port);
  // A wildcard address is no name a browser uses: it reaches us by one of ours instead.
  std::vector<std::string> names{"localhost", "127.0.0.1", "::1"};
  if (!machine_) names.push_back(listen_host_);
  for (const std::string& h : names) hosts_.insert(lower(with_port(h, port)));
  if (port == 80 && !machine_) hosts_.insert(lower(listen_host_));
}

bool RequestGuard::machine_name_allowed(std::string_view host_header) const {
  const auto hp = split_host(lower(host_header));
  if (!hp || !ports_.contains(static_cast<unsigned short>(hp->second))) return false;
  const std::string& name = hp->first;
  if (machine_->names.contains(name)) return true;
  // Interface addresses are read afresh: one that came up after start is ours as well.
  return machine_->addresses && machine_->addresses().contains(name);
}

bool RequestGuard::host_allowed(std::string_view host_header) const {
  const std::string h = lower(host_header);
  if (hosts_.contains(h)) return true;
  // A bare allowed host name accepts it on any port: only a well-formed "name:port" or
  // "[v6]:port" is split (the fuzzer found "[::1]:8000:0]0" taken for "[::1]:8000").
  // A name with a ':' can only be a bracketed IPv6 address ("[127.0.0.1:8000]:" is not).
  if (const auto hp = split_host(h))
    if (hp->first.find(':') == std::string::npos ? hosts_.contains(hp->first) : hosts_.contains("[" + hp->first + "]"))
      return true;
  return machine_ && machine_name_allowed(h);
}

bool RequestGuard::origin_allowed(std::string_view origin, bool present, std::string_view host_header) const {
  if (!present) return true;
  const std::string o = lower(origin);
  if (o == "null" || o.empty()) return false;
  if (origins_.contains(o)) return true;
  // The page this daemon served: same scheme://host:port as the request itself.
  return host_allowed(host_header) && o == "http://" + lower(host_header);
}

}  // namespace tapemeasure::http
