#pragma once
// Threads that help match a large batch of lines. Matching is most of the work per line and
// needs no shared state; applying the results (metrics, events) must stay on one thread, in
// line order. So the batch is cut into chunks: helpers match chunks from the front, while
// the calling thread applies finished chunks in order, and matches a chunk itself whenever
// the next one to apply is not ready yet. Neither side waits for the other while there is
// work, and a helper that wakes late finds every chunk taken and does no harm.
//
// One caller at a time (the line-processing thread).
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
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

  // Switching rules, in two steps so that a failure (out of memory) changes nothing:
  // copies_for_helpers() makes each helper its own copy of the RE2 objects (see
  // RuleSet::clone_for_thread), use() hands them over. match() must then be given the
  // same set.
  using Copies = std::vector<std::shared_ptr<const RuleSet>>;
  Copies copies_for_helpers(const RuleSet& rules) const;
  void use(Copies copies);

  // Chunks matched by helpers so far (tests check that the parallel path really ran).
  std::uint64_t helper_chunks() const { return helper_chunks_.load(std::memory_order_relaxed); }

  // Matches `lines` (on the caller with `own_scratch`, and on the helpers) and calls
  // apply(results, index of their first line) on the calling thread for each chunk, in
  // line order. Returns when all are applied.
  using Apply = std::function<void(const MatchedBatch&, std::size_t first_line)>;
  void match(const RuleSet& set, std::span<const std::string_view> lines, bool all_fields,
             std::uint64_t first_line_no, std::uint64_t timing_sample, MatchScratch& own_scratch,
             const Apply& apply);

 private:
  struct Job {
    std::span<const std::string_view> lines;
    bool all_fields = false;
    std::uint64_t first_line_no = 0, timing_sample = 1;
    std::size_t chunks = 0;
  };
  void run(int index);
  std::size_t chunk_begin(const Job& job, std::size_t c) const { return c * job.lines.size() / job.chunks; }
  // Takes the next unclaimed chunk and matches it; false when none is left.
  bool match_one(const Job& job, const RuleSet& set, MatchScratch& scratch);
  // Leaves no chunk to take and waits until no helper holds the job: after this, nothing
  // reads the batch's lines (which the caller may free once match() returns or throws).
  void retire_job();

  std::mutex mutex_;
  std::condition_variable wake_, done_;
  Job job_;
  std::atomic<std::size_t> next_chunk_{0};
  std::atomic<std::uint64_t> helper_chunks_{0};
  std::vector<MatchedBatch> results_;  // per chunk, reused
  std::vector<char> chunk_done_;       // per chunk, guarded by mutex_
  int helpers_busy_ = 0;               // helpers holding a job, which may still take chunks
  std::uint64_t generation_ = 0;       // bumped per batch: a helper takes each job once
  bool stop_ = false;
  std::vector<MatchScratch> scratch_;                  // one per helper
  std::vector<std::shared_ptr<const RuleSet>> rules_;  // one copy per helper
  std::vector<std::thread> threads_;
};

}  // namespace tapemeasure::rules
