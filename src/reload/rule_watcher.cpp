#include "reload/rule_watcher.hpp"

#include <sys/inotify.h>
#include <unistd.h>

#include "util/log.hpp"

namespace tapemeasure::reload {

namespace net = boost::asio;

namespace {
// Everything that can change what a path in the directory resolves to or contains.
// IN_MODIFY too: a file written without being closed yet is followed by IN_CLOSE_WRITE,
// and the quiet period folds the two together.
constexpr std::uint32_t kMask = IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO | IN_CLOSE_WRITE | IN_MODIFY |
                                IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR;
}  // namespace

RuleWatcher::RuleWatcher(net::io_context& ioc, std::function<void()> on_change)
    : fd_(ioc), debounce_(ioc), on_change_(std::move(on_change)), buf_(64 * 1024) {
  const int fd = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (fd < 0) {
    log::warn("inotify unavailable; rules reload on SIGHUP only");
    return;
  }
  fd_.assign(fd);
  do_read();
}

RuleWatcher::~RuleWatcher() {
  // A read or timer completion may already be queued (not cancellable any more): the flag
  // makes it return without touching this.
  *alive_ = false;
  boost::system::error_code ignored;
  debounce_.cancel();
  fd_.close(ignored);
}

void RuleWatcher::watch(const std::set<std::string>& dirs) {
  if (!fd_.is_open()) return;
  for (auto it = watched_.begin(); it != watched_.end();) {
    if (dirs.contains(it->second)) {
      ++it;
      continue;
    }
    ::inotify_rm_watch(fd_.native_handle(), it->first);
    it = watched_.erase(it);
  }
  for (const auto& dir : dirs) {
    const int wd = ::inotify_add_watch(fd_.native_handle(), dir.c_str(), kMask);
    if (wd < 0) {
      log::warn("cannot watch " + dir + " for rule changes");
      continue;
    }
    watched_[wd] = dir;  // the same directory twice gives the same descriptor
  }
}

void RuleWatcher::do_read() {
  fd_.async_read_some(net::buffer(buf_), [this, alive = alive_](boost::system::error_code ec, std::size_t n) {
    if (!*alive || ec) return;  // destroyed or closed
    on_read(n);
    do_read();
  });
}

void RuleWatcher::on_read(std::size_t bytes) {
  bool any = false;
  for (std::size_t off = 0; off + sizeof(inotify_event) <= bytes;) {
    const auto* ev = reinterpret_cast<const inotify_event*>(buf_.data() + off);
    off += sizeof(inotify_event) + ev->len;
    any = true;
    if (ev->mask & IN_Q_OVERFLOW) log::warn("rule watcher: inotify queue overflowed; re-scanning the rule files");
    // The kernel dropped the watch (directory deleted or its file system unmounted): the
    // re-scan that follows watches whatever the rule paths resolve to now.
    if (ev->mask & IN_IGNORED) watched_.erase(ev->wd);
  }
  if (!any) return;
  debounce_.expires_after(kQuietPeriod);
  debounce_.async_wait([this, alive = alive_](boost::system::error_code ec) {
    if (!*alive || ec) return;
    on_change_();
  });
}

}  // namespace tapemeasure::reload
