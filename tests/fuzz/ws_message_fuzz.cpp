// Fuzzes the WebSocket client-message handler: whatever a browser (or anyone who passes
// the Origin check) sends on /ws is parsed here. It must never throw or crash, and what it
// hands the hub must respect the documented bounds.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "http/client_message.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto req = tapemeasure::http::parse_client_message(text);
  if (req.filter && !req.filter->all && req.filter->types.size() > tapemeasure::http::kMaxFilterTypes) std::abort();
  if (req.max_rate && !(*req.max_rate >= 0)) std::abort();
  return 0;
}
