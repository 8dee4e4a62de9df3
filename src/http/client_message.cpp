#include "http/client_message.hpp"

#include <nlohmann/json.hpp>

namespace tapemeasure::http {

ClientRequest parse_client_message(std::string_view text) {
  ClientRequest out;
  const auto j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    out.errors.push_back("messages are JSON objects: {\"filter\":{\"types\":[...]}} or {\"max_rate\":N}");
    return out;
  }
  if (auto f = j.find("filter"); f != j.end()) {
    if (f->is_null() || (f->is_object() && !f->contains("types"))) {
      out.filter.emplace();
    } else if (f->is_object() && (*f)["types"].is_array()) {
      const auto& types = (*f)["types"];
      if (types.size() > kMaxFilterTypes) {
        out.errors.push_back("filter names " + std::to_string(types.size()) + " types; at most " +
                             std::to_string(kMaxFilterTypes) + " (the old filter stays)");
      } else {
        ClientRequest::Filter filter{.all = false, .types = {}};
        for (const auto& t : types)
          if (t.is_string()) filter.types.push_back(t.get<std::string>());
        out.filter = std::move(filter);
      }
    } else {
      out.errors.push_back("filter must be {\"types\": [\"delivered\", ...]} (or null for everything)");
    }
  }
  if (auto r = j.find("max_rate"); r != j.end()) {
    if (r->is_number() && r->get<double>() >= 0) out.max_rate = r->get<double>();
    else out.errors.push_back("max_rate must be a number >= 0");
  }
  return out;
}

}  // namespace tapemeasure::http
