#include "reload/rule_files_snapshot.hpp"

#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>

#include "rulefile/rule_file_parser.hpp"

namespace tapemeasure::reload {

namespace fs = std::filesystem;

RuleFilesSnapshot RuleFilesSnapshot::take(const std::vector<std::string>& rule_paths) {
  RuleFilesSnapshot snap;
  rules::RuleErrors errors;
  // The loader's own listing, so "the same files" means what it means to the loader.
  for (const auto& path : rules::expand_rule_paths(rule_paths, errors)) {
    File f;
    f.path = path.string();
    std::error_code ec;
    const auto resolved = fs::canonical(path, ec);
    if (!ec) f.resolved = resolved.string();
    std::ifstream in(path, std::ios::binary);
    if (in) {
      std::ostringstream text;
      text << in.rdbuf();
      f.readable = true;
      f.content_hash = std::hash<std::string>{}(text.str());
    }
    snap.files.push_back(std::move(f));
  }
  for (const auto& e : errors) snap.listing_error += e.to_string() + "\n";
  return snap;
}

std::set<std::string> RuleFilesSnapshot::directories_to_watch(const std::vector<std::string>& rule_paths) const {
  std::set<std::string> dirs;
  for (const auto& p : rule_paths) {
    std::error_code ec;
    // A directory is watched itself; a file through its directory, because editors and
    // ConfigMaps replace files (by rename) rather than write into them.
    if (fs::is_directory(p, ec)) dirs.insert(fs::absolute(p, ec).lexically_normal().string());
    else dirs.insert(fs::absolute(p, ec).lexically_normal().parent_path().string());
  }
  for (const auto& f : files)
    if (!f.resolved.empty()) dirs.insert(fs::path(f.resolved).parent_path().string());
  return dirs;
}

}  // namespace tapemeasure::reload
