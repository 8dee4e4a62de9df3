#include "follow/dir_watch.hpp"

#include <sys/inotify.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "util/log.hpp"

namespace tapemeasure::follow {

namespace {
constexpr std::uint32_t kMask = IN_MODIFY | IN_CREATE | IN_MOVED_FROM | IN_MOVED_TO | IN_DELETE | IN_ATTRIB |
                                IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR;
}

DirWatch::DirWatch(boost::asio::io_context& ioc, std::function<void(bool)> on_event)
    : fd_(ioc), on_event_(std::move(on_event)), buf_(64 * 1024) {
  const int fd = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (fd < 0) {
    log::warn(std::string("inotify unavailable (") + std::strerror(errno) +
              "); followed files are polled every half second instead");
    return;
  }
  fd_.assign(fd);
  usable_ = true;
}

DirWatch::~DirWatch() {
  stop();
  *alive_ = false;
}

bool DirWatch::watch(const std::string& dir) {
  if (!usable_) return false;
  if (watched_.contains(dir)) return true;
  const int wd = ::inotify_add_watch(fd_.native_handle(), dir.c_str(), kMask);
  if (wd < 0) return false;
  watched_.emplace(dir, wd);
  return true;
}

void DirWatch::start() {
  if (usable_) do_read();
}

void DirWatch::stop() {
  boost::system::error_code ignored;
  if (fd_.is_open()) fd_.close(ignored);
  usable_ = false;
}

// Wait for the next batch of events.
void DirWatch::do_read() {
  fd_.async_read_some(boost::asio::buffer(buf_), [this, alive = alive_](boost::system::error_code ec, std::size_t n) {
    if (*alive) on_read(ec, n);  // a read that completed before this watch was destroyed
  });
}

// Decide whether names changed, forget watches the kernel dropped, and tell the owner.
void DirWatch::on_read(boost::system::error_code ec, std::size_t n) {
  if (ec == boost::asio::error::operation_aborted || !usable_) return;
  if (ec) {
    log::warn("inotify: " + ec.message() + "; followed files are polled from now on");
    return;
  }
  bool names = false;
  for (std::size_t at = 0; at + sizeof(inotify_event) <= n;) {
    const auto* ev = reinterpret_cast<const inotify_event*>(buf_.data() + at);
    if (ev->mask & ~IN_MODIFY) names = true;
    if (ev->mask & IN_IGNORED) {
      // The directory went (or was moved): watch it again when it is back.
      for (auto it = watched_.begin(); it != watched_.end(); ++it)
        if (it->second == ev->wd) {
          watched_.erase(it);
          break;
        }
    }
    at += sizeof(inotify_event) + ev->len;
  }
  on_event_(names);
  do_read();
}

}  // namespace tapemeasure::follow
