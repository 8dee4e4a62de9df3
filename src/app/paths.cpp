// Finding the default rules, the optional packs beside them and the web assets: the source tree's when running from a build
// directory (the README's demo), the installed ones otherwise.
#include <algorithm>
#include <filesystem>

#include "app/commands.hpp"

#ifndef TAPEMEASURE_SOURCE_DIR
#define TAPEMEASURE_SOURCE_DIR ""
#endif
#ifndef TAPEMEASURE_BUILD_DIR
#define TAPEMEASURE_BUILD_DIR ""
#endif
#ifndef TAPEMEASURE_DATA_DIR
#define TAPEMEASURE_DATA_DIR "/usr/share/tapemeasure"
#endif
#ifndef TAPEMEASURE_CONFIG_DIR
#define TAPEMEASURE_CONFIG_DIR "/etc/tapemeasure"
#endif

namespace tapemeasure::app {
namespace fs = std::filesystem;

namespace {

// The source tree's rules and web/ are the defaults only for a binary that still sits in
// its build tree; an installed copy (the .deb) must use the installed files.
fs::path source_dir_if_in_build_tree() {
  std::error_code ec;
  const fs::path exe = fs::canonical("/proc/self/exe", ec);
  const fs::path build = fs::weakly_canonical(TAPEMEASURE_BUILD_DIR, ec);
  if (ec || exe.empty() || build.empty() || std::string(TAPEMEASURE_BUILD_DIR).empty()) return {};
  const auto [b, e] = std::mismatch(build.begin(), build.end(), exe.begin(), exe.end());
  return b == build.end() ? fs::path(TAPEMEASURE_SOURCE_DIR) : fs::path();
}

std::string first_existing(std::initializer_list<fs::path> candidates, const char* must_contain) {
  for (const auto& c : candidates) {
    std::error_code ec;
    if (!c.empty() && fs::exists(c / must_contain, ec)) return c.string();
  }
  return {};
}
}  // namespace

std::string default_rules_path() {
  const fs::path src = source_dir_if_in_build_tree();
  return first_existing({src.empty() ? fs::path() : src / "rules", fs::path(TAPEMEASURE_CONFIG_DIR) / "rules",
                         fs::path(TAPEMEASURE_DATA_DIR) / "rules"},
                        "postfix.yml");
}

std::string pack_rules_path(const std::string& pack) {
  // The source tree keeps packs in rules/packs/; the package installs them beside its data
  // (/usr/share/tapemeasure/packs), and an admin may keep copies in /etc/tapemeasure/packs.
  const fs::path src = source_dir_if_in_build_tree();
  const std::string file = pack + ".yml";
  const std::string dir = first_existing({src.empty() ? fs::path() : src / "rules" / "packs",
                                          fs::path(TAPEMEASURE_CONFIG_DIR) / "packs",
                                          fs::path(TAPEMEASURE_DATA_DIR) / "packs"},
                                         file.c_str());
  return dir.empty() ? dir : (fs::path(dir) / file).string();
}

std::string default_web_root() {
  const fs::path src = source_dir_if_in_build_tree();
  return first_existing({src.empty() ? fs::path() : src / "web", fs::path(TAPEMEASURE_DATA_DIR) / "web"}, "index.html");
}

}  // namespace tapemeasure::app
