#pragma once
// Who this daemon is among several boxes (DESIGN.md "Several boxes, one picture"): its name,
// stamped as "daemon" on every frame it sends, and the other boxes' daemons (--peer), served
// at GET /api/peers for the UI to merge. Checked once at start; a bad value is a one-line
// error there, never a surprise in the browser.
//
// Peer URLs are normalised the way the browser will read them (lower-case scheme and host,
// no default port, the path ending in "/"), so that duplicates and this daemon's own URL
// are recognised, and the UI can join "ws" onto each one.
#include <string>
#include <string_view>
#include <vector>

namespace tapemeasure::app {

// What a daemon name may be: short, and safe in a URL, a file name or a label.
constexpr std::size_t kMaxDaemonNameLength = 64;

// Empty when `name` is a valid daemon name (1-64 of A-Z a-z 0-9 . _ -), else why not.
std::string daemon_name_error(std::string_view name);

// The --name value, or the host name when it is empty. Throws std::runtime_error with a
// one-line message when the result is not a valid name.
std::string resolve_daemon_name(const std::string& name_option);

// One --peer value: the normalised URL, or an error (one line, naming the value) in `error`.
struct PeerUrl {
  std::string url;
  std::string error;
  bool ok() const { return error.empty(); }
};
PeerUrl normalize_peer_url(std::string_view text);

// The --peer values, normalised, in the order given, without duplicates and without any
// that is one of `own_urls` (this daemon's own URLs, normalised: the UI connects to its
// own origin anyway). Throws std::runtime_error on the first bad one. Each peer left out
// is described in `left_out` (for the log).
std::vector<std::string> resolve_peers(const std::vector<std::string>& peer_options,
                                       const std::vector<std::string>& own_urls,
                                       std::vector<std::string>& left_out);

// This daemon's own URLs as a peer list would spell them, from the address it listens on
// (with "localhost" too for a loopback address). Empty for an unspecified address
// (0.0.0.0, ::): which name the other boxes use for it is unknown here.
std::vector<std::string> own_urls(const std::string& address, bool is_v6, bool is_loopback, bool is_unspecified,
                                  unsigned short port);

// GET /api/peers: {"name":"box1","peers":["http://box2:8000/",...]}.
std::string render_peers_json(const std::string& name, const std::vector<std::string>& peers, double ws_max_rate);

}  // namespace tapemeasure::app
