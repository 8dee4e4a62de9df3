#include "app/daemon_identity.hpp"

// Boost.URL, compiled here (its header-only mode: Debian ships no libboost_url): this is
// its only user. Include <boost/url/src.hpp> in no other file, or its symbols clash.
#include <boost/url/src.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/url.hpp>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <climits>
#include <stdexcept>

namespace tapemeasure::app {
namespace {

namespace urls = boost::urls;

bool name_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
         c == '-';
}

// A host name as browsers and resolvers take it: dot-separated labels of letters, digits,
// '-' and '_' (Docker and Compose names have those). Already lower-cased by normalize().
bool host_name_ok(std::string_view host) {
  if (host.empty()) return false;
  std::size_t label = 0;
  for (const char c : host) {
    if (c == '.') {
      if (label == 0) return false;
      label = 0;
    } else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_') {
      ++label;
    } else {
      return false;
    }
  }
  return label > 0;
}

PeerUrl bad(std::string_view text, const std::string& why) {
  return {"", "--peer '" + std::string(text) + "': " + why + " (e.g. http://box2:8000/)"};
}

}  // namespace

std::string daemon_name_error(std::string_view name) {
  if (name.empty()) return "a daemon name cannot be empty";
  if (name.size() > kMaxDaemonNameLength)
    return "a daemon name is at most " + std::to_string(kMaxDaemonNameLength) + " characters";
  if (!std::all_of(name.begin(), name.end(), name_char))
    return "a daemon name is made of letters, digits, '.', '_' and '-' only";
  return "";
}

std::string resolve_daemon_name(const std::string& name_option) {
  if (!name_option.empty()) {
    if (auto why = daemon_name_error(name_option); !why.empty())
      throw std::runtime_error("--name '" + name_option + "': " + why);
    return name_option;
  }
  char host[HOST_NAME_MAX + 1] = {};
  if (::gethostname(host, sizeof host - 1) != 0 || host[0] == '\0')
    throw std::runtime_error("cannot read the host name for the daemon's name; give --name NAME");
  const std::string name(host);
  if (auto why = daemon_name_error(name); !why.empty())
    throw std::runtime_error("the host name '" + name + "' cannot be the daemon's name (" + why +
                             "); give --name NAME");
  return name;
}

PeerUrl normalize_peer_url(std::string_view text) {
  auto parsed = urls::parse_uri(text);  // with a fragment too, to refuse it by name
  if (!parsed) return bad(text, "not a URL");
  urls::url u(*parsed);
  u.normalize();  // lower-case scheme and host, unneeded %-escapes decoded, dot segments gone
  const auto scheme = u.scheme_id();
  if (scheme != urls::scheme::http && scheme != urls::scheme::https)
    return bad(text, "a peer is an http:// or https:// URL");
  if (!u.has_authority()) return bad(text, "no host");
  // /api/peers shows every peer to every browser: no place for credentials.
  if (u.has_userinfo()) return bad(text, "no user or password in a peer URL");
  if (u.has_query() || u.has_fragment()) return bad(text, "no query or fragment in a peer URL");

  std::string host;
  switch (u.host_type()) {
    case urls::host_type::ipv4:
      host = u.host_ipv4_address().to_string();
      break;
    case urls::host_type::ipv6:
      host = "[" + u.host_ipv6_address().to_string() + "]";
      break;
    case urls::host_type::name:
      host = std::string(u.encoded_host());
      if (host.empty()) return bad(text, "no host");
      if (!host_name_ok(host)) return bad(text, "'" + host + "' is not a host name");
      break;
    default:
      return bad(text, "no host");
  }

  // The port as a number (leading zeros and all), without the scheme's default: as the
  // browser spells the URL, so the same daemon is recognised however it was written.
  std::string port;
  if (u.has_port() && !u.port().empty()) {
    const std::string_view digits = u.port();
    unsigned value = 0;
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
    if (ec != std::errc() || end != digits.data() + digits.size() || value == 0 || value > 65535)
      return bad(text, "the port must be 1-65535");
    const unsigned default_port = scheme == urls::scheme::https ? 443 : 80;
    if (value != default_port) port = ":" + std::to_string(value);
  }

  // A daemon behind a reverse proxy may live under a path; the UI joins "ws" onto it.
  std::string path(u.encoded_path());
  if (path.empty() || path.back() != '/') path += '/';
  if (path.front() != '/') path.insert(0, 1, '/');

  return {std::string(u.scheme()) + "://" + host + port + path, ""};
}

std::vector<std::string> resolve_peers(const std::vector<std::string>& peer_options,
                                       const std::vector<std::string>& own, std::vector<std::string>& left_out) {
  std::vector<std::string> peers;
  for (const auto& option : peer_options) {
    PeerUrl p = normalize_peer_url(option);
    if (!p.ok()) throw std::runtime_error(p.error);
    if (std::find(own.begin(), own.end(), p.url) != own.end()) {
      // The same --peer list on every box is the easy way to configure them.
      left_out.push_back("--peer " + option + " is this daemon");
    } else if (std::find(peers.begin(), peers.end(), p.url) != peers.end()) {
      left_out.push_back("--peer " + option + " is given twice");
    } else {
      peers.push_back(std::move(p.url));
    }
  }
  return peers;
}

std::vector<std::string> own_urls(const std::string& address, bool is_v6, bool is_loopback, bool is_unspecified,
                                  unsigned short port) {
  if (is_unspecified) return {};
  const std::string p = ":" + std::to_string(port) + "/";
  std::vector<std::string> out;
  for (const std::string& host : {is_v6 ? "[" + address + "]" : address, std::string(is_loopback ? "localhost" : "")}) {
    if (host.empty()) continue;
    if (PeerUrl u = normalize_peer_url("http://" + host + p); u.ok()) out.push_back(std::move(u.url));
  }
  return out;
}

std::string render_peers_json(const std::string& name, const std::vector<std::string>& peers, double ws_max_rate) {
  nlohmann::ordered_json j;
  j["name"] = name;
  j["peers"] = peers;
  // The UI divides this daemon's cap among the daemons it watches.
  j["ws_max_rate"] = ws_max_rate;
  return j.dump();
}

}  // namespace tapemeasure::app
