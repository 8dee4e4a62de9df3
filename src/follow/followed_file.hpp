#pragma once
// One open log file being read: its identity (device, inode), how far it was read, and
// the line splitter carrying a partial last line between reads. Reads use pread at our own
// offset, so nothing else's file position matters. Not thread-safe: the ingest thread owns it.
#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "follow/follow_state.hpp"
#include "ingest/line_sink.hpp"
#include "ingest/line_splitter.hpp"

namespace tapemeasure::follow {

struct FileId {
  std::uint64_t dev = 0, ino = 0;
  bool operator==(const FileId&) const = default;
  auto operator<=>(const FileId&) const = default;
};

// FNV-1a: stable across builds and machines (std::hash is not), and it goes to the state file.
std::uint64_t hash_bytes(const char* data, std::size_t n);

class FollowedFile {
 public:
  using clock = std::chrono::steady_clock;
  // The fingerprint: the first KiB, as Filebeat's filestream does (its `fingerprint`
  // identity hashes bytes 0-1023). With device and inode it tells the file we read from
  // another one under a reused inode, or from this one truncated and written again.
  static constexpr std::uint32_t kHeadBytes = 1024;

  // Opens PATH read-only. On failure returns null and sets err (errno) and error (a message).
  static std::unique_ptr<FollowedFile> open(const std::string& path, std::size_t max_line_bytes, int& err,
                                            std::string& error);
  ~FollowedFile();
  FollowedFile(const FollowedFile&) = delete;
  FollowedFile& operator=(const FollowedFile&) = delete;

  const FileId& id() const { return id_; }
  const std::string& path() const { return path_; }
  void set_path(std::string path) { path_ = std::move(path); }
  std::uint64_t offset() const { return offset_; }
  std::uint64_t size() const;  // now (fstat); 0 when that fails

  // Starts reading at OFFSET (a fresh splitter): from a state file, from the end, or 0.
  void seek(std::uint64_t offset);
  // Starts at the end, like tail -F, but at the start of a line still being written, so
  // the first line read is whole.
  void seek_end();
  // True when the file's first bytes are no longer those read: the file was truncated and
  // written again, possibly past our offset (copytruncate between looks).
  bool head_changed() const;
  // The file (now `size` bytes) shrank below the offset or its first bytes changed: where
  // does the content we have not read start? At the first line that is no longer byte for
  // byte what we read: 0 after copytruncate (the new first line differs, by its timestamp if
  // nothing else); the cut after `truncate -s` (lines appended since the cut included). When
  // all that can be compared (the first KiB) is unchanged, at `size`: what is left was read.
  std::uint64_t new_content_start(std::uint64_t size) const;
  // Whether the first bytes match a mark saved by another run (or another file's head).
  bool head_matches(std::uint32_t len, std::uint64_t hash) const;
  // Reads at most max_bytes at the offset and gives complete lines to the sink as one
  // batch. Returns bytes read (0 at end of file); lines counts lines given. When the sink
  // throws, the lines given so far and the one it threw on count as read (none is given
  // twice), the rest of the chunk is read again next time, and the exception goes on.
  std::size_t read_some(ingest::LineSink& sink, std::size_t max_bytes, std::vector<char>& buf,
                        std::uint64_t& lines, int& err);
  // A partial last line is a line after all: the file will not grow any more (it was
  // rotated away and went quiet, or was truncated under us).
  void flush_partial(ingest::LineSink& sink, std::uint64_t& lines);
  // Hands the partial line to the file that now holds the rest of this file's bytes
  // (the copy copytruncate made), so a line cut by our read is not split in two.
  void give_partial_to(FollowedFile& other);

  // Where a restart should resume: after the last complete line.
  FileMark mark() const;

  bool retired = false;            // no name of ours points here any more; read to its end
  clock::time_point last_data;     // last time a read returned bytes
  clock::time_point retired_at;    // when it was rotated away (the writer may not know yet)

 private:
  FollowedFile(int fd, FileId id, std::string path, std::size_t max_line_bytes);
  void remember_head();

  int fd_;
  FileId id_;
  std::string path_;
  std::size_t max_line_bytes_;
  ingest::LineSplitter splitter_;
  std::uint64_t offset_ = 0;     // next byte to read
  std::uint64_t line_end_ = 0;   // just after the last '\n' read
  std::string head_;  // the first bytes read (at most kHeadBytes), for the fingerprint
  std::uint64_t head_hash_ = 0;
};

}  // namespace tapemeasure::follow
