#pragma once
// Who may talk to the daemon. The Host check stops DNS rebinding (a web page on another
// site resolving its own name to 127.0.0.1 to read /api or open /ws); the Origin check on
// /ws stops other sites' pages from opening a socket. Pure logic, unit-tested apart.
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace tapemeasure::http {

class RequestGuard {
 public:
  // listen_host/port: where we listen. A wildcard address (0.0.0.0, ::) accepts any Host.
  RequestGuard(const std::string& listen_host, unsigned short port, const std::vector<std::string>& allowed_hosts,
               const std::vector<std::string>& allowed_origins);

  // The port actually bound, when it differs from the one asked for (--listen HOST:0 picks
  // a free port, and browsers and scrapers then name that one in Host).
  void add_port(unsigned short port);

  bool host_allowed(std::string_view host_header) const;
  // Origin absent (non-browser clients): allowed. "null" or another site: refused.
  bool origin_allowed(std::string_view origin_header, bool origin_present, std::string_view host_header) const;

 private:
  bool any_host_ = false;
  std::string listen_host_;
  std::set<std::string> hosts_;       // "host:port" and bare "host" (any port), lower case
  std::set<std::string> origins_;     // "scheme://host[:port]", lower case
};

}  // namespace tapemeasure::http
