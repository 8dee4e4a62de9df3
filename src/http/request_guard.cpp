#include "http/request_guard.hpp"

#include <algorithm>

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

}  // namespace

RequestGuard::RequestGuard(const std::string& listen_host, unsigned short port,
                           const std::vector<std::string>& allowed_hosts,
                           const std::vector<std::string>& allowed_origins) {
  any_host_ = listen_host == "0.0.0.0" || listen_host == "::" || listen_host == "[::]";
  listen_host_ = listen_host;
  add_port(port);
  for (const auto& h : allowed_hosts) hosts_.insert(lower(h));
  for (const auto& o : allowed_origins) origins_.insert(lower(o));
}

void RequestGuard::add_port(unsigned short port) {
  for (const std::string& h : {listen_host_, std::string("localhost"), std::string("127.0.0.1"), std::string("::1")})
    hosts_.insert(lower(with_port(h, port)));
  if (port == 80) hosts_.insert(lower(listen_host_));
}

bool RequestGuard::host_allowed(std::string_view host_header) const {
  if (any_host_) return true;
  const std::string h = lower(host_header);
  if (hosts_.contains(h)) return true;
  // A bare allowed host name accepts it on any port.
  std::string_view name = h;
  if (const auto colon = name.rfind(':'); colon != std::string_view::npos && name.back() != ']')
    name = name.substr(0, colon);
  return hosts_.contains(std::string(name));
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
