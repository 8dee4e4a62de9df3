#pragma once
// inotify on the directories holding followed files: a directory watch sees writes to the
// files in it and also renames and creations, which a watch on the file itself would miss
// (the name moves on, the watch stays with the old inode). Events only say "look again";
// the caller re-reads the directory state itself, so a lost or merged event costs nothing
// but a delay until the poll timer.
#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace tapemeasure::follow {

class DirWatch {
 public:
  // on_event(names_changed): names_changed is false when only file contents changed
  // (IN_MODIFY), true when a name appeared, went or moved (or the queue overflowed).
  DirWatch(boost::asio::io_context& ioc, std::function<void(bool names_changed)> on_event);
  ~DirWatch();
  // Idempotent. False when the directory cannot be watched (missing yet, no inotify):
  // the caller's poll covers it and asks again later.
  bool watch(const std::string& dir);
  void start();
  void stop();

 private:
  void do_read();
  void on_read(boost::system::error_code ec, std::size_t n);

  boost::asio::posix::stream_descriptor fd_;
  // False once this is destroyed: the read handler may still be queued on the io_context.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
  std::function<void(bool)> on_event_;
  std::map<std::string, int> watched_;  // dir -> watch descriptor
  std::vector<char> buf_;
  bool usable_ = false;
};

}  // namespace tapemeasure::follow
