#include "ingest/socket_path.hpp"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "util/log.hpp"

namespace tapemeasure::ingest {

void claim_socket_path(const std::string& path, bool datagram) {
  sockaddr_un addr{};
  if (path.size() >= sizeof(addr.sun_path))
    throw std::runtime_error("socket path too long (max " + std::to_string(sizeof(addr.sun_path) - 1) + " bytes): " + path);
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) return;  // free
  if (!S_ISSOCK(st.st_mode)) throw std::runtime_error(path + " exists and is not a socket; refusing to replace it");

  // Is anybody listening? Try to connect to it.
  const int fd = ::socket(AF_UNIX, (datagram ? SOCK_DGRAM : SOCK_STREAM) | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::runtime_error(std::string("socket: ") + std::strerror(errno));
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  const int rc = ::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof(addr));
  const int err = errno;
  ::close(fd);
  if (rc == 0) throw std::runtime_error("another process is listening on " + path + " (is tapemeasure already running?)");
  if (err != ECONNREFUSED && err != ENOENT && err != EPROTOTYPE)
    throw std::runtime_error("cannot check socket " + path + ": " + std::strerror(err));
  if (::unlink(path.c_str()) != 0 && errno != ENOENT)
    throw std::runtime_error("cannot remove stale socket " + path + ": " + std::strerror(errno));
  log::info("removed stale socket " + path + " left by an earlier run");
}

}  // namespace tapemeasure::ingest
