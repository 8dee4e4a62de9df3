#pragma once
// Claiming a UNIX socket path safely: a stale socket file left by a crashed run is
// replaced, but one that a live process still listens on is an error, never stolen.
#include <string>

namespace tapemeasure::ingest {

// Throws std::runtime_error with a one-line explanation when the path cannot be used.
void claim_socket_path(const std::string& path, bool datagram);

}  // namespace tapemeasure::ingest
