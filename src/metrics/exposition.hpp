#pragma once
// The Prometheus text exposition of a registry: exactly what GET /metrics serves and what
// `tapemeasure test --format metrics` prints. Families and series are sorted so the output
// is stable (diffable, golden-testable) whatever order series were created in.
#include <prometheus/registry.h>

#include <string>

namespace tapemeasure::metrics {

std::string render_text_exposition(const prometheus::Registry& registry);

inline constexpr const char* kTextExpositionContentType = "text/plain; version=0.0.4; charset=utf-8";

}  // namespace tapemeasure::metrics
