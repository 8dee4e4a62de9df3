#pragma once
// What the rule paths resolve to right now: which files, and their contents (hashed), seen
// through any symlinks. Two snapshots that compare equal mean a reload would load the same
// rules, so a watcher event that changed nothing the rules read (a swap file, the daemon's
// own socket, a touch) causes no reload. It also names the directories worth watching:
// besides the given ones, where the files really live, so that an edit behind a symlink
// (a Kubernetes ConfigMap's `..data`, a `current -> release-42` layout) is seen too.
#include <compare>
#include <cstdint>
#include <set>
#include <string>
#include <vector>

namespace tapemeasure::reload {

struct RuleFilesSnapshot {
  struct File {
    std::string path;      // as the loader names it (errors say this path)
    std::string resolved;  // through every symlink; empty when it does not resolve
    std::uint64_t content_hash = 0;
    bool readable = false;
    auto operator<=>(const File&) const = default;
  };
  std::vector<File> files;  // in load order
  std::string listing_error;  // a missing path or an unlistable directory, as the loader sees it

  bool operator==(const RuleFilesSnapshot&) const = default;

  // Reads every rule file the loader would read (off the ingest thread: it reads them all).
  static RuleFilesSnapshot take(const std::vector<std::string>& rule_paths);

  // The given directories, the directories of given files, and those the files resolve into.
  std::set<std::string> directories_to_watch(const std::vector<std::string>& rule_paths) const;
};

}  // namespace tapemeasure::reload
