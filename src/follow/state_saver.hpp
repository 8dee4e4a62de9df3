#pragma once
// Writes the --follow-state file on a thread of its own. A save ends in fsync, and on a
// log box the disk is busy with the very logs we follow: an fsync can take hundreds of
// milliseconds, and on the ingest thread that is time no socket is read (datagram writers
// drop meanwhile). The ingest thread hands over a snapshot of the marks; only the latest
// one waiting is written (an older one is superseded, never needed).
#include <condition_variable>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "follow/follow_state.hpp"

namespace tapemeasure::follow {

class StateSaver {
 public:
  explicit StateSaver(std::string path);
  ~StateSaver();  // writes what waits, then stops
  StateSaver(const StateSaver&) = delete;
  StateSaver& operator=(const StateSaver&) = delete;

  // Queues marks to be written (replacing any still waiting). Never blocks on the disk.
  void submit(std::vector<FileMark> marks);
  // Waits until everything submitted so far is on disk (for stopping).
  void flush();
  // The outcome of writes since the last call: nullopt if none finished, else the last
  // one's error message (empty: it was written).
  std::optional<std::string> take_outcome();

 private:
  void run();

  const std::string path_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::optional<std::vector<FileMark>> waiting_;
  bool writing_ = false, quit_ = false;
  std::optional<std::string> outcome_;
  std::thread thread_;  // last: starts once the members above exist
};

}  // namespace tapemeasure::follow
