#include "reload/reload_status.hpp"

#include <algorithm>
#include <ctime>

#include "rulefile/rule_error.hpp"

namespace tapemeasure::reload {

const std::string& ReloadStatus::error_text() const {
  static const std::string none;
  return error ? *error : none;
}

std::string summarize_errors(std::string_view error_text) {
  const std::size_t end = error_text.find('\n');
  std::string summary = rules::excerpt(std::string(error_text.substr(0, end)), kMaxErrorSummaryBytes);
  if (end == std::string_view::npos) return summary;
  // Lines after the first, not counting a final newline.
  std::string_view rest = error_text.substr(end + 1);
  if (!rest.empty() && rest.back() == '\n') rest.remove_suffix(1);
  if (rest.empty()) return summary;
  const std::size_t more = static_cast<std::size_t>(std::count(rest.begin(), rest.end(), '\n')) + 1;
  return summary + " (" + std::to_string(more) + (more == 1 ? " more error)" : " more errors)");
}

std::string cap_error_text(std::string error_text) {
  if (error_text.size() <= kMaxErrorTextBytes) return error_text;
  // At the end of the last whole line that fits; a first line longer than all of it is cut.
  const std::size_t line_end = error_text.rfind('\n', kMaxErrorTextBytes - 1);
  std::string kept = line_end == std::string::npos ? rules::excerpt(error_text, kMaxErrorTextBytes) + "\n"
                                                   : error_text.substr(0, line_end + 1);
  const std::size_t more = error_text.size() - std::min(error_text.size(), line_end == std::string::npos
                                                                               ? kMaxErrorTextBytes
                                                                               : line_end + 1);
  kept += "... " + std::to_string(more) + " more bytes of errors not shown (`tapemeasure check` lists them)\n";
  return kept;
}

std::string iso_now() {
  const auto t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

void ReloadStatusBoard::record_success(double duration_ms) {
  std::lock_guard lock(mutex_);
  status_.at = iso_now();
  status_.error.reset();
  status_.summary.clear();
  status_.duration_ms = duration_ms;
  ++status_.reloads;
}

void ReloadStatusBoard::record_failure(std::string error, double duration_ms) {
  // Built outside the lock: readers never wait for the text.
  if (error.empty()) error = "reload failed\n";  // a failure is never "ok"
  std::string summary = summarize_errors(error);  // counts every error, also those cut below
  auto text = std::make_shared<const std::string>(cap_error_text(std::move(error)));
  std::lock_guard lock(mutex_);
  status_.at = iso_now();
  status_.error = std::move(text);
  status_.summary = std::move(summary);
  status_.duration_ms = duration_ms;
  ++status_.failures;
}

}  // namespace tapemeasure::reload
