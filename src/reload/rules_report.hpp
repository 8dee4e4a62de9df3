#pragma once
// GET /api/rules: the loaded rules (file, line, pattern, metrics), each one's matches and
// matching time, the lines and unmatched lines so far with the most recent unmatched, and
// the last reload with its whole error text. Rendered after each reload and each second.
#include <string>

#include "reload/reload_status.hpp"
#include "rules/line_processor.hpp"

namespace tapemeasure::reload {

std::string render_rules_report(const rules::LineProcessor& processor, const ReloadStatus& reload);

}  // namespace tapemeasure::reload
