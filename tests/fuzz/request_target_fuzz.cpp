// Fuzzes request-target resolution of the static files and the Host check: a target must
// never resolve outside the web root, and no Host header may crash the guard or be taken
// for this server on a wildcard listen unless it names it.
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <set>
#include <string>
#include <string_view>

#include "http/request_guard.hpp"
#include "http/static_files.hpp"

using namespace tapemeasure::http;

namespace {
const std::filesystem::path& web_root() {
  static const std::filesystem::path root = std::filesystem::canonical(TAPEMEASURE_SOURCE_DIR "/web");
  return root;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  static const StaticFiles files(web_root());
  if (const auto file = files.resolve(input)) {
    const auto rel = std::filesystem::weakly_canonical(*file).lexically_relative(web_root());
    if (rel.empty() || rel.native().starts_with("..")) std::abort();
  }
  (void)percent_decode(input);

  static const RequestGuard guard("0.0.0.0", 8000, {}, {},
                                  LocalIdentity{.names = {"box"}, .addresses = [] {
                                                  return std::set<std::string>{"192.0.2.7"};
                                                }});
  const bool ok = guard.host_allowed(input);
  (void)guard.origin_allowed(input, true, input);
  // Only these names (any case) on port 8000 are this server.
  if (ok) {
    std::string h(input);
    for (auto& ch : h) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    static const std::set<std::string> ours = {"box:8000", "192.0.2.7:8000", "localhost:8000", "127.0.0.1:8000",
                                               "[::1]:8000"};
    if (!ours.contains(h)) std::abort();
  }
  return 0;
}
