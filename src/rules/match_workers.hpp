#pragma once
// Threads that help match a large batch of lines (fork-join). Matching is about three
// quarters of the work per line and needs no shared state, so more cores nearly multiply
// it; the apply phase (metrics, events) stays on the calling thread, in line order.
//
// The batch is cut into chunks that the caller and the helpers take in turn, so a helper
// that wakes late, or a core busy with something else, does not hold the batch back.
// One caller at a time (the line-processing thread).
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <span>
#include <string_view>
#include <thread>
#include <vector>

#include "rules/matched_batch.hpp"

namespace tapemeasure::rules {

class MatchWorkers {
 public:
  // `helpers` threads besides the caller's.
  explicit MatchWorkers(int helpers);
  ~MatchWorkers();
  MatchWorkers(const MatchWorkers&) = delete;
  MatchWorkers& operator=(const MatchWorkers&) = delete;

  int helpers() const { return static_cast<int>(threads_.size()); }

  // Matches `lines` on the caller (with `own_scratch`) and the helpers; returns when all
  // are matched. `out` gets one MatchedBatch per chunk, in line order.
  void match(const RuleSet& set, std::span<const std::string_view> lines, bool all_fields,
             std::uint64_t first_line_no, std::uint64_t timing_sample, MatchScratch& own_scratch,
             std::vector<MatchedBatch>& out);

 private:
  struct Job {
    const RuleSet* set = nullptr;
    std::span<const std::string_view> lines;
    bool all_fields = false;
    std::uint64_t first_line_no = 0, timing_sample = 1;
    std::vector<MatchedBatch>* out = nullptr;
    std::size_t chunks = 0;
  };
  void run(int index);
  // Takes and matches chunks of the current job until none are left.
  void take_chunks(const Job& job, MatchScratch& scratch);

  std::mutex mutex_;
  std::condition_variable wake_, done_;
  Job job_;
  std::atomic<std::size_t> next_chunk_{0};
  std::size_t chunks_done_ = 0;        // guarded by mutex_
  int helpers_busy_ = 0;               // helpers holding a job, which may still take chunks
  std::uint64_t generation_ = 0;       // bumped per batch: a helper takes each job once
  bool stop_ = false;
  std::vector<MatchScratch> scratch_;  // one per helper
  std::vector<std::thread> threads_;
};

}  // namespace tapemeasure::rules
