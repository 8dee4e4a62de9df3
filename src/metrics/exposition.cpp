#include "metrics/exposition.hpp"

#include <prometheus/text_serializer.h>

#include <algorithm>
#include <ios>
#include <sstream>

namespace tapemeasure::metrics {

void write_text_exposition(const prometheus::Registry& registry, std::ostream& out) {
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
  // With badbit in exceptions(), the stream rethrows what its buffer threw instead of
  // quietly stopping; failbit covers a buffer that refuses without throwing.
  const auto saved = out.exceptions();
  out.exceptions(std::ios::badbit | std::ios::failbit);
  try {
    prometheus::TextSerializer().Serialize(out, families);
    out.flush();
  } catch (...) {
    out.exceptions(std::ios::goodbit);  // restoring must not throw again
    throw;
  }
  out.exceptions(saved);
}

std::string render_text_exposition(const prometheus::Registry& registry) {
  std::ostringstream out;
  write_text_exposition(registry, out);
  return std::move(out).str();
}

}  // namespace tapemeasure::metrics
