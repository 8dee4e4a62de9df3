#pragma once
// A log line for something a client can make happen thousands of times a second (a refused
// request, a refused connection): written at most once per interval, saying how many more
// happened since the last such line, so that a flood of bad requests cannot flood the log.
// What the client sent goes in only as log_excerpt(): short and escaped.
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>

#include "util/log.hpp"

namespace tapemeasure::util {

class RateLimitedLog {
 public:
  using clock = std::chrono::steady_clock;

  explicit RateLimitedLog(log::Level level = log::Level::warn, clock::duration interval = std::chrono::seconds(1))
      : level_(level), interval_(interval) {}

  // Counts one occurrence and writes make_message() (only built when written) if the last
  // line is at least an interval old, with " (N more like this since the last such line)"
  // when some were not written. True when a line was written. Any thread.
  template <class MakeMessage>
  bool note(MakeMessage&& make_message, clock::time_point now = clock::now()) {
    std::uint64_t not_logged = 0;
    if (!due(now, not_logged)) return false;
    write(make_message(), not_logged);
    return true;
  }

  std::uint64_t total() const;
  void set_interval(clock::duration interval);  // tests: a long one makes "once" exact

 private:
  bool due(clock::time_point now, std::uint64_t& not_logged);
  void write(const std::string& message, std::uint64_t not_logged) const;

  log::Level level_;
  mutable std::mutex mu_;
  clock::duration interval_;
  std::uint64_t total_ = 0;
  std::uint64_t not_logged_ = 0;  // since the last line
  bool logged_once_ = false;
  clock::time_point logged_{};
};

// What a client sent, fit for a log line: at most `max_bytes` of it, with quotes,
// backslashes and bytes outside printable ASCII written as \xNN, and "..." when cut.
std::string log_excerpt(std::string_view client_bytes, std::size_t max_bytes = 64);

}  // namespace tapemeasure::util
