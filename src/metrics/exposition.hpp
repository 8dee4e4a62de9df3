#pragma once
// The Prometheus text exposition of a registry: exactly what GET /metrics serves and what
// `tapemeasure test --format metrics` prints. Families and series are sorted so the output
// is stable (diffable, golden-testable) whatever order series were created in.
//
// All or nothing: a stream swallows what its buffer throws (std::bad_alloc while the text
// grows) and just stops writing, which would make a 200 with a body cut mid-line, read by
// Prometheus as a partial truth. Here any failure to write the whole text is an exception,
// so the HTTP layer answers 500 instead.
#include <prometheus/registry.h>

#include <ostream>
#include <string>

namespace tapemeasure::metrics {

// Writes the whole exposition to `out`, or throws (what `out` threw, or std::ios_base::failure).
void write_text_exposition(const prometheus::Registry& registry, std::ostream& out);

// The whole exposition as one string, or an exception: never a part of it.
std::string render_text_exposition(const prometheus::Registry& registry);

inline constexpr const char* kTextExpositionContentType = "text/plain; version=0.0.4; charset=utf-8";

}  // namespace tapemeasure::metrics
