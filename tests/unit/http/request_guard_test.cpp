// The Host and Origin checks, with the machine's identity given: a wildcard listen accepts
// the machine's own addresses and names, localhost and --allowed-host, and nothing else
// (DNS rebinding); a fixed listen address keeps its exact rules.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>

#include "http/local_identity.hpp"
#include "http/request_guard.hpp"
#include "support/test_support.hpp"

namespace tapemeasure::http {
namespace {

LocalIdentity box() {
  return {.names = {"box", "box.example.net"}, .addresses = [] {
            return std::set<std::string>{"127.0.0.1", "192.0.2.7", "2001:db8::7", "::1"};
          }};
}

TEST(RequestGuardTest, WildcardListenRefusesForeignHosts) {
  for (const std::string listen : {"0.0.0.0", "::"}) {
    RequestGuard g(listen, 8000, {}, {}, box());
    EXPECT_FALSE(g.host_allowed("evil.example")) << listen;
    EXPECT_FALSE(g.host_allowed("evil.example:8000")) << listen;
    EXPECT_FALSE(g.host_allowed("0.0.0.0:8000")) << listen;
    EXPECT_FALSE(g.host_allowed("203.0.113.9:8000")) << "an address that is not ours";
    EXPECT_FALSE(g.host_allowed("")) << listen;
  }
}

// Found by the request_target fuzzer: the "any port" rule for allowed names cut the Host at
// its last ':', so a malformed Host ending in ":junk" was taken for the name before it.
TEST(RequestGuardTest, MalformedHostsAreNotTakenForTheNameBeforeTheirLastColon) {
  for (const std::string listen : {"0.0.0.0", "127.0.0.1"}) {
    RequestGuard g(listen, 8000, {}, {}, box());
    EXPECT_FALSE(g.host_allowed("[::1]:8000:0]0")) << listen;
    EXPECT_FALSE(g.host_allowed("localhost:8000:1")) << listen;
    EXPECT_FALSE(g.host_allowed("127.0.0.1:8000:x")) << listen;
    EXPECT_FALSE(g.host_allowed("[127.0.0.1:8000]:")) << listen;
    EXPECT_FALSE(g.host_allowed("[localhost:8000]")) << listen;
  }
}

// Found by the request_target fuzzer in CI: "192.0.2.7:08000" was taken for port 8000. No
// browser writes a port that way, so only the canonical form names this server.
TEST(RequestGuardTest, APortWithALeadingZeroIsNotOurs) {
  for (const std::string listen : {"0.0.0.0", "127.0.0.1"}) {
    RequestGuard g(listen, 8000, {}, {}, box());
    EXPECT_FALSE(g.host_allowed("192.0.2.7:08000")) << listen;
    EXPECT_FALSE(g.host_allowed("127.0.0.1:08000")) << listen;
    EXPECT_FALSE(g.host_allowed("[::1]:008000")) << listen;
    EXPECT_TRUE(g.host_allowed("127.0.0.1:8000")) << listen;
  }
}

// Found by the request_target fuzzer in CI: "[box]:8000" was taken for "box:8000". Brackets
// hold an IPv6 address; a name in them is no Host a browser sends.
TEST(RequestGuardTest, BracketsHoldOnlyAnIPv6Address) {
  for (const std::string listen : {"0.0.0.0", "127.0.0.1"}) {
    RequestGuard g(listen, 8000, {"dash.example.org"}, {}, box());
    for (const char* h : {"[box]:8000", "[localhost]:8000", "[127.0.0.1]:8000", "[dash.example.org]", "[dash.example.org]:8000"})
      EXPECT_FALSE(g.host_allowed(h)) << listen << " " << h;
    EXPECT_TRUE(g.host_allowed("[::1]:8000")) << listen;
  }
  EXPECT_TRUE(RequestGuard("0.0.0.0", 8000, {}, {}, box()).host_allowed("[2001:DB8::7]:8000"));
}

TEST(RequestGuardTest, WildcardListenAcceptsTheMachinesAddressesAndNames) {
  RequestGuard g("0.0.0.0", 8000, {}, {}, box());
  for (const char* h : {"192.0.2.7:8000", "[2001:db8::7]:8000", "BOX:8000", "box.example.net:8000", "localhost:8000",
                        "127.0.0.1:8000", "[::1]:8000"})
    EXPECT_TRUE(g.host_allowed(h)) << h;
  // On another port, or without one (port 80), they name some other server.
  EXPECT_FALSE(g.host_allowed("192.0.2.7:9000"));
  EXPECT_FALSE(g.host_allowed("box"));
  EXPECT_FALSE(g.host_allowed("box:80000"));
}

TEST(RequestGuardTest, WildcardListenAcceptsAllowedHosts) {
  RequestGuard g("0.0.0.0", 8000, {"dash.example.org"}, {}, box());
  EXPECT_TRUE(g.host_allowed("dash.example.org"));
  EXPECT_TRUE(g.host_allowed("dash.example.org:443"));
  EXPECT_FALSE(g.host_allowed("evil.example:8000"));
}

TEST(RequestGuardTest, AnAddressThatAppearsAfterStartIsOurs) {
  auto addresses = std::make_shared<std::set<std::string>>(std::set<std::string>{"192.0.2.7"});
  RequestGuard g("0.0.0.0", 8000, {}, {}, {.names = {}, .addresses = [addresses] { return *addresses; }});
  EXPECT_FALSE(g.host_allowed("198.51.100.4:8000"));
  addresses->insert("198.51.100.4");  // DHCP gave us a new one
  EXPECT_TRUE(g.host_allowed("198.51.100.4:8000"));
}

TEST(RequestGuardTest, WildcardOriginMustBeThePageWeServed) {
  RequestGuard g("0.0.0.0", 8000, {}, {"https://dash.example.org"}, box());
  EXPECT_TRUE(g.origin_allowed("http://box:8000", true, "box:8000"));
  EXPECT_TRUE(g.origin_allowed("https://dash.example.org", true, "box:8000"));
  // A rebinding page: its own name in both Origin and Host.
  EXPECT_FALSE(g.origin_allowed("http://evil.example:8000", true, "evil.example:8000"));
  EXPECT_FALSE(g.origin_allowed("null", true, "box:8000"));
}

TEST(RequestGuardTest, FixedListenAddressKeepsItsRules) {
  RequestGuard g("127.0.0.1", 8000, {}, {});
  EXPECT_TRUE(g.host_allowed("127.0.0.1:8000"));
  EXPECT_TRUE(g.host_allowed("localhost:8000"));
  EXPECT_FALSE(g.host_allowed("evil.example:8000"));
  EXPECT_FALSE(g.host_allowed("127.0.0.1:9000"));
  g.add_port(9000);
  EXPECT_TRUE(g.host_allowed("127.0.0.1:9000"));
}

TEST(LocalIdentityTest, HostNamesComeFromGethostnameAndEtcHosts) {
  char buf[256] = {};
  ASSERT_EQ(::gethostname(buf, sizeof buf - 1), 0);
  std::string self = buf;
  std::transform(self.begin(), self.end(), self.begin(), [](unsigned char c) { return std::tolower(c); });
  testing::TempDir dir;
  const auto hosts = dir.write("hosts", "127.0.0.1 localhost\n127.0.1.1 " + self + ".corp.example " + self +
                                            "  # ours\n10.0.0.1 other.example\n");
  const auto names = host_names(hosts.string());
  EXPECT_TRUE(names.contains(self));
  EXPECT_TRUE(names.contains(self + ".corp.example"));
  EXPECT_FALSE(names.contains("other.example"));
}

TEST(LocalIdentityTest, InterfaceAddressesIncludeLoopback) {
  EXPECT_TRUE(interface_addresses().contains("127.0.0.1"));
}

}  // namespace
}  // namespace tapemeasure::http
