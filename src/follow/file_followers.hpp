#pragma once
// `run --follow PATH`: reads log files the way `tail -F` does, without its faults. Each
// pattern (a path or a glob) is watched; files that match, now or later, are read to the
// end and followed through rename rotation and copytruncate. Positions are kept in a
// state file so a restart neither loses nor doubles lines. Lines go to the same LineSink
// as the sockets', on the ingest thread.
#include <boost/asio/io_context.hpp>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "ingest/line_sink.hpp"
#include "metrics/self_metrics.hpp"
#include "util/thread_health.hpp"

namespace tapemeasure::follow {

struct FollowOptions {
  std::vector<std::string> patterns;  // paths or globs
  std::string state_path;             // empty: positions are not kept
  std::size_t max_line_bytes = 64 * 1024;
  // A literal name rotated away (renamed, nothing created yet) is not reported missing for
  // this long: with `nocreate`, or a writer that opens its log at its next line, the gap is
  // normal, and a warning plus follow_errors at every rotation would be a false alarm.
  std::chrono::milliseconds rotation_grace{60'000};
  // A file rotated away is read until it has been quiet this long (the writer may append
  // until it reopens its log), then closed.
  std::chrono::milliseconds retired_quiet{5'000};
  // Closed files whose position is kept (in memory and in the state file), most recent
  // first: a symlink moved back to one, or a glob matching it again, resumes it where it
  // was left instead of reading it again from its start.
  std::size_t max_remembered_files = 1000;
};

class FileFollowers {
 public:
  // Throws std::runtime_error (one line) on a bad pattern or an unusable state file. What
  // the follow work throws once running (e.g. the sink) is caught, reported to `health` as
  // thread "follow", and following goes on.
  FileFollowers(boost::asio::io_context& ioc, FollowOptions options, ingest::LineSink& sink,
                metrics::SelfMetrics& self, util::ThreadHealth& health);
  ~FileFollowers();  // saves positions
  void start();
  void stop();  // stop following; positions saved

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace tapemeasure::follow
