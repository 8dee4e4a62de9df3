#pragma once
// Says each problem with a followed file once: a missing file or a permission error is
// retried on every look (twice a second and on each directory change), and repeating the
// message each time would drown the log. A new or different problem is said again, and so
// is the recovery. Counts tapemeasure_follow_errors_total{reason} once per problem.
#include <map>
#include <string>

#include "metrics/self_metrics.hpp"

namespace tapemeasure::follow {

class ProblemLog {
 public:
  explicit ProblemLog(metrics::SelfMetrics& self) : self_(self) {}
  // err is the errno behind it (ENOENT: missing, EACCES/EPERM: permission, else io).
  void problem(const std::string& key, int err, const std::string& message);
  // Quiet notes (a glob matching nothing yet): logged once, not counted as errors.
  void note(const std::string& key, const std::string& message);
  // The key is fine again: say so if a problem was said.
  void resolved(const std::string& key, const std::string& message);

 private:
  metrics::SelfMetrics& self_;
  std::map<std::string, std::string> said_;  // key -> the message last logged
};

}  // namespace tapemeasure::follow
