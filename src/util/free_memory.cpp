#include "util/free_memory.hpp"

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

}  // namespace tapemeasure::util
