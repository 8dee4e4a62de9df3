#include "follow/followed_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <functional>

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
  head_.clear();
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
  if (head_.size() >= kHeadBytes || offset_ <= head_.size()) return;
  head_.resize(static_cast<std::size_t>(std::min<std::uint64_t>(offset_, kHeadBytes)));
  head_.resize(pread_full(fd_, head_.data(), head_.size(), 0));
  head_hash_ = hash_bytes(head_.data(), head_.size());
}

bool FollowedFile::head_matches(std::uint32_t len, std::uint64_t hash) const {
  if (len == 0) return true;
  char buf[kHeadBytes];
  const std::size_t got = pread_full(fd_, buf, std::min<std::uint32_t>(len, kHeadBytes), 0);
  return got == len && hash_bytes(buf, got) == hash;
}

bool FollowedFile::head_changed() const {
  if (head_.empty()) return false;
  char buf[kHeadBytes];
  const std::size_t got = pread_full(fd_, buf, head_.size(), 0);
  return std::string_view(buf, got) != head_;
}

std::uint64_t FollowedFile::new_content_start(std::uint64_t size) const {
  const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(size, head_.size()));
  char buf[kHeadBytes];
  const std::string_view now(buf, pread_full(fd_, buf, n, 0));
  const std::string_view ours = std::string_view(head_).substr(0, now.size());
  const auto differ = std::mismatch(now.begin(), now.end(), ours.begin()).first;
  const auto same = static_cast<std::size_t>(differ - now.begin());
  if (same == n && size < offset_ && now.find('\n') != std::string_view::npos) return size;
  // After the last whole line in common: a few bytes alike without a newline prove nothing.
  const std::size_t nl = now.substr(0, same).rfind('\n');
  return nl == std::string_view::npos ? 0 : nl + 1;
}

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
  // Where the line last given to the sink ends, to resume after it if the sink throws: a
  // view into `data` ends before its '\r'/'\n' (or where it was cut); a line completed from
  // earlier reads is held by the splitter and ends at the chunk's first newline.
  std::size_t given_end = 0;
  const auto emit = [&](std::string_view line, bool truncated) {
    const std::less_equal<const char*> le;  // (pointers into different objects: compared with std::less_equal)
    const bool in_data = le(data.data(), line.data()) && le(line.data(), data.data() + data.size());
    const std::size_t from = in_data ? static_cast<std::size_t>(line.data() + line.size() - data.data()) : 0;
    given_end = data.find('\n', from) + 1;
    ++lines;
    sink.line(line, truncated);
  };
  try {
    sink.begin_batch();
    splitter_.feed(data, emit);
    sink.end_batch();
  } catch (...) {
    // Resume at a line boundary with a fresh splitter: after the last line given, or where
    // this read's first line began.
    offset_ = line_end_ = given_end > 0 ? offset_ + given_end : line_end_;
    splitter_ = ingest::LineSplitter(max_line_bytes_);
    throw;
  }
  const std::size_t last_nl = data.rfind('\n');
  if (last_nl != std::string_view::npos) line_end_ = offset_ + last_nl + 1;
  offset_ += static_cast<std::uint64_t>(n);
  last_data = clock::now();
  remember_head();
  return static_cast<std::size_t>(n);
}

void FollowedFile::flush_partial(ingest::LineSink& sink, std::uint64_t& lines) {
  if (!splitter_.has_partial()) return;
  line_end_ = offset_;  // given now, or lost if the sink throws: never given twice
  sink.begin_batch();
  splitter_.finish([&](std::string_view line, bool truncated) {
    sink.line(line, truncated);
    ++lines;
  });
  sink.end_batch();
}

void FollowedFile::give_partial_to(FollowedFile& other) {
  std::swap(splitter_, other.splitter_);
  splitter_ = ingest::LineSplitter(max_line_bytes_);
}

FileMark FollowedFile::mark() const {
  return FileMark{.path = path_, .dev = id_.dev, .ino = id_.ino, .offset = line_end_,
                  .head_len = static_cast<std::uint32_t>(head_.size()), .head_hash = head_hash_};
}

}  // namespace tapemeasure::follow
