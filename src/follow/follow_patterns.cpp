#include "follow/follow_patterns.hpp"

#include <glob.h>

#include <filesystem>
#include <system_error>

namespace tapemeasure::follow {

namespace fs = std::filesystem;

bool is_glob(const std::string& pattern) { return pattern.find_first_of("*?[") != std::string::npos; }

namespace {
// Rotated files compressed by logrotate: binary, and their lines were read before.
bool compressed(const fs::path& p) {
  const std::string ext = p.extension().string();
  return ext == ".gz" || ext == ".xz" || ext == ".bz2" || ext == ".zst";
}
}  // namespace

std::vector<std::string> expand_pattern(const std::string& pattern) {
  if (!is_glob(pattern)) return {pattern};
  std::vector<std::string> out;
  glob_t g{};
  if (::glob(pattern.c_str(), GLOB_NOSORT, nullptr, &g) == 0)
    for (std::size_t i = 0; i < g.gl_pathc; ++i)
      if (!compressed(g.gl_pathv[i])) out.emplace_back(g.gl_pathv[i]);
  ::globfree(&g);
  return out;
}

std::string watch_dir_of(const std::string& path) {
  std::string dir = fs::path(path).parent_path().string();
  if (dir.empty()) dir = ".";
  return is_glob(dir) ? std::string() : dir;
}

std::vector<std::string> rotation_candidates(const std::string& path) {
  const fs::path p(path);
  const std::string base = p.filename().string();
  const fs::path dir = p.parent_path().empty() ? fs::path(".") : p.parent_path();
  std::vector<std::string> out;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.size() <= base.size() || name.compare(0, base.size(), base) != 0) continue;
    const char sep = name[base.size()];
    if (sep != '.' && sep != '-' && sep != '_') continue;
    if (compressed(it->path()) || it->path().extension() == ".tmp") continue;
    out.push_back(it->path().string());
  }
  return out;
}

}  // namespace tapemeasure::follow
