#include "rules/matched_batch.hpp"

#include <chrono>

namespace tapemeasure::rules {

void MatchedBatch::match(const RuleSet& set, std::span<const std::string_view> lines, MatchScratch& scratch,
                         bool all_fields, std::uint64_t first_line_no, std::uint64_t timing_sample) {
  const auto record = [&](const RuleMatch& m) {
    matches_.push_back(Match{m.index, static_cast<std::uint32_t>(fields_.size()), m.text, m.complete});
    fields_.insert(fields_.end(), m.fields.begin(), m.fields.end());
  };
  const std::function<void(const RuleMatch&)> on_match = record;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const bool timed = (first_line_no + i) % timing_sample == 0;
    const auto start = timed ? std::chrono::steady_clock::now() : std::chrono::steady_clock::time_point{};
    const auto first_match = static_cast<std::uint32_t>(matches_.size());
    const std::size_t first_field = fields_.size();
    const int n = set.match(lines[i], scratch, all_fields, on_match);

    // A line with invalid UTF-8 was matched as a repaired copy in the scratch, which the
    // next line overwrites: keep a copy for this batch and point its fields there.
    const std::string& repaired = scratch.cleaned;
    const auto in_repaired = [&](std::string_view f) {
      return f.data() != nullptr && f.data() >= repaired.data() && f.data() <= repaired.data() + repaired.size();
    };
    bool moved = false;
    const auto keep = [&](std::string_view& view) {
      if (!in_repaired(view)) return;
      if (!moved) cleaned_.push_back(repaired), moved = true;
      const std::string& kept = cleaned_.back();
      view = std::string_view(kept.data() + (view.data() - repaired.data()), view.size());
    };
    for (std::size_t f = first_field; f < fields_.size(); ++f) keep(fields_[f]);
    for (std::size_t k = first_match; k < matches_.size(); ++k) keep(matches_[k].text);

    float seconds = 0;
    if (timed)
      seconds = static_cast<float>(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() *
                                   static_cast<double>(timing_sample));
    lines_.push_back(Line{first_match, static_cast<std::uint32_t>(n), seconds});
  }
}

}  // namespace tapemeasure::rules
