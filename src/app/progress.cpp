#include "app/progress.hpp"

#include <unistd.h>

#include <cstdio>

namespace tapemeasure::app {

Progress::Progress(bool enabled, std::uint64_t total_bytes)
    : enabled_(enabled && isatty(STDERR_FILENO)), total_(total_bytes),
      start_(std::chrono::steady_clock::now()), last_(start_) {}

Progress::~Progress() {
  if (drawn_) std::fprintf(stderr, "\r\033[K");
}

void Progress::maybe_draw(std::uint64_t bytes, std::uint64_t lines) {
  const auto now = std::chrono::steady_clock::now();
  if (now - last_ < std::chrono::milliseconds(250)) return;
  last_ = now;
  drawn_ = true;
  const double secs = std::chrono::duration<double>(now - start_).count();
  const double mb = static_cast<double>(bytes) / 1e6;
  const char* sep = note_.empty() ? "" : ", ";
  if (total_ > 0)
    std::fprintf(stderr, "\r\033[Kread %.1f of %.1f MB (%.0f%%), %llu lines, %.0f lines/s%s%s", mb,
                 static_cast<double>(total_) / 1e6, 100.0 * static_cast<double>(bytes) / static_cast<double>(total_),
                 static_cast<unsigned long long>(lines), static_cast<double>(lines) / secs, sep, note_.c_str());
  else
    std::fprintf(stderr, "\r\033[Kread %.1f MB, %llu lines, %.0f lines/s%s%s", mb,
                 static_cast<unsigned long long>(lines), static_cast<double>(lines) / secs, sep, note_.c_str());
  std::fflush(stderr);
}

}  // namespace tapemeasure::app
