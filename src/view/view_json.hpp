#pragma once
// The loaded views as the browser reads them: the object of GET /api/view and of the
// {"view": ...} WebSocket frame (docs/views.md), {"views", "palette", "metrics"}.
#include <nlohmann/json.hpp>

#include <string>

#include "view/view.hpp"

namespace tapemeasure::view {

nlohmann::ordered_json views_json(const Views& views);

// Serialised, one line: the body of GET /api/view.
std::string render_views_json(const Views& views);

}  // namespace tapemeasure::view
