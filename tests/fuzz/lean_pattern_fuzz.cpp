// Fuzzes the rewrite that makes a rule's unread capture groups non-capturing (patterns are
// written by users in rule files). Input: one byte of which groups to keep (bit g-1 keeps
// group g, for the first 8; later groups are dropped), then the pattern. For every pattern
// RE2 accepts, the rewrite must be accepted too, with exactly the kept groups, the same
// names, and the same answer on a few lines. (The compiler falls back to the whole pattern
// when this fails, so a failure here is a lost speed-up, not a wrong count; it is still a bug.)
#include <re2/re2.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "rules/lean_pattern.hpp"

using namespace tapemeasure;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1 || size > 512) return 0;
  const std::uint8_t mask = data[0];
  const std::string pattern(reinterpret_cast<const char*>(data) + 1, size - 1);
  RE2::Options options;
  options.set_log_errors(false);
  options.set_max_mem(1 << 20);
  const RE2 whole(pattern, options);
  if (!whole.ok()) return 0;
  // A name used twice is a load error of the compiler (RE2 maps the name to one group).
  if (whole.CapturingGroupNames().size() != whole.NamedCapturingGroups().size()) return 0;
  const int groups = whole.NumberOfCapturingGroups();
  std::vector<bool> keep(static_cast<std::size_t>(groups) + 1, false);
  int kept = 0;
  for (int g = 1; g <= groups && g <= 8; ++g)
    if (mask & (1u << (g - 1))) keep[static_cast<std::size_t>(g)] = true, ++kept;

  const RE2 lean(rules::without_captures(pattern, keep), options);
  if (!lean.ok()) {
    if (lean.error_code() == RE2::ErrorPatternTooLarge) return 0;  // a budget, not a syntax, matter
    __builtin_trap();
  }
  if (lean.NumberOfCapturingGroups() != kept) __builtin_trap();
  for (const auto& [name, g] : whole.NamedCapturingGroups())
    if (keep[static_cast<std::size_t>(g)] != (lean.NamedCapturingGroups().count(name) == 1)) __builtin_trap();
  for (const std::string_view line : {std::string_view(pattern), std::string_view("postfix/smtp[42]: 4F1A: to=<a@b>"),
                                      std::string_view("a(b)c [x] \\Q"), std::string_view("")}) {
    const re2::StringPiece text(line.data(), line.size());
    if (RE2::PartialMatch(text, whole) != RE2::PartialMatch(text, lean)) __builtin_trap();
  }
  return 0;
}
