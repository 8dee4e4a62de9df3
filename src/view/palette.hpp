#pragma once
// The colours a view may name, and the order in which unlisted types and default views
// take them (docs/views.md: the "palette" of GET /api/view).
#include <array>
#include <optional>
#include <string>
#include <string_view>

namespace tapemeasure::view {

struct NamedColour {
  std::string_view name;
  std::string_view hex;
};

// In palette order: blue first, as the default view's first type.
inline constexpr std::array<NamedColour, 9> kPalette{{
    {"blue", "#4c9aff"},
    {"green", "#3fb950"},
    {"yellow", "#f2cc60"},
    {"red", "#ff5a52"},
    {"purple", "#bc8cff"},
    {"orange", "#f0883e"},
    {"cyan", "#39c5cf"},
    {"pink", "#f778ba"},
    {"grey", "#9aa4ae"},
}};

// "#rrggbb" (lower-cased) for a palette name or a #rrggbb value; nothing otherwise.
inline std::optional<std::string> resolve_colour(std::string_view text) {
  for (const auto& c : kPalette)
    if (c.name == text) return std::string(c.hex);
  const auto is_hex = [](char ch) { return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f') || (ch >= 'A' && ch <= 'F'); };
  if (text.size() != 7 || text[0] != '#') return std::nullopt;
  std::string out = "#";
  for (const char ch : text.substr(1)) {
    if (!is_hex(ch)) return std::nullopt;
    out += static_cast<char>(ch >= 'A' && ch <= 'F' ? ch - 'A' + 'a' : ch);
  }
  return out;
}

}  // namespace tapemeasure::view
