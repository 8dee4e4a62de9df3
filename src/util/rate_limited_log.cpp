#include "util/rate_limited_log.hpp"

namespace tapemeasure::util {

std::uint64_t RateLimitedLog::total() const {
  std::lock_guard lock(mu_);
  return total_;
}

void RateLimitedLog::set_interval(clock::duration interval) {
  std::lock_guard lock(mu_);
  interval_ = interval;
}

bool RateLimitedLog::due(clock::time_point now, std::uint64_t& not_logged) {
  std::lock_guard lock(mu_);
  ++total_;
  if (logged_once_ && now - logged_ < interval_) {
    ++not_logged_;
    return false;
  }
  not_logged = not_logged_;
  not_logged_ = 0;
  logged_once_ = true;
  logged_ = now;
  return true;
}

void RateLimitedLog::write(const std::string& message, std::uint64_t not_logged) const {
  if (not_logged == 0) return log::write(level_, message);
  log::write(level_, message + " (" + std::to_string(not_logged) + " more like this since the last such line)");
}

std::string log_excerpt(std::string_view bytes, std::size_t max_bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  const std::string_view kept = bytes.substr(0, max_bytes);
  std::string out;
  out.reserve(kept.size() + 3);
  for (const char ch : kept) {
    const auto c = static_cast<unsigned char>(ch);
    if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\' && c != '\'') {
      out += ch;
    } else {
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 0xf];
    }
  }
  if (bytes.size() > max_bytes) out += "...";
  return out;
}

}  // namespace tapemeasure::util
