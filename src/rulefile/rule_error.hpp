#pragma once
// One problem found in a rule file. Every error a user sees names the file, the line and,
// when known, the rule, so that `file:line:` jumps straight to it in any editor.
#include <string>
#include <vector>

namespace tapemeasure::rules {

struct SourcePos {
  std::string file;
  int line = 0;  // 1-based; 0 when unknown
};

struct RuleError {
  SourcePos pos;
  std::string rule;  // empty when the error is not inside a rule
  std::string message;

  // "rules/postfix.yml:12: rule postfix_delivered: label template ${relya} names no capture"
  std::string to_string() const;
};

using RuleErrors = std::vector<RuleError>;

std::string to_string(const RuleErrors& errors);  // one error per line

}  // namespace tapemeasure::rules
