#include "http/server_context.hpp"

namespace tapemeasure::http {

std::string_view refusal_name(Refusal r) {
  switch (r) {
    case Refusal::host: return "host";
    case Refusal::origin: return "origin";
    case Refusal::transfer_encoding: return "transfer_encoding";
    case Refusal::bad_request: return "bad_request";
    case Refusal::reserve_only: return "reserve_only";
    case Refusal::no_slot: return "no_slot";
    case Refusal::evicted: return "evicted";
    case Refusal::header_timeout: return "header_timeout";
  }
  return "unknown";
}

}  // namespace tapemeasure::http
