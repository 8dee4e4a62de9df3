#pragma once
// Hands memory the process no longer uses back to the kernel. glibc's allocator keeps freed
// memory in its arenas for reuse; after 500 browsers that stopped reading leave (each with
// megabytes of queued frames and a compressor's state, freed on two threads' arenas) the
// daemon kept 1.18 GiB resident for good.
#include <cstddef>

namespace tapemeasure::util {

// Whether the allocator released anything. A trim walks every arena's free chunks: about a
// millisecond, so it is called at most once a second.
bool return_free_memory();

// When to trim, asked once a second with the number of connected browsers. Departed clients
// free their queues only as their last writes fail, which can take seconds on a loaded box
// (a CI run saw 120 clients' memory freed after the three trims that followed their leaving,
// and 138 MiB stayed). So: trim each second after clients left, go on while trims release
// memory, and trim every kIdleSeconds anyway, so that whatever was freed late, or by
// anything else (a reload, a burst of long lines), goes back within that time.
class TrimSchedule {
 public:
  static constexpr int kAfterLeaving = 3;  // seconds of trims after the client count fell
  static constexpr int kIdleSeconds = 10;  // the longest time between two trims

  // Whether to trim this second.
  bool due(std::size_t clients);
  // What the trim did: one that released memory asks for another next second.
  void trimmed(bool released);

 private:
  std::size_t clients_last_ = 0;
  int due_ = 0;             // trims asked for in the coming seconds
  int since_trim_ = 0;      // seconds since the last trim
};

}  // namespace tapemeasure::util
