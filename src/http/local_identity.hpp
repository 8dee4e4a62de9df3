#pragma once
// Who this machine is, as a browser could name it in a Host header: its interface
// addresses (getifaddrs) and its host names (gethostname, and the names /etc/hosts gives
// it, the FQDN among them). Read without the network: a resolver query at start could
// block, and one per request would let a client make the daemon wait.
#include <functional>
#include <set>
#include <string>

namespace tapemeasure::http {

struct LocalIdentity {
  std::set<std::string> names;  // lower case
  // Interface addresses as text ("192.0.2.7", "fe80::1"), lower case. A function, so an
  // address that appears later (DHCP, a new interface) is found when first named.
  std::function<std::set<std::string>()> addresses;

  static LocalIdentity of_this_machine();
};

// Each interface address of this machine (IPv6 without a zone id).
std::set<std::string> interface_addresses();
// gethostname() and the names on /etc/hosts lines that carry it.
std::set<std::string> host_names(const std::string& hosts_file = "/etc/hosts");

}  // namespace tapemeasure::http
