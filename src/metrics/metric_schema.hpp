#pragma once
// The shape of one user-declared metric: what the rule compiler produces and the metric
// store keeps families for. Two schemas of the same shape share series across reloads.
#include <string>
#include <vector>

namespace tapemeasure::metrics {

enum class MetricKind { counter, gauge, histogram };

const char* to_string(MetricKind kind);

struct MetricSchema {
  std::string name;
  MetricKind kind = MetricKind::counter;
  std::string help;                      // clean: valid UTF-8, no backslash or newline
  std::vector<std::string> label_names;  // in declaration order
  std::vector<double> buckets;           // histogram only
  // Label value sets (in label_names order) whose series exist from the start, at 0: what
  // an alert on rate() needs before the first event. Not part of the shape.
  std::vector<std::vector<std::string>> initial;

  bool same_shape(const MetricSchema& o) const {
    return name == o.name && kind == o.kind && label_names == o.label_names && buckets == o.buckets;
  }
};

}  // namespace tapemeasure::metrics
