#include "metrics/exposition.hpp"

#include <prometheus/text_serializer.h>

#include <algorithm>
#include <sstream>

namespace tapemeasure::metrics {

std::string render_text_exposition(const prometheus::Registry& registry) {
  auto families = registry.Collect();
  std::sort(families.begin(), families.end(),
            [](const auto& a, const auto& b) { return a.name < b.name; });
  for (auto& f : families) {
    std::sort(f.metric.begin(), f.metric.end(), [](const auto& a, const auto& b) {
      return std::lexicographical_compare(
          a.label.begin(), a.label.end(), b.label.begin(), b.label.end(),
          [](const auto& x, const auto& y) { return std::tie(x.name, x.value) < std::tie(y.name, y.value); });
    });
  }
  std::ostringstream out;
  prometheus::TextSerializer().Serialize(out, families);
  return out.str();
}

}  // namespace tapemeasure::metrics
