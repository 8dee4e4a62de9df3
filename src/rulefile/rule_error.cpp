#include "rulefile/rule_error.hpp"

namespace tapemeasure::rules {

std::string RuleError::to_string() const {
  std::string out = pos.file;
  if (pos.line > 0) out += ":" + std::to_string(pos.line);
  out += ": ";
  if (!rule.empty()) out += "rule " + rule + ": ";
  out += message;
  return out;
}

std::string to_string(const RuleErrors& errors) {
  std::string out;
  for (const auto& e : errors) out += e.to_string() + "\n";
  return out;
}

void cap_errors(RuleErrors& errors) {
  if (errors.size() <= kMaxRuleErrors) return;
  const std::size_t more = errors.size() - kMaxRuleErrors;
  RuleError rest;
  rest.pos = errors[kMaxRuleErrors].pos;  // where the first one not shown is
  rest.message = "... and " + std::to_string(more) + (more == 1 ? " more error" : " more errors") +
                 " not shown (only the first " + std::to_string(kMaxRuleErrors) + " are reported)";
  errors.resize(kMaxRuleErrors);
  errors.push_back(std::move(rest));
}

std::string excerpt(const std::string& text, std::size_t max_bytes) {
  if (text.size() <= max_bytes) return text;
  std::size_t cut = max_bytes;
  // Back up over UTF-8 continuation bytes, so the cut never splits a character.
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  return text.substr(0, cut) + "...";
}

}  // namespace tapemeasure::rules
