#include "app/rule_watcher.hpp"

#include <sys/inotify.h>
#include <unistd.h>

#include <filesystem>

#include "util/log.hpp"

namespace tapemeasure::app {

namespace net = boost::asio;
namespace fs = std::filesystem;

namespace {
constexpr auto kQuietPeriod = std::chrono::milliseconds(100);
constexpr std::uint32_t kMask = IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_CREATE | IN_DELETE | IN_MODIFY;
}  // namespace

RuleWatcher::RuleWatcher(net::io_context& ioc, const std::vector<std::string>& paths, std::function<void()> on_change)
    : fd_(ioc), debounce_(ioc), on_change_(std::move(on_change)), buf_(64 * 1024) {
  const int fd = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (fd < 0) {
    log::warn("inotify unavailable; rules reload on SIGHUP only");
    return;
  }
  fd_.assign(fd);
  for (const auto& p : paths) {
    std::error_code ec;
    // A directory is watched itself; a file through its directory (editors replace files).
    const bool dir = fs::is_directory(p, ec);
    const std::string watch = dir ? p : fs::absolute(p, ec).parent_path().string();
    if (!dir) files_.push_back(fs::path(p).filename().string());
    if (::inotify_add_watch(fd, watch.c_str(), kMask) < 0) log::warn("cannot watch " + watch + " for rule changes");
  }
  do_read();
}

RuleWatcher::~RuleWatcher() {
  boost::system::error_code ignored;
  debounce_.cancel();
  fd_.close(ignored);
}

bool RuleWatcher::interesting(std::string_view name) const {
  const fs::path p(name);
  if (p.extension() == ".yml" || p.extension() == ".yaml") return true;
  for (const auto& f : files_)
    if (f == name) return true;
  return false;
}

void RuleWatcher::do_read() {
  fd_.async_read_some(net::buffer(buf_), [this](boost::system::error_code ec, std::size_t n) {
    if (ec) return;  // closed
    on_event(n);
    do_read();
  });
}

void RuleWatcher::on_event(std::size_t bytes) {
  bool relevant = false;
  for (std::size_t off = 0; off + sizeof(inotify_event) <= bytes;) {
    const auto* ev = reinterpret_cast<const inotify_event*>(buf_.data() + off);
    if (ev->len > 0 && interesting(ev->name)) relevant = true;
    off += sizeof(inotify_event) + ev->len;
  }
  if (!relevant) return;
  debounce_.expires_after(kQuietPeriod);
  debounce_.async_wait([this](boost::system::error_code ec) {
    if (!ec) on_change_();
  });
}

}  // namespace tapemeasure::app
