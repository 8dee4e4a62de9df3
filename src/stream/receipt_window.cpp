#include "stream/receipt_window.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>

#include "stream/rate_cap.hpp"

namespace tapemeasure::stream {

double ReceiptWindow::budget(double rate) {
  rate = clamp_rate(rate);
  return rate < 50 ? std::floor(rate) : kCapShare * rate;
}

ReceiptWindow::Fit ReceiptWindow::fits(double rate, std::uint32_t events, clock::time_point made,
                                       clock::time_point now, clock::time_point& retry_at) {
  if (now - made > kMaxFrameAge) return Fit::never;
  expire(now);
  const double allowed = budget(rate);
  if (static_cast<double>(events) > allowed) return Fit::never;
  if (static_cast<double>(in_flight() + recent_total_ + events) <= allowed) return Fit::now;
  // Room comes back when the oldest acknowledged events leave the window, or with a pong;
  // past its age the frame is dropped.
  retry_at = made + kMaxFrameAge + std::chrono::milliseconds(1);
  if (!recent_.empty()) retry_at = std::min(retry_at, recent_.front().first + std::chrono::seconds(1));
  return Fit::later;
}

std::optional<std::uint64_t> ReceiptWindow::ping_due(clock::time_point now, bool room_wanted) {
  if (outstanding_for_ != 0 || written_ == acknowledged_) return std::nullopt;
  if (!room_wanted && last_ping_ && now - *last_ping_ < kPingInterval) return std::nullopt;
  outstanding_for_ = written_;
  ping_sent_at_ = now;
  last_ping_ = now;
  return written_;
}

bool ReceiptWindow::acknowledge(std::string_view payload, clock::time_point now) {
  std::uint64_t n = 0;
  const auto [end, ec] = std::from_chars(payload.data(), payload.data() + payload.size(), n);
  if (ec != std::errc() || end != payload.data() + payload.size() || n != outstanding_for_ || n == 0) return false;
  outstanding_for_ = 0;
  if (n > acknowledged_) {
    recent_.emplace_back(now, n - acknowledged_);
    recent_total_ += n - acknowledged_;
    acknowledged_ = n;
  }
  return true;
}

void ReceiptWindow::expire(clock::time_point now) {
  while (!recent_.empty() && now - recent_.front().first >= std::chrono::seconds(1)) {
    recent_total_ -= recent_.front().second;
    recent_.pop_front();
  }
}

}  // namespace tapemeasure::stream
