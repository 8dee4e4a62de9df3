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

}  // namespace tapemeasure::rules
