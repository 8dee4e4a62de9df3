#pragma once
// Notices rule files changing (inotify on the rule paths and their directories, so editors
// that save by rename are seen too) and asks for a reload after a short quiet period, so
// one save that touches a file three times causes one reload.
#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>

#include <functional>
#include <string>
#include <vector>

namespace tapemeasure::app {

class RuleWatcher {
 public:
  RuleWatcher(boost::asio::io_context& ioc, const std::vector<std::string>& paths, std::function<void()> on_change);
  ~RuleWatcher();

 private:
  void do_read();
  void on_event(std::size_t bytes);
  bool interesting(std::string_view name) const;

  boost::asio::posix::stream_descriptor fd_;
  boost::asio::steady_timer debounce_;
  std::function<void()> on_change_;
  std::vector<char> buf_;
  std::vector<std::string> files_;  // file names given directly (watched via their directory)
};

}  // namespace tapemeasure::app
