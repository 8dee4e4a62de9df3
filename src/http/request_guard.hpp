#pragma once
// Who may talk to the daemon. The Host check stops DNS rebinding (a web page on another
// site resolving its own name to our address to read /api or open /ws); the Origin check on
// /ws stops other sites' pages from opening a socket. Pure logic, unit-tested apart.
//
// Host must name this server: an address it listens on, `localhost`, or --allowed-host.
// On a wildcard listen (0.0.0.0, ::) "an address it listens on" is any of the machine's
// own addresses, and its host names count too (LocalIdentity) — never any Host at all.
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "http/local_identity.hpp"

namespace tapemeasure::http {

class RequestGuard {
 public:
  // listen_host/port: where we listen. A wildcard address asks this machine who it is.
  RequestGuard(const std::string& listen_host, unsigned short port, const std::vector<std::string>& allowed_hosts,
               const std::vector<std::string>& allowed_origins);
  // The same, with the machine's identity given (tests).
  RequestGuard(const std::string& listen_host, unsigned short port, const std::vector<std::string>& allowed_hosts,
               const std::vector<std::string>& allowed_origins, LocalIdentity identity);

  // The port actually bound, when it differs from the one asked for (--listen HOST:0 picks
  // a free port, and browsers and scrapers then name that one in Host).
  void add_port(unsigned short port);

  bool host_allowed(std::string_view host_header) const;
  // Origin absent (non-browser clients): allowed. "null" or another site: refused.
  bool origin_allowed(std::string_view origin_header, bool origin_present, std::string_view host_header) const;

  static bool is_wildcard(std::string_view listen_host);

 private:
  bool machine_name_allowed(std::string_view host_header) const;

  std::string listen_host_;
  std::set<std::string> hosts_;       // "host:port" and bare "host" (any port), lower case
  std::set<std::string> origins_;     // "scheme://host[:port]", lower case
  std::set<unsigned short> ports_;    // where we listen
  std::optional<LocalIdentity> machine_;  // set on a wildcard listen
};

}  // namespace tapemeasure::http
