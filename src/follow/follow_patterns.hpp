#pragma once
// What --follow names: a path, or a glob(3) pattern, expanded again whenever a directory
// changes so files created later are picked up. And where a rotated file may have gone.
#include <string>
#include <vector>

namespace tapemeasure::follow {

bool is_glob(const std::string& pattern);
// The names matching now (the pattern itself when it is not a glob, existing or not).
std::vector<std::string> expand_pattern(const std::string& pattern);
// Directories to watch for the pattern: its parent if that has no wildcard in it.
std::string watch_dir_of(const std::string& path);
// Where logrotate and friends move PATH: siblings named PATH.1, PATH-20261130 and so on
// (compressed ones left out: their bytes are not the file we were reading).
std::vector<std::string> rotation_candidates(const std::string& path);

}  // namespace tapemeasure::follow
