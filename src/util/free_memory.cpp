#include "util/free_memory.hpp"

// <cstddef> brings <features.h>, which defines __GLIBC__: without a standard header first the
// test below is false on glibc too and the trim is compiled out (it was, until a CI run where
// 120 departed clients left 195 MiB resident).
#include <algorithm>
#include <cstddef>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace tapemeasure::util {

bool return_free_memory() {
#if defined(__GLIBC__)
  // malloc_trim(0) releases the free top of the heap and, since glibc 2.8, the whole free
  // pages inside every arena (madvise), which is where a departed client's buffers sit.
  return malloc_trim(0) != 0;
#else
  return false;
#endif
}

bool TrimSchedule::due(std::size_t clients) {
  if (clients < clients_last_) due_ = kAfterLeaving;
  clients_last_ = clients;
  ++since_trim_;
  return due_ > 0 || since_trim_ >= kIdleSeconds;
}

void TrimSchedule::trimmed(bool released) {
  since_trim_ = 0;
  due_ = std::max(due_ - 1, released ? 1 : 0);
}

}  // namespace tapemeasure::util
