#pragma once
// Notices that something in the rule directories changed, and says so after a short quiet
// period (one save that touches a file three times, or a ConfigMap update that creates,
// renames and deletes, is one notice). It does not judge whether the change matters: any
// event in a watched directory counts (creates, deletes, renames, writes, attribute
// changes, a `..data` symlink swapped by rename), and so does an overflow of the kernel's
// event queue, after which nothing can be known without looking. The Reloader looks: it
// re-scans the files (RuleFilesSnapshot) and reloads only if they differ.
//
// Single-threaded: construct, watch() and destroy it on the thread that runs `ioc`. Its
// handlers never run after the destructor (they check a flag the destructor clears), and
// on_change is never called after it.
#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

namespace tapemeasure::reload {

class RuleWatcher {
 public:
  static constexpr auto kQuietPeriod = std::chrono::milliseconds(100);

  RuleWatcher(boost::asio::io_context& ioc, std::function<void()> on_change);
  ~RuleWatcher();
  RuleWatcher(const RuleWatcher&) = delete;
  RuleWatcher& operator=(const RuleWatcher&) = delete;

  // Watches exactly these directories from now on (adds the new, drops the others). A
  // directory that cannot be watched (gone, no permission) is skipped with a warning.
  void watch(const std::set<std::string>& dirs);
  bool active() const { return fd_.is_open(); }

 private:
  void do_read();
  void on_read(std::size_t bytes);
  void after_quiet_period();

  boost::asio::posix::stream_descriptor fd_;
  boost::asio::steady_timer debounce_;
  std::function<void()> on_change_;
  std::vector<char> buf_;
  std::map<int, std::string> watched_;  // watch descriptor -> directory
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace tapemeasure::reload
