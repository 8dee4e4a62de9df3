// Fuzzes `when:` conditions and value arithmetic (rules/expression.hpp): rule files are
// written by users, and field values come from log lines. Compiling must refuse bad text
// with a message, within the length and depth limits; evaluating must never crash or hang,
// whatever the field values (a field's text is a value only, never part of the expression).
//
// Input: the expression text, then up to five field values, separated by NUL bytes.
// The expression is compiled both as a condition and as a number, against the fields
// a, b, c, s, m; names "t.NAME" (a recalled field) are added as they are named, as the
// rule compiler does.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "rules/expression.hpp"
#include "rules/metric_value.hpp"

using namespace tapemeasure;

namespace {

std::vector<std::string_view> split(std::string_view rest, std::size_t max_parts) {
  std::vector<std::string_view> parts;
  while (parts.size() + 1 < max_parts) {
    const std::size_t nul = rest.find('\0');
    parts.push_back(rest.substr(0, nul));
    if (nul == std::string_view::npos) return parts;
    rest.remove_prefix(nul + 1);
  }
  parts.push_back(rest);
  return parts;
}

void check(std::string_view text, rules::Expression::Want want, std::span<const std::string_view> given) {
  rules::FieldNames names;
  for (const char* n : {"a", "b", "c", "s", "m"}) names.add(n);
  names.extend = [&names](std::string_view name) -> int {
    if (!name.starts_with("t.") || name.size() == 2 || names.size() >= 16) return -1;
    names.add(std::string(name));
    return static_cast<int>(names.size() - 1);
  };
  rules::Expression e;
  const std::string err = e.compile(text, names, want);
  if (e.source() != text) __builtin_trap();
  if (!err.empty()) {
    // A refused expression evaluates to nothing.
    double d = 0;
    std::vector<std::string_view> none(names.size());
    if (e.number(none, d) || e.holds(none)) __builtin_trap();
    return;
  }
  if (text.size() > rules::Expression::kMaxLength) __builtin_trap();
  for (int f : e.fields_used())
    if (f < 0 || f >= static_cast<int>(names.size())) __builtin_trap();
  if (e.plain_field() >= static_cast<int>(names.size())) __builtin_trap();

  // Values as matching gives them: the input's, then empty ones (a group that did not take
  // part), and the same again with every value swapped for the next one's.
  std::vector<std::string_view> values(names.size());
  for (std::size_t i = 0; i < values.size() && i < given.size(); ++i) values[i] = given[i];
  for (int round = 0; round < 2; ++round) {
    double d = 0;
    if (want == rules::Expression::Want::number) {
      if (e.number(values, d)) {
        if (!std::isfinite(d)) __builtin_trap();
        if (e.plain_field() >= 0) {
          double plain = 0;
          if (!rules::parse_metric_value(values[static_cast<std::size_t>(e.plain_field())], plain) || plain != d)
            __builtin_trap();
        }
      }
      if (e.constant()) {
        // A constant does not depend on the fields.
        std::vector<std::string_view> other(values.size(), "123");
        double d2 = 0;
        const bool a = e.number(values, d), b = e.number(other, d2);
        if (a != b || (a && d != d2)) __builtin_trap();
      }
    } else {
      (void)e.holds(values);
    }
    if (!values.empty()) std::rotate(values.begin(), values.begin() + 1, values.end());
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto parts = split(std::string_view(reinterpret_cast<const char*>(data), size), 7);
  const std::span<const std::string_view> values(parts.data() + 1, parts.size() - 1);
  check(parts[0], rules::Expression::Want::condition, values);
  check(parts[0], rules::Expression::Want::number, values);
  return 0;
}
