#include "follow/problem_log.hpp"

#include <cerrno>

#include "util/log.hpp"

namespace tapemeasure::follow {

void ProblemLog::problem(const std::string& key, int err, const std::string& message) {
  auto& said = said_[key];
  if (said == message) return;
  said = message;
  const char* reason = err == ENOENT ? "missing" : (err == EACCES || err == EPERM) ? "permission" : "io";
  self_.follow_errors.Add({{"reason", reason}}).Increment();
  log::warn(message);
}

void ProblemLog::note(const std::string& key, const std::string& message) {
  auto& said = said_[key];
  if (said == message) return;
  said = message;
  log::info(message);
}

void ProblemLog::resolved(const std::string& key, const std::string& message) {
  const auto it = said_.find(key);
  if (it == said_.end()) return;
  said_.erase(it);
  log::info(message);
}

}  // namespace tapemeasure::follow
