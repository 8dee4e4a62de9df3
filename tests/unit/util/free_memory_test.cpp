#include "util/free_memory.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstddef>
#include <cstring>
#include <fstream>
#include <memory>
#include <vector>

namespace tapemeasure::util {
namespace {

[[maybe_unused]] std::size_t resident_bytes() {  // unused where the allocator is a sanitizer's
  std::ifstream statm("/proc/self/statm");
  std::size_t size = 0, resident = 0;
  statm >> size >> resident;
  return resident * static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
}

// Freed blocks below a live one stay in the allocator's arena (the top cannot shrink past the
// live block): what a departed client's queued frames look like. return_free_memory() must
// hand their pages back. It did nothing for a while: the glibc test in its file was compiled
// before any header had defined __GLIBC__.
TEST(FreeMemoryTest, FreedBlocksBelowALiveOneGoBackToTheKernel) {
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__) || !defined(__GLIBC__)
  // Not glibc's allocator (a sanitizer's keeps freed memory in its quarantine): only that the
  // call is harmless is testable here.
  return_free_memory();
  SUCCEED();
#else
  constexpr std::size_t kBlock = 32 * 1024;  // under glibc's mmap threshold: from the arena
  constexpr std::size_t kBlocks = 2048;      // 64 MiB
  ASSERT_GT(resident_bytes(), 0u) << "no /proc/self/statm";
  std::vector<std::unique_ptr<char[]>> blocks;
  blocks.reserve(kBlocks);
  for (std::size_t i = 0; i < kBlocks; ++i) {
    blocks.emplace_back(new char[kBlock]);
    std::memset(blocks.back().get(), 1, kBlock);  // resident
  }
  // The last one stays, above the others: the heap's top cannot shrink past it.
  blocks.erase(blocks.begin(), blocks.end() - 1);
  const std::size_t freed = resident_bytes();
  EXPECT_TRUE(return_free_memory());
  const std::size_t trimmed = resident_bytes();
  EXPECT_LT(trimmed + kBlock * kBlocks / 2, freed)
      << "resident " << freed / 1024 << " KiB after the free, " << trimmed / 1024 << " KiB after the trim";
#endif
}

}  // namespace
}  // namespace tapemeasure::util
