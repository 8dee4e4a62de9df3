#include "follow/followed_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace tapemeasure::follow {

std::uint64_t hash_bytes(const char* data, std::size_t n) {
  std::uint64_t h = 1469598103934665603ull;
  for (std::size_t i = 0; i < n; ++i) {
    h ^= static_cast<unsigned char>(data[i]);
    h *= 1099511628211ull;
  }
  return h;
}

namespace {
// pread all of [offset, offset+n) unless the file is shorter; returns bytes read.
std::size_t pread_full(int fd, char* buf, std::size_t n, std::uint64_t offset) {
  std::size_t done = 0;
  while (done < n) {
    const ssize_t r = ::pread(fd, buf + done, n - done, static_cast<off_t>(offset + done));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;
    done += static_cast<std::size_t>(r);
  }
  return done;
}
}  // namespace

std::unique_ptr<FollowedFile> FollowedFile::open(const std::string& path, std::size_t max_line_bytes, int& err,
                                                 std::string& error) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) {
    err = errno;
    error = "cannot open " + path + ": " + std::strerror(err);
    return nullptr;
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    err = S_ISREG(st.st_mode) ? errno : EINVAL;
    error = path + " is not a regular file";
    ::close(fd);
    return nullptr;
  }
  return std::unique_ptr<FollowedFile>(new FollowedFile(
      fd, FileId{static_cast<std::uint64_t>(st.st_dev), static_cast<std::uint64_t>(st.st_ino)}, path,
      max_line_bytes));
}

FollowedFile::FollowedFile(int fd, FileId id, std::string path, std::size_t max_line_bytes)
    : last_data(clock::now()), fd_(fd), id_(id), path_(std::move(path)), max_line_bytes_(max_line_bytes),
      splitter_(max_line_bytes) {}

FollowedFile::~FollowedFile() { ::close(fd_); }

std::uint64_t FollowedFile::size() const {
  struct stat st {};
  if (::fstat(fd_, &st) != 0) return 0;
  return static_cast<std::uint64_t>(st.st_size);
}

void FollowedFile::seek(std::uint64_t offset) {
  offset_ = line_end_ = offset;
  splitter_ = ingest::LineSplitter(max_line_bytes_);
  head_len_ = 0;
  remember_head();
}

void FollowedFile::seek_end() {
  const std::uint64_t end = size();
  constexpr std::uint64_t kLookBack = 64 * 1024;
  const std::uint64_t from = end > kLookBack ? end - kLookBack : 0;
  std::vector<char> tail(static_cast<std::size_t>(end - from));
  const std::size_t got = pread_full(fd_, tail.data(), tail.size(), from);
  const std::string_view t(tail.data(), got);
  const std::size_t nl = t.rfind('\n');
  // No newline in the last 64 KiB: a line that long is cut anyway; start at the end.
  seek(nl != std::string_view::npos ? from + nl + 1 : (from == 0 ? 0 : end));
}

void FollowedFile::remember_head() {
  // The head covers bytes we have read past (or skipped, for a start at the end), so a
  // later change there can only mean the file was replaced in place.
  if (head_len_ >= kHeadBytes || offset_ <= head_len_) return;
  char buf[kHeadBytes];
  const auto want = static_cast<std::size_t>(std::min<std::uint64_t>(offset_, kHeadBytes));
  const std::size_t got = pread_full(fd_, buf, want, 0);
  head_len_ = static_cast<std::uint32_t>(got);
  head_hash_ = hash_bytes(buf, got);
}

bool FollowedFile::head_matches(std::uint32_t len, std::uint64_t hash) const {
  if (len == 0) return true;
  char buf[kHeadBytes];
  const std::size_t got = pread_full(fd_, buf, std::min<std::uint32_t>(len, kHeadBytes), 0);
  return got == len && hash_bytes(buf, got) == hash;
}

bool FollowedFile::head_changed() const { return !head_matches(head_len_, head_hash_); }

std::size_t FollowedFile::read_some(ingest::LineSink& sink, std::size_t max_bytes, std::vector<char>& buf,
                                    std::uint64_t& lines, int& err) {
  const std::size_t want = std::min(max_bytes, buf.size());
  ssize_t n;
  do n = ::pread(fd_, buf.data(), want, static_cast<off_t>(offset_));
  while (n < 0 && errno == EINTR);
  if (n < 0) {
    err = errno;
    return 0;
  }
  if (n == 0) return 0;
  const std::string_view data(buf.data(), static_cast<std::size_t>(n));
  const auto emit = [&](std::string_view line, bool truncated) {
    sink.line(line, truncated);
    ++lines;
  };
  sink.begin_batch();
  splitter_.feed(data, emit);
  sink.end_batch();
  const std::size_t last_nl = data.rfind('\n');
  if (last_nl != std::string_view::npos) line_end_ = offset_ + last_nl + 1;
  offset_ += static_cast<std::uint64_t>(n);
  last_data = clock::now();
  remember_head();
  return static_cast<std::size_t>(n);
}

void FollowedFile::flush_partial(ingest::LineSink& sink, std::uint64_t& lines) {
  if (!splitter_.has_partial()) return;
  sink.begin_batch();
  splitter_.finish([&](std::string_view line, bool truncated) {
    sink.line(line, truncated);
    ++lines;
  });
  sink.end_batch();
  line_end_ = offset_;
}

void FollowedFile::give_partial_to(FollowedFile& other) {
  std::swap(splitter_, other.splitter_);
  splitter_ = ingest::LineSplitter(max_line_bytes_);
}

FileMark FollowedFile::mark() const {
  return FileMark{.path = path_, .dev = id_.dev, .ino = id_.ino, .offset = line_end_, .head_len = head_len_,
                  .head_hash = head_hash_};
}

}  // namespace tapemeasure::follow
