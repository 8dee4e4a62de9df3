#include "http/local_identity.hpp"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <vector>

namespace tapemeasure::http {
namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

}  // namespace

std::set<std::string> interface_addresses() {
  std::set<std::string> out;
  ifaddrs* list = nullptr;
  if (::getifaddrs(&list) != 0) return out;
  for (ifaddrs* i = list; i; i = i->ifa_next) {
    if (!i->ifa_addr) continue;
    char buf[INET6_ADDRSTRLEN] = {};
    if (i->ifa_addr->sa_family == AF_INET) {
      ::inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in*>(i->ifa_addr)->sin_addr, buf, sizeof buf);
    } else if (i->ifa_addr->sa_family == AF_INET6) {
      ::inet_ntop(AF_INET6, &reinterpret_cast<sockaddr_in6*>(i->ifa_addr)->sin6_addr, buf, sizeof buf);
    } else {
      continue;
    }
    out.insert(lower(buf));
  }
  ::freeifaddrs(list);
  return out;
}

std::set<std::string> host_names(const std::string& hosts_file) {
  std::set<std::string> out;
  char buf[256] = {};
  if (::gethostname(buf, sizeof buf - 1) != 0 || buf[0] == '\0') return out;
  const std::string self = lower(buf);
  out.insert(self);
  // The FQDN, as the resolver would find it locally: every name on a line that names us.
  std::ifstream in(hosts_file);
  std::string line;
  while (std::getline(in, line)) {
    line = line.substr(0, line.find('#'));
    std::istringstream words(line);
    std::string address, name;
    words >> address;
    std::vector<std::string> names;
    while (words >> name) names.push_back(lower(name));
    const bool ours = std::any_of(names.begin(), names.end(), [&](const std::string& n) {
      return n == self || n.starts_with(self + ".");
    });
    if (ours) out.insert(names.begin(), names.end());
  }
  return out;
}

LocalIdentity LocalIdentity::of_this_machine() {
  return {.names = host_names(), .addresses = [] { return interface_addresses(); }};
}

}  // namespace tapemeasure::http
