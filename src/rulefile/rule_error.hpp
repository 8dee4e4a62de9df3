#pragma once
// One problem found in a rule file. Every error a user sees names the file, the line and,
// when known, the rule, so that `file:line:` jumps straight to it in any editor.
//
// Bounded: a load reports at most kMaxRuleErrors errors and then one line counting the rest,
// so a broken (or hostile) file cannot make the error text, and every copy of it, grow with
// the file.
#include <cstddef>
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

// The first hundred errors say what to fix; more are the same mistake repeated.
inline constexpr std::size_t kMaxRuleErrors = 100;

std::string to_string(const RuleErrors& errors);  // one error per line

// Keeps the first kMaxRuleErrors errors and replaces the rest with one that counts them
// ("... and 12 more errors not shown"). For lists filled without a bound (the compiler's).
void cap_errors(RuleErrors& errors);

// A value from the file quoted in a message, cut to `max_bytes` (on a UTF-8 boundary) with
// "..." so that one huge scalar cannot make a huge message.
std::string excerpt(const std::string& text, std::size_t max_bytes = 80);

}  // namespace tapemeasure::rules
