#pragma once
// What a browser may ask of /ws, parsed from one text message without touching a socket
// (so the parser can be fuzzed and tested alone):
//   {"filter": {"types": ["delivered", ...]}}   {"filter": null}   {"max_rate": 200}
// Pure; never throws.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tapemeasure::http {

// One client's filter names at most this many types: a filter is a handful of the rule
// pack's types, and the hub keeps each client's names, so they must be bounded.
inline constexpr std::size_t kMaxFilterTypes = 256;

// Outside ClientRequest: clang cannot default-construct a nested struct with default member
// initialisers inside its enclosing class (optional::emplace() fails to compile there).
struct ClientFilter {
  bool all = true;                 // null or no "types": everything
  std::vector<std::string> types;  // when !all
};

struct ClientRequest {
  using Filter = ClientFilter;
  std::optional<Filter> filter;
  std::optional<double> max_rate;
  std::vector<std::string> errors;  // one {"error"} frame each; the valid parts still apply
};

ClientRequest parse_client_message(std::string_view text);

}  // namespace tapemeasure::http
