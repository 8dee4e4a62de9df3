// Naming the daemons and listing their peers (DESIGN.md "Several boxes, one picture"):
// which names pass, how --peer URLs are normalised (as a browser would spell them, so one
// daemon written two ways is one peer), which are refused with what message, and the exact
// JSON of GET /api/peers.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include <climits>
#include <stdexcept>
#include <string>
#include <vector>

#include "app/daemon_identity.hpp"

namespace tapemeasure::app {
namespace {

// The message of the std::runtime_error fn throws, or "" when it throws none.
template <class Fn>
std::string thrown(Fn fn) {
  try {
    fn();
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "";
}

TEST(DaemonName, LettersDigitsDotUnderscoreDashUpTo64) {
  for (const auto& ok : std::vector<std::string>{"box1", "a", "MX-2.example.com", "relay_03", std::string(64, 'x')})
    EXPECT_EQ(daemon_name_error(ok), "") << ok;
  EXPECT_NE(daemon_name_error(""), "");
  EXPECT_NE(daemon_name_error(std::string(65, 'x')), "");
  for (const auto& bad : std::vector<std::string>{"box 1", "box/1", "bóx", "a\"b", "a:b", "<script>", "box\n"})
    EXPECT_NE(daemon_name_error(bad), "") << bad;
}

TEST(DaemonName, GivenNameIsKeptABadOneIsAOneLineErrorNamingIt) {
  EXPECT_EQ(resolve_daemon_name("box1"), "box1");
  const std::string e = thrown([] { resolve_daemon_name("my box"); });
  EXPECT_EQ(e, "--name 'my box': a daemon name is made of letters, digits, '.', '_' and '-' only");
  EXPECT_NE(thrown([] { resolve_daemon_name(std::string(65, 'a')); }).find("at most 64 characters"), std::string::npos);
}

TEST(DaemonName, DefaultIsTheHostName) {
  char host[HOST_NAME_MAX + 1] = {};
  ASSERT_EQ(::gethostname(host, sizeof host - 1), 0);
  EXPECT_EQ(resolve_daemon_name(""), std::string(host));
}

TEST(PeerUrl, NormalisedAsTheBrowserSpellsIt) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"http://box2:8000/", "http://box2:8000/"},
      {"http://box2:8000", "http://box2:8000/"},          // the trailing "/" added
      {"HTTP://Box2.Example.COM:8000", "http://box2.example.com:8000/"},
      {"http://127.0.0.1:08002", "http://127.0.0.1:8002/"},  // the port as a number
      {"http://box2:80/", "http://box2/"},                // default ports dropped
      {"https://box2:443", "https://box2/"},
      {"https://box2:80/", "https://box2:80/"},           // not https's default
      {"http://[0:0::1]:8000", "http://[::1]:8000/"},
      {"http://box2/tapemeasure", "http://box2/tapemeasure/"},  // behind a reverse proxy
      {"http://box2/a/./b/../c/", "http://box2/a/c/"},
      {"http://%62ox2:8000/", "http://box2:8000/"},
      {"http://box_2:8000/", "http://box_2:8000/"},
  };
  for (const auto& [in, want] : cases) {
    const PeerUrl p = normalize_peer_url(in);
    EXPECT_TRUE(p.ok()) << in << ": " << p.error;
    EXPECT_EQ(p.url, want) << in;
  }
}

TEST(PeerUrl, RefusedWithAOneLineReason) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"", "not a URL"},
      {"box2:8000", "http:// or https://"},
      {"ftp://box2/", "http:// or https://"},
      {"ws://box2:8000/", "http:// or https://"},
      {"http://box 2/", "not a URL"},
      {"http:///", "no host"},
      {"http://:8000/", "no host"},
      {"http://box..2/", "not a host name"},
      {"http://box!2/", "not a host name"},
      {"http://box2:0/", "port must be 1-65535"},
      {"http://box2:65536/", "port must be 1-65535"},
      {"http://box2:99999999999999999999/", "port must be 1-65535"},
      {"http://user:secret@box2/", "no user or password"},
      {"http://box2/?x=1", "no query or fragment"},
      {"http://box2/#top", "no query or fragment"},
  };
  for (const auto& [in, why] : cases) {
    const PeerUrl p = normalize_peer_url(in);
    EXPECT_FALSE(p.ok()) << in << " -> " << p.url;
    EXPECT_NE(p.error.find(why), std::string::npos) << in << ": " << p.error;
    EXPECT_EQ(p.error.rfind("--peer '" + in + "': ", 0), 0u) << p.error;
    EXPECT_EQ(p.error.find('\n'), std::string::npos) << p.error;
  }
}

TEST(Peers, InTheOrderGivenWithoutDuplicatesOrThisDaemon) {
  std::vector<std::string> notes;
  const auto own = own_urls("127.0.0.1", false, true, false, 8001);
  EXPECT_EQ(own, (std::vector<std::string>{"http://127.0.0.1:8001/", "http://localhost:8001/"}));
  const auto peers = resolve_peers({"http://127.0.0.1:8003", "http://127.0.0.1:8002/", "http://LOCALHOST:8001",
                                    "http://127.0.0.1:08003/", "http://127.0.0.1:8001/"},
                                   own, notes);
  EXPECT_EQ(peers, (std::vector<std::string>{"http://127.0.0.1:8003/", "http://127.0.0.1:8002/"}));
  EXPECT_EQ(notes, (std::vector<std::string>{"--peer http://LOCALHOST:8001 is this daemon",
                                             "--peer http://127.0.0.1:08003/ is given twice",
                                             "--peer http://127.0.0.1:8001/ is this daemon"}));
}

TEST(Peers, TheFirstBadOneStopsTheStart) {
  std::vector<std::string> notes;
  EXPECT_EQ(thrown([&] { resolve_peers({"http://box2:8000/", "box3:8000"}, {}, notes); }),
            "--peer 'box3:8000': a peer is an http:// or https:// URL (e.g. http://box2:8000/)");
}

TEST(Peers, OwnUrlsOfIpv6AndUnspecifiedAddresses) {
  EXPECT_EQ(own_urls("::1", true, true, false, 8000),
            (std::vector<std::string>{"http://[::1]:8000/", "http://localhost:8000/"}));
  EXPECT_EQ(own_urls("192.0.2.7", false, false, false, 80), (std::vector<std::string>{"http://192.0.2.7/"}));
  EXPECT_TRUE(own_urls("0.0.0.0", false, false, true, 8000).empty()) << "which name the others use is unknown";
}

TEST(Peers, ApiPeersJsonIsExactlyNameThenPeersThenTheCap) {
  EXPECT_EQ(render_peers_json("box1", {"http://127.0.0.1:8002/", "http://127.0.0.1:8003/"}, 1000),
            R"({"name":"box1","peers":["http://127.0.0.1:8002/","http://127.0.0.1:8003/"],"ws_max_rate":1000.0})");
  EXPECT_EQ(render_peers_json("box1", {}, 300), R"({"name":"box1","peers":[],"ws_max_rate":300.0})");
  // Escaped by the JSON library (normalised URLs and valid names need none, but still).
  const auto j = nlohmann::json::parse(render_peers_json("a\"b", {"http://h/%22/"}, 1000));
  EXPECT_EQ(j["name"], "a\"b");
  EXPECT_EQ(j["peers"][0], "http://h/%22/");
}

}  // namespace
}  // namespace tapemeasure::app
