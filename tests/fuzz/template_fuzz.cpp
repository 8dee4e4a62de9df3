// Fuzzes template compilation and expansion (event fields, metric labels and values are all
// templates, written by users in rule files and filled from captured log text).
// Input: the template text, then up to three field values, separated by NUL bytes.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "rules/template.hpp"

using namespace tapemeasure;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view rest(reinterpret_cast<const char*>(data), size);
  std::vector<std::string_view> parts;
  while (parts.size() < 3) {
    const std::size_t nul = rest.find('\0');
    parts.push_back(rest.substr(0, nul));
    if (nul == std::string_view::npos) {
      rest = {};
      break;
    }
    rest.remove_prefix(nul + 1);
  }
  if (!rest.empty()) parts.push_back(rest);

  rules::FieldNames names;
  names.add("host");
  names.add("instance");
  names.add("relay");
  rules::Template tpl;
  if (!tpl.compile(parts[0], names).empty()) return 0;
  if (tpl.max_field() >= static_cast<int>(names.size())) __builtin_trap();  // would read past the values

  // Values as matching gives them; those the input lacks are absent (null data, as for a
  // group that did not take part).
  std::vector<std::string_view> values(names.size());
  for (std::size_t i = 1; i < parts.size() && i - 1 < values.size(); ++i) values[i - 1] = parts[i];
  const std::string out = tpl.expand(values);
  // Expansion only adds the given values and the template's own text.
  std::size_t budget = parts[0].size();
  for (const auto v : values) budget += v.size() * (parts[0].size() / 2 + 1);
  if (out.size() > budget) __builtin_trap();
  return 0;
}
