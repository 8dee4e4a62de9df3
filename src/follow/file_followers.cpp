#include "follow/file_followers.hpp"

#include <stdexcept>

namespace tapemeasure::follow {

// Being built (issue 11): until then --follow is refused rather than silently ignored.
struct FileFollowers::Impl {};

FileFollowers::FileFollowers(boost::asio::io_context&, FollowOptions options, ingest::LineSink&,
                             metrics::SelfMetrics&) {
  if (!options.patterns.empty()) throw std::runtime_error("--follow is not available in this build yet");
}
FileFollowers::~FileFollowers() = default;
void FileFollowers::start() {}
void FileFollowers::stop() {}

}  // namespace tapemeasure::follow
