#pragma once
// The --follow-state file: where each followed file was read up to, so a restarted daemon
// resumes there (no line lost, none doubled). A file is known by device and inode, not by
// name, because rotation moves names; the hash of its first bytes tells a file truncated
// and written again (copytruncate) from the one we read.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace tapemeasure::follow {

struct FileMark {
  std::string path;          // the name it had when saved (a hint for finding it again)
  std::uint64_t dev = 0, ino = 0;
  std::uint64_t offset = 0;  // just after the last complete line read
  std::uint32_t head_len = 0;
  std::uint64_t head_hash = 0;  // of the first head_len bytes
  // Read to its end and closed (rotated away and quiet, or a symlink moved off it), kept
  // so that the file is resumed, not read again, if it is followed once more.
  bool closed = false;
  bool operator==(const FileMark&) const = default;
};

// std::nullopt when the file does not exist (a first start). Throws std::runtime_error
// (one line) when it exists but cannot be read or parsed: starting anyway would replay or
// skip lines without a word. Reads version 1 (before `closed` and 1 KiB heads: its 256-byte
// heads are compared as they were saved) and version 2, the one written.
std::optional<std::vector<FileMark>> load_follow_state(const std::string& path);

// Writes PATH.tmp, fsyncs it and renames it over PATH, so a crash leaves the old or the
// new state, never half of one. Returns an error message, empty on success.
std::string save_follow_state(const std::string& path, const std::vector<FileMark>& marks);

}  // namespace tapemeasure::follow
