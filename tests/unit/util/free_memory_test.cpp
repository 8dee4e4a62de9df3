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

// Seconds in which the schedule trims, over `seconds` seconds of `clients(second)` browsers
// and trims that release memory when `releases(second)`.
template <typename Clients, typename Releases>
std::vector<int> trim_seconds(int seconds, Clients clients, Releases releases) {
  TrimSchedule schedule;
  std::vector<int> trimmed;
  for (int s = 0; s < seconds; ++s) {
    if (!schedule.due(clients(s))) continue;
    trimmed.push_back(s);
    schedule.trimmed(releases(s));
  }
  return trimmed;
}

TEST(TrimScheduleTest, TrimsEveryTenSecondsWhenNothingHappens) {
  EXPECT_EQ(trim_seconds(31, [](int) { return 5u; }, [](int) { return false; }), (std::vector<int>{9, 19, 29}));
}

TEST(TrimScheduleTest, TrimsForThreeSecondsAfterClientsLeave) {
  const auto clients = [](int s) { return s < 4 ? 100u : 1u; };
  EXPECT_EQ(trim_seconds(12, clients, [](int) { return false; }), (std::vector<int>{4, 5, 6}));
}

// Their memory freed late (the network thread still failing their last writes): trims go on
// while they release memory, and stop one second after the last that did.
TEST(TrimScheduleTest, GoesOnWhileTrimsReleaseMemory) {
  const auto clients = [](int s) { return s < 4 ? 100u : 1u; };
  const auto releases = [](int s) { return s >= 6 && s <= 8; };
  EXPECT_EQ(trim_seconds(12, clients, releases), (std::vector<int>{4, 5, 6, 7, 8, 9}));
}

TEST(TrimScheduleTest, MoreClientsAskForNoTrim) {
  EXPECT_EQ(trim_seconds(9, [](int s) { return static_cast<unsigned>(s); }, [](int) { return true; }), (std::vector<int>{}));
}

}  // namespace
}  // namespace tapemeasure::util
