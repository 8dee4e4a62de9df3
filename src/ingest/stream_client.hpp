#pragma once
// The writing end of a tapemeasure stream socket, for the tools that feed one: `replay`,
// the demo's traffic generator and the load tool.
#include <string>
#include <string_view>

namespace tapemeasure::ingest {

// A connected stream socket (close-on-exec), or -1 with `error` saying why.
int connect_stream_socket(const std::string& path, std::string& error);

// Writes all of `data`, across short writes and signals. False once the reader has gone
// (no SIGPIPE: a daemon that stops must not kill its writer).
bool write_all(int fd, std::string_view data);

}  // namespace tapemeasure::ingest
